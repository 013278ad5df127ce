// Deployment descriptors stay valid: docker-compose.yml (checked by docker-compose itself, no engine
// needed) and the Kubernetes manifests (parsed; every container least-privileged, probed, bounded).
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

describe('docker-compose.yml', () => {
  it('is valid and runs every platform process', () => {
    // Fails loudly when docker-compose is missing: .ci/run installs it (Debian package docker-compose).
    execFileSync('docker-compose', ['-f', join(root, 'docker-compose.yml'), 'config', '-q'], { stdio: 'pipe' });
    const services = execFileSync('docker-compose', ['-f', join(root, 'docker-compose.yml'), 'config', '--services'], { encoding: 'utf8' })
      .trim()
      .split('\n');
    for (const s of ['nats', 'postgres', 'keygen', 'relay-a', 'relay-b', 'governance', 'simulator']) expect(services).toContain(s);
  });
});

describe('Kubernetes manifests', () => {
  const dir = join(root, 'infra/k8s');
  const docs = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => ({ file: f, doc: d.toJSON() as Record<string, any> | null })));

  it('parse, and the kustomization lists every manifest', () => {
    const kustomization = docs.find((d) => d.doc?.kind === 'Kustomization');
    expect(kustomization).toBeDefined();
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...(kustomization?.doc?.resources ?? [])].sort()).toEqual(files.sort());
  });

  it('run every container as non-root, without privilege escalation, with resource limits', () => {
    const deployments = docs.filter((d) => d.doc?.kind === 'Deployment');
    expect(deployments.length).toBeGreaterThan(0);
    for (const { file, doc } of deployments) {
      const spec = doc?.spec?.template?.spec;
      expect(spec?.securityContext?.runAsNonRoot, file).toBe(true);
      for (const c of spec?.containers ?? []) {
        expect(c.securityContext?.allowPrivilegeEscalation, `${file}: ${c.name}`).toBe(false);
        expect(c.resources?.limits?.memory, `${file}: ${c.name}`).toBeDefined();
      }
    }
  });
});
