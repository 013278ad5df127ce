// The platform under attack, on ports of its own on 127.0.0.1: `npm start`'s launcher (standalone:
// one process, SQLite, in-process bus) or `CLUSTER_NATS=own npm run cluster`'s (one process per
// service on PostgreSQL and the cluster's own authenticated NATS). Port offsets as the launchers lay them out.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect as tcp } from 'node:net';
import { join, resolve } from 'node:path';
import pg from 'pg';

export type Mode = 'standalone' | 'cluster';
const root = resolve(import.meta.dirname, '../..');

/** gRPC services by port offset (the same in both launchers). */
export const GRPC_OFFSETS: Record<string, number> = {
  'industrial.governance.v1.AuditService': 1,
  'industrial.governance.v1.ModelRegistryService': 1,
  'industrial.dataops.v1.DataOpsService': 3,
  'industrial.connectivity.v1.ConnectivityService': 4,
  'industrial.charter.v1.CharterService': 5,
  'industrial.inference.v1.InferenceService': 8,
  'industrial.training.v1.TrainingService': 9,
};

/** Every API port by offset, per mode (the TLS probe tries each one that listens). */
export const API_PORTS: Record<Mode, Record<number, string>> = {
  standalone: {
    1: 'governance gRPC',
    2: 'governance HTTP',
    3: 'dataops gRPC',
    4: 'connectivity gRPC',
    5: 'charter gRPC',
    6: 'charter HTTP',
    7: 'inference gateway HTTP',
    8: 'inference gRPC',
    9: 'training gRPC',
    10: 'HMI HTTP',
    11: 'training HTTP',
    41: 'simulator HTTP',
    43: 'integration HTTP',
  },
  cluster: {
    1: 'governance gRPC',
    2: 'governance HTTP',
    3: 'dataops gRPC',
    103: 'dataops HTTP',
    4: 'connectivity gRPC',
    5: 'charter gRPC',
    105: 'charter HTTP',
    8: 'inference-a gRPC',
    108: 'inference-a gateway HTTP',
    12: 'inference-b gRPC',
    112: 'inference-b gateway HTTP',
    9: 'training gRPC',
    109: 'training HTTP',
    10: 'HMI HTTP',
    41: 'simulator HTTP',
    43: 'integration HTTP',
    50: 'NATS',
  },
};

/** The gateway's and the simulator's HTTP offsets. */
export const HTTP_OFFSETS: Record<Mode, { gateway: number; simulator: number }> = {
  standalone: { gateway: 7, simulator: 41 },
  cluster: { gateway: 108, simulator: 41 },
};

export interface Platform {
  readonly mode: Mode;
  readonly proc: ChildProcess;
  out(): string;
  /** Resolves once every port the attack needs accepts connections. */
  ready(timeoutMs: number): Promise<void>;
  /** SIGTERM, then waits for the launcher to exit. */
  stop(): Promise<void>;
  /** Removes what the platform left outside its data directory (the cluster's PostgreSQL schemas). */
  cleanup(): Promise<void>;
}

export const listening = (port: number): Promise<boolean> =>
  new Promise((r) => {
    const s = tcp({ host: '127.0.0.1', port, timeout: 1_000 });
    s.once('connect', () => (s.destroy(), r(true)));
    s.once('error', () => r(false));
    s.once('timeout', () => (s.destroy(), r(false)));
  });

const exited = (p: ChildProcess): Promise<unknown> => new Promise((r) => (p.exitCode !== null || p.signalCode !== null ? r(null) : p.once('exit', r)));

export function launchPlatform(mode: Mode, dataDir: string, base: number, env: NodeJS.ProcessEnv, pgUrl: string, schema: string): Platform {
  const common = { PLATFORM_DATA_DIR: dataDir, PLATFORM_BASE_PORT: String(base), LOG_LEVEL: env.REDTEAM_LOG_LEVEL ?? (mode === 'cluster' ? 'warn' : 'fatal') };
  const extra =
    mode === 'standalone'
      ? { PLATFORM_HOST: '127.0.0.1', PLATFORM_HMI: '0', PLATFORM_DEMO_MODEL: '0', NATS_URL: 'nats://127.0.0.1:1' }
      : { PG_URL: pgUrl, PG_SCHEMA: schema, CLUSTER_NATS: 'own' }; // the cluster's default, said explicitly
  const script = mode === 'standalone' ? 'scripts/platform/standalone.ts' : 'scripts/platform/cluster.ts';
  const proc = spawn(process.execPath, ['--import', 'tsx', join(root, script)], {
    cwd: root,
    env: { ...env, ...common, ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  for (const s of [proc.stdout, proc.stderr]) s?.on('data', (d: Buffer) => void (text = (text + d.toString()).slice(-50_000)));
  const needed = [...new Set([...Object.values(GRPC_OFFSETS), HTTP_OFFSETS[mode].gateway, HTTP_OFFSETS[mode].simulator])].map((o) => base + o);
  return {
    mode,
    proc,
    out: () => text,
    async ready(timeoutMs) {
      const end = Date.now() + timeoutMs;
      const banner = mode === 'standalone' ? 'Ctrl-C stops everything' : 'Ctrl-C stops every process';
      for (;;) {
        if (proc.exitCode !== null || proc.signalCode !== null)
          throw new Error(`the platform did not start (exit ${proc.exitCode ?? proc.signalCode}):\n${text.slice(-3000)}`);
        if (Date.now() > end) throw new Error(`the platform did not start within ${timeoutMs / 1000} s:\n${text.slice(-3000)}`);
        if (text.includes(banner) && (await Promise.all(needed.map(listening))).every(Boolean)) return;
        await new Promise((r) => setTimeout(r, 500));
      }
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited(proc);
    },
    async cleanup() {
      if (mode !== 'cluster') return;
      const c = new pg.Client({ connectionString: pgUrl });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await c.query(`DROP SCHEMA IF EXISTS ${schema}_historian CASCADE`);
        await c.query('DELETE FROM public.relay_checkpoints WHERE name = $1', [schema]).catch(() => undefined);
      } finally {
        await c.end();
      }
    },
  };
}
