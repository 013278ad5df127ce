// The bus's spans in a trace head-sampled out upstream (issue 20): no `send`/`process` span is started
// (a parent-based sampler would drop it), the message and the handler carry the incoming context as is,
// and an important span downstream (a prompt) still joins that trace. A sampled trace keeps its spans.
import { SpanKind, trace } from '@opentelemetry/api';
import { importantSpanOptions } from '@industrial/telemetry/api';
import { initTelemetry, resetTelemetryForTests, type TelemetryHandle } from '@industrial/telemetry';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tracePublish, traceProcess } from '../src/tracing.ts';

const silent = { warn: () => {}, error: () => {} };
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';

describe('bus tracing in an unsampled trace (SDK, ratio 0)', () => {
  let telemetry: TelemetryHandle;
  const spans = () => telemetry.memoryExporter?.getFinishedSpans() ?? [];

  beforeAll(async () => {
    await resetTelemetryForTests();
    telemetry = initTelemetry({ serviceName: 'bus-unit', serviceVersion: '0.0.0', exporter: 'memory', sampleRatio: 0, logLevel: 'silent' });
  });
  afterEach(() => telemetry.memoryExporter?.reset());
  afterAll(async () => {
    await resetTelemetryForTests();
  });

  const info = (flags: '00' | '01') => ({
    system: 'nats',
    subject: 'uns.e.p.a',
    msgId: 'm-1',
    durable: 'inference',
    headers: { traceparent: `00-${TRACE}-${PARENT}-${flags}` },
  });

  it('runs the handler in the incoming unsampled context, records no span and forwards the same trace', async () => {
    const out: Record<string, string> = {};
    const seen = await traceProcess(info('00'), silent, async () => {
      const sc = trace.getActiveSpan()?.spanContext();
      await tracePublish('nats', 'evt.x', 'e-1', out, silent, async () => undefined);
      const prompt = trace.getTracer('t').startSpan('raise recommendation', importantSpanOptions());
      prompt.end();
      return sc;
    });
    expect(seen).toMatchObject({ traceId: TRACE, spanId: PARENT, traceFlags: 0 });
    expect(out['traceparent']).toBe(`00-${TRACE}-${PARENT}-00`);
    // Only the important span is recorded, in the incoming trace.
    expect(spans().map((s) => s.name)).toEqual(['raise recommendation']);
    expect(spans()[0]?.spanContext().traceId).toBe(TRACE);
    expect(spans()[0]?.parentSpanContext?.spanId).toBe(PARENT);
  });

  it('records the process span with its messaging attributes when the incoming trace is sampled', async () => {
    const out: Record<string, string> = {};
    await traceProcess(info('01'), silent, () => tracePublish('nats', 'evt.x', undefined, out, silent, async () => undefined));
    const process = spans().find((s) => s.name === 'process uns.e.p.a');
    const send = spans().find((s) => s.name === 'send evt.x');
    expect(process?.kind).toBe(SpanKind.CONSUMER);
    expect(process?.parentSpanContext?.spanId).toBe(PARENT);
    expect(process?.attributes).toMatchObject({
      'messaging.system': 'nats',
      'messaging.destination.name': 'uns.e.p.a',
      'messaging.operation.type': 'process',
      'messaging.consumer.group.name': 'inference',
      'messaging.message.id': 'm-1',
    });
    expect(send?.attributes).toMatchObject({ 'messaging.destination.name': 'evt.x', 'messaging.operation.type': 'send' });
    expect(send?.attributes).not.toHaveProperty('messaging.message.id');
    expect(out['traceparent']).toBe(`00-${TRACE}-${send?.spanContext().spanId}-01`);
  });

  it('starts a new unsampled trace for a publish outside any span and records nothing', async () => {
    const out: Record<string, string> = {};
    await tracePublish('nats', 'uns.e.p.a', 'm-2', out, silent, async () => undefined);
    expect(out['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    expect(out['traceparent']).not.toContain(TRACE);
    expect(spans()).toHaveLength(0);
  });
});
