// Crash test: a writer appending in a loop is killed with SIGKILL. Every append it reported as
// acknowledged is in the store exactly once; a restarted writer retrying the same ids adds nothing
// for those (idempotency is checked before the expected revision).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateLedgerKeyPem, ledgerKeyFromPem, openPostgresEventStore, openSqliteEventStore, type EventStore } from '../src/index.ts';
import { PG_URL } from './harness.ts';
import pg from 'pg';

const writer = join(import.meta.dirname, 'crash-writer.ts');

function runWriter(args: string[], killAfterAcks: number | null): Promise<{ acked: number[]; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: number[] = [];
    let buf = '';
    let err = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^ack (\d+)$/.exec(line);
        if (m) acked.push(Number(m[1]));
        if (killAfterAcks !== null && acked.length >= killAfterAcks && !killed) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' || code === 0) resolve({ acked, killed });
      else reject(new Error(`writer exited ${code}: ${err}`));
    });
  });
}

for (const adapter of ['postgres', 'sqlite'] as const) {
  describe(`when a writer is killed with SIGKILL mid-loop (${adapter})`, () => {
    it('keeps every acknowledged append exactly once, and a restarted writer retrying the same ids adds nothing', async () => {
      const keyFile = join(tmpdir(), `ledger-${randomUUID()}.pem`);
      const { privateKeyPem } = generateLedgerKeyPem();
      writeFileSync(keyFile, privateKeyPem, { mode: 0o600 });
      const target = adapter === 'postgres' ? `crash_${randomUUID().replaceAll('-', '').slice(0, 12)}` : join(tmpdir(), `crash-${randomUUID()}.db`);
      const total = 400;
      const first = await runWriter([adapter, target, keyFile, '0', String(total)], 150);
      expect(first.killed).toBe(true);
      expect(first.acked.length).toBeGreaterThanOrEqual(150);
      const open = (): Promise<EventStore> =>
        adapter === 'postgres'
          ? openPostgresEventStore({ connectionString: PG_URL, schema: target, ledgerKey: ledgerKeyFromPem(privateKeyPem) })
          : openSqliteEventStore({ path: target, ledgerKey: ledgerKeyFromPem(privateKeyPem) });
      let store = await open();
      const afterCrash = await store.readStream('crash-1');
      const counts = new Map<number, number>();
      for (const e of afterCrash) {
        const i = (e.data as { i: number }).i;
        counts.set(i, (counts.get(i) ?? 0) + 1);
      }
      for (const i of first.acked) expect(counts.get(i)).toBe(1);
      // At most one append was in flight when the writer died.
      expect(afterCrash.length - first.acked.length).toBeLessThanOrEqual(1);
      expect((await store.verify()).ok).toBe(true);
      await store.close();

      // Restart: retry everything from 0 (the acked ones and the one that may have been in flight).
      const lastAttempted = (first.acked.at(-1) ?? -1) + 1;
      const second = await runWriter([adapter, target, keyFile, '0', String(lastAttempted + 1)], null);
      expect(second.acked.length).toBe(lastAttempted + 1);
      store = await open();
      const afterRetry = await store.readStream('crash-1');
      expect(afterRetry.length).toBe(lastAttempted + 1);
      expect(afterRetry.map((e) => (e.data as { i: number }).i)).toEqual(Array.from({ length: lastAttempted + 1 }, (_, i) => i));
      expect(afterRetry.slice(0, afterCrash.length).map((e) => e.id)).toEqual(afterCrash.map((e) => e.id));
      expect((await store.verify()).ok).toBe(true);
      await store.close();
      if (adapter === 'postgres') {
        const c = new pg.Client({ connectionString: PG_URL });
        await c.connect();
        await c.query(`DROP SCHEMA ${target} CASCADE`);
        await c.end();
      }
    });
  });
}
