// Trace-context helpers for libraries and adapters (NATS, gRPC, event metadata).
// This module is also the "./api" subpath export, so it imports ONLY @opentelemetry/api:
// a library can propagate and create spans without pulling in the SDK or an exporter.
// With no SDK registered every helper degrades to a no-op (the API's noop tracer).
import { SpanStatusCode, TraceFlags, context, defaultTextMapGetter, defaultTextMapSetter, isSpanContextValid, propagation, trace } from '@opentelemetry/api';
import type { Context, Exception, Span, SpanOptions, TextMapGetter, TextMapSetter, Tracer } from '@opentelemetry/api';

// The API objects, re-exported so that callers use the same @opentelemetry/api copy as the SDK
// set up by initTelemetry(). The global registration is only visible to API copies of the same
// or a lower minor version, so a package bringing its own newer @opentelemetry/api would
// silently get no-op tracers.
export { ROOT_CONTEXT, SpanKind, SpanStatusCode, ValueType, context, createContextKey, metrics, propagation, trace } from '@opentelemetry/api';
export type {
  Attributes,
  Context,
  Counter,
  Histogram,
  Link,
  Meter,
  ObservableGauge,
  ObservableResult,
  Span,
  SpanContext,
  SpanOptions,
  Tracer,
  UpDownCounter,
} from '@opentelemetry/api';

// ---------------------------------------------------------------------------
// Decisions that matter are always sampled
// ---------------------------------------------------------------------------

/** Span attribute that makes the SDK sampler keep a span whatever the ratio (see sampler.ts). */
export const IMPORTANT_ATTRIBUTE = 'decision.important';

/**
 * Span options marking the span as an important decision. The attribute must be present
 * at span start (samplers only see start attributes), so pass these to startSpan/withSpan.
 */
export function importantSpanOptions(options: SpanOptions = {}): SpanOptions {
  return { ...options, attributes: { ...options.attributes, [IMPORTANT_ATTRIBUTE]: true } };
}

/**
 * The context's span is valid and was head-sampled out (no sampled flag). Under a parent-based
 * sampler every child of it is dropped, unless important, so a library may skip starting an
 * ordinary span and run in this context as is: same trace id, not sampled; an important span
 * downstream (a prompt) still joins the trace (issue 20). The one place this is decided.
 */
export function sampledOut(ctx: Context = context.active()): boolean {
  const sc = trace.getSpanContext(ctx);
  return sc !== undefined && (sc.traceFlags & TraceFlags.SAMPLED) === 0 && isSpanContextValid(sc);
}

// ---------------------------------------------------------------------------
// Plain carriers (NATS headers, event metadata)
// ---------------------------------------------------------------------------

/** A string map carrying W3C `traceparent` / `tracestate` / `baggage`. */
export type Carrier = Record<string, string>;

/** Writes the trace context (and baggage) of `ctx` into `carrier` and returns it. */
export function injectToCarrier(ctx: Context = context.active(), carrier: Carrier = {}): Carrier {
  propagation.inject(ctx, carrier, defaultTextMapSetter);
  return carrier;
}

/**
 * Reads a trace context from `carrier` into a new context derived from `base`.
 * Spans started in the returned context are children of the remote span.
 */
export function extractFromCarrier(carrier: Readonly<Record<string, string | undefined>>, base: Context = context.active()): Context {
  return propagation.extract(base, carrier, defaultTextMapGetter);
}

// ---------------------------------------------------------------------------
// gRPC metadata (structural: no @grpc/grpc-js import)
// ---------------------------------------------------------------------------

/** The part of a gRPC `Metadata` the propagators need; `@grpc/grpc-js` Metadata satisfies it. */
export interface MetadataLike {
  get(key: string): (string | Uint8Array)[];
  set(key: string, value: string): void;
  getMap?(): Record<string, string | Uint8Array>;
}

const utf8 = new TextDecoder();
const metadataValueToString = (value: string | Uint8Array): string => (typeof value === 'string' ? value : utf8.decode(value));

export const grpcMetadataSetter: TextMapSetter<MetadataLike> = {
  set(carrier, key, value) {
    carrier.set(key, value);
  },
};

export const grpcMetadataGetter: TextMapGetter<MetadataLike> = {
  keys(carrier) {
    return Object.keys(carrier.getMap?.() ?? {});
  },
  get(carrier, key) {
    const values = carrier.get(key).map(metadataValueToString);
    if (values.length === 0) return undefined;
    return values.length === 1 ? values[0] : values;
  },
};

/** Injects the trace context of `ctx` into gRPC metadata (client side). */
export function injectToMetadata(metadata: MetadataLike, ctx: Context = context.active()): void {
  propagation.inject(ctx, metadata, grpcMetadataSetter);
}

/** Extracts the caller's trace context from gRPC metadata (server side). */
export function extractFromMetadata(metadata: MetadataLike, base: Context = context.active()): Context {
  return propagation.extract(base, metadata, grpcMetadataGetter);
}

// ---------------------------------------------------------------------------
// Spans
// ---------------------------------------------------------------------------

function toException(error: unknown): Exception {
  if (error instanceof Error) return error;
  return typeof error === 'string' ? error : String(error);
}

/**
 * Runs `fn` inside a new active span. A thrown or rejected error is recorded on the span,
 * the status set to ERROR, and the error rethrown unchanged; the span always ends.
 * `ctx` defaults to the active context (pass an extracted context for consumers/servers).
 */
export async function withSpan<T>(
  tracer: Tracer,
  name: string,
  options: SpanOptions,
  fn: (span: Span) => T | Promise<T>,
  ctx: Context = context.active(),
): Promise<T> {
  return tracer.startActiveSpan(name, options, ctx, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(toException(error));
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * The W3C `traceparent` of the active span (`00-<trace-id>-<span-id>-<flags>`), or null
 * when there is no valid active span. Stored in event metadata so a later reader can link
 * back to the trace that produced the event.
 */
export function currentTraceparent(ctx: Context = context.active()): string | null {
  const spanContext = trace.getSpanContext(ctx);
  if (spanContext === undefined || !isSpanContextValid(spanContext)) return null;
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

// ---------------------------------------------------------------------------
// Semantic-convention attribute names
// ---------------------------------------------------------------------------
// Defined here rather than imported so that this module depends on @opentelemetry/api only;
// a unit test checks each value against @opentelemetry/semantic-conventions/incubating 1.45.
//
// Messaging (status: Development):
//   https://opentelemetry.io/docs/specs/semconv/messaging/messaging-spans/
//   Span name `{operation} {destination}`; create/send are PRODUCER, receive/process CONSUMER.
//   semconv 1.45 marks `messaging.system` deprecated in favour of `messaging.system.name`;
//   the older name is what current instrumentations emit, so it is the one used here.
export const ATTR_MESSAGING_SYSTEM = 'messaging.system';
export const ATTR_MESSAGING_OPERATION_NAME = 'messaging.operation.name';
export const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
export const ATTR_MESSAGING_DESTINATION_NAME = 'messaging.destination.name';
export const ATTR_MESSAGING_MESSAGE_ID = 'messaging.message.id';
export const ATTR_MESSAGING_BATCH_MESSAGE_COUNT = 'messaging.batch.message_count';

/** Values of `messaging.operation.type`. */
export const MessagingOperationType = {
  CREATE: 'create',
  SEND: 'send',
  RECEIVE: 'receive',
  PROCESS: 'process',
  SETTLE: 'settle',
} as const;
export type MessagingOperationType = (typeof MessagingOperationType)[keyof typeof MessagingOperationType];

// RPC (semconv up to v1.37; https://opentelemetry.io/docs/specs/semconv/rpc/grpc/).
// The newer stable set (`rpc.system.name`, `rpc.response.status_code`) is only emitted by
// instrumentations under OTEL_SEMCONV_STABILITY_OPT_IN=rpc, so the classic names are used.
export const ATTR_RPC_SYSTEM = 'rpc.system';
export const ATTR_RPC_SERVICE = 'rpc.service';
export const ATTR_RPC_METHOD = 'rpc.method';
/** An int: the numeric gRPC status code. */
export const ATTR_RPC_GRPC_STATUS_CODE = 'rpc.grpc.status_code';
