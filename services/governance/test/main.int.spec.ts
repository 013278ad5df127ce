// The standalone entry point as a real process: config errors exit 2 with one message naming the
// variable; SIGTERM drains, anchors the chain head, closes the store and exits 0.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKeySet, writeKeyMaterial } from '@industrial/access';
import { eventValidator } from '@industrial/contracts';
import { generateLedgerKeyPem, ledgerKeyFromPem, openSqliteEventStore } from '@industrial/eventstore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleEvent, streamFor } from './fixture.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const entry = 'services/governance/src/main.ts';
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gov-main-'));
  const pem = generateLedgerKeyPem().privateKeyPem;
  writeFileSync(join(dir, 'ledger.pem'), pem, { mode: 0o600 });
  // One event, so that there is a chain head to anchor on shutdown.
  const store = await openSqliteEventStore({ path: join(dir, 'events.db'), ledgerKey: ledgerKeyFromPem(pem), validator: eventValidator });
  await store.append(streamFor('ObjectiveSet', 'u-1'), [exampleEvent('ObjectiveSet')]);
  await store.close();
  await writeKeyMaterial(join(dir, 'keys'), await createKeySet({ now: new Date() }));
  const { PATH = '', HOME = '' } = process.env;
  env = {
    PATH,
    HOME,
    GOVERNANCE_GRPC_HOST: '127.0.0.1',
    GOVERNANCE_GRPC_PORT: '0',
    GOVERNANCE_HTTP_HOST: '127.0.0.1',
    GOVERNANCE_HTTP_PORT: '0',
    EVENTSTORE: 'sqlite',
    SQLITE_PATH: join(dir, 'events.db'),
    LEDGER_KEY_FILE: join(dir, 'ledger.pem'),
    ANCHOR_FILE: join(dir, 'anchors.jsonl'),
    ACCESS_KEYS_DIR: join(dir, 'keys'),
    OTEL_EXPORTER: 'none',
    LOG_LEVEL: 'warn',
  };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('governance main', () => {
  describe('when an environment variable is malformed', () => {
    it('exits 2 with one message naming the variable', () => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', entry], {
        cwd: root,
        env: { ...env, GOVERNANCE_HTTP_PORT: 'eighty' },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(r.status).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^governance: invalid configuration: GOVERNANCE_HTTP_PORT .*"eighty"/);
    });
  });

  describe('when it receives SIGTERM', () => {
    it('stops, anchors the chain head and exits 0', async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const start = Date.now();
      while (!/governance ready grpc=\d+ http=(\d+)/.test(out)) {
        if (Date.now() - start > 30_000 || child.exitCode !== null) throw new Error(`governance did not start: ${out}${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const httpPort = /http=(\d+)/.exec(out)?.[1];
      expect((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited, err).toBe(0);
      expect(readFileSync(join(dir, 'anchors.jsonl'), 'utf8')).toContain('"signature"');
    });
  });
});
