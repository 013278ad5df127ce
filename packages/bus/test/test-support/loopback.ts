// A test's own TCP server in front of NATS (a relay that drops or holds back the handshake): listens
// on a free loopback port (port 0: nothing to collide with) and returns its NATS URL.
import { once } from 'node:events';
import type { Server } from 'node:net';

export async function listenNatsUrl(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return `nats://127.0.0.1:${addr.port}`;
}
