// W3C trace context on message headers: a PRODUCER span `send <subject>` around publish, a
// CONSUMER span `process <subject>` around the handler, parented by the publisher's context so
// one trace follows a message across services. Only the OpenTelemetry API (and @industrial/telemetry/api,
// which is only that): the app installs the SDK.
// A telemetry failure is logged, never thrown into the caller.

import {
  context,
  isSpanContextValid,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { sampledOut } from '@industrial/telemetry/api';
import type { BusHeaders, BusLogger } from './types.ts';

// The tracer follows the global provider: a tracer fetched once at import time would stay a no-op
// forever after `trace.disable()` (which tests call between SDK set-ups). One identity check per span.
let tracerOf: { provider: TracerProvider; tracer: Tracer } | undefined;
const tracer = (): Tracer => {
  const provider = trace.getTracerProvider();
  if (tracerOf?.provider !== provider) tracerOf = { provider, tracer: provider.getTracer('@industrial/bus') };
  return tracerOf.tracer;
};

/** Messaging semantic-convention attribute names (semconv messaging, status: development). */
export const MessagingAttr = {
  System: 'messaging.system',
  DestinationName: 'messaging.destination.name',
  MessageId: 'messaging.message.id',
  OperationType: 'messaging.operation.type',
  OperationName: 'messaging.operation.name',
  ConsumerGroupName: 'messaging.consumer.group.name',
} as const;

const setter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

const getter: TextMapGetter<BusHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const exact = carrier[key];
    if (exact !== undefined) return exact;
    const lower = key.toLowerCase();
    for (const k of Object.keys(carrier)) if (k.toLowerCase() === lower) return carrier[k];
    return undefined;
  },
};

const fail = (span: Span, err: unknown): void => {
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
};

/**
 * Runs `send` inside a PRODUCER span after injecting its context into `headers` (mutated).
 * Not an async function: one promise per publish instead of three on the hot path.
 */
export function tracePublish<T>(
  system: string,
  subject: string,
  msgId: string | undefined,
  headers: Record<string, string>,
  logger: BusLogger,
  send: () => Promise<T>,
): Promise<T> {
  const parent = context.active();
  // Head-sampled out upstream: the bus's spans are never important, so one would only cost ids, a
  // sampler call and a context; the message carries the parent's context as is (same trace, not sampled).
  if (sampledOut(parent)) {
    try {
      propagation.inject(parent, headers, setter);
    } catch (err) {
      logger.warn({ err, subject }, 'bus: trace context injection failed');
    }
    return send();
  }
  const span = tracer().startSpan(`send ${subject}`, { kind: SpanKind.PRODUCER }, parent);
  // Attributes only on a recorded span: an unsampled one would copy and check them for nothing.
  if (span.isRecording()) {
    span.setAttributes({
      [MessagingAttr.System]: system,
      [MessagingAttr.DestinationName]: subject,
      [MessagingAttr.OperationType]: 'send',
      [MessagingAttr.OperationName]: 'send',
    });
    if (msgId !== undefined) span.setAttribute(MessagingAttr.MessageId, msgId);
  }
  try {
    // Without a valid span (no SDK and no incoming trace) there is no traceparent to write; the
    // parent context is injected as is (baggage) and no context is allocated per message.
    const sc = span.spanContext();
    propagation.inject(span.isRecording() || isSpanContextValid(sc) ? trace.setSpan(parent, span) : parent, headers, setter);
  } catch (err) {
    logger.warn({ err, subject }, 'bus: trace context injection failed');
  }
  let sent: Promise<T>;
  try {
    sent = send();
  } catch (err) {
    fail(span, err);
    span.end();
    return Promise.reject(err);
  }
  return sent.then(
    (v) => {
      span.end();
      return v;
    },
    (err: unknown) => {
      fail(span, err);
      span.end();
      throw err;
    },
  );
}

export interface ProcessSpanInfo {
  readonly system: string;
  readonly subject: string;
  readonly msgId: string | undefined;
  readonly durable: string;
  readonly headers: BusHeaders;
}

const isPromise = <T>(v: T | Promise<T>): v is Promise<T> => typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';

/**
 * Runs `process` inside a CONSUMER span whose parent is the context extracted from the headers.
 * Stays synchronous when `process` is (the hot path of a consumer doing fast, synchronous work).
 */
export function traceProcess<T>(info: ProcessSpanInfo, logger: BusLogger, process: () => T | Promise<T>): T | Promise<T> {
  let parent = context.active();
  try {
    parent = propagation.extract(parent, info.headers, getter);
  } catch (err) {
    logger.warn({ err, subject: info.subject }, 'bus: trace context extraction failed');
  }
  // Sampled out upstream: the handler runs in the incoming context (its trace id for what follows).
  if (sampledOut(parent)) return context.with(parent, process);
  const span = tracer().startSpan(`process ${info.subject}`, { kind: SpanKind.CONSUMER }, parent);
  // Nothing recorded and nothing to propagate (no SDK, no incoming trace): skip the context switch.
  if (!span.isRecording() && !isSpanContextValid(span.spanContext())) return process();
  if (span.isRecording()) {
    const attributes: Attributes = {
      [MessagingAttr.System]: info.system,
      [MessagingAttr.DestinationName]: info.subject,
      [MessagingAttr.OperationType]: 'process',
      [MessagingAttr.OperationName]: 'process',
      [MessagingAttr.ConsumerGroupName]: info.durable,
    };
    if (info.msgId !== undefined) attributes[MessagingAttr.MessageId] = info.msgId;
    span.setAttributes(attributes);
  }
  let result: T | Promise<T>;
  try {
    result = context.with(trace.setSpan(parent, span), process);
  } catch (err) {
    fail(span, err);
    span.end();
    throw err;
  }
  if (!isPromise(result)) {
    span.end();
    return result;
  }
  return result.then(
    (v) => {
      span.end();
      return v;
    },
    (err: unknown) => {
      fail(span, err);
      span.end();
      throw err;
    },
  );
}
