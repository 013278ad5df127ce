// A test's own nats-server (startNatsServer: a free loopback port, its own store dir, optionally
// a config file such as an authorization block), stopped and restarted on the same store by the test.

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startNatsServer, type NatsServerProcess } from '../../src/nats/server-process.ts';

/**
 * A free loopback port in 19000–19999: below Linux's ephemeral range (32768–60999), so a port the test
 * frees to restart its server on (an outage) cannot be taken meanwhile by another process's outgoing
 * connection or port-0 listener, as a port-0 pick could.
 */
export const freePort = async (): Promise<number> => {
  for (let attempt = 0; ; attempt++) {
    const port = 19_000 + Math.floor(Math.random() * 1_000);
    const srv = createServer();
    const free = await new Promise<boolean>((resolve) => {
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (free) {
      await new Promise((r) => srv.close(r));
      return port;
    }
    if (attempt >= 50) throw new Error('no free port in 19000–19999');
  }
};

export class OwnNatsServer {
  #server: NatsServerProcess | undefined;
  constructor(
    readonly port: number,
    readonly storeDir: string,
    readonly configFile?: string,
  ) {}

  /** The server's log (appended across restarts), for a failing test's message. */
  get logFile(): string {
    return join(this.storeDir, 'nats-server.log');
  }

  /** The log's warnings and errors (`[WRN]`, `[ERR]`), e.g. a stream or consumer state rebuilt at a restart. */
  warnings(): string[] {
    if (!existsSync(this.logFile)) return [];
    return readFileSync(this.logFile, 'utf8')
      .split('\n')
      .filter((l) => /\[(WRN|ERR)\]/.test(l));
  }

  get url(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    mkdirSync(this.storeDir, { recursive: true }); // the log file lives in it
    this.#server = await startNatsServer({
      port: this.port,
      storeDir: this.storeDir,
      logFile: this.logFile,
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
