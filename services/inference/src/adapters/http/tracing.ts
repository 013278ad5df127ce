// HTTP server spans of the gateway (OpenTelemetry HTTP semantic conventions: `<METHOD> <route>`,
// kind SERVER, http.request.method, http.route, url.path, http.response.status_code), continuing an
// incoming W3C `traceparent`. An operator's decision on a prompt (acknowledge, done, not done,
// outcome) without one continues the prompt's own trace — the one that began at the sensor — so the
// Acknowledge ends the trace of the reading that raised it; its span is always recorded. Each
// prompt pushed to a live feed gets a span in that trace too. The long-lived feed request itself
// has no span.
import type { TypedEvent } from '@industrial/kernel';
import { extractFromCarrier, importantSpanOptions, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@industrial/telemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';

// Looked up per use: the global provider is set by runService after this module loads (and again in tests).
const tracer = () => trace.getTracer('inference.gateway');
const spans = new WeakMap<FastifyRequest, Span>();
const DECISION_ROUTE = /^\/api\/v1\/recommendations\/:id\/[a-z-]+$/;
const FEED = '/api/v1/feed';

/** The prompt's trace: the traceparent its RecommendationRaised was recorded with. */
export type PromptTrace = (recommendationId: string) => Promise<string | null>;

export function promptTraceFrom(history: (recommendationId: string) => Promise<readonly TypedEvent[]>): PromptTrace {
  return async (id) => (await history(id).catch(() => [])).find((e) => e.type === 'RecommendationRaised')?.metadata.traceparent ?? null;
}

/** Registers the hooks (before any other onRequest hook, so refusals are traced too). */
export function traceHttpServer(app: FastifyInstance, promptTrace: PromptTrace): void {
  app.addHook('onRequest', async (req) => {
    const route = req.routeOptions.url ?? req.url.split('?')[0] ?? '/';
    if (route === FEED) return;
    let parent: Context = extractFromCarrier(req.headers as Record<string, string | undefined>);
    const decision = req.method === 'POST' && DECISION_ROUTE.test(route);
    const id = (req.params as { id?: unknown } | undefined)?.id;
    if (decision && trace.getSpanContext(parent) === undefined && typeof id === 'string' && /^[0-9a-f-]{36}$/i.test(id)) {
      const traceparent = await promptTrace(id);
      if (traceparent !== null) parent = extractFromCarrier({ traceparent });
    }
    const attributes = { 'http.request.method': req.method, 'http.route': route, 'url.path': req.url.split('?')[0] ?? '/', 'url.scheme': req.protocol };
    const options = { kind: SpanKind.SERVER, attributes };
    spans.set(req, tracer().startSpan(`${req.method} ${route}`, decision ? importantSpanOptions(options) : options, parent));
  });
  app.addHook('onResponse', async (req, reply) => {
    const span = spans.get(req);
    if (span === undefined) return;
    span.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
    spans.delete(req);
  });
}

/** The request's server span as a W3C traceparent (for the cause of what the request appends), or null. */
export function traceparentOf(req: FastifyRequest): string | null {
  const sc = spans.get(req)?.spanContext();
  if (sc === undefined || !trace.isSpanContextValid(sc)) return null;
  return `00-${sc.traceId}-${sc.spanId}-0${sc.traceFlags & 1}`;
}

/** A span in the prompt's trace for each RecommendationRaised pushed to a live feed. */
export async function traceFeedPush(promptTrace: PromptTrace, recommendationId: string, subscriber: string): Promise<void> {
  const traceparent = await promptTrace(recommendationId);
  if (traceparent === null) return;
  tracer()
    .startSpan(
      `GET ${FEED} RecommendationRaised`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.route': FEED, 'sse.event': 'RecommendationRaised', 'enduser.id': subscriber, 'recommendation.id': recommendationId },
      },
      extractFromCarrier({ traceparent }),
    )
    .end();
}
