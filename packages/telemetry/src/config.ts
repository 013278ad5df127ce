// The typed telemetry configuration. The entry point reads its environment into this object;
// nothing in this package reads process.env itself.
import { InvalidTelemetryConfigError } from './errors.ts';
import type { MetricsEndpointConfig } from './prometheus.ts';

export const TelemetryExporterKind = {
  OTLP: 'otlp',
  NONE: 'none',
  MEMORY: 'memory',
} as const;
export type TelemetryExporterKind = (typeof TelemetryExporterKind)[keyof typeof TelemetryExporterKind];

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface TelemetryConfig {
  readonly serviceName: string;
  readonly serviceVersion: string;
  /** 'otlp' exports over OTLP/HTTP; 'memory' keeps spans in an InMemorySpanExporter (tests); 'none' drops them. */
  readonly exporter: TelemetryExporterKind;
  /**
   * OTLP/HTTP base URL, as OTEL_EXPORTER_OTLP_ENDPOINT (e.g. `http://collector:4318`);
   * `/v1/traces` is appended unless already present. Defaults to `http://localhost:4318`.
   */
  readonly otlpEndpoint?: string;
  /** Head-sampling ratio for root spans, 0..1. Important spans are sampled regardless. */
  readonly sampleRatio: number;
  /** Level of the telemetry's own logger (export failures, SDK diagnostics). */
  readonly logLevel: LogLevel;
  /** Span names that are always sampled, whatever the ratio. */
  readonly alwaysSampleSpanNames?: readonly string[];
  /** Timeout of one OTLP export request. Defaults to 10 s. */
  readonly exportTimeoutMillis?: number;
  /** Interval between two metric exports over OTLP. Defaults to 60 s. */
  readonly metricExportIntervalMillis?: number;
  /** A Prometheus scrape endpoint (GET /metrics), in addition to OTLP; null or absent: none. Started by handle.serveMetrics(). */
  readonly metricsEndpoint?: MetricsEndpointConfig | null;
}

const EXPORTERS: ReadonlySet<string> = new Set(Object.values(TelemetryExporterKind));
const LOG_LEVELS: ReadonlySet<string> = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** Throws InvalidTelemetryConfigError naming the first bad field. */
export function assertValidTelemetryConfig(config: TelemetryConfig): void {
  if (typeof config.serviceName !== 'string' || config.serviceName.trim() === '') {
    throw new InvalidTelemetryConfigError('serviceName', 'must be a non-empty string');
  }
  if (typeof config.serviceVersion !== 'string' || config.serviceVersion.trim() === '') {
    throw new InvalidTelemetryConfigError('serviceVersion', 'must be a non-empty string');
  }
  if (!EXPORTERS.has(config.exporter)) {
    throw new InvalidTelemetryConfigError('exporter', `must be one of ${[...EXPORTERS].join(', ')}`);
  }
  if (typeof config.sampleRatio !== 'number' || !Number.isFinite(config.sampleRatio) || config.sampleRatio < 0 || config.sampleRatio > 1) {
    throw new InvalidTelemetryConfigError('sampleRatio', 'must be a number between 0 and 1');
  }
  if (!LOG_LEVELS.has(config.logLevel)) {
    throw new InvalidTelemetryConfigError('logLevel', `must be one of ${[...LOG_LEVELS].join(', ')}`);
  }
  if (config.otlpEndpoint !== undefined && !URL.canParse(config.otlpEndpoint)) {
    throw new InvalidTelemetryConfigError('otlpEndpoint', 'must be an absolute URL');
  }
  if (config.exportTimeoutMillis !== undefined && (!Number.isInteger(config.exportTimeoutMillis) || config.exportTimeoutMillis <= 0)) {
    throw new InvalidTelemetryConfigError('exportTimeoutMillis', 'must be a positive integer');
  }
  const m = config.metricsEndpoint;
  if (m && (typeof m.host !== 'string' || m.host.trim() === '' || !Number.isInteger(m.port) || m.port < 0 || m.port > 65535)) {
    throw new InvalidTelemetryConfigError('metricsEndpoint', 'must be a host and a port 0–65535');
  }
  if (config.metricExportIntervalMillis !== undefined && (!Number.isInteger(config.metricExportIntervalMillis) || config.metricExportIntervalMillis <= 0)) {
    throw new InvalidTelemetryConfigError('metricExportIntervalMillis', 'must be a positive integer');
  }
}

/** The OTLP/HTTP traces URL for a configured base endpoint. */
export function otlpTracesUrl(endpoint = 'http://localhost:4318'): string {
  const trimmed = endpoint.replace(/\/+$/, '');
  return trimmed.endsWith('/v1/traces') ? trimmed : `${trimmed}/v1/traces`;
}

/**
 * The OTLP/HTTP metrics URL for a configured base endpoint. An endpoint already ending in
 * `/v1/traces` (accepted for traces) has that suffix replaced, so both signals share one setting.
 */
export function otlpMetricsUrl(endpoint = 'http://localhost:4318'): string {
  const trimmed = endpoint.replace(/\/+$/, '');
  if (trimmed.endsWith('/v1/metrics')) return trimmed;
  const base = trimmed.endsWith('/v1/traces') ? trimmed.slice(0, -'/v1/traces'.length) : trimmed;
  return `${base}/v1/metrics`;
}
