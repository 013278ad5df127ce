// Readiness and consumer lag on the real NATS (issue 20, item 5 and the consumer-lag metric): a
// consumer further behind than the bus's readyMaxPending makes the process not ready — /readyz
// answers 503 and /status names the consumer and its pending count — and the lag is scraped as
// messaging_consumer_lag with the stream and durable; once the consumer stops, the process is ready again.
import { randomUUID } from 'node:crypto';
import { initTelemetry, resetTelemetryForTests, type TelemetryHandle } from '@industrial/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNatsBus } from '../src/nats/nats-bus.ts';
import type { Bus } from '../src/index.ts';

const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const silent = { warn: () => {}, error: () => {} };

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

interface Status {
  status: string;
  dependencies: { name: string; kind: string; required: boolean; ok: boolean; detail: string }[];
}

describe('readiness of a process with a NATS consumer', () => {
  const run = randomUUID().replaceAll('-', '').slice(0, 10);
  const stream = `READY_${run}`;
  const subject = `ready${run}.reading`;
  let telemetry: TelemetryHandle;
  let bus: Bus;
  let base: string;

  beforeAll(async () => {
    await resetTelemetryForTests();
    telemetry = initTelemetry({
      serviceName: 'bus-readiness-test',
      serviceVersion: '0.0.0',
      exporter: 'none',
      sampleRatio: 1,
      logLevel: 'silent',
      metricsEndpoint: { host: '127.0.0.1', port: 0 },
    });
    const endpoint = await telemetry.serveMetrics();
    base = `http://127.0.0.1:${endpoint?.port}`;
    bus = await connectNatsBus({ servers: NATS_URL, name: 'bus-readiness-test', logger: silent, readyMaxPending: 5 });
    await bus.ensureStream({ name: stream, subjects: [`ready${run}.>`] });
  });

  afterAll(async () => {
    await bus.deleteStream(stream).catch(() => false);
    await bus.deleteStream(`${stream}_DLQ`).catch(() => false);
    await bus.close();
    await resetTelemetryForTests();
  });

  const status = async (path: '/readyz' | '/status'): Promise<{ code: number; body: Status }> => {
    const r = await fetch(`${base}${path}`);
    return { code: r.status, body: (await r.json()) as Status };
  };

  it('is not ready while a consumer is further behind than the limit, names it, and serves its lag', async () => {
    expect((await status('/readyz')).code).toBe(200);
    expect((await status('/status')).body.dependencies).toEqual([
      { name: 'nats', kind: 'messaging', required: true, ok: true, detail: expect.stringMatching(/^round trip/) },
    ]);
    for (let i = 0; i < 20; i++) await bus.publish(subject, { i }, { msgId: `${run}-${i}` });
    // A stuck handler: the first delivery never settles, everything behind it stays pending.
    let release = (): void => undefined;
    const stuck = new Promise<void>((r) => (release = r));
    const handle = await bus.consume({ stream, durable: 'stuck', prefetch: 1, handler: () => stuck });
    const consumer = `nats consumer ${stream}/stuck`;
    let ready = await status('/readyz');
    await until(async () => (ready = await status('/readyz')).code === 503, 'readyz 503');
    expect(ready.body.status).toBe('not-ready');
    const listed = (await status('/status')).body.dependencies.find((d) => d.name === consumer);
    expect(listed).toMatchObject({ kind: 'consumer', required: true, ok: false });
    expect(listed?.detail).toMatch(/^(1[5-9]|20) pending, \d+ unacknowledged \(limit 5 pending\)$/);
    // The lag gauge, per stream and durable.
    let text = '';
    await until(async () => /messaging_consumer_lag\{[^}]*\} (1[5-9]|20)\b/.test((text = await (await fetch(`${base}/metrics`)).text())), 'the lag gauge');
    const line = text.split('\n').find((l) => l.startsWith('messaging_consumer_lag{')) ?? '';
    expect(line).toContain('messaging_consumer_group_name="stuck"');
    expect(line).toContain(`messaging_destination_name="${stream}"`);
    expect(line).toContain('messaging_system="nats"');
    release();
    await handle.stop();
    expect((await status('/readyz')).code).toBe(200);
    expect((await status('/status')).body.dependencies.map((d) => d.name)).toEqual(['nats']);
  });
});
