// Production entry for the built HMI (`node server.js` after `vite build`). adapter-node derives
// the request origin (used by SvelteKit's CSRF check on form posts) from headers and assumes
// https when none says otherwise, so an HMI served over plain http on the plant LAN would refuse
// every form. Here the protocol comes from the socket itself, unless HMI_TRUST_PROXY=1 says a
// TLS-terminating reverse proxy in front sets X-Forwarded-Proto.
import { createServer } from 'node:http';
import process from 'node:process';

process.env.PROTOCOL_HEADER = 'x-forwarded-proto';
const trustProxy = process.env.HMI_TRUST_PROXY === '1';
const { handler } = await import('./build/handler.js');

const host = process.env.HOST ?? '0.0.0.0';
const port = Number(process.env.PORT ?? '3000');

const server = createServer((req, res) => {
  if (!trustProxy || req.headers['x-forwarded-proto'] === undefined) {
    req.headers['x-forwarded-proto'] = 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http';
  }
  handler(req, res, () => {
    res.statusCode = 404;
    res.end('Not found');
  });
});

server.listen(port, host, () => console.log(`HMI listening on http://${host}:${port}`));

function stop() {
  server.close(() => process.exit(0));
  // live feeds (SSE) never end by themselves
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 5000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
