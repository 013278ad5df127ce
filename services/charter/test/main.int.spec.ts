// The entry point as a real process (runService): a bad variable exits 2 with one message naming
// it; SIGTERM drains and exits 0, with the AI4I file or with dataops' gRPC API as its ports (the
// channel connects lazily: dataops need not be up for the charter to start).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKeySet, writeKeyMaterial } from '@industrial/access';
import { generateLedgerKeyPem } from '@industrial/eventstore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AI4I_CSV } from './fixture.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const entry = 'services/charter/src/main.ts';
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'charter-main-'));
  writeFileSync(join(dir, 'ledger.pem'), generateLedgerKeyPem().privateKeyPem, { mode: 0o600 });
  await writeKeyMaterial(join(dir, 'keys'), await createKeySet({ now: new Date() }));
  const { PATH = '', HOME = '' } = process.env;
  env = {
    PATH,
    HOME,
    CHARTER_GRPC_HOST: '127.0.0.1',
    CHARTER_GRPC_PORT: '0',
    CHARTER_HTTP_HOST: '127.0.0.1',
    CHARTER_HTTP_PORT: '0',
    EVENTSTORE: 'sqlite',
    SQLITE_PATH: join(dir, 'events.db'),
    LEDGER_KEY_FILE: join(dir, 'ledger.pem'),
    ACCESS_KEYS_DIR: join(dir, 'keys'),
    CHARTER_AI4I_CSV: AI4I_CSV,
    OTEL_EXPORTER: 'none',
    LOG_LEVEL: 'warn',
  };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('charter main', () => {
  describe('when an environment variable is malformed', () => {
    it('exits 2 with one message naming the variable', () => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', entry], {
        cwd: root,
        env: { ...env, CHARTER_GRPC_PORT: 'fifty' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.status).toBe(2);
      expect(r.stderr.trim()).toBe('charter: invalid configuration: CHARTER_GRPC_PORT must be a port number (got "fifty")');
    });
  });

  async function readyThenStop(extra: Record<string, string> = {}): Promise<number | null> {
    const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: root, env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (/charter ready grpc=\d+ http=\d+/.test(out)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`exited ${code} before ready: ${err}${out}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    return exited;
  }

  describe('when it receives SIGTERM', () => {
    it('becomes ready, then drains and exits 0', async () => {
      expect(await readyThenStop()).toBe(0);
    });
    it('does the same reading dataops over gRPC with a token file', async () => {
      writeFileSync(join(dir, 'dataops.jwt'), 'a-service-token\n', { mode: 0o600 });
      expect(await readyThenStop({ CHARTER_DATAOPS_GRPC_URL: '127.0.0.1:1', CHARTER_DATAOPS_TOKEN_FILE: join(dir, 'dataops.jwt') })).toBe(0);
    });
  });

  describe('when the dataops token file is missing', () => {
    it('fails to start (exit 1) naming the file', () => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', entry], {
        cwd: root,
        env: { ...env, CHARTER_DATAOPS_GRPC_URL: '127.0.0.1:1', CHARTER_DATAOPS_TOKEN_FILE: join(dir, 'no-such.jwt') },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.status).toBe(1);
      expect(r.stdout + r.stderr).toContain('no-such.jwt');
    });
  });
});
