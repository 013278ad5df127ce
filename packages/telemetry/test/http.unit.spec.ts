// HTTP spans for a plain node:http server and its fetch calls (the HMI's server): a SERVER span per
// request continuing the caller's traceparent, a CLIENT span per call whose traceparent goes out, a
// call placed in another trace (the prompt's) with a link to the request that made it, and the
// http.server/client.request.duration histograms. Telemetry from the environment names a bad variable.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initTelemetry, resetTelemetryForTests, telemetryConfigFromEnv, type TelemetryHandle } from '../src/index.ts';
import { tracedFetch, tracedRequestListener } from '../src/http.ts';
import { extractFromCarrier } from '../src/propagation.ts';

const PROMPT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PROMPT_SPAN = '00f067aa0ba902b7';

describe('HTTP server and client spans', () => {
  let telemetry: TelemetryHandle;
  let upstream: Server;
  let front: Server;
  let seen: Record<string, string | undefined>[];
  let upstreamUrl = '';
  let frontUrl = '';

  beforeEach(async () => {
    await resetTelemetryForTests();
    telemetry = initTelemetry({ serviceName: 'hmi', serviceVersion: 'test', exporter: 'memory', sampleRatio: 1, logLevel: 'silent' });
    seen = [];
    upstream = createServer((req, res) => {
      seen.push({ path: req.url, traceparent: req.headers.traceparent as string | undefined, authorization: req.headers.authorization });
      res.writeHead(req.url?.includes('boom') ? 502 : 200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const call = tracedFetch(fetch, {
      parentFor: (url, method) =>
        method === 'POST' && url.pathname.endsWith('/acknowledge')
          ? { parent: extractFromCarrier({ traceparent: `00-${PROMPT_TRACE}-${PROMPT_SPAN}-01` }), important: true }
          : null,
    });
    front = createServer(
      tracedRequestListener(async (req, res) => {
        const post = req.url?.startsWith('/ack') === true;
        const r = await call(`${upstreamUrl}/api/v1/recommendations/3f1c9a52-7f0e-4b59-9a57-1a2b3c4d5e6f/${post ? 'acknowledge' : 'events'}`, {
          method: post ? 'POST' : 'GET',
          headers: { authorization: 'Bearer t' },
        });
        res.writeHead(r.status).end();
      }),
    );
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    frontUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    front.close();
    upstream.close();
    await resetTelemetryForTests();
  });

  it('a request continues the caller’s trace and its call to the gateway carries the client span as traceparent', async () => {
    const caller = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;
    expect((await fetch(`${frontUrl}/plant`, { headers: { traceparent: caller } })).status).toBe(200);
    const spans = telemetry.memoryExporter!.getFinishedSpans();
    const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
    const client = spans.find((s) => s.kind === SpanKind.CLIENT)!;
    expect(server.name).toBe('GET /plant');
    expect(server.spanContext().traceId).toBe('a'.repeat(32));
    expect(server.parentSpanContext?.spanId).toBe('b'.repeat(16));
    expect(server.attributes['http.response.status_code']).toBe(200);
    expect(client.name).toBe('GET /api/v1/recommendations/{id}/events');
    expect(client.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(client.attributes['url.template']).toBe('/api/v1/recommendations/{id}/events');
    expect(seen[0]?.traceparent).toBe(`00-${'a'.repeat(32)}-${client.spanContext().spanId}-01`);
    expect(seen[0]?.authorization).toBe('Bearer t');
  });

  it('a decision goes out in the prompt’s trace, always sampled, linked to the request that made it', async () => {
    await resetTelemetryForTests();
    telemetry = initTelemetry({ serviceName: 'hmi', serviceVersion: 'test', exporter: 'memory', sampleRatio: 0, logLevel: 'silent' });
    expect((await fetch(`${frontUrl}/ack`, { method: 'POST' })).status).toBe(200);
    const spans = telemetry.memoryExporter!.getFinishedSpans();
    // ratio 0: the request's own span is not sampled; the decision's span is, in the prompt's trace
    expect(spans.map((s) => s.name)).toEqual(['POST /api/v1/recommendations/{id}/acknowledge']);
    const client = spans[0]!;
    expect(client.spanContext().traceId).toBe(PROMPT_TRACE);
    expect(client.parentSpanContext?.spanId).toBe(PROMPT_SPAN);
    expect(client.links).toHaveLength(1);
    expect(client.links[0]?.context.traceId).not.toBe(PROMPT_TRACE);
    expect(seen[0]?.traceparent).toBe(`00-${PROMPT_TRACE}-${client.spanContext().spanId}-01`);
  });

  it('records the request durations with route and status, and a gateway failure as an error', async () => {
    expect((await fetch(`${frontUrl}/boom`)).status).toBe(200);
    const metrics = await telemetry.collectMetrics();
    const names = metrics?.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.descriptor.name)) ?? [];
    expect(names).toEqual(expect.arrayContaining(['http.server.request.duration', 'http.client.request.duration']));
    const server = metrics?.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === 'http.server.request.duration');
    expect(server?.dataPoints[0]?.attributes).toMatchObject({ 'http.request.method': 'GET', 'http.route': '/boom', 'http.response.status_code': 200 });
  });
});

describe('telemetry from the environment', () => {
  it('reads the same variables as every service, with their defaults', () => {
    expect(telemetryConfigFromEnv({}, 'hmi', '1')).toEqual({
      ok: true,
      config: {
        serviceName: 'hmi',
        serviceVersion: '1',
        exporter: 'none',
        otlpEndpoint: 'http://localhost:4318',
        sampleRatio: 1,
        logLevel: 'info',
        metricsEndpoint: null,
      },
    });
    const r = telemetryConfigFromEnv({ OTEL_EXPORTER: 'otlp', OTEL_SAMPLE_RATIO: '0.1', METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' }, 'hmi', '1');
    expect(r.ok && r.config).toMatchObject({ exporter: 'otlp', sampleRatio: 0.1, metricsEndpoint: { host: '0.0.0.0', port: 9464 } });
  });

  it.each([
    ['OTEL_EXPORTER', 'jaeger'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
    ['OTEL_SAMPLE_RATIO', '2'],
    ['METRICS_PORT', '70000'],
    ['LOG_LEVEL', 'loud'],
  ])('refuses %s=%s naming the variable', (variable, value) => {
    const r = telemetryConfigFromEnv({ [variable]: value }, 'hmi', '1');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.variable).toBe(variable);
    expect(!r.ok && r.message).toContain(variable);
  });
});
