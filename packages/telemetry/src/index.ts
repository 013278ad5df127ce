// Public surface of @industrial/telemetry. Entry points call initTelemetry() once; libraries
// import from '@industrial/telemetry/api' (propagation helpers, @opentelemetry/api only).
export { initTelemetry, resetTelemetryForTests } from './init.ts';
export type { TelemetryHandle, TelemetryDependencies } from './init.ts';
export type { InMemoryMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';

export { telemetryConfigFromEnv } from './env.ts';
export type { EnvTelemetry } from './env.ts';
export { TelemetryExporterKind, assertValidTelemetryConfig, otlpMetricsUrl, otlpTracesUrl } from './config.ts';
export type { TelemetryConfig, LogLevel } from './config.ts';
export type { MetricsEndpoint, MetricsEndpointConfig } from './prometheus.ts';
export { evaluateReadiness, registerDependency, resetReadinessForTests } from './readiness.ts';
export type { DependencyCheck, DependencyState, DependencyStatus, ReadinessReport } from './readiness.ts';

export { TelemetryError, TelemetryErrorCode, InvalidTelemetryConfigError, TelemetryAlreadyInitializedError } from './errors.ts';

export { ImportantDecisionSampler, createSampler } from './sampler.ts';

export { createLogger, traceContextFields, DEFAULT_REDACT_PATHS, REDACTED_VALUE } from './logger.ts';
export type { CreateLoggerOptions, Logger } from './logger.ts';

export {
  IMPORTANT_ATTRIBUTE,
  importantSpanOptions,
  injectToCarrier,
  extractFromCarrier,
  grpcMetadataGetter,
  grpcMetadataSetter,
  injectToMetadata,
  extractFromMetadata,
  withSpan,
  currentTraceparent,
  MessagingOperationType,
  ATTR_MESSAGING_SYSTEM,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_RPC_SYSTEM,
  ATTR_RPC_SERVICE,
  ATTR_RPC_METHOD,
  ATTR_RPC_GRPC_STATUS_CODE,
} from './propagation.ts';
export type { Carrier, MetadataLike } from './propagation.ts';
export { SpanKind, SpanStatusCode, ValueType, context, metrics, propagation, trace } from './propagation.ts';
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
  SpanOptions,
  Tracer,
  UpDownCounter,
} from './propagation.ts';
