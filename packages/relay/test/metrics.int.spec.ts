// The relay's lag and activity on a Prometheus scrape: a relay waiting for its lease reports
// relay_active 0 and no lag; once it holds the lease and has relayed every event, relay_active 1
// and relay_lag 0; stopped, it reports relay_active 0 again.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInProcBus } from '@industrial/bus';
import { generateLedgerKeyPem, ledgerKeyFromPem, openSqliteEventStore, type EventStore } from '@industrial/eventstore';
import { initTelemetry, resetTelemetryForTests } from '@industrial/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relayMetrics } from '../src/metrics.ts';
import { createRelay, memoryCoordination } from '../src/relay.ts';

const meta = { actor: 'test', role: 'service', correlationId: 'relay-metrics', causationId: null, traceparent: null, schemaVersion: 1 };

describe('relay metrics', () => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-metrics-'));
  let store: EventStore;
  let scrape: () => Promise<string>;

  beforeAll(async () => {
    await resetTelemetryForTests();
    const telemetry = initTelemetry({
      serviceName: 'relay',
      serviceVersion: 'test',
      exporter: 'none',
      sampleRatio: 1,
      logLevel: 'silent',
      metricsEndpoint: { host: '127.0.0.1', port: 0 },
    });
    const endpoint = await telemetry.serveMetrics();
    scrape = () => fetch(endpoint?.url ?? '').then((r) => r.text());
    store = await openSqliteEventStore({ path: join(dir, 'events.db'), ledgerKey: ledgerKeyFromPem(generateLedgerKeyPem().privateKeyPem) });
  });
  afterAll(async () => {
    await store.close();
    await resetTelemetryForTests();
    rmSync(dir, { recursive: true, force: true });
  });

  const append = (n: number) =>
    store.append(
      `thing-${randomUUID()}`,
      Array.from({ length: n }, (_, i) => ({ id: randomUUID(), type: 'ThingCounted', data: { i }, metadata: meta })),
    );
  const value = (text: string, name: string): number | null => {
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`));
    return line === undefined ? null : Number(line.split(' ').at(-1));
  };

  it('reports the lag only while active, zero once caught up', async () => {
    await append(5);
    const coordination = memoryCoordination();
    let release = (): void => undefined;
    const held = new Promise<void>((r) => (release = r));
    // A lease that is granted only when the test says so: the relay waits like a standby first.
    const lease = {
      ...coordination.lease,
      acquire: async (signal: AbortSignal): Promise<void> => {
        await held;
        await coordination.lease.acquire(signal);
      },
    };
    const bus = createInProcBus();
    const relay = createRelay({ store, bus, lease, checkpoints: coordination.checkpoints, checkpointEveryMs: 10 });
    const unregister = relayMetrics(store, relay);
    void relay.run();
    let text = await scrape();
    expect(value(text, 'relay_active')).toBe(0);
    expect(value(text, 'relay_lag')).toBeNull();
    release();
    for (let i = 0; i < 300 && relay.relayed < 5; i++) await new Promise((r) => setTimeout(r, 20));
    text = await scrape();
    expect(value(text, 'relay_active')).toBe(1);
    expect(value(text, 'relay_lag')).toBe(0);
    await relay.stop();
    await append(3);
    text = await scrape();
    expect(value(text, 'relay_active')).toBe(0);
    unregister();
    await bus.drain();
  });
});
