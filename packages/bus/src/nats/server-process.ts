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
  /** `-l <file>`: the server's log (appended to); default none. */
  readonly logFile?: string;
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

/** Whether 127.0.0.1:`port` greets as a NATS server does, with an `INFO {…}` line, within `ms`. */
const greetsAsNats = (port: number, ms: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    let text = '';
    const done = (v: boolean): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(false), ms);
    s.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (text.includes('\n')) done(text.startsWith('INFO '));
    });
    s.once('error', () => done(false));
    s.once('close', () => done(false));
  });

const defaultBin = (): string => process.env.NATS_SERVER_BIN ?? (existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server');

/**
 * Starts the server and resolves once it greets as a NATS server (INFO) while running; rejects when
 * the port is already taken or the server exits first (a bad config, the port taken meanwhile).
 * Accepting connections is not enough: when another process listened on the port (another
 * platform on a loaded test machine), nats-server exited, the launcher went on, and every client
 * waited out its connect timeout on a listener that never answers.
 */
export async function startNatsServer(options: NatsServerOptions): Promise<NatsServerProcess> {
  if (await accepts(options.port)) throw new Error(`nats-server cannot listen on 127.0.0.1:${options.port}: another process listens there`);
  const config = options.configFile === undefined ? [] : ['-c', options.configFile];
  const log = options.logFile === undefined ? [] : ['-l', options.logFile];
  const proc = spawn(options.bin ?? defaultBin(), [...config, ...log, '-a', '127.0.0.1', '-p', String(options.port), '-js', '-sd', options.storeDir], {
    stdio: 'ignore',
  });
  const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
  const exited = (): boolean => proc.exitCode !== null || proc.signalCode !== null;
  for (;;) {
    const greets = await greetsAsNats(options.port, 1_000);
    if (exited())
      throw new Error(`nats-server on ${options.port} exited with ${proc.exitCode ?? proc.signalCode} (bad config, or another process took the port?)`);
    if (greets) break;
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
