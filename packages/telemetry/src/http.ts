// HTTP spans and metrics for a plain node:http server and its outgoing fetch calls (the HMI's
// server: SvelteKit adapter-node has no instrumentation of its own). Semantic conventions (HTTP,
// stable): server span `{method} {http.route}` (kind SERVER) continuing an incoming W3C traceparent,
// client span `{method} {url.template}` (kind CLIENT) whose context goes out as `traceparent`;
// attributes http.request.method, http.route / url.template, url.path, url.scheme, server.address,
// server.port, http.response.status_code, error.type; histograms http.server.request.duration and
// http.client.request.duration in seconds. Only @opentelemetry/api (no SDK): a no-op without one.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  context,
  metrics,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  ValueType,
  type Context,
  type Histogram,
  type Link,
  type MeterProvider,
  type Span,
} from '@opentelemetry/api';
import { IMPORTANT_ATTRIBUTE } from './propagation.ts';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
/** A low-cardinality route for a path without a router's template: ids become `{id}`. */
export const routeOfPath = (path: string): string => path.replace(UUID, '{id}');

// Tracer and meter per use: the global providers are registered after this module loads.
const tracer = () => trace.getTracer('@industrial/telemetry/http');
let instruments: { provider: MeterProvider; server: Histogram; client: Histogram } | undefined;
const hist = () => {
  const provider = metrics.getMeterProvider();
  if (instruments?.provider === provider) return instruments;
  const meter = provider.getMeter('@industrial/telemetry/http');
  instruments = {
    provider,
    server: meter.createHistogram('http.server.request.duration', { description: 'Duration of HTTP server requests', unit: 's', valueType: ValueType.DOUBLE }),
    client: meter.createHistogram('http.client.request.duration', { description: 'Duration of HTTP client requests', unit: 's', valueType: ValueType.DOUBLE }),
  };
  return instruments;
};

export interface TracedListenerOptions {
  /** The route of a request path (http.route and the span name); default: the path with ids as {id}. */
  readonly routeOf?: (path: string) => string;
  /** Paths that get no span (long-lived feeds, probes); they are still measured. */
  readonly untraced?: (path: string) => boolean;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** Wraps a request listener: one SERVER span per request (ended when the response is finished or closed). */
export function tracedRequestListener(listener: Listener, options: TracedListenerOptions = {}): Listener {
  const routeOf = options.routeOf ?? routeOfPath;
  return (req, res) => {
    const started = performance.now();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = routeOf(path);
    const method = req.method ?? 'GET';
    const scheme = 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http';
    let span: Span | undefined;
    let ctx: Context = context.active();
    if (options.untraced?.(path) !== true) {
      const parent = propagation.extract(context.active(), req.headers);
      span = tracer().startSpan(
        `${method} ${route}`,
        {
          kind: SpanKind.SERVER,
          attributes: {
            'http.request.method': method,
            'http.route': route,
            'url.path': path,
            'url.scheme': scheme,
            ...(req.socket.localPort === undefined ? {} : { 'server.port': req.socket.localPort }),
            ...(req.headers['user-agent'] === undefined ? {} : { 'user_agent.original': req.headers['user-agent'] }),
          },
        },
        parent,
      );
      ctx = trace.setSpan(parent, span);
    }
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      const status = res.statusCode;
      const attributes = { 'http.request.method': method, 'http.route': route, 'url.scheme': scheme, 'http.response.status_code': status };
      hist().server.record((performance.now() - started) / 1000, status >= 500 ? { ...attributes, 'error.type': String(status) } : attributes);
      if (span === undefined) return;
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) {
        span.setAttribute('error.type', String(status));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    };
    res.once('finish', end);
    res.once('close', end);
    context.with(ctx, () => listener(req, res));
  };
}

/** Where a client call belongs when not to the active trace (e.g. the prompt's own trace), and the spans it links. */
export interface ClientParent {
  readonly parent: Context;
  readonly links?: Link[];
  /** Always sampled (the span of a decision that matters). */
  readonly important?: boolean;
}

export interface TracedFetchOptions {
  /** `url.template` of a URL (span name); default: the path with ids as {id}. */
  readonly templateOf?: (url: URL) => string;
  /**
   * Called before each call with its URL and method; a ClientParent puts the client span there
   * (with a link to the active span) instead of under the active span. A failure counts as null.
   */
  readonly parentFor?: (url: URL, method: string, headers: Headers) => Promise<ClientParent | null> | ClientParent | null;
}

/** Wraps fetch: one CLIENT span per call, its context sent as `traceparent` (any headers given are kept). */
export function tracedFetch(inner: typeof fetch, options: TracedFetchOptions = {}): typeof fetch {
  const templateOf = options.templateOf ?? ((u: URL) => routeOfPath(u.pathname));
  const traced = async (input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : null;
    const url = new URL(request?.url ?? String(input));
    const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
    const headers = new Headers(init?.headers ?? request?.headers);
    const active = context.active();
    let placed: ClientParent | null = null;
    try {
      placed = (await options.parentFor?.(url, method, headers)) ?? null;
    } catch {
      placed = null;
    }
    const activeSpan = trace.getSpanContext(active);
    const links: Link[] = [...(placed?.links ?? []), ...(placed !== null && activeSpan !== undefined ? [{ context: activeSpan }] : [])];
    const template = templateOf(url);
    const attributes = {
      'http.request.method': method,
      'url.full': `${url.origin}${url.pathname}`,
      'url.template': template,
      'server.address': url.hostname,
      'server.port': Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      ...(placed?.important === true ? { [IMPORTANT_ATTRIBUTE]: true } : {}),
    };
    const parent = placed?.parent ?? active;
    const span = tracer().startSpan(`${method} ${template}`, { kind: SpanKind.CLIENT, attributes, links }, parent);
    const spanCtx = trace.setSpan(parent, span);
    const carrier: Record<string, string> = {};
    propagation.inject(spanCtx, carrier);
    for (const [k, v] of Object.entries(carrier)) headers.set(k, v);
    const started = performance.now();
    const record = (status: number | null, errorType: string | null) => {
      const a = {
        'http.request.method': method,
        'server.address': url.hostname,
        'url.template': template,
        ...(status === null ? {} : { 'http.response.status_code': status }),
        ...(errorType === null ? {} : { 'error.type': errorType }),
      };
      hist().client.record((performance.now() - started) / 1000, a);
      if (status !== null) span.setAttribute('http.response.status_code', status);
      if (errorType !== null) {
        span.setAttribute('error.type', errorType);
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    };
    try {
      const response = await context.with(spanCtx, () => inner(request ?? input, { ...init, headers }));
      record(response.status, response.status >= 500 ? String(response.status) : null);
      return response;
    } catch (error) {
      record(null, error instanceof Error ? error.name : 'Error');
      throw error;
    }
  };
  return traced as typeof fetch;
}
