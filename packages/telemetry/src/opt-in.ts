// Opt-in telemetry for a process that does not run through runService (`npm start`: every service
// in one process). Imported for its effect, first: with OTEL_EXPORTER=otlp it exports spans and
// metrics over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT (head sampling at OTEL_SAMPLE_RATIO, every
// prompt kept), and with METRICS_PORT it serves GET /metrics, /readyz and /status there. Neither set:
// nothing is initialised and nothing is exported (the default). OTEL_SERVICE_NAME names the process
// (default "platform"). Child processes inherit the variables; METRICS_PORT becomes the next port for
// them (npm start's HMI server: METRICS_PORT + 1). A bad value stops the start with the variable's name (exit 2).
import { telemetryConfigFromEnv } from './env.ts';
import { initTelemetry, type TelemetryHandle } from './init.ts';

function optIn(): TelemetryHandle | null {
  const env = process.env;
  const wanted = env.OTEL_EXPORTER === 'otlp' || (env.METRICS_PORT !== undefined && env.METRICS_PORT !== '' && env.METRICS_PORT !== 'off');
  if (!wanted) return null;
  const read = telemetryConfigFromEnv(env, env.OTEL_SERVICE_NAME || 'platform', env.npm_package_version || '0.0.0');
  if (!read.ok) {
    process.stderr.write(`${read.message}\n`);
    process.exit(2);
  }
  const handle = initTelemetry(read.config);
  // A process started by this one (npm start's HMI server) takes the next port, not this one's.
  const port = read.config.metricsEndpoint?.port;
  if (port !== undefined && port > 0) process.env.METRICS_PORT = String(port + 1);
  handle.serveMetrics().then(
    (endpoint) => endpoint !== null && process.stdout.write(`telemetry: metrics at ${endpoint.url}\n`),
    (error: unknown) => {
      process.stderr.write(`METRICS_PORT: cannot serve metrics: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
  if (read.config.exporter === 'otlp') process.stdout.write(`telemetry: spans and metrics to ${read.config.otlpEndpoint} (OTLP/HTTP)\n`);
  // Spans still waiting in the batch are sent when the process is asked to stop.
  const flush = () => void handle.forceFlush();
  process.once('SIGINT', flush);
  process.once('SIGTERM', flush);
  return handle;
}

/** The process's telemetry, or null when neither OTEL_EXPORTER=otlp nor METRICS_PORT asked for it. */
export const optInTelemetry: TelemetryHandle | null = optIn();
