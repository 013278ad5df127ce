// The Prometheus scrape endpoint of a process: the OpenTelemetry Prometheus exporter as one more
// metric reader of the process's meter provider (beside OTLP when configured), served by a plain
// node:http server we own, so that the bound port is known (port 0 in tests) and a port already in
// use fails the start instead of being logged and forgotten. GET /metrics; GET /readyz (503 while a
// required dependency of readiness.ts fails) and GET /status (each dependency) for every process,
// including those without a health port of their own (the relay, connectivity, the simulator). Anything else 404.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { evaluateReadiness } from './readiness.ts';

export interface MetricsEndpointConfig {
  /** Interface to listen on (127.0.0.1 unless the scraper runs elsewhere). */
  readonly host: string;
  /** TCP port; 0 picks a free one (the bound port is in the handle). */
  readonly port: number;
}

export interface MetricsEndpoint {
  readonly host: string;
  readonly port: number;
  /** `http://host:port/metrics` */
  readonly url: string;
  close(): Promise<void>;
}

/** A pull reader: nothing is exported until Prometheus scrapes. `service_name` is put on every series. */
export function createPrometheusReader(): PrometheusExporter {
  return new PrometheusExporter({ preventServerStart: true, withResourceConstantLabels: /^service\.(name|instance\.id)$/ });
}

/** Listens on host:port and answers GET /metrics from the reader. Rejects when the port cannot be bound. */
export async function serveMetrics(reader: PrometheusExporter, config: MetricsEndpointConfig): Promise<MetricsEndpoint> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && path === '/metrics') {
      reader.getMetricsRequestHandler(request, response);
      return;
    }
    if (request.method === 'GET' && (path === '/readyz' || path === '/status')) {
      void evaluateReadiness().then((report) => {
        response.statusCode = path === '/readyz' && !report.ready ? 503 : 200;
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ status: report.ready ? 'ready' : 'not-ready', dependencies: report.dependencies }));
      });
      return;
    }
    response.statusCode = 404;
    response.end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: config.host, port: config.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.unref();
  const { port } = server.address() as AddressInfo;
  const hostInUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
  let closed: Promise<void> | undefined;
  return {
    host: config.host,
    port,
    url: `http://${hostInUrl}:${port}/metrics`,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
