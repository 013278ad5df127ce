// OpenTelemetry set-up, once per process, by the entry point (never by a library).
// Registers the global tracer provider, an AsyncLocalStorage context manager and the W3C
// trace-context + baggage propagators; libraries then only use @opentelemetry/api.
//
// Calling initTelemetry() a second time throws TelemetryAlreadyInitializedError: two
// configurations in one process would silently disagree (which exporter? which ratio?), and
// the call belongs in exactly one place, main(). Tests call resetTelemetryForTests().
import { context, diag, DiagLogLevel, propagation, trace } from '@opentelemetry/api';
import type { TracerProvider } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
  loggingErrorHandler,
  setGlobalErrorHandler,
} from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  TracerProvider as SdkTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Logger } from 'pino';
import { assertValidTelemetryConfig, otlpTracesUrl } from './config.ts';
import type { TelemetryConfig } from './config.ts';
import { createTelemetryErrorReporter, pinoDiagLogger } from './diagnostics.ts';
import { TelemetryAlreadyInitializedError } from './errors.ts';
import { createLogger } from './logger.ts';
import { createSampler } from './sampler.ts';

export interface TelemetryHandle {
  readonly serviceName: string;
  readonly tracerProvider: TracerProvider;
  /** Present when config.exporter is 'memory'. */
  readonly memoryExporter?: InMemorySpanExporter;
  /** Exports pending spans now. Never rejects; a failure is logged. */
  forceFlush(): Promise<void>;
  /** Flushes pending spans and stops the exporter. Idempotent; never rejects. */
  shutdown(): Promise<void>;
}

export interface TelemetryDependencies {
  /** Logger for the telemetry's own failures; defaults to createLogger('telemetry', {level: config.logLevel}). */
  readonly logger?: Logger;
}

interface ActiveTelemetry {
  readonly handle: TelemetryHandle;
  readonly contextManager: AsyncLocalStorageContextManager;
}

let active: ActiveTelemetry | undefined;

const DEFAULT_EXPORT_TIMEOUT_MILLIS = 10_000;

function createExporter(config: TelemetryConfig): {
  processors: SpanProcessor[];
  memoryExporter?: InMemorySpanExporter;
} {
  switch (config.exporter) {
    case 'memory': {
      const memoryExporter = new InMemorySpanExporter();
      // Synchronous export on span end: tests read spans without flushing.
      return { processors: [new SimpleSpanProcessor({ exporter: memoryExporter })], memoryExporter };
    }
    case 'otlp': {
      const timeoutMillis = config.exportTimeoutMillis ?? DEFAULT_EXPORT_TIMEOUT_MILLIS;
      const exporter: SpanExporter = new OTLPTraceExporter({
        url: otlpTracesUrl(config.otlpEndpoint),
        timeoutMillis,
      });
      return { processors: [new BatchSpanProcessor({ exporter, exportTimeoutMillis: timeoutMillis })] };
    }
    case 'none':
      // Spans are still created, so trace ids propagate and appear in logs; nothing is exported.
      return { processors: [] };
    default: {
      const unreachable: never = config.exporter;
      throw new Error(`unknown exporter ${String(unreachable)}`);
    }
  }
}

function disableGlobals(): void {
  trace.disable();
  context.disable();
  propagation.disable();
  diag.disable();
  setGlobalErrorHandler(loggingErrorHandler());
}

/**
 * Sets up tracing for this process and returns its handle. Throws InvalidTelemetryConfigError
 * on a bad config and TelemetryAlreadyInitializedError on a second call; after that, no
 * telemetry failure is thrown (export errors are logged).
 */
export function initTelemetry(config: TelemetryConfig, deps: TelemetryDependencies = {}): TelemetryHandle {
  if (active !== undefined) {
    throw new TelemetryAlreadyInitializedError(`already initialised for service "${active.handle.serviceName}"`);
  }
  assertValidTelemetryConfig(config);
  const logger = deps.logger ?? createLogger('telemetry', { level: config.logLevel });

  const { processors, memoryExporter } = createExporter(config);
  const provider = new SdkTracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({
        [ATTR_SERVICE_NAME]: config.serviceName,
        [ATTR_SERVICE_VERSION]: config.serviceVersion,
      }),
    ),
    sampler: createSampler(config.sampleRatio, config.alwaysSampleSpanNames),
    spanProcessors: processors,
  });

  const contextManager = new AsyncLocalStorageContextManager().enable();
  const registered =
    trace.setGlobalTracerProvider(provider) &&
    context.setGlobalContextManager(contextManager) &&
    propagation.setGlobalPropagator(
      new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
    );
  if (!registered) {
    // Someone else (another copy of this package, or an auto-instrumentation agent) got there
    // first; leaving half of our set-up registered would be worse than none.
    disableGlobals();
    contextManager.disable();
    throw new TelemetryAlreadyInitializedError('an OpenTelemetry global was already registered in this process');
  }
  diag.setLogger(pinoDiagLogger(logger), { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  setGlobalErrorHandler(createTelemetryErrorReporter(logger));

  let shutdownPromise: Promise<void> | undefined;
  const handle: TelemetryHandle = {
    serviceName: config.serviceName,
    tracerProvider: provider,
    ...(memoryExporter === undefined ? {} : { memoryExporter }),
    async forceFlush() {
      try {
        await provider.forceFlush();
      } catch (error) {
        logger.warn({ err: error }, 'telemetry flush failed; spans dropped, application unaffected');
      }
    },
    shutdown() {
      shutdownPromise ??= Promise.resolve(provider.shutdown()).catch((error: unknown) => {
        logger.warn({ err: error }, 'telemetry shutdown could not export pending spans');
      });
      return shutdownPromise;
    },
  };
  active = { handle, contextManager };
  logger.debug(
    { exporter: config.exporter, sampleRatio: config.sampleRatio, service: config.serviceName },
    'telemetry initialised',
  );
  return handle;
}

/**
 * For tests only: shuts down the current set-up (if any) and disables the global
 * tracer provider, context manager and propagator, so initTelemetry() can run again.
 * Safe to call when nothing was initialised, including in a fresh worker.
 */
export async function resetTelemetryForTests(): Promise<void> {
  const current = active;
  active = undefined;
  if (current !== undefined) {
    await current.handle.shutdown();
    current.contextManager.disable();
  }
  disableGlobals();
}
