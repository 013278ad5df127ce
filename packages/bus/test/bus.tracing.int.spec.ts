// Spans of the NATS adapter, recorded by the real SDK set-up (`@industrial/telemetry`, in-memory
// exporter): PRODUCER `send <subject>` and CONSUMER `process <subject>` with the messaging
// attributes, one trace from the caller through the bus into the handler.

import { randomBytes } from 'node:crypto';
import { SpanKind, SpanStatusCode, trace, type SpanContext } from '@opentelemetry/api';
import { initTelemetry, resetTelemetryForTests, type TelemetryHandle } from '@industrial/telemetry';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isBusError } from '../src/errors.ts';
import { connectNatsBus } from '../src/nats/nats-bus.ts';
import { waitFor } from './test-support/wait.ts';
import type { Bus, ConsumerHandle } from '../src/types.ts';

const NATS_URL = '127.0.0.1:4222';
const silent = { warn: () => {}, error: () => {} };

type Finished = ReturnType<NonNullable<TelemetryHandle['memoryExporter']>['getFinishedSpans']>[number];

describe('Bus tracing on NATS JetStream (in-memory span exporter)', () => {
  const run = randomBytes(4).toString('hex');
  const stream = `TR_${run}`;
  const prefix = `tr.${run}`;
  let telemetry: TelemetryHandle;
  let bus: Bus;
  const handles: ConsumerHandle[] = [];

  const spans = (): Finished[] => telemetry.memoryExporter?.getFinishedSpans() ?? [];
  const span = (name: string): Finished | undefined => spans().find((s) => s.name === name);

  beforeAll(async () => {
    await resetTelemetryForTests();
    telemetry = initTelemetry({
      serviceName: 'bus-tracing-test',
      serviceVersion: '0.0.0',
      exporter: 'memory',
      sampleRatio: 1,
      logLevel: 'silent',
    });
    bus = await connectNatsBus({ servers: NATS_URL, name: 'bus-tracing-test', logger: silent });
    await bus.ensureStream({ name: stream, subjects: [`${prefix}.>`] });
  });

  afterEach(async () => {
    await Promise.all(handles.splice(0).map((h) => h.stop()));
    telemetry.memoryExporter?.reset();
  });

  afterAll(async () => {
    await bus.deleteStream(stream).catch(() => false);
    await bus.deleteStream(`${stream}_DLQ`).catch(() => false);
    await bus.close();
    await resetTelemetryForTests();
  });

  it('records send and process spans with the messaging attributes, parent and child across the bus', async () => {
    const subject = `${prefix}.reading`;
    let active: SpanContext | undefined;
    handles.push(
      await bus.consume({
        stream,
        durable: 'spans',
        handler: () => {
          active = trace.getActiveSpan()?.spanContext();
        },
      }),
    );
    const tracer = trace.getTracer('bus-tracing-test');
    const request = await tracer.startActiveSpan('handle request', async (s) => {
      await bus.publish(subject, { id: 'e-1' }, { msgId: 'e-1' });
      s.end();
      return s.spanContext();
    });
    await waitFor(() => span(`process ${subject}`) !== undefined, 'the process span');

    const send = span(`send ${subject}`);
    const processed = span(`process ${subject}`);
    expect(send?.kind).toBe(SpanKind.PRODUCER);
    expect(send?.attributes).toMatchObject({
      'messaging.system': 'nats',
      'messaging.destination.name': subject,
      'messaging.message.id': 'e-1',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
    });
    expect(send?.spanContext().traceId).toBe(request.traceId);
    expect(send?.parentSpanContext?.spanId).toBe(request.spanId);

    expect(processed?.kind).toBe(SpanKind.CONSUMER);
    expect(processed?.attributes).toMatchObject({
      'messaging.system': 'nats',
      'messaging.destination.name': subject,
      'messaging.message.id': 'e-1',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.consumer.group.name': 'spans',
    });
    // Child of the PRODUCER span, through the traceparent header.
    expect(processed?.spanContext().traceId).toBe(request.traceId);
    expect(processed?.parentSpanContext?.spanId).toBe(send?.spanContext().spanId);
    expect(processed?.status.code).not.toBe(SpanStatusCode.ERROR);
    // The handler runs inside the CONSUMER span.
    expect(active?.spanId).toBe(processed?.spanContext().spanId);
  });

  it('starts a new trace for a publish outside any span and omits the message id when there is none', async () => {
    const subject = `${prefix}.untraced`;
    handles.push(await bus.consume({ stream, durable: 'untraced', filterSubject: subject, handler: () => {} }));
    await bus.publish(subject, new Uint8Array([1]));
    await waitFor(() => span(`process ${subject}`) !== undefined, 'the process span');
    const send = span(`send ${subject}`);
    const processed = span(`process ${subject}`);
    expect(send?.parentSpanContext).toBeUndefined();
    expect(send?.attributes['messaging.message.id']).toBeUndefined();
    expect(processed?.parentSpanContext?.spanId).toBe(send?.spanContext().spanId);
    expect(processed?.attributes['messaging.message.id']).toBeUndefined();
  });

  it('marks the process span of a failing handler and the send span of a rejected publish as errors', async () => {
    const subject = `${prefix}.failing`;
    let attempts = 0;
    handles.push(
      await bus.consume({
        stream,
        durable: 'failing',
        filterSubject: subject,
        maxDeliver: 2,
        backoffMs: [50],
        handler: () => {
          attempts += 1;
          if (attempts === 1) throw new Error('boom');
        },
      }),
    );
    await bus.publish(subject, { id: 'f' });
    await waitFor(() => spans().filter((s) => s.name === `process ${subject}`).length === 2, 'both attempts');
    const [first, second] = spans().filter((s) => s.name === `process ${subject}`);
    expect(first?.status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'boom' });
    expect(first?.events.some((e) => e.name === 'exception')).toBe(true);
    expect(second?.status.code).not.toBe(SpanStatusCode.ERROR);

    const nowhere = `nostream.${run}.x`;
    await expect(bus.publish(nowhere, { id: 'x' })).rejects.toSatisfy((e: unknown) => isBusError(e));
    expect(span(`send ${nowhere}`)?.status.code).toBe(SpanStatusCode.ERROR);
  });
});
