// The Kubernetes manifests (infra/k8s, kustomize) checked offline: every document valid against the
// Kubernetes API schemas (kubernetes-models), every platform process deployed least-privileged with
// requests, limits, probes and a disruption budget, secrets mounted read-only, network policies that
// keep the OT zone reachable only through connectivity (IEC 62443 zones and conduits), and NATS through
// the official chart's values (3 nodes, file storage, fsync always, TLS).
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import * as apps from 'kubernetes-models/apps/v1';
import * as core from 'kubernetes-models/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as policy from 'kubernetes-models/policy/v1';

const root = resolve(import.meta.dirname, '..');
const dir = join(root, 'infra/k8s');
type Doc = Record<string, any>;
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
const docs = files.flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => ({ file: f, doc: d.toJSON() as Doc })));
const ofKind = (kind: string) => docs.filter((d) => d.doc.kind === kind).map((d) => d.doc);
const models: Record<string, new (o: Doc) => { validate(): void }> = {
  'apps/v1/Deployment': apps.Deployment,
  'v1/Service': core.Service,
  'v1/ConfigMap': core.ConfigMap,
  'v1/Namespace': core.Namespace,
  'v1/PersistentVolumeClaim': core.PersistentVolumeClaim,
  'policy/v1/PodDisruptionBudget': policy.PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': networking.NetworkPolicy,
};
const PROCESSES = ['relay', 'governance', 'charter', 'connectivity', 'dataops', 'training', 'inference', 'simulator', 'hmi'];

describe('Kubernetes manifests (infra/k8s)', () => {
  it('are valid against the Kubernetes API schemas, and the kustomization lists every one', () => {
    const kustomization = docs.find((d) => d.doc.kind === 'Kustomization');
    expect([...(kustomization?.doc.resources ?? [])].sort()).toEqual(files.filter((f) => f !== 'kustomization.yaml').sort());
    for (const { file, doc } of docs.filter((d) => d.doc.kind !== 'Kustomization')) {
      const Model = models[`${doc.apiVersion}/${doc.kind}`];
      expect(Model, `${file}: ${doc.apiVersion} ${doc.kind} has no schema here`).toBeDefined();
      expect(() => new (Model as NonNullable<typeof Model>)(doc).validate(), `${file}: ${doc.kind} ${doc.metadata?.name}`).not.toThrow();
    }
  });

  it('deploy every process non-root on a read-only root with a writable /tmp, bounded, probed, with a disruption budget', () => {
    const deployments = ofKind('Deployment');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual([...PROCESSES].sort());
    const pdbs = ofKind('PodDisruptionBudget');
    for (const d of deployments) {
      const name = d.metadata.name as string;
      const pod = d.spec.template.spec;
      expect(pod.securityContext.runAsNonRoot, name).toBe(true);
      expect(pod.automountServiceAccountToken, name).toBe(false);
      const [c] = pod.containers;
      expect(c.securityContext, name).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      expect(
        c.volumeMounts.find((m: Doc) => m.mountPath === '/tmp'),
        name,
      ).toBeDefined();
      for (const k of ['requests', 'limits']) for (const r of ['cpu', 'memory']) expect(c.resources?.[k]?.[r], `${name} ${k}.${r}`).toBeDefined();
      for (const p of ['readinessProbe', 'livenessProbe', 'startupProbe'])
        expect(c[p]?.httpGet?.path, `${name} ${p}`).toMatch(/^\/(readyz|healthz|metrics|signin)$/);
      // Services with an event store say ready only when it answers (/readyz); /healthz is liveness.
      if (c.ports.some((p: Doc) => p.name === 'http') && name !== 'simulator') expect(c.readinessProbe.httpGet.path, name).toBe('/readyz');
      expect(c.args[0], name).toMatch(/^dist\/.+\.js$/);
      expect(
        pdbs.some((p) => p.spec.selector.matchLabels['app.kubernetes.io/name'] === name),
        `${name} PDB`,
      ).toBe(true);
      // Replicated unless it documents a single active instance.
      if (!['relay', 'connectivity', 'simulator'].includes(name)) expect(d.spec.replicas, name).toBeGreaterThanOrEqual(2);
      // Keys and certificates from secrets, read-only.
      for (const m of c.volumeMounts.filter((m: Doc) => ['keys', 'tls'].includes(m.name))) expect(m.readOnly, `${name} ${m.name}`).toBe(true);
    }
    expect(ofKind('Deployment').find((d) => d.metadata.name === 'relay')?.spec.replicas).toBe(2);
    expect(ofKind('Deployment').find((d) => d.metadata.name === 'connectivity')?.spec.strategy.type).toBe('Recreate');
  });

  it('zone the OT side: default deny, only connectivity reaches the OT zone or network, the OT zone accepts only connectivity', () => {
    const policies = ofKind('NetworkPolicy');
    const deny = policies.find((p) => p.metadata.name === 'default-deny');
    expect(deny?.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const zoneOf = (name: string) => ofKind('Deployment').find((d) => d.metadata.name === name)?.spec.template.metadata.labels['industrial-ai/zone'];
    expect(zoneOf('connectivity')).toBe('ot-conduit');
    expect(zoneOf('simulator')).toBe('ot');
    for (const p of PROCESSES.filter((n) => !['connectivity', 'simulator'].includes(n))) expect(zoneOf(p), p).toBe('platform');
    // Egress towards the OT zone (pods labelled ot, or an ipBlock on an OT port) only in policies that select the conduit alone.
    for (const p of policies) {
      const toOt = (p.spec.egress ?? []).some((e: Doc) =>
        (e.to ?? []).some(
          (t: Doc) =>
            t.podSelector?.matchLabels?.['industrial-ai/zone'] === 'ot' ||
            (t.ipBlock !== undefined && (e.ports ?? []).some((port: Doc) => [4840, 8883, 502].includes(port.port))),
        ),
      );
      if (toOt) expect(p.spec.podSelector, p.metadata.name).toEqual({ matchLabels: { 'industrial-ai/zone': 'ot-conduit' } });
    }
    const ot = policies.find((p) => p.spec.podSelector?.matchLabels?.['industrial-ai/zone'] === 'ot');
    expect(ot?.spec.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { 'industrial-ai/zone': 'ot-conduit' } } }], ports: [{ protocol: 'TCP', port: 4840 }] },
    ]);
  });

  it('run NATS from the official chart: 3 nodes, JetStream file storage, sync_interval always, TLS, nkey users; services list every node with R3 streams', () => {
    const values = parse(readFileSync(join(root, 'infra/nats/helm-values.yaml'), 'utf8')) as Doc;
    expect(values.config.cluster).toMatchObject({ enabled: true, replicas: 3, tls: { enabled: true } });
    expect(values.config.jetstream).toMatchObject({ enabled: true, fileStore: { enabled: true, pvc: { enabled: true } }, merge: { sync_interval: 'always' } });
    expect(values.config.nats.tls.enabled).toBe(true);
    expect(values.config.merge.$include).toMatch(/auth\.conf$/);
    const config = ofKind('ConfigMap').find((c) => c.metadata.name === 'platform-config')?.data as Doc;
    expect(config.NATS_URL.split(',')).toHaveLength(3);
    expect(config.NATS_STREAM_REPLICAS).toBe('3');
    expect(Number(config.NATS_STREAM_UNS_MAX_BYTES)).toBeGreaterThan(0);
  });
});
