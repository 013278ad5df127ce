// Test support for the HMI browser tests: the REAL inference app in-process (createInferenceApp,
// in-process bus, SQLite event store, its Fastify gateway on loopback), a key directory with
// tokens, pump readings fed straight into the pipeline, the built HMI (adapter-node output)
// started with `node build/index.js`, and Chromium driven by playwright-core.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createKeySet, importKeySet, importSigningKey, issueToken, writeKeyMaterial, type Role } from '@industrial/access';
import { createInProcBus, type Bus } from '@industrial/bus';
import { eventValidator, type UnsSampleBatch } from '@industrial/contracts';
import { MemoryAnchorSink, generateLedgerKeyPem, ledgerKeyFromPem, openSqliteEventStore, type EventStore } from '@industrial/eventstore';
import { createGovernanceApp, type GovernanceApp } from '@industrial/governance';
import { createInferenceApp, useCaseSpecFrom, type InferenceApp } from '@industrial/inference';
import { readUseCaseFile } from '../../scripts/platform/usecases.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const HMI_DIR = join(ROOT, 'web-hmi');
const ISSUER = 'industrial-access';
const AUDIENCE = 'industrial-platform';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Platform {
  dir: string;
  keysDir: string;
  store: EventStore;
  bus: Bus;
  app: InferenceApp;
  gatewayUrl: string;
  /** The governance app (registry + audit gRPC) on the same store, `host:port`. */
  governance: GovernanceApp;
  governanceAddress: string;
  token(role: Role, subject?: string): Promise<string>;
  /** A token with several roles (or a short life, for the sign-in expiry test). */
  tokenFor(subject: string, roles: Role[], ttlSeconds?: number): Promise<string>;
  /** Feeds `minutes` of one-per-minute pump readings ending now; `hot` puts the bearing far above its limit. */
  feedPump(assetPath: string, minutes: number, hot: boolean): Promise<void>;
  events(type: string): Promise<{ type: string; stream: string; data: Record<string, unknown>; metadata: { actor: string; role?: string } }[]>;
  close(): Promise<void>;
}

export async function startPlatform(): Promise<Platform> {
  const dir = mkdtempSync(join(tmpdir(), 'hmi-e2e-'));
  const keysDir = join(dir, 'keys');
  const material = await createKeySet({ now: new Date() });
  await writeKeyMaterial(keysDir, material);
  const keySet = await importKeySet(material.keySet);
  const signingKey = await importSigningKey(material.signingKey);
  const store = await openSqliteEventStore({
    path: join(dir, 'events.db'),
    ledgerKey: ledgerKeyFromPem(generateLedgerKeyPem().privateKeyPem),
    anchorSink: new MemoryAnchorSink(),
    validator: eventValidator,
  });
  const bus = createInProcBus();
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  const pump = readUseCaseFile('pump-bearing');
  const app = createInferenceApp({
    store,
    bus,
    keySet,
    logger: silent,
    // The demo pump use case from its data file (usecases/pump-bearing.json).
    useCases: [useCaseSpecFrom(pump.useCaseId, 1, pump.serving)],
    config: {
      grpc: null,
      http: { host: '127.0.0.1', port: 0 },
      access: { issuer: ISSUER, audience: AUDIENCE },
      replicaId: 'r1',
      replicas: ['r1'],
      unsSubject: null,
      shutdownGraceMs: 500,
    },
  });
  const { httpPort } = await app.start();
  const governance = createGovernanceApp({
    store,
    keySet,
    logger: silent,
    config: { grpc: { host: '127.0.0.1', port: 0 }, http: { host: '127.0.0.1', port: 0 }, access: { issuer: ISSUER, audience: AUDIENCE }, rateLimit: null },
  });
  const { grpcPort } = await governance.start();
  const tokenFor = (subject: string, roles: Role[], ttlSeconds = 3600) =>
    issueToken(signingKey, { subject, roles, scopes: ['*'], tokenId: randomUUID(), issuer: ISSUER, audience: AUDIENCE, now: new Date(), ttlSeconds });
  return {
    dir,
    keysDir,
    store,
    bus,
    app,
    gatewayUrl: `http://127.0.0.1:${httpPort}`,
    governance,
    governanceAddress: `127.0.0.1:${grpcPort}`,
    token: (role, subject) => tokenFor(subject ?? `${role}-1`, [role]),
    tokenFor,
    async feedPump(assetPath, minutes, hot) {
      const end = Date.now();
      for (let m = minutes; m >= 0; m--) {
        const t = new Date(end - m * 60_000).toISOString();
        const v = { flow: 113, discharge_pressure: 7.1, bearing_temperature: hot ? 92 : 52, vibration_rms: hot ? 6.2 : 1.6, motor_current: 34, speed: 2770 };
        const batch: UnsSampleBatch = {
          batchId: randomUUID(),
          sourceId: '0193a1b2-7c00-7a10-8b00-0000000000f1',
          assetPath,
          plantTime: t,
          samples: Object.entries(v).map(([tag, value]) => ({
            tag,
            value,
            quality: { severity: 'Good' as const, code: 0 },
            sourceTimestamp: t,
            serverTimestamp: t,
          })),
        };
        await app.ingest(batch);
      }
      await app.settle();
    },
    async events(type) {
      const all = await store.readAll({ fromPosition: 1, maxCount: 100_000 });
      return all.filter((e) => e.type === type) as never;
    },
    async close() {
      await governance.stop().catch(() => undefined);
      await app.stop();
      await bus.close().catch(() => undefined);
      await store.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Builds the HMI with `vite build` unless build/ is newer than every source file. */
export function buildHmi(): void {
  const out = join(HMI_DIR, 'build', 'index.js');
  if (existsSync(out) && statSync(out).mtimeMs > Math.max(newestMtime(join(HMI_DIR, 'src')), statSync(join(HMI_DIR, 'vite.config.ts')).mtimeMs)) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
    cwd: HMI_DIR,
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (r.status !== 0) throw new Error(`vite build failed:\n${r.stdout}\n${r.stderr}`);
}

export interface RunningHmi {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

export interface StartHmiOptions {
  /** The ports to pick from (a test's own range): `from` … `from + count - 1`; default 15500-15999 (below Linux's ephemeral range, 32768–60999). */
  readonly ports?: { readonly from: number; readonly count: number };
  /** How long to wait for /healthz (default 30 s). */
  readonly startTimeoutMs?: number;
}

/**
 * The built HMI (`node server.js`) on a random port of `options.ports`, ready when /healthz answers.
 * A port already taken (EADDRINUSE) is given up for another, up to three tries.
 */
export async function startHmi(
  env: { INFERENCE_URL: string; ACCESS_KEYS_DIR: string } & Record<string, string>,
  options: StartHmiOptions = {},
): Promise<RunningHmi> {
  const { from, count } = options.ports ?? { from: 15_500, count: 500 };
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  for (let attempt = 1; ; attempt++) {
    const port = from + Math.floor(Math.random() * count);
    const url = `http://127.0.0.1:${port}`;
    const proc: ChildProcess = spawn(process.execPath, [join(HMI_DIR, 'server.js')], {
      cwd: HMI_DIR,
      env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    for (const s of [proc.stdout, proc.stderr]) s?.on('data', (d: Buffer) => (text += d.toString()));
    const stop = () =>
      new Promise<void>((r) => {
        if (proc.exitCode !== null) return r();
        const force = setTimeout(() => proc.kill('SIGKILL'), 5000);
        proc.once('exit', () => {
          clearTimeout(force);
          r();
        });
        proc.kill('SIGTERM');
      });
    const end = Date.now() + timeoutMs;
    while (proc.exitCode === null && Date.now() <= end) {
      const up = await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false, // not listening yet
      );
      if (up) return { url, output: () => text, stop };
      await new Promise((r) => setTimeout(r, 100));
    }
    const exited = proc.exitCode;
    await stop();
    if (attempt < 3 && /EADDRINUSE/.test(text)) continue;
    throw new Error(exited !== null ? `HMI exited ${exited} on ${url}:\n${text}` : `HMI did not start on ${url} within ${timeoutMs / 1000} s:\n${text}`);
  }
}
