// A test's own nats-server (startNatsServer: a free loopback port, its own store dir, optionally
// a config file such as an authorization block), stopped and restarted on the same store by the test.

import { once } from 'node:events';
import { createServer } from 'node:net';
import { startNatsServer, type NatsServerProcess } from '../../src/nats/server-process.ts';

export const freePort = async (): Promise<number> => {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const addr = srv.address();
  srv.close();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return addr.port;
};

export class OwnNatsServer {
  #server: NatsServerProcess | undefined;
  constructor(
    readonly port: number,
    readonly storeDir: string,
    readonly configFile?: string,
  ) {}

  get url(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.#server = await startNatsServer({
      port: this.port,
      storeDir: this.storeDir,
      ...(this.configFile === undefined ? {} : { configFile: this.configFile }),
    });
  }

  /** Graceful stop (SIGTERM), as for a rolling restart; resolves once the process is gone. */
  async stop(): Promise<void> {
    const s = this.#server;
    this.#server = undefined;
    await s?.stop();
  }
}
