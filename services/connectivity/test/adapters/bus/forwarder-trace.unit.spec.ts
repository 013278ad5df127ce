// The forwarder publishes each batch in the trace of the OPC UA read that produced it (issue 20),
// also when the batch waits for its asset's previous publish: two reads of one asset, offered while
// the first is in flight, are published under their own read's span, not under the one in flight.
import { context, ROOT_CONTEXT, trace } from '@industrial/telemetry/api';
import { initTelemetry, resetTelemetryForTests } from '@industrial/telemetry';
import type { Bus } from '@industrial/bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_SOURCE as SRC, fixtureBatch } from '../../batch-fixture.ts';
import { SqliteBuffer } from '../../../src/adapters/buffer/sqlite-buffer.ts';
import { createForwarder } from '../../../src/adapters/bus/forwarder.ts';

describe('the forwarder and the read that produced a batch', () => {
  beforeAll(async () => {
    await resetTelemetryForTests();
    initTelemetry({ serviceName: 'connectivity', serviceVersion: 'test', exporter: 'memory', sampleRatio: 1, logLevel: 'silent' });
  });
  afterAll(() => resetTelemetryForTests());

  it('publishes each batch in its own read’s context', async () => {
    const published: { msgId: string; traceId: string | undefined }[] = [];
    const bus = {
      publish(_subject: string, _payload: Uint8Array, options: { msgId?: string } = {}) {
        published.push({ msgId: options.msgId!, traceId: trace.getSpanContext(context.active())?.traceId });
        return new Promise((r) => setTimeout(() => r({ stream: 'UNS', seq: published.length, duplicate: false }), 5));
      },
    } as unknown as Bus;
    const buffer = new SqliteBuffer({ path: ':memory:' });
    const forwarder = createForwarder({ buffer, bus, logger: { info: () => {}, warn: () => {} }, window: 8, ensureStream: async () => {} });
    await new Promise((r) => setTimeout(r, 10));
    const tracer = trace.getTracer('test');
    const reads = [1, 2, 3].map(() => tracer.startSpan('opcua.Subscription/Publish', {}, ROOT_CONTEXT));
    const ids: string[] = [];
    for (const [i, read] of reads.entries()) {
      context.with(trace.setSpan(ROOT_CONTEXT, read), () => {
        // the same asset every time: each waits for the previous one's PubAck
        const { rows } = buffer.append({ sourceId: SRC, capacity: 1000, policy: 'drop-oldest', batches: [fixtureBatch(i + 1, 1)] });
        ids.push(rows[0]!.batchId);
        forwarder.offer(rows);
      });
    }
    expect(await forwarder.flush(5_000)).toBe(true);
    await forwarder.stop();
    buffer.close();
    expect(published.map((p) => p.msgId)).toEqual(ids);
    expect(published.map((p) => p.traceId)).toEqual(reads.map((r) => r.spanContext().traceId));
  });
});
