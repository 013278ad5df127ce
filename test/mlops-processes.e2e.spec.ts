// The retraining loop across processes (issue 16): dataops, governance and training each run as their
// own process (`services/*/src/main.ts`, as `npm run cluster` starts them) on the real PostgreSQL and
// a nats-server of this test's own. Training talks to dataops and governance with its own
// service-account token (role service, no engineer grant), read from a file as in a cluster.
// The historian is seeded first (scripts/bench-mlops/harness.ts's pump plant: 14 days, failures more
// frequent in the last 7). An engineer makes the base snapshot and run over gRPC, then asks training
// for a retraining on demand (RequestRetraining). The test then asserts:
// - the candidate is registered with lineage naming the fresh snapshot;
// - the snapshot, the registration and the shadow request were recorded with `svc:training` as
//   actor, under the retraining's correlation id;
// - no access was refused.
// Ports 17500–17579 (one block of 10 per run): below Linux's ephemeral range (32768–60999), where other
// tests' port-0 listeners and outgoing connections land, and below the 20000–32000 the platform and
// reflection tests pick from at random.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInProcBus, startNatsServer, type NatsServerProcess } from '@industrial/bus';
import { eventValidator } from '@industrial/contracts';
import { createDataopsApp, DEFAULT_CONFIG, openPostgresDataopsStore } from '@industrial/dataops';
import { MemoryAnchorSink, openPostgresEventStore, type EventStore, type RecordedEvent } from '@industrial/eventstore';
import { createClient, governanceRegistryV1, trainingV1, unaryCall } from '@industrial/grpc';
import { serviceCause } from '@industrial/kernel';
import { createGrpcFreshSnapshots } from '@industrial/training';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUMP_USE_CASE, TARGET, WINDOW_SPEC, baseSnapshotRequest, seedPumpPlant } from '../scripts/bench-mlops/harness.ts';
import { AUDIENCE, ISSUER, devKeys, devToken } from '../scripts/platform/dev-keys.ts';

const root = resolve(import.meta.dirname, '..');
const PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DAY = 86_400_000;
const BASE = 17_500 + Math.floor(Math.random() * 8) * 10; // 17500–17570: one block of 10 ports per run
const PORTS = {
  nats: BASE,
  dataops: BASE + 1,
  dataopsHttp: BASE + 2,
  governance: BASE + 3,
  governanceHttp: BASE + 4,
  training: BASE + 5,
  trainingHttp: BASE + 6,
};
const schema = `h16a_proc_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const dir = mkdtempSync(join(tmpdir(), 'mlops-processes-'));
const now = Date.now();

interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  out(): string;
}
const children: Child[] = [];

/** A service's own process (`<entry>` under tsx, as the cluster starts it when not built), its output kept. */
function service(name: string, entry: string, env: Record<string, string>): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(root, entry)], {
    cwd: root,
    // A clean environment: nothing of the runner's (metrics ports, anchors, NATS) leaks into the services.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, TMPDIR: tmpdir(), LOG_LEVEL: 'info', METRICS_PORT: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const keep = (d: Buffer) => void (text = (text + d.toString()).slice(-40_000));
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const child = { name, proc, out: () => text };
  children.push(child);
  return child;
}

async function until<T>(what: string, probe: () => Promise<T | null> | T | null, ms: number, watch: readonly Child[] = children): Promise<T> {
  const t = Date.now();
  for (;;) {
    const dead = watch.find((c) => c.proc.exitCode !== null);
    if (dead !== undefined) throw new Error(`${dead.name} exited (${dead.proc.exitCode}) before ${what}:\n${dead.out().slice(-4000)}`);
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() - t > ms)
      throw new Error(`timed out after ${ms} ms waiting for ${what}\n${watch.map((c) => `── ${c.name}\n${c.out().slice(-2500)}`).join('\n')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const ready = (c: Child): Promise<true> =>
  until(`${c.name} to be ready`, () => (new RegExp(`\\b${c.name} ready\\b`).test(c.out()) ? true : null), 240_000, [c]);

let store: EventStore;
let nats: NatsServerProcess | undefined;
let engineerToken: string;

beforeAll(async () => {
  const keys = await devKeys(join(dir, 'keys'));
  engineerToken = await devToken(keys.accessDir, 'user:reliability-engineer', ['engineer'], 3600);
  // Training's own service account, in a file as a cluster gives it (cluster.ts: training-governance.jwt).
  const trainingTokenFile = join(dir, 'training.jwt');
  writeFileSync(trainingTokenFile, await devToken(keys.accessDir, 'svc:training', ['service'], 3600), { mode: 0o600 });
  const snapshotDir = join(dir, 'snapshots');

  // The historian and the store, seeded before the services start.
  store = await openPostgresEventStore({
    connectionString: PG_URL,
    schema,
    ledgerKey: keys.ledgerKey,
    validator: eventValidator,
    anchorSink: new MemoryAnchorSink(),
  });
  const data = await openPostgresDataopsStore({ connectionString: PG_URL, schema: `${schema}_historian`, refinedIntervalMs: 60_000 });
  const seeding = createDataopsApp({
    store,
    data,
    bus: createInProcBus(),
    keySet: keys.keySet,
    logger: { info() {}, warn() {}, error() {} },
    config: { ...DEFAULT_CONFIG, events: null, snapshotDir, codeVersion: 'mlops-processes' },
  });
  await seedPumpPlant(seeding, {
    days: 14,
    pumps: 8,
    failuresPerDayBefore: 0.5,
    failuresPerDayAfter: 1.5,
    changeAtMs: now - 7 * DAY,
    windowDays: 7,
    now: () => new Date(now),
  });
  await data.close();

  nats = await startNatsServer({ port: PORTS.nats, storeDir: join(dir, 'nats') });
  const common = {
    EVENTSTORE: 'postgres',
    PG_URL,
    PG_SCHEMA: schema,
    NATS_URL: nats.url,
    LEDGER_KEY_FILE: keys.ledgerKeyFile,
    ACCESS_KEYS_DIR: keys.accessDir,
    ACCESS_ISSUER: ISSUER,
    ACCESS_AUDIENCE: AUDIENCE,
  };
  const started = [
    service('dataops', 'services/dataops/src/main.ts', {
      ...common,
      DATAOPS_STORE: 'postgres',
      DATAOPS_PG_SCHEMA: `${schema}_historian`,
      DATAOPS_SNAPSHOT_DIR: snapshotDir,
      DATAOPS_GRPC_PORT: String(PORTS.dataops),
      DATAOPS_HTTP_PORT: String(PORTS.dataopsHttp),
    }),
    service('governance', 'services/governance/src/main.ts', {
      ...common,
      GOVERNANCE_GRPC_PORT: String(PORTS.governance),
      GOVERNANCE_HTTP_PORT: String(PORTS.governanceHttp),
    }),
    service('training', 'services/training/src/main.ts', {
      ...common,
      TRAINING_GRPC_PORT: String(PORTS.training),
      TRAINING_HTTP_PORT: String(PORTS.trainingHttp),
      TRAINING_ARTIFACT_DIR: join(dir, 'artifacts'),
      SNAPSHOT_DIR: snapshotDir,
      TRAINING_GOVERNANCE_ADDRESS: `127.0.0.1:${PORTS.governance}`,
      TRAINING_GOVERNANCE_TOKEN_FILE: trainingTokenFile,
      TRAINING_DATAOPS_ADDRESS: `127.0.0.1:${PORTS.dataops}`,
      PLANT_TIMEZONE: 'Europe/Berlin',
    }),
  ];
  for (const c of started) await ready(c);
}, 600_000);

afterAll(async () => {
  await Promise.all(
    children.map(
      (c) =>
        new Promise((r) => {
          if (c.proc.exitCode !== null || c.proc.signalCode !== null) return r(null);
          const kill = setTimeout(() => c.proc.kill('SIGKILL'), 20_000);
          c.proc.once('exit', () => r(clearTimeout(kill)));
          c.proc.kill('SIGTERM');
        }),
    ),
  );
  await nats?.stop();
  await store?.close().catch(() => undefined);
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.query(`DROP SCHEMA IF EXISTS ${schema}_historian CASCADE`);
  } finally {
    await admin.end();
  }
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe('the retraining loop across processes', () => {
  it(
    "retrains on demand with training's own service account: a candidate on the fresh snapshot, its shadow request by svc:training",
    { timeout: 900_000 },
    async () => {
      const training = createClient(trainingV1.TrainingServiceClient, `127.0.0.1:${PORTS.training}`, { token: engineerToken, deadlineMs: 60_000 });
      const registry = createClient(governanceRegistryV1.ModelRegistryServiceClient, `127.0.0.1:${PORTS.governance}`, {
        token: engineerToken,
        deadlineMs: 60_000,
      });
      const dataops = createGrpcFreshSnapshots({ address: `127.0.0.1:${PORTS.dataops}`, token: engineerToken });
      try {
        // The base model: an engineer's snapshot of the older week and a run on it (registered by training as svc:training).
        const pumps = Array.from({ length: 8 }, (_, i) => `acme.plant-1.utilities.cooling-water.pump-${i + 1}`);
        const base = await dataops.create(baseSnapshotRequest(pumps, now - 14 * DAY, now - 7 * DAY), serviceCause('training', randomUUID()));
        const { run } = await unaryCall(training, training.startTraining, {
          snapshotId: base.snapshotId,
          useCaseId: PUMP_USE_CASE,
          runId: '',
          spec: {
            target: TARGET,
            features: WINDOW_SPEC.features.map((f) => f.name),
            modelType: 'gbdt',
            hyperparameters: { max_iter: '40' },
            imbalance: 'class-weights',
            imputation: 'median',
            costModel: { inline: { missedFailure: 20_000, falseAlarm: 400, inspection: 150 } },
            seed: 7,
          },
        });
        const baseRun = await until(
          'the base run to finish',
          async () => {
            const r = (await unaryCall(training, training.getRun, { runId: run!.runId })).run!;
            return r.status === trainingV1.RunStatus.RUN_STATUS_COMPLETED || r.status === trainingV1.RunStatus.RUN_STATUS_FAILED ? r : null;
          },
          300_000,
        );
        expect(baseRun.error).toBe('');
        expect(baseRun.modelVersionId).not.toBe('');

        // On demand, by the engineer; training does the rest with its own account.
        const { retraining } = await unaryCall(training, training.requestRetraining, {
          useCaseId: PUMP_USE_CASE,
          modelVersionId: baseRun.modelVersionId,
          requestId: randomUUID(),
        });
        const id = retraining!.retrainingId;
        const done = await until(
          'the retraining to settle',
          async () => {
            const r = (await unaryCall(training, training.getRetraining, { retrainingId: id })).retraining!;
            return r.status === 'candidate' || r.status === 'refused' ? r : null;
          },
          300_000,
        );
        expect(done.reason).toBe('');
        expect(done).toMatchObject({ status: 'candidate', triggerKind: 'on-demand', requestedBy: 'user:reliability-engineer' });
        expect(done.snapshotId).not.toBe(base.snapshotId);
        expect(done.shadowApprovalRequestId).not.toBe('');

        // Governance's registry: the candidate's lineage names the fresh snapshot; its shadow request is training's.
        const list = await unaryCall(registry, registry.listModelVersions, { useCaseId: PUMP_USE_CASE });
        const candidate = list.versions.find((v) => v.modelVersionId === done.modelVersionId);
        expect(candidate).toMatchObject({ snapshotId: done.snapshotId, runId: done.runId });
        expect(candidate!.approvalRequests).toHaveLength(1);
        expect(candidate!.approvalRequests[0]).toMatchObject({
          requestId: done.shadowApprovalRequestId,
          targetStage: governanceRegistryV1.ModelStage.MODEL_STAGE_SHADOW,
          requestedBy: 'svc:training',
        });

        // The store: every step under the retraining's correlation id, the service steps by svc:training.
        const all: RecordedEvent[] = await store.readAll({ fromPosition: 1, maxCount: 1_000_000 });
        const trail = all.filter((e) => e.metadata.correlationId === id);
        const by = (type: string) => trail.find((e) => e.type === type);
        expect(by('DatasetSnapshotCreated')?.data).toMatchObject({ snapshotId: done.snapshotId });
        expect(by('ModelVersionRegistered')?.data).toMatchObject({ modelVersionId: done.modelVersionId, snapshotId: done.snapshotId, stage: 'candidate' });
        expect(by('ModelApprovalRequested')?.data).toMatchObject({ requestId: done.shadowApprovalRequestId, targetStage: 'shadow' });
        for (const type of ['DatasetSnapshotCreated', 'ModelVersionRegistered', 'ModelApprovalRequested'])
          expect(by(type)?.metadata, type).toMatchObject({ actor: 'svc:training', role: 'service' });
        expect(trail.map((e) => e.type)).not.toContain('ModelPromoted');
        // nothing was refused along the way (no engineer grant needed)
        expect(all.filter((e) => e.type === 'AccessDenied').map((e) => e.data)).toEqual([]);
      } finally {
        training.close();
        registry.close();
        dataops.close();
      }
    },
  );
});
