// The standalone entry point as a real process: a malformed variable exits 2 with one message
// naming it; SIGTERM stops it cleanly with exit 0.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKeySet, writeKeyMaterial } from '@industrial/access';
import { generateLedgerKeyPem } from '@industrial/eventstore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const entry = 'services/training/src/main.ts';
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'training-main-'));
  writeFileSync(join(dir, 'ledger.pem'), generateLedgerKeyPem().privateKeyPem, { mode: 0o600 });
  await writeKeyMaterial(join(dir, 'keys'), await createKeySet({ now: new Date() }));
  const { PATH = '', HOME = '' } = process.env;
  env = {
    PATH,
    HOME,
    TRAINING_GRPC_HOST: '127.0.0.1',
    TRAINING_GRPC_PORT: '0',
    TRAINING_HTTP_HOST: '127.0.0.1',
    TRAINING_HTTP_PORT: '0',
    TRAINING_ARTIFACT_DIR: join(dir, 'artifacts'),
    SNAPSHOT_DIR: join(dir, 'snapshots'),
    EVENTSTORE: 'sqlite',
    SQLITE_PATH: join(dir, 'events.db'),
    LEDGER_KEY_FILE: join(dir, 'ledger.pem'),
    ACCESS_KEYS_DIR: join(dir, 'keys'),
    // Governance is not started here: the client connects on the first registration only.
    TRAINING_GOVERNANCE_ADDRESS: '127.0.0.1:1',
    TRAINING_GOVERNANCE_TOKEN_FILE: join(dir, 'governance.jwt'),
    OTEL_EXPORTER: 'none',
    LOG_LEVEL: 'warn',
  };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('training main', () => {
  it('exits 2 naming the malformed variable', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', entry], {
      cwd: root,
      env: { ...env, TRAINING_CONCURRENCY: 'two' },
      encoding: 'utf8',
      // 90 s: tsx compiling the service before it reads its config took over 30 s on a loaded machine (killed: status null)
      timeout: 90_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^training: invalid configuration: TRAINING_CONCURRENCY must be a number \(got "two"\)/);
  });

  it('starts, answers /readyz, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '',
      err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const ready = await new Promise<RegExpExecArray>((resolve, reject) => {
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /training ready grpc=(\d+) http=(\d+)/.exec(out);
        if (m) resolve(m);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
    });
    const res = await fetch(`http://127.0.0.1:${ready[2]}/readyz`);
    expect(res.status).toBe(200);
    const code = await new Promise<number | null>((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGTERM');
    });
    expect(code, err).toBe(0);
  });
});
