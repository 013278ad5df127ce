// Production entry for the built HMI (`node server.js` after `vite build`). adapter-node derives
// the request origin (used by SvelteKit's CSRF check on form posts) from headers and assumes
// https when none says otherwise, so an HMI served over plain http on the plant LAN would refuse
// every form. Here the protocol comes from the socket itself, unless HMI_TRUST_PROXY=1 says a
// TLS-terminating reverse proxy in front sets X-Forwarded-Proto. HTTP_TLS_CERT_FILE + HTTP_TLS_KEY_FILE
// serve HTTPS directly; HOST defaults to 127.0.0.1 (set HOST=0.0.0.0 to serve the LAN).
// Telemetry (issue 20), the same variables as every service: OTEL_EXPORTER=otlp exports spans and
// metrics to OTEL_EXPORTER_OTLP_ENDPOINT, METRICS_PORT serves GET /metrics, /readyz and /status.
// Every request is an HTTP server span; every call to the gateway a client span carrying
// `traceparent`. An operator's decision on a prompt (acknowledge, done, not done, outcome) is put in
// the prompt's own trace — the one that began at the sensor — linked to the request that made it.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import process from 'node:process';

process.env.PROTOCOL_HEADER = 'x-forwarded-proto';
const trustProxy = process.env.HMI_TRUST_PROXY === '1';
const telemetry = await startTelemetry();
const { handler } = await import('./build/handler.js');

const host = process.env.HOST || '127.0.0.1';
const port = Number(process.env.PORT ?? '3000');

const certFile = process.env.HTTP_TLS_CERT_FILE || undefined;
const keyFile = process.env.HTTP_TLS_KEY_FILE || undefined;
if ((certFile === undefined) !== (keyFile === undefined)) {
  console.error('HTTP_TLS_CERT_FILE and HTTP_TLS_KEY_FILE come together (HTTPS needs both)');
  process.exit(2);
}
/** Reads one PEM file; a failure names the variable. */
function pem(variable, file) {
  try {
    return readFileSync(file);
  } catch (error) {
    console.error(`${variable}: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
}
const tls = certFile === undefined ? null : { cert: pem('HTTP_TLS_CERT_FILE', certFile), key: pem('HTTP_TLS_KEY_FILE', keyFile) };

const serve = (req, res) => {
  if (!trustProxy || req.headers['x-forwarded-proto'] === undefined) {
    req.headers['x-forwarded-proto'] = 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http';
  }
  handler(req, res, () => {
    res.statusCode = 404;
    res.end('Not found');
  });
};
const listener = telemetry === null ? serve : telemetry.http.tracedRequestListener(serve, { untraced: (path) => path === '/api/feed' });
const server = tls === null ? createHttpServer(listener) : createHttpsServer(tls, listener);

server.listen(port, host, () => console.log(`HMI listening on ${tls === null ? 'http' : 'https'}://${host}:${port}`));

function stop() {
  const flushed = telemetry === null ? Promise.resolve() : telemetry.handle.shutdown();
  server.close(() => void flushed.then(() => process.exit(0)));
  // live feeds (SSE) never end by themselves
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 5000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

/** A decision on a prompt: POST /api/v1/recommendations/<id>/<decision> to the gateway. */
const DECISION = /^\/api\/v1\/recommendations\/([0-9a-f-]{36})\/[a-z-]+$/i;

/**
 * OpenTelemetry for this process (null when @industrial/telemetry cannot be loaded: the HMI still
 * serves, without telemetry, and says so). A bad variable stops the start (exit 2), as in every service.
 */
async function startTelemetry() {
  let t, http;
  try {
    t = await import('@industrial/telemetry');
    http = await import('@industrial/telemetry/http');
  } catch (error) {
    console.error(`telemetry off: @industrial/telemetry not loadable (${error instanceof Error ? error.message : String(error)})`);
    return null;
  }
  const read = t.telemetryConfigFromEnv(process.env, 'hmi', process.env.npm_package_version || '0.0.0');
  if (!read.ok) {
    console.error(read.message);
    process.exit(2);
  }
  const handle = t.initTelemetry(read.config);
  try {
    const endpoint = await handle.serveMetrics();
    if (endpoint !== null) console.log(`HMI metrics at ${endpoint.url}`);
  } catch (error) {
    console.error(
      `METRICS_PORT: cannot serve metrics on ${read.config.metricsEndpoint?.host}:${read.config.metricsEndpoint?.port}: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exit(1);
  }
  // The prompt's trace: the traceparent its RecommendationRaised was recorded with (the gateway's history, same token).
  const untracedFetch = globalThis.fetch;
  const parentFor = async (url, method, headers) => {
    const m = method === 'POST' ? DECISION.exec(url.pathname) : null;
    if (m === null) return null;
    const res = await untracedFetch(`${url.origin}/api/v1/recommendations/${m[1]}/events`, {
      headers: { authorization: headers.get('authorization') ?? '', accept: 'application/json' },
    });
    if (!res.ok) return null;
    const raised = ((await res.json()).events ?? []).find((e) => e.type === 'RecommendationRaised');
    if (typeof raised?.traceparent !== 'string') return null;
    return { parent: t.extractFromCarrier({ traceparent: raised.traceparent }), important: true };
  };
  globalThis.fetch = http.tracedFetch(untracedFetch, { parentFor });
  return { handle, http };
}
