// The relay process (main.ts on runService) against the real PostgreSQL and NATS: it prints its
// ready line, one of two takes the lease, and both stop cleanly (exit 0) on SIGTERM — the waiting
// one included.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateLedgerKeyPem } from '@industrial/eventstore';
import { afterAll, describe, expect, it } from 'vitest';
import { PG_URL, dropRelaySchema } from './support.ts';

const main = join(import.meta.dirname, '../src/main.ts');

function start(env: Record<string, string>): { proc: ChildProcess; out: () => string; exited: Promise<number | null> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', main], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  proc.stdout?.on('data', (d: Buffer) => (text += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, out: () => text, exited };
}

async function until(cond: () => boolean, what: string, out: () => string, ms = 60_000): Promise<void> {
  const t = Date.now();
  while (!cond()) {
    if (Date.now() - t > ms) throw new Error(`timed out waiting for ${what}; output:\n${out()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('relay main.ts on runService', () => {
  const schema = `relay_main_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
  const dir = mkdtempSync(join(tmpdir(), 'relay-main-'));
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await dropRelaySchema(schema);
  });

  it('prints its ready line, one of two holds the lease, and both exit 0 on SIGTERM', async () => {
    const keyFile = join(dir, 'ledger-key.pub.pem');
    writeFileSync(keyFile, generateLedgerKeyPem().publicKeyPem);
    const env = { PG_URL, PG_SCHEMA: schema, LEDGER_KEY_FILE: keyFile, LOG_LEVEL: 'info' };
    const a = start(env);
    try {
      await until(() => a.out().includes('relay holds the lease'), 'the first relay to hold the lease', a.out);
      expect(a.out()).toContain(`relay ready schema=${schema}`);
      const b = start(env);
      try {
        await until(() => b.out().includes(`relay ready schema=${schema}`), 'the second relay to be ready', b.out);
        await new Promise((r) => setTimeout(r, 500));
        expect(b.out()).not.toContain('relay holds the lease');
        b.proc.kill('SIGTERM');
        expect(await b.exited, b.out()).toBe(0);
      } finally {
        if (b.proc.exitCode === null) b.proc.kill('SIGKILL');
      }
      a.proc.kill('SIGTERM');
      expect(await a.exited, a.out()).toBe(0);
    } finally {
      if (a.proc.exitCode === null) a.proc.kill('SIGKILL');
    }
  });
});
