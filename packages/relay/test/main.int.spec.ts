// The relay process (main.ts on runService) against the real PostgreSQL and NATS: it prints its
// ready line, one of two takes the lease, and both stop cleanly (exit 0) on SIGTERM — the waiting
// one included. The events it publishes (under its own NATS_PREFIX) are signed: a consumer that
// verifies with the key derived from the same ledger key applies them. A public ledger key is refused.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectNatsBus, eventSigningKeyFromPem, eventVerifier, type Bus } from '@industrial/bus';
import { generateLedgerKeyPem, ledgerKeyFromPem, openPostgresEventStore } from '@industrial/eventstore';
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
  const prefix = `relaymain${randomUUID().slice(0, 8)}`;
  const { privateKeyPem, publicKeyPem } = generateLedgerKeyPem();
  let bus: Bus | undefined;
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    if (bus !== undefined) {
      for (const s of ['EVENTS', 'EVENTS_DLQ']) await bus.deleteStream(s).catch(() => false);
      await bus.drain();
    }
    await dropRelaySchema(schema);
  });

  it('refuses a public ledger key (it cannot sign) and exits 1 naming LEDGER_KEY_FILE', async () => {
    const keyFile = join(dir, 'ledger-key.pub.pem');
    writeFileSync(keyFile, publicKeyPem);
    const r = start({ PG_URL, PG_SCHEMA: schema, LEDGER_KEY_FILE: keyFile, NATS_PREFIX: prefix });
    expect(await r.exited, r.out()).toBe(1);
    expect(r.out()).toMatch(/LEDGER_KEY_FILE .*no private key/);
  });

  it('prints its ready line, one of two holds the lease, and both exit 0 on SIGTERM', async () => {
    const keyFile = join(dir, 'ledger-key.pem');
    writeFileSync(keyFile, privateKeyPem, { mode: 0o600 });
    const env = { PG_URL, PG_SCHEMA: schema, LEDGER_KEY_FILE: keyFile, LOG_LEVEL: 'info', NATS_PREFIX: prefix };
    const a = start(env);
    try {
      await until(() => a.out().includes('relay holds the lease'), 'the first relay to hold the lease', a.out);
      expect(a.out()).toContain(`relay ready schema=${schema}`);
      // A committed event reaches a verifying consumer of this deployment's prefix.
      const store = await openPostgresEventStore({ connectionString: PG_URL, schema, ledgerKey: ledgerKeyFromPem(privateKeyPem) });
      const id = randomUUID();
      const meta = { actor: 'test', role: 'service', correlationId: 'relay-main', causationId: null, traceparent: null, schemaVersion: 1 };
      await store.append('thing-1', [{ id, type: 'ThingCounted', data: { n: 1 }, metadata: meta }]);
      await store.close();
      bus = await connectNatsBus({ servers: 'nats://127.0.0.1:4222', prefix, verifyEvents: eventVerifier(eventSigningKeyFromPem(privateKeyPem)) });
      const applied: string[] = [];
      const h = await bus.consume({ stream: 'EVENTS', durable: 'verifier', handler: (m) => void applied.push(m.msgId ?? '') });
      await until(() => applied.length > 0, 'the relayed event to be applied', a.out);
      await h.stop();
      expect(applied).toEqual([id]);
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
