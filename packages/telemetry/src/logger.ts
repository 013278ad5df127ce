// Structured logs (pino) that carry the active trace context and never write secrets.
// Every record written inside an active span gets trace_id / span_id / trace_flags, so a
// log line can be joined to its trace in the backend.
import { hostname } from 'node:os';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';
import type { LogLevel } from './config.ts';

export type { Logger } from 'pino';

/**
 * Redacted by default. `*.x` matches one level below the root, so top-level keys are listed too.
 * Values are replaced by REDACTED_VALUE; keys are kept so a reader sees something was there.
 */
export const DEFAULT_REDACT_PATHS: readonly string[] = [
  'password',
  'token',
  'secret',
  'privateKey',
  'apiKey',
  'authorization',
  'cookie',
  '*.password',
  '*.token',
  '*.secret',
  '*.privateKey',
  '*.apiKey',
  '*.authorization',
  '*.cookie',
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
];

export const REDACTED_VALUE = '[REDACTED]';

export interface CreateLoggerOptions {
  readonly level: LogLevel;
  /** Where records go; defaults to stdout. Tests pass an in-memory stream. */
  readonly destination?: DestinationStream;
  /** Extra paths to redact, added to DEFAULT_REDACT_PATHS. */
  readonly redact?: readonly string[];
  /** Fields added to every record (e.g. { service: 'inference' }). */
  readonly base?: Record<string, unknown>;
}

/** trace_id / span_id / trace_flags of the active span, or {} outside a span. */
export function traceContextFields(): Record<string, string> {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (spanContext === undefined || !isSpanContextValid(spanContext)) return {};
  return {
    trace_id: spanContext.traceId,
    span_id: spanContext.spanId,
    trace_flags: (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0'),
  };
}

export function createLogger(name: string, options: CreateLoggerOptions): Logger {
  const logger = pino(
    {
      name,
      level: options.level,
      ...(options.base === undefined ? {} : { base: { pid: process.pid, hostname: hostname(), ...options.base } }),
      mixin: traceContextFields,
      redact: {
        paths: [...new Set([...DEFAULT_REDACT_PATHS, ...(options.redact ?? [])])],
        censor: REDACTED_VALUE,
      },
    },
    options.destination,
  );
  return logger;
}
