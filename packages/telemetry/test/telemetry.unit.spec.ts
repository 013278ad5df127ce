// initTelemetry with the in-memory exporter: resource, propagation, sampling, logs, shutdown.
// Every test starts from resetTelemetryForTests(), so the global provider registered by one
// test (or by another file in the same worker) never leaks into the next.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { globalErrorHandler } from '@opentelemetry/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  IMPORTANT_ATTRIBUTE,
  InvalidTelemetryConfigError,
  MessagingOperationType,
  TelemetryAlreadyInitializedError,
  createLogger,
  currentTraceparent,
  extractFromCarrier,
  extractFromMetadata,
  importantSpanOptions,
  initTelemetry,
  injectToCarrier,
  injectToMetadata,
  resetTelemetryForTests,
  withSpan,
} from '../src/index.ts';
import type { TelemetryConfig, TelemetryHandle } from '../src/index.ts';
import { FakeMetadata, memoryDestination } from './support.ts';

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

const baseConfig: TelemetryConfig = {
  serviceName: 'inference',
  serviceVersion: '1.2.3',
  exporter: 'memory',
  sampleRatio: 1,
  logLevel: 'silent',
};

function start(overrides: Partial<TelemetryConfig> = {}): TelemetryHandle & { memory: NonNullable<TelemetryHandle['memoryExporter']> } {
  const handle = initTelemetry({ ...baseConfig, ...overrides });
  if (handle.memoryExporter === undefined) throw new Error('expected the memory exporter');
  return Object.assign(handle, { memory: handle.memoryExporter });
}

const finishedNames = (handle: { memory: NonNullable<TelemetryHandle['memoryExporter']> }) => handle.memory.getFinishedSpans().map((span) => span.name);

beforeEach(async () => {
  await resetTelemetryForTests();
});

afterEach(async () => {
  await resetTelemetryForTests();
});

describe('initTelemetry', () => {
  describe('when exporting to memory', () => {
    it('exports spans with service.name and service.version on the resource', () => {
      const handle = start();
      trace.getTracer('test').startSpan('score batch').end();

      const [span] = handle.memory.getFinishedSpans();
      expect(span?.name).toBe('score batch');
      expect(span?.resource.attributes['service.name']).toBe('inference');
      expect(span?.resource.attributes['service.version']).toBe('1.2.3');
    });
  });

  describe('when a library uses the API re-exported by @industrial/telemetry/api', () => {
    it('gets the registered provider, not a no-op', async () => {
      const handle = start();
      const { trace: apiTrace } = await import('@industrial/telemetry/api');
      apiTrace.getTracer('library').startSpan('read tag').end();
      expect(finishedNames(handle)).toEqual(['read tag']);
    });
  });

  describe('when called a second time', () => {
    it('throws TelemetryAlreadyInitializedError naming the service', () => {
      start();
      expect(() => initTelemetry(baseConfig)).toThrow(TelemetryAlreadyInitializedError);
      expect(() => initTelemetry(baseConfig)).toThrow(/once per process.*"inference"/);
    });

    it('works again after resetTelemetryForTests()', async () => {
      start();
      await resetTelemetryForTests();
      expect(() => start({ serviceName: 'training' })).not.toThrow();
    });
  });

  describe('when the SDK reports an error (a failed background export)', () => {
    it('logs it through the telemetry logger, rate-limited, instead of throwing', () => {
      const destination = memoryDestination();
      initTelemetry(baseConfig, { logger: createLogger('telemetry', { level: 'warn', destination }) });

      globalErrorHandler(new Error('export timed out'));
      globalErrorHandler(new Error('export timed out'));

      const records = destination.records();
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ level: 40, err: { message: 'export timed out' } });
    });
  });

  describe('when the config is invalid', () => {
    it('rejects a sample ratio outside 0..1 and names the field', () => {
      const attempt = () => initTelemetry({ ...baseConfig, sampleRatio: 1.5 });
      expect(attempt).toThrow(InvalidTelemetryConfigError);
      expect(attempt).toThrow(/sampleRatio/);
    });

    it('rejects an empty service name', () => {
      expect(() => initTelemetry({ ...baseConfig, serviceName: ' ' })).toThrow(/serviceName/);
    });
  });
});

describe('propagation through a plain carrier (NATS headers)', () => {
  it('gives the consumer span the producer trace id and the producer span as parent', () => {
    const handle = start();
    const tracer = trace.getTracer('bus');

    const producer = tracer.startSpan('send plant.events', {
      kind: SpanKind.PRODUCER,
      attributes: {
        [ATTR_MESSAGING_SYSTEM]: 'nats',
        [ATTR_MESSAGING_OPERATION_TYPE]: MessagingOperationType.SEND,
        [ATTR_MESSAGING_DESTINATION_NAME]: 'plant.events',
      },
    });
    const headers = injectToCarrier(trace.setSpan(context.active(), producer), {});
    producer.end();

    expect(headers['traceparent']).toMatch(TRACEPARENT);

    // The consumer side sees only the headers, from a clean context.
    const consumerContext = extractFromCarrier({ ...headers }, context.active());
    const consumer = tracer.startSpan('process plant.events', { kind: SpanKind.CONSUMER }, consumerContext);
    consumer.end();

    const [sent, processed] = handle.memory.getFinishedSpans();
    expect(sent?.spanContext().traceId).toBe(processed?.spanContext().traceId);
    expect(processed?.parentSpanContext?.spanId).toBe(sent?.spanContext().spanId);
    expect(processed?.parentSpanContext?.isRemote).toBe(true);
  });

  it('carries baggage alongside the trace context', () => {
    start();
    const withBaggage = propagation.setBaggage(context.active(), propagation.createBaggage({ 'plant.line': { value: 'L2' } }));
    const headers = injectToCarrier(withBaggage);
    const extracted = extractFromCarrier(headers);

    expect(headers['baggage']).toBe('plant.line=L2');
    expect(propagation.getBaggage(extracted)?.getEntry('plant.line')?.value).toBe('L2');
  });
});

describe('propagation through gRPC metadata', () => {
  it('round-trips the trace context through a Metadata-like object', () => {
    const handle = start();
    const tracer = trace.getTracer('grpc');
    const metadata = new FakeMetadata();

    const client = tracer.startSpan('inference.v1.Scoring/Score', { kind: SpanKind.CLIENT });
    injectToMetadata(metadata, trace.setSpan(context.active(), client));
    client.end();

    const server = tracer.startSpan('inference.v1.Scoring/Score', { kind: SpanKind.SERVER }, extractFromMetadata(metadata));
    server.end();

    const [clientSpan, serverSpan] = handle.memory.getFinishedSpans();
    expect(metadata.get('traceparent')[0]).toMatch(TRACEPARENT);
    expect(serverSpan?.spanContext().traceId).toBe(clientSpan?.spanContext().traceId);
    expect(serverSpan?.parentSpanContext?.spanId).toBe(clientSpan?.spanContext().spanId);
  });

  it('reads Buffer-valued metadata', () => {
    start();
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const metadata = new FakeMetadata();
    metadata.set('traceparent', Buffer.from(traceparent));

    expect(trace.getSpanContext(extractFromMetadata(metadata))?.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
  });
});

describe('sampling', () => {
  describe('when the sample ratio is 0', () => {
    it('drops an ordinary span', () => {
      const handle = start({ sampleRatio: 0 });
      const span = trace.getTracer('test').startSpan('poll sensor');
      expect(span.isRecording()).toBe(false);
      span.end();

      expect(handle.memory.getFinishedSpans()).toHaveLength(0);
    });

    it('keeps a span started with decision.important = true, and its children', () => {
      const handle = start({ sampleRatio: 0 });
      const tracer = trace.getTracer('test');

      const decision = tracer.startSpan('decide maintenance', importantSpanOptions({ attributes: { 'asset.id': 'pump-7' } }));
      tracer.startSpan('load features', {}, trace.setSpan(context.active(), decision)).end();
      decision.end();
      tracer.startSpan('poll sensor').end();

      expect(finishedNames(handle)).toEqual(['load features', 'decide maintenance']);
      const kept = handle.memory.getFinishedSpans()[1];
      expect(kept?.attributes[IMPORTANT_ATTRIBUTE]).toBe(true);
      expect(kept?.attributes['asset.id']).toBe('pump-7');
    });

    it('keeps a span whose name is in the always-sample list', () => {
      const handle = start({ sampleRatio: 0, alwaysSampleSpanNames: ['approve model'] });
      const tracer = trace.getTracer('test');

      tracer.startSpan('approve model').end();
      tracer.startSpan('approve model draft').end();

      expect(finishedNames(handle)).toEqual(['approve model']);
    });

    it('ignores the attribute when it is set after start (samplers see start attributes only)', () => {
      const handle = start({ sampleRatio: 0 });
      const span = trace.getTracer('test').startSpan('late flag');
      span.setAttribute(IMPORTANT_ATTRIBUTE, true);
      span.end();

      expect(handle.memory.getFinishedSpans()).toHaveLength(0);
    });
  });

  describe('when the sample ratio is 1', () => {
    it('keeps ordinary spans', () => {
      const handle = start({ sampleRatio: 1 });
      trace.getTracer('test').startSpan('poll sensor').end();
      expect(finishedNames(handle)).toEqual(['poll sensor']);
    });
  });
});

describe('withSpan', () => {
  it('makes the span active, returns the value and ends the span', async () => {
    const handle = start();
    const tracer = trace.getTracer('test');

    const result = await withSpan(tracer, 'score', {}, async (span) => {
      await new Promise((resolve) => setImmediate(resolve));
      expect(trace.getActiveSpan()).toBe(span);
      return 0.93;
    });

    expect(result).toBe(0.93);
    const [span] = handle.memory.getFinishedSpans();
    expect(span?.name).toBe('score');
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('records the exception, sets status ERROR, ends the span and rethrows', async () => {
    const handle = start();
    const failure = new Error('model not loaded');

    await expect(
      withSpan(trace.getTracer('test'), 'score', {}, () => {
        throw failure;
      }),
    ).rejects.toBe(failure);

    const [span] = handle.memory.getFinishedSpans();
    expect(span?.ended).toBe(true);
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'model not loaded' });
    expect(span?.events.map((event) => event.name)).toEqual(['exception']);
    expect(span?.events[0]?.attributes?.['exception.message']).toBe('model not loaded');
  });

  it('starts the span as a child of an explicitly passed (extracted) context', async () => {
    const handle = start();
    const remote = extractFromCarrier({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });

    await withSpan(trace.getTracer('test'), 'process plant.events', { kind: SpanKind.CONSUMER }, () => undefined, remote);

    const [span] = handle.memory.getFinishedSpans();
    expect(span?.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(span?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
  });
});

describe('currentTraceparent', () => {
  it('is null outside a span', () => {
    start();
    expect(currentTraceparent()).toBeNull();
  });

  it('is the W3C traceparent of the active span', async () => {
    start();
    await withSpan(trace.getTracer('test'), 'append event', {}, (span) => {
      const traceparent = currentTraceparent();
      expect(traceparent).toMatch(TRACEPARENT);
      expect(traceparent).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
    });
  });

  it('carries flags 00 for an unsampled span', () => {
    start({ sampleRatio: 0 });
    const span = trace.getTracer('test').startSpan('poll sensor');
    context.with(trace.setSpan(context.active(), span), () => {
      expect(currentTraceparent()).toMatch(/-00$/);
    });
    span.end();
  });
});

describe('logs inside a span', () => {
  it('carry trace_id, span_id and trace_flags of the active span', async () => {
    start();
    const destination = memoryDestination();
    const logger = createLogger('inference', { level: 'info', destination });

    let expected: { traceId: string; spanId: string } | undefined;
    await withSpan(trace.getTracer('test'), 'score', {}, async (span) => {
      await new Promise((resolve) => setImmediate(resolve));
      expected = span.spanContext();
      logger.info({ assetId: 'pump-7' }, 'scored');
    });
    logger.info('after');

    const [inside, after] = destination.records();
    expect(inside).toMatchObject({
      trace_id: expected?.traceId,
      span_id: expected?.spanId,
      trace_flags: '01',
      assetId: 'pump-7',
    });
    expect(after).not.toHaveProperty('trace_id');
  });
});

/** An OTLP/HTTP collector on loopback keeping each request as `<url> <body>`. */
async function collector(): Promise<{ endpoint: string; bodies: string[]; close(): Promise<void> }> {
  const bodies: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      bodies.push(`${request.url ?? ''} ${body}`);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('shutdown', () => {
  it('flushes batched spans to the OTLP/HTTP collector before resolving', async () => {
    const c = await collector();
    try {
      const handle = initTelemetry({ ...baseConfig, exporter: 'otlp', otlpEndpoint: c.endpoint });
      trace.getTracer('test').startSpan('decide maintenance').end();
      const withSpans = () => c.bodies.filter((b) => b.includes('"spans"'));
      expect(withSpans()).toHaveLength(0); // batched, not yet sent (only the start-up warm-up, without spans)

      await handle.shutdown();

      expect(withSpans()).toHaveLength(1);
      expect(withSpans()[0]).toMatch(/^\/v1\/traces /);
      expect(withSpans()[0]).toContain('decide maintenance');
      expect(withSpans()[0]).toContain('inference');
    } finally {
      await c.close();
    }
  });

  it('warms the span exporter up at start-up with one request without spans (issue 20)', async () => {
    const c = await collector();
    const traces = () => c.bodies.filter((b) => b.startsWith('/v1/traces '));
    try {
      const handle = initTelemetry({ ...baseConfig, exporter: 'otlp', otlpEndpoint: c.endpoint });
      // The warm-up: one request without spans, before any span exists.
      for (let i = 0; i < 600 && traces().length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(traces()).toHaveLength(1);
      expect(traces()[0]).not.toContain('"spans"');
      trace.getTracer('test').startSpan('decide maintenance').end();
      await handle.shutdown();
      expect(traces()).toHaveLength(2);
      expect(traces()[1]).toContain('decide maintenance');
    } finally {
      await c.close();
    }
  });

  describe('when the collector is unreachable', () => {
    it('resolves anyway and logs the failure instead of throwing', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const { port } = closed.address() as AddressInfo;
      await new Promise((resolve) => closed.close(resolve));

      const destination = memoryDestination();
      const handle = initTelemetry(
        { ...baseConfig, exporter: 'otlp', otlpEndpoint: `http://127.0.0.1:${port}`, exportTimeoutMillis: 1_000 },
        { logger: createLogger('telemetry', { level: 'warn', destination }) },
      );
      trace.getTracer('test').startSpan('decide maintenance').end();

      await expect(handle.shutdown()).resolves.toBeUndefined();
      expect(destination.records().some((record) => record['level'] === 40)).toBe(true);
    });
  });
});
