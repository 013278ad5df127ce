// Routes the SDK's own failures to our logger: an unreachable collector or a dropped batch
// is logged (rate-limited, so a dead collector does not flood the logs) and never thrown.
import type { DiagLogger } from '@opentelemetry/api';
import type { Logger } from 'pino';

/** Adapts a pino logger to the OpenTelemetry diagnostic logger interface. */
export function pinoDiagLogger(logger: Logger): DiagLogger {
  const forward =
    (level: 'error' | 'warn' | 'info' | 'debug' | 'trace') =>
    (message: string, ...args: unknown[]): void => {
      logger[level](args.length === 0 ? { otel: 'diag' } : { otel: 'diag', args }, message);
    };
  return {
    error: forward('error'),
    warn: forward('warn'),
    info: forward('info'),
    debug: forward('debug'),
    verbose: forward('trace'),
  };
}

export interface ErrorReporterOptions {
  /** At most one record per interval; the next record says how many were suppressed. */
  readonly intervalMillis?: number;
  readonly now?: () => number;
}

/** A global error handler for the SDK: logs at warn, at most once per interval. */
export function createTelemetryErrorReporter(logger: Logger, { intervalMillis = 60_000, now = Date.now }: ErrorReporterOptions = {}): (error: unknown) => void {
  let lastLoggedAt = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (error) => {
    const at = now();
    if (at - lastLoggedAt < intervalMillis) {
      suppressed += 1;
      return;
    }
    lastLoggedAt = at;
    logger.warn({ err: error, suppressedSinceLastReport: suppressed }, 'telemetry export failed; spans dropped, application unaffected');
    suppressed = 0;
  };
}
