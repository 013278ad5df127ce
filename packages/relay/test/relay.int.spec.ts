// Relay takeover: the active relay is killed with SIGKILL mid-stream; the standby takes the lease
// over from the saved checkpoint; every event reaches NATS and the consumer processes each once.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectNatsBus, Deduper, type Bus } from '@industrial/bus';
import { generateLedgerKeyPem, ledgerKeyFromPem, openPostgresEventStore, type EventStore } from '@industrial/eventstore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_URL, dropRelaySchema } from './support.ts';

const child = join(import.meta.dirname, 'relay-child.ts');

function startRelay(args: string[]): { proc: ChildProcess; out: string[] } {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: string[] = [];
  proc.stdout?.on('data', (d: Buffer) => out.push(...d.toString().split('\n').filter(Boolean)));
  proc.stderr?.on('data', (d: Buffer) => out.push(`stderr ${d.toString()}`));
  return { proc, out };
}

async function waitFor(cond: () => boolean, what: string, ms = 60_000): Promise<void> {
  const t = Date.now();
  while (!cond()) {
    if (Date.now() - t > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('when the active relay is killed with SIGKILL mid-stream', () => {
  const schema = `relay_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const stream = `EVT_${schema.toUpperCase()}`;
  const prefix = `${schema}.evt.v1`;
  let store: EventStore;
  let bus: Bus;
  let keyFile: string;
  beforeAll(async () => {
    const { privateKeyPem } = generateLedgerKeyPem();
    keyFile = join(tmpdir(), `${schema}.pem`);
    writeFileSync(keyFile, privateKeyPem, { mode: 0o600 });
    store = await openPostgresEventStore({ connectionString: PG_URL, schema, ledgerKey: ledgerKeyFromPem(privateKeyPem) });
    bus = await connectNatsBus({ servers: 'nats://127.0.0.1:4222' });
  });
  afterAll(async () => {
    await store.close();
    await bus.deleteStream(stream).catch(() => false);
    await bus.deleteStream(`${stream}_DLQ`).catch(() => false);
    await bus.drain();
    await dropRelaySchema(schema);
  });

  it('a standby takes over; every event arrives on NATS and is processed exactly once', async () => {
    const total = 1500;
    const meta = { actor: 'test', role: 'service', correlationId: 'relay-test', causationId: null, traceparent: null, schemaVersion: 1 };
    const first = startRelay([PG_URL, schema, keyFile, stream, prefix]);
    await waitFor(() => first.out.some((l) => l.includes('holds the lease')), 'first relay to hold the lease');
    const standby = startRelay([PG_URL, schema, keyFile, stream, prefix]);
    // Writers keep appending while the relay runs.
    const writing = (async () => {
      for (let i = 0; i < total / 10; i++) {
        await store.append(
          `thing-${i % 7}`,
          Array.from({ length: 10 }, (_, k) => ({ id: randomUUID(), type: 'ThingCounted', data: { i, k }, metadata: meta })),
        );
      }
    })();
    await waitFor(() => first.out.some((l) => /^published (\d+)$/.test(l) && Number(l.split(' ')[1]) >= 300), 'first relay to publish some events');
    first.proc.kill('SIGKILL');
    await writing;
    await waitFor(() => standby.out.some((l) => l.includes('holds the lease')), 'standby to take over');

    const processed = new Map<string, number>();
    const dedupe = new Deduper(100_000);
    let delivered = 0;
    const consumer = await bus.consume({
      stream,
      durable: 'relay-test',
      ackWaitMs: 5_000,
      backoffMs: [100],
      handler: (m) => {
        delivered++;
        const e = m.json() as { id: string };
        if (!dedupe.firstSeen(e.id)) return;
        processed.set(e.id, (processed.get(e.id) ?? 0) + 1);
      },
    });
    await waitFor(() => processed.size >= total, `all ${total} events to be processed (got ${processed.size})`);
    await consumer.stop();
    standby.proc.kill('SIGTERM');
    const all = await store.readAll();
    expect(all.length).toBe(total);
    for (const e of all) expect(processed.get(e.id)).toBe(1);
    expect(delivered).toBeGreaterThanOrEqual(total);
  });
});
