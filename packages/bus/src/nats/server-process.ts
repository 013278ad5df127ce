// A nats-server child process on loopback (own port, JetStream, own store directory, optionally a
// config file with the authorization block): for launchers (`CLUSTER_NATS=own npm run cluster`)
// and tests that need a server of their own. Not for production, where NATS runs on its own.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { createConnection } from 'node:net';

export interface NatsServerOptions {
  readonly port: number;
  readonly storeDir: string;
  /** `-c <file>`: authorization, TLS. */
  readonly configFile?: string;
  /** Default: NATS_SERVER_BIN, else /usr/sbin/nats-server when present, else `nats-server` on the PATH. */
  readonly bin?: string;
  /** How long to wait for the port to accept connections. Default 15 s. */
  readonly startTimeoutMs?: number;
}

export interface NatsServerProcess {
  readonly url: string;
  readonly process: ChildProcess;
  /** SIGTERM, resolves once the process is gone. */
  stop(): Promise<void>;
}

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

const defaultBin = (): string => process.env.NATS_SERVER_BIN ?? (existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server');

/** Starts the server and resolves once it accepts connections; rejects when it exits first (a bad config). */
export async function startNatsServer(options: NatsServerOptions): Promise<NatsServerProcess> {
  const config = options.configFile === undefined ? [] : ['-c', options.configFile];
  const proc = spawn(options.bin ?? defaultBin(), [...config, '-a', '127.0.0.1', '-p', String(options.port), '-js', '-sd', options.storeDir], {
    stdio: 'ignore',
  });
  const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
  while (!(await accepts(options.port))) {
    if (proc.exitCode !== null) throw new Error(`nats-server on ${options.port} exited with ${proc.exitCode} (bad config?)`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`nats-server on ${options.port} did not start`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `nats://127.0.0.1:${options.port}`,
    process: proc,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = once(proc, 'exit');
      proc.kill('SIGTERM');
      await exited;
    },
  };
}
