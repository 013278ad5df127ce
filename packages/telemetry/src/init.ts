// OpenTelemetry set-up, once per process, by the entry point (never by a library).
// Registers the global tracer provider, the global meter provider, an AsyncLocalStorage
// context manager and the W3C trace-context + baggage propagators; libraries then only use
// @opentelemetry/api (through @industrial/telemetry/api).
//
// Calling initTelemetry() a second time throws TelemetryAlreadyInitializedError: two
// configurations in one process would silently disagree (which exporter? which ratio?), and
// the call belongs in exactly one place, main(). Tests call resetTelemetryForTests().
import { context, diag, DiagLogLevel, metrics, propagation, trace } from '@opentelemetry/api';
import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator, loggingErrorHandler, setGlobalErrorHandler } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider as SdkMeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { IMetricReader, PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { TracerProvider as SdkTracerProvider, BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Logger } from 'pino';
import { assertValidTelemetryConfig, otlpMetricsUrl, otlpTracesUrl } from './config.ts';
import type { TelemetryConfig } from './config.ts';
import { createTelemetryErrorReporter, pinoDiagLogger } from './diagnostics.ts';
import { TelemetryAlreadyInitializedError } from './errors.ts';
import { createLogger } from './logger.ts';
import { createPrometheusReader, serveMetrics, type MetricsEndpoint } from './prometheus.ts';
import { observeRuntime } from './runtime.ts';
import { createSampler } from './sampler.ts';

export interface TelemetryHandle {
  readonly serviceName: string;
  readonly tracerProvider: TracerProvider;
  readonly meterProvider: MeterProvider;
  /** Present when config.exporter is 'memory'. */
  readonly memoryExporter?: InMemorySpanExporter;
  /**
   * Present when config.exporter is 'memory': receives cumulative metrics on forceFlush()
   * (the periodic export interval is too long to fire during a test).
   */
  readonly memoryMetrics?: InMemoryMetricExporter;
  /**
   * Collects the current metrics straight from the reader (no export), for tests.
   * Resolves to undefined when config.exporter is 'none' (no reader).
   */
  collectMetrics(): Promise<ResourceMetrics | undefined>;
  /**
   * Starts the Prometheus scrape endpoint (config.metricsEndpoint); null when none is configured.
   * Idempotent. Rejects when the port cannot be bound. Closed by shutdown().
   */
  serveMetrics(): Promise<MetricsEndpoint | null>;
  /** Exports pending spans and metrics now. Never rejects; a failure is logged. */
  forceFlush(): Promise<void>;
  /** Flushes pending spans and metrics and stops the exporters. Idempotent; never rejects. */
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
const DEFAULT_METRIC_EXPORT_INTERVAL_MILLIS = 60_000;
/** Memory reader: exports only on forceFlush()/shutdown() in practice (setInterval's maximum). */
const MEMORY_METRIC_EXPORT_INTERVAL_MILLIS = 2_147_483_647;

function createMetricReader(config: TelemetryConfig): {
  reader?: PeriodicExportingMetricReader;
  memoryMetrics?: InMemoryMetricExporter;
} {
  switch (config.exporter) {
    case 'memory': {
      const memoryMetrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
      const reader = new PeriodicExportingMetricReader({
        exporter: memoryMetrics,
        exportIntervalMillis: MEMORY_METRIC_EXPORT_INTERVAL_MILLIS,
      });
      return { reader, memoryMetrics };
    }
    case 'otlp': {
      const timeoutMillis = config.exportTimeoutMillis ?? DEFAULT_EXPORT_TIMEOUT_MILLIS;
      const intervalMillis = config.metricExportIntervalMillis ?? DEFAULT_METRIC_EXPORT_INTERVAL_MILLIS;
      const exporter: PushMetricExporter = new OTLPMetricExporter({
        url: otlpMetricsUrl(config.otlpEndpoint),
        timeoutMillis,
      });
      return {
        reader: new PeriodicExportingMetricReader({
          exporter,
          exportIntervalMillis: intervalMillis,
          // The reader requires timeout <= interval.
          exportTimeoutMillis: Math.min(timeoutMillis, intervalMillis),
        }),
      };
    }
    case 'none':
      // Instruments still work (the SDK aggregates nothing without a reader); nothing is exported.
      return {};
    default: {
      const unreachable: never = config.exporter;
      throw new Error(`unknown exporter ${String(unreachable)}`);
    }
  }
}

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
      // Warm-up (issue 20): the exporter's first request runs its HTTP and serialisation code cold
      // (about 18 ms of CPU for 20 spans on a loaded 2-vCPU machine, against 2–6 ms for the next
      // ones), a pause in the middle of traffic. An empty export pays it at start-up instead; its
      // result does not matter. Batches stay the SDK's (512 spans, 5 s): an export's cost is mostly
      // per request (about 1 ms for 64 or 512 spans), so smaller batches would only pause more often.
      exporter.export([], () => undefined);
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
  metrics.disable();
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
  const resource = defaultResource().merge(
    resourceFromAttributes({
      [ATTR_SERVICE_NAME]: config.serviceName,
      [ATTR_SERVICE_VERSION]: config.serviceVersion,
    }),
  );
  const provider = new SdkTracerProvider({
    resource,
    sampler: createSampler(config.sampleRatio, config.alwaysSampleSpanNames),
    spanProcessors: processors,
  });

  const { reader, memoryMetrics } = createMetricReader(config);
  const prometheus = config.metricsEndpoint ? createPrometheusReader() : undefined;
  const readers: IMetricReader[] = [...(reader === undefined ? [] : [reader]), ...(prometheus === undefined ? [] : [prometheus])];
  const meterProvider = new SdkMeterProvider({ resource, readers });
  // Process and runtime basics whenever something reads metrics.
  const stopRuntime = readers.length > 0 ? observeRuntime(meterProvider.getMeter('industrial.runtime')) : () => undefined;
  let endpoint: Promise<MetricsEndpoint | null> | undefined;

  const contextManager = new AsyncLocalStorageContextManager().enable();
  const registered =
    trace.setGlobalTracerProvider(provider) &&
    metrics.setGlobalMeterProvider(meterProvider) &&
    context.setGlobalContextManager(contextManager) &&
    propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  if (!registered) {
    // Someone else (another copy of this package, or an auto-instrumentation agent) got there
    // first; leaving half of our set-up registered would be worse than none.
    disableGlobals();
    contextManager.disable();
    void meterProvider.shutdown().catch(() => undefined);
    void provider.shutdown().catch(() => undefined);
    throw new TelemetryAlreadyInitializedError('an OpenTelemetry global was already registered in this process');
  }
  diag.setLogger(pinoDiagLogger(logger), { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  setGlobalErrorHandler(createTelemetryErrorReporter(logger));

  let shutdownPromise: Promise<void> | undefined;
  const handle: TelemetryHandle = {
    serviceName: config.serviceName,
    tracerProvider: provider,
    meterProvider,
    ...(memoryExporter === undefined ? {} : { memoryExporter }),
    ...(memoryMetrics === undefined ? {} : { memoryMetrics }),
    async collectMetrics() {
      if (reader === undefined) return undefined;
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0) logger.warn({ errors }, 'telemetry metric collection reported errors');
      return resourceMetrics;
    },
    serveMetrics() {
      const where = config.metricsEndpoint;
      endpoint ??= prometheus === undefined || !where ? Promise.resolve(null) : serveMetrics(prometheus, where);
      return endpoint;
    },
    async forceFlush() {
      const results = await Promise.allSettled([provider.forceFlush(), meterProvider.forceFlush()]);
      for (const result of results) {
        if (result.status === 'rejected') {
          logger.warn({ err: result.reason }, 'telemetry flush failed; data dropped, application unaffected');
        }
      }
    },
    shutdown() {
      if (shutdownPromise !== undefined) return shutdownPromise;
      stopRuntime();
      const closeEndpoint = (endpoint ?? Promise.resolve(null)).then(
        (e) => e?.close(),
        () => undefined,
      );
      shutdownPromise = Promise.allSettled([provider.shutdown(), meterProvider.shutdown(), closeEndpoint]).then((results) => {
        for (const result of results) {
          if (result.status === 'rejected') {
            logger.warn({ err: result.reason }, 'telemetry shutdown could not export pending spans or metrics');
          }
        }
      });
      return shutdownPromise;
    },
  };
  active = { handle, contextManager };
  logger.debug({ exporter: config.exporter, sampleRatio: config.sampleRatio, service: config.serviceName }, 'telemetry initialised');
  return handle;
}

/**
 * For tests only: shuts down the current set-up (if any) and disables the global
 * tracer provider, meter provider, context manager and propagator, so initTelemetry() can run again.
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
