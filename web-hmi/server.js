// Production entry for the built HMI (`node server.js` after `vite build`). adapter-node derives
// the request origin (used by SvelteKit's CSRF check on form posts) from headers and assumes
// https when none says otherwise, so an HMI served over plain http on the plant LAN would refuse
// every form. Here the protocol comes from the socket itself, unless HMI_TRUST_PROXY=1 says a
// TLS-terminating reverse proxy in front sets X-Forwarded-Proto. HTTP_TLS_CERT_FILE + HTTP_TLS_KEY_FILE
// serve HTTPS directly; HOST defaults to 127.0.0.1 (set HOST=0.0.0.0 to serve the LAN).
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import process from 'node:process';

process.env.PROTOCOL_HEADER = 'x-forwarded-proto';
const trustProxy = process.env.HMI_TRUST_PROXY === '1';
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
const server = tls === null ? createHttpServer(serve) : createHttpsServer(tls, serve);

server.listen(port, host, () => console.log(`HMI listening on ${tls === null ? 'http' : 'https'}://${host}:${port}`));

function stop() {
  server.close(() => process.exit(0));
  // live feeds (SSE) never end by themselves
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 5000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
