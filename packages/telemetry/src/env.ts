// Telemetry from the environment for processes outside runService — the HMI's server (plain JS)
// and `npm start`'s single process — with the same variables and defaults as every service
// (@industrial/eventstore/config telemetryEnv): OTEL_EXPORTER (otlp | none), OTEL_EXPORTER_OTLP_ENDPOINT,
// OTEL_SAMPLE_RATIO (0–1), METRICS_PORT (off | 0–65535), METRICS_HOST, LOG_LEVEL. A bad value is
// refused with the variable's name, never guessed.
import type { LogLevel, TelemetryConfig } from './config.ts';

const LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export type EnvTelemetry = { ok: true; config: TelemetryConfig } | { ok: false; variable: string; message: string };

const refuse = (variable: string, why: string, got: string): EnvTelemetry => ({
  ok: false,
  variable,
  message: `${variable}: ${why}, got ${JSON.stringify(got)}`,
});

/** Reads the telemetry variables; `ok: false` names the first bad one. */
export function telemetryConfigFromEnv(env: Readonly<Record<string, string | undefined>>, serviceName: string, serviceVersion: string): EnvTelemetry {
  const v = (name: string): string | undefined => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const exporter = v('OTEL_EXPORTER') ?? 'none';
  if (exporter !== 'otlp' && exporter !== 'none') return refuse('OTEL_EXPORTER', 'must be "otlp" or "none"', exporter);
  const endpoint = v('OTEL_EXPORTER_OTLP_ENDPOINT') ?? 'http://localhost:4318';
  if (!/^https?:\/\//.test(endpoint) || !URL.canParse(endpoint)) return refuse('OTEL_EXPORTER_OTLP_ENDPOINT', 'must be an http(s) URL', endpoint);
  const ratioText = v('OTEL_SAMPLE_RATIO') ?? '1';
  const ratio = Number(ratioText);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) return refuse('OTEL_SAMPLE_RATIO', 'must be a number 0–1', ratioText);
  const portText = v('METRICS_PORT') ?? 'off';
  const port = portText === 'off' ? null : Number(portText);
  if (port !== null && (!Number.isInteger(port) || port < 0 || port > 65535)) return refuse('METRICS_PORT', 'must be off or a port 0–65535', portText);
  const level = v('LOG_LEVEL') ?? 'info';
  if (!LEVELS.includes(level)) return refuse('LOG_LEVEL', 'must be a pino level (info, debug, …)', level);
  return {
    ok: true,
    config: {
      serviceName,
      serviceVersion,
      exporter,
      otlpEndpoint: endpoint,
      sampleRatio: ratio,
      logLevel: level as LogLevel,
      metricsEndpoint: port === null ? null : { host: v('METRICS_HOST') ?? '127.0.0.1', port },
    },
  };
}
