// Integration fixture: a real simulator (node-opcua server on loopback), a NATS JetStream server of
// the test's own (so outages can be staged without touching the shared one), a SQLite event store,
// a connectivity app, and a UNS consumer collecting what reached the stream.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectNatsBus, type Bus, type ConsumerHandle } from '@industrial/bus';
import { eventValidator, parseUnsSampleBatch, UNS_STREAM, type UnsSampleBatch } from '@industrial/contracts';
import { generateLedgerKeyPem, ledgerKeyFromPem, openSqliteEventStore, type EventStore } from '@industrial/eventstore';
import { createSimulator, type Simulator } from '@industrial/simulator';
import { createConnectivityApp, type ConnectivityApp, type ConnectivityAppConfig } from '../src/index.ts';

export const USER = { username: 'engineer', password: 'correct horse battery staple' };

export const quietLogger = {
  info: () => {},
  warn: () => {},
  error: () => {},
};

export interface LogLine {
  level: string;
  fields: Record<string, unknown>;
  msg: string;
}

/** A logger that keeps every line, for tests that check what was logged. */
export function capturingLogger(): {
  logs: LogLine[];
  logger: { info(fields: object, msg: string): void; warn(fields: object, msg: string): void; error(fields: object, msg: string): void };
} {
  const logs: LogLine[] = [];
  const at = (level: string) => (fields: object, msg: string) => void logs.push({ level, fields: fields as Record<string, unknown>, msg });
  return { logs, logger: { info: at('info'), warn: at('warn'), error: at('error') } };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `conn-${prefix}-`));
}

/**
 * A free loopback port in 18100–18999: below Linux's ephemeral range (32768–60999), so a port a test
 * frees to restart its server on (NATS, the simulator) cannot be taken meanwhile by another
 * process's outgoing connection or port-0 listener, as a port-0 pick could.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 18_100 + Math.floor(Math.random() * 900);
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port in 18100–18999');
}

export async function until(pred: () => boolean | Promise<boolean>, ms = 20_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export interface SimOptions {
  pkiDir: string;
  port?: number;
  pumps?: number;
  mills?: number;
  packagers?: number;
  enterprise?: string;
  allowNone?: boolean;
  tickHz?: number;
}

export function makeSimulator(o: SimOptions): Simulator {
  return createSimulator({
    seed: 11,
    timeAcceleration: 1,
    tickHz: o.tickHz ?? 10,
    layout: { enterprise: o.enterprise ?? 'acme', site: 'plant-1', pumps: o.pumps ?? 2, mills: o.mills ?? 0, packagers: o.packagers ?? 0 },
    opcua: {
      host: '127.0.0.1',
      port: o.port ?? 0,
      pkiDir: o.pkiDir,
      allowAnonymous: o.allowNone ?? false,
      allowSecurityNone: o.allowNone ?? false,
      autoAcceptUnknownCertificates: true,
      users: [{ ...USER, faultRole: 'engineer' }],
    },
    http: null,
  });
}

/** Copies the simulator's server certificate into the client's trust list (explicit trust). */
export function trustSimulator(simPkiDir: string, clientPkiDir: string): void {
  const own = join(simPkiDir, 'server', 'own', 'certs');
  const trusted = join(clientPkiDir, 'trusted', 'certs');
  mkdirSync(trusted, { recursive: true });
  for (const f of readdirSync(own)) if (f.endsWith('.pem') || f.endsWith('.der')) copyFileSync(join(own, f), join(trusted, f));
}

export interface NatsServer {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  cleanup(): Promise<void>;
}

/** A JetStream server of the test's own (never the shared one), restartable on the same port and store. */
export async function startNats(): Promise<NatsServer> {
  const port = await freePort();
  const dir = tempDir('nats');
  let proc: ChildProcess | null = null;
  const up = async () => {
    const started = spawn('/usr/sbin/nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], { stdio: 'ignore' });
    proc = started;
    // 60 s, not 10: a nats-server with JetStream starting on a loaded machine (it timed out once at 10 s);
    // an exit is said at once instead of waited out.
    await until(
      () =>
        new Promise<boolean>((resolve, reject) => {
          if (started.exitCode !== null) return reject(new Error(`nats-server exited (${started.exitCode}) before it listened on ${port}`));
          const s = createServer();
          s.once('error', () => resolve(true)); // in use → server listening
          s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
        }),
      60_000,
      'nats-server to listen',
    );
    await sleep(200);
  };
  const down = async () => {
    const p = proc;
    proc = null;
    if (p === null || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  };
  await up();
  return {
    url: `127.0.0.1:${port}`,
    port,
    start: up,
    stop: down,
    async cleanup() {
      await down();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function makeStore(dir: string): Promise<EventStore> {
  return openSqliteEventStore({ path: join(dir, 'events.db'), ledgerKey: ledgerKeyFromPem(generateLedgerKeyPem().privateKeyPem), validator: eventValidator });
}

export interface Received {
  subject: string;
  seq: number;
  batch: UnsSampleBatch;
  receivedAt: number;
}

/** Collects every UNS batch JetStream stored (durable consumer on the test's own server). */
export async function collectUns(bus: Bus, durable = 'test-collector'): Promise<{ received: Received[]; stop(): Promise<void> }> {
  await bus.ensureStream({ name: UNS_STREAM.name, subjects: [...UNS_STREAM.subjects] });
  const received: Received[] = [];
  const handle: ConsumerHandle = await bus.consume({
    stream: UNS_STREAM.name,
    durable,
    filterSubject: UNS_STREAM.subjects[0],
    prefetch: 1024,
    handler: (msg) => {
      received.push({ subject: msg.subject, seq: msg.seq, batch: parseUnsSampleBatch(msg.json()), receivedAt: Date.now() });
    },
  });
  return { received, stop: () => handle.stop() };
}

export async function natsBus(url: string): Promise<Bus> {
  return connectNatsBus({ servers: url, name: 'connectivity-test', logger: quietLogger, publishTimeoutMs: 2_000 });
}

export function makeApp(store: EventStore, bus: Bus, config: ConnectivityAppConfig): ConnectivityApp {
  return createConnectivityApp({ store, bus, logger: quietLogger, config: { reconnect: { initialDelayMs: 300, maxDelayMs: 2_000 }, ...config } });
}

export const opcuaSource = (endpoint: string, overrides: Record<string, unknown> = {}) => ({
  sourceId: '0190a0b0-0000-7000-8000-000000000001',
  name: 'simulator',
  protocol: 'opcua',
  endpoint,
  securityMode: 'SignAndEncrypt',
  securityPolicy: 'Basic256Sha256',
  auth: { kind: 'userPassword', ...USER },
  subscription: { samplingIntervalMs: 100, publishingIntervalMs: 200, queueSize: 10, deadband: { type: 'none' } },
  bufferCapacity: 1_000_000,
  ...overrides,
});
