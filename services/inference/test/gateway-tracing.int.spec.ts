// The gateway's HTTP server spans (semantic conventions) and the operator's decision joining the
// prompt's trace: a POST on a recommendation without a traceparent continues the trace its
// RecommendationRaised was recorded with (the one that began at the sensor), always recorded; an
// incoming traceparent wins; other routes start or continue their own trace; the feed push is a span
// of the prompt's trace.
import { randomUUID } from 'node:crypto';
import { initTelemetry, resetTelemetryForTests, SpanKind, trace, type TelemetryHandle } from '@industrial/telemetry';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { traceFeedPush, traceHttpServer, traceparentOf } from '../src/adapters/http/tracing.ts';

describe('gateway HTTP spans', () => {
  let telemetry: TelemetryHandle;
  const app = Fastify({ logger: false });
  const promptId = randomUUID();
  let promptTraceparent = '';

  beforeAll(async () => {
    await resetTelemetryForTests();
    // Ratio 0: only what is always kept (a decision on a prompt) or continues a sampled trace is recorded.
    telemetry = initTelemetry({ serviceName: 'inference', serviceVersion: 'test', exporter: 'memory', sampleRatio: 0, logLevel: 'silent' });
    const raised = trace.getTracer('test').startSpan('raise recommendation', { attributes: { 'decision.important': true } });
    const sc = raised.spanContext();
    promptTraceparent = `00-${sc.traceId}-${sc.spanId}-01`;
    raised.end();
    traceHttpServer(app, async (id) => (id === promptId ? promptTraceparent : null));
    app.post('/api/v1/recommendations/:id/acknowledge', async (req) => ({ traceparent: traceparentOf(req) }));
    app.get('/api/v1/recommendations', async (req) => ({ traceparent: traceparentOf(req) }));
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await resetTelemetryForTests();
  });

  const finished = () => telemetry.memoryExporter?.getFinishedSpans() ?? [];
  const promptTraceId = () => promptTraceparent.split('-')[1];

  it("continues the prompt's trace for the operator's Acknowledge, with the HTTP attributes", async () => {
    const r = await app.inject({ method: 'POST', url: `/api/v1/recommendations/${promptId}/acknowledge` });
    expect(r.statusCode).toBe(200);
    const span = finished().find((s) => s.name === 'POST /api/v1/recommendations/:id/acknowledge');
    expect(span?.kind).toBe(SpanKind.SERVER);
    expect(span?.spanContext().traceId).toBe(promptTraceId());
    expect(span?.parentSpanContext?.spanId).toBe(promptTraceparent.split('-')[2]);
    expect(span?.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/api/v1/recommendations/:id/acknowledge',
      'url.path': `/api/v1/recommendations/${promptId}/acknowledge`,
      'http.response.status_code': 200,
    });
    // What the request appends carries this span as its cause's traceparent.
    expect((r.json() as { traceparent: string }).traceparent).toBe(`00-${promptTraceId()}-${span?.spanContext().spanId}-01`);
  });

  it('lets an incoming traceparent win, and records unsampled other routes as not sampled', async () => {
    const incoming = `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01`;
    await app.inject({ method: 'POST', url: `/api/v1/recommendations/${promptId}/acknowledge`, headers: { traceparent: incoming } });
    expect(finished().some((s) => s.spanContext().traceId === 'ab'.repeat(16) && s.parentSpanContext?.spanId === 'cd'.repeat(8))).toBe(true);
    const list = await app.inject({ method: 'GET', url: '/api/v1/recommendations' });
    expect((list.json() as { traceparent: string | null }).traceparent).toMatch(/-00$/); // head sampling at ratio 0: not kept
  });

  it("records each prompt pushed to a live feed in the prompt's trace", async () => {
    await traceFeedPush(async () => promptTraceparent, promptId, 'olga');
    const push = finished().find((s) => s.name === 'GET /api/v1/feed RecommendationRaised');
    expect(push?.spanContext().traceId).toBe(promptTraceId());
    expect(push?.attributes['enduser.id']).toBe('olga');
  });
});
