// The MLOps loop's retraining path on real services in one process (issue 16), shared by
// test/mlops-retraining.int.spec.ts and `npm run bench:mlops`: one SQLite event store; dataops (its
// SQLite historian, its gRPC server on loopback) holding pump samples and failure labels (a
// maintenance record per failure, an operator outcome label on one of them); governance (its gRPC
// server on loopback); the training app registering over governance's gRPC API and taking fresh
// snapshots over dataops', both as its own service account (role service only). A base pump
// bearing model is trained on an older window (snapshot made through the same gRPC call), so a
// drift of it can be retrained on the recent window.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKeySet, importKeySet, importSigningKey, issueToken, type KeySet, type Role } from '@industrial/access';
import { createInProcBus, type Bus } from '@industrial/bus';
import { eventValidator, type EventData, type UnsSampleBatch } from '@industrial/contracts';
import { createDataopsApp, createDataopsGrpcServer, DEFAULT_CONFIG, openSqliteDataopsStore, type DataopsApp } from '@industrial/dataops';
import { createGovernanceApp } from '@industrial/governance';
import { generateLedgerKeyPem, ledgerKeyFromPem, MemoryAnchorSink, openSqliteEventStore, type EventStore } from '@industrial/eventstore';
import { createKernel, serviceCause } from '@industrial/kernel';
import { createGrpcModelRegistry, createTrainingApp, type TrainingApp } from '@industrial/training';
import { createGrpcFreshSnapshots } from '../../services/training/src/adapters/snapshots/dataops-grpc.ts';
import type { FreshSnapshots } from '../../services/training/src/ports.ts';
import type { FreshSnapshotRequest } from '../../services/training/src/domain/retraining.ts';

export const ISSUER = 'industrial-access';
export const AUDIENCE = 'industrial-platform';
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

export const PUMP_USE_CASE = '0193a1b2-7c00-7a10-8b00-0000000000b1';
export const TARGET = 'bearing_failure_within_120m';
/** The pump bearing use case's window: 60 min, and every statistic its serving spec words evidence from (inference refuses a model lacking one). */
export const WINDOW_SPEC = {
  format: 'industrial-ml/window-spec/v1',
  version: '1.0.0',
  windowMinutes: 60,
  gridMinutes: 5,
  features: [
    { name: 'bearing_temp_mean', unit: 'Cel', tag: 'bearing_temperature', statistic: 'mean' },
    { name: 'bearing_temp_slope', unit: 'Cel', tag: 'bearing_temperature', statistic: 'slope' },
    { name: 'vibration_rms', unit: 'mm/s', tag: 'vibration_rms', statistic: 'rms' },
    { name: 'vibration_max', unit: 'mm/s', tag: 'vibration_rms', statistic: 'max' },
  ],
};

export interface PumpPlant {
  /** Asset paths of the pumps. */
  readonly pumps: string[];
  /** Failure instants per pump (epoch ms). */
  readonly failures: Map<string, number[]>;
}

export interface MlopsHarness {
  readonly store: EventStore;
  readonly bus: Bus;
  readonly dataops: DataopsApp;
  readonly training: TrainingApp;
  readonly plant: PumpPlant;
  /** The fresh-snapshot adapter (dataops' gRPC API) and dataops' snapshot directory training reads. */
  readonly fresh: FreshSnapshots;
  readonly snapshotDir: string;
  /** training's gRPC server, and a token for a person in a role. */
  readonly trainingAddress: string;
  /** dataops' gRPC server and training's service token (role service) towards it and governance (the charter's reader uses them too). */
  readonly dataopsAddress: string;
  readonly serviceToken: string;
  readonly keySet: KeySet;
  /** governance's gRPC server (registry, gates) over the same store. */
  readonly governanceAddress: string;
  token(subject: string, role: Role): Promise<string>;
  /** Trains the base model on [from, to) (a snapshot through dataops' gRPC API, then a run); its registration. */
  trainBase(fromMs: number, toMs: number): Promise<EventData<'ModelVersionRegistered'>>;
  /** Inference's DriftDetected for a model, recorded in its drift- stream and published as the relay does; the event id. */
  drift(modelVersionId: string, severity?: 'warning' | 'critical'): Promise<{ driftId: string; eventId: string }>;
  close(): Promise<void>;
}

/** Pump samples every `stepMs` over [fromMs, toMs); bearing temperature and vibration climb over the 6 h before each failure. */
function pumpSamples(asset: string, fromMs: number, toMs: number, failures: number[], seed: number, stepMs: number): UnsSampleBatch[] {
  let s = seed >>> 0 || 1;
  const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const out: UnsSampleBatch[] = [];
  let samples: UnsSampleBatch['samples'] = [];
  const flush = (t: number) => {
    if (samples.length === 0) return;
    out.push({ batchId: randomUUID(), sourceId: '0193a1b2-7c00-7a10-8b00-000000000004', assetPath: asset, plantTime: new Date(t).toISOString(), samples });
    samples = [];
  };
  for (let t = fromMs; t < toMs; t += stepMs) {
    const next = failures.find((f) => f >= t);
    const ramp = next === undefined ? 0 : Math.max(0, 1 - (next - t) / (6 * HOUR));
    const at = new Date(t).toISOString();
    const q = { severity: 'Good' as const, code: 0 };
    samples.push(
      { tag: 'bearing_temperature', value: 58 + 4 * rnd() + 22 * ramp, unit: 'Cel', quality: q, sourceTimestamp: at, serverTimestamp: at },
      { tag: 'vibration_rms', value: 2 + 0.6 * rnd() + 3.5 * ramp, unit: 'mm/s', quality: q, sourceTimestamp: at, serverTimestamp: at },
    );
    if (samples.length >= 2000) flush(t);
  }
  flush(toMs);
  return out;
}

export interface HarnessOptions {
  /** Days of history ending now. */
  readonly days: number;
  readonly pumps: number;
  /** Failures per pump and day in the older part and in the recent part (after `changeAtMs`): accelerated wear. */
  readonly failuresPerDayBefore: number;
  readonly failuresPerDayAfter: number;
  readonly changeAtMs: number;
  readonly retraining: { windowDays: number; minRows: number; minPositives: number };
  readonly now?: () => Date;
  /** Minutes between samples of a tag (default 5). */
  readonly sampleMinutes?: number;
  /** The service's own settings (worker-thread trainer, default importance repeats; the base model's default iterations) instead of the fast test ones. */
  readonly serviceDefaults?: boolean;
}

/** What seedPumpPlant writes: the history of `days` ending now, failures faster after `changeAtMs`. */
export type PumpPlantOptions = Pick<
  HarnessOptions,
  'days' | 'pumps' | 'failuresPerDayBefore' | 'failuresPerDayAfter' | 'changeAtMs' | 'now' | 'sampleMinutes'
> & {
  /** The retraining's rolling window (days): one failure inside it is recorded as an operator outcome. */
  readonly windowDays: number;
};

/**
 * The plant into a dataops app: every pump fails now and then, more often after the process change;
 * samples through ingestBatch, each failure a label (test/mlops-processes.e2e.spec.ts seeds the
 * PostgreSQL historian of a dataops process with it).
 */
export async function seedPumpPlant(dataops: DataopsApp, o: PumpPlantOptions): Promise<PumpPlant> {
  const now = (o.now ?? (() => new Date()))().getTime();
  const start = now - o.days * DAY;
  const pumps = Array.from({ length: o.pumps }, (_, i) => `acme.plant-1.utilities.cooling-water.pump-${i + 1}`);
  const failures = new Map<string, number[]>();
  pumps.forEach((p, i) => {
    const f: number[] = [];
    // Half the pumps fail; each at its own phase, so the windows hold positives on several pumps.
    if (i % 2 === 0) {
      let t = start + ((i * 7 + 3) % 24) * HOUR + DAY / 2;
      while (t < now - 2 * HOUR) {
        f.push(t);
        const rate = t < o.changeAtMs ? o.failuresPerDayBefore : o.failuresPerDayAfter;
        t += rate > 0 ? DAY / rate : o.days * DAY;
      }
    }
    failures.set(p, f);
  });
  for (const [i, p] of pumps.entries())
    for (const b of pumpSamples(p, start, now, failures.get(p)!, 17 + i, (o.sampleMinutes ?? 5) * MIN)) await dataops.ingestBatch(b);
  const cause = serviceCause('dataops', randomUUID());
  let first = true;
  for (const [p, fs] of failures) {
    for (const f of fs) {
      await dataops.recordLabel(
        {
          assetPath: p,
          label: 'bearing_failure',
          from: new Date(f - 10 * MIN).toISOString(),
          to: new Date(f).toISOString(),
          // Operators' outcomes reach dataops as labels too: one failure recorded that way.
          source: first && f > now - o.windowDays * DAY ? 'operator' : 'maintenance-record',
          useCaseId: PUMP_USE_CASE,
        },
        cause,
      );
      if (f > now - o.windowDays * DAY) first = false;
    }
  }

  return { pumps, failures };
}

/** The base model's snapshot: the pumps' windows over [from, to), labels included, split by asset. */
export function baseSnapshotRequest(pumps: readonly string[], fromMs: number, toMs: number): FreshSnapshotRequest {
  return {
    useCaseId: PUMP_USE_CASE,
    datasetId: '0193a1b2-7c00-7a10-8b00-0000000000d1',
    assetPaths: [...pumps],
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    window: WINDOW_SPEC as never,
    strideMinutes: 30,
    target: { label: 'bearing_failure', horizonMinutes: 120, column: TARGET },
    split: { kind: 'group', by: 'asset_path', orderBy: 'time', trainFraction: 0.5, validationFraction: 0.25 },
    featureSetVersion: '1.0.0',
  };
}

export async function startMlopsHarness(o: HarnessOptions): Promise<MlopsHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'mlops-'));
  const validator = { validate: (type: string, v: number, data: unknown) => (type === 'RestrictedDataRead' ? null : eventValidator.validate(type, v, data)) };
  const store = await openSqliteEventStore({
    path: join(dir, 'events.db'),
    ledgerKey: ledgerKeyFromPem(generateLedgerKeyPem().privateKeyPem),
    anchorSink: new MemoryAnchorSink(),
    validator,
  });
  const material = await createKeySet({ now: new Date() });
  const keySet = await importKeySet(material.keySet);
  const signingKey = await importSigningKey(material.signingKey);
  // Training's own service account towards dataops (dataset.create) and governance (model.register,
  // model.propose_shadow: the shadow request of its candidate), as in a cluster; no engineer role.
  const token = await issueToken(signingKey, {
    subject: 'svc:training',
    roles: ['service'],
    scopes: ['*'],
    tokenId: randomUUID(),
    issuer: ISSUER,
    audience: AUDIENCE,
    now: new Date(),
    ttlSeconds: 3600,
  });
  const snapshotDir = join(dir, 'snapshots');
  const data = await openSqliteDataopsStore({ path: join(dir, 'historian.db'), refinedIntervalMs: 60_000 });
  const dataops = createDataopsApp({
    store,
    data,
    bus: createInProcBus(),
    keySet,
    logger: silent,
    config: { ...DEFAULT_CONFIG, events: null, snapshotDir, codeVersion: 'mlops-1' },
  });
  const server = createDataopsGrpcServer({ app: dataops, store, keySet, access: { issuer: ISSUER, audience: AUDIENCE }, logger: silent, rateLimit: null });
  const dataopsPort = await server.listen('127.0.0.1:0');
  const fresh = createGrpcFreshSnapshots({ address: `127.0.0.1:${dataopsPort}`, token });

  // The plant: every pump fails now and then, more often after the process change.
  const { pumps, failures } = await seedPumpPlant(dataops, { ...o, windowDays: o.retraining.windowDays });

  // Governance first: training registers its candidates and requests their shadow stage over its gRPC API.
  const governance = createGovernanceApp({
    store,
    keySet,
    logger: silent,
    config: { grpc: { host: '127.0.0.1', port: 0 }, http: { host: '127.0.0.1', port: 0 }, access: { issuer: ISSUER, audience: AUDIENCE } },
  });
  const governancePort = (await governance.start()).grpcPort;
  const registry = createGrpcModelRegistry({ address: `127.0.0.1:${governancePort}`, token });

  const bus = createInProcBus();
  await bus.ensureStream({ name: 'EVENTS', subjects: ['evt.v1.>'] });
  const training = createTrainingApp({
    store,
    bus,
    keySet,
    logger: silent,
    registry,
    freshSnapshots: fresh,
    ...(o.now === undefined ? {} : { now: o.now }),
    config: {
      grpc: { host: '127.0.0.1', port: 0 },
      http: { host: '127.0.0.1', port: 0 },
      access: { issuer: ISSUER, audience: AUDIENCE },
      artifactDir: join(dir, 'artifacts'),
      snapshotDir,
      codeVersion: '0.1.0',
      ...(o.serviceDefaults === true ? {} : { trainer: 'inline' as const, importanceRepeats: 1 }),
      retraining: { limits: o.retraining, timeZone: 'Europe/Berlin' },
    },
  });
  const { grpcPort } = await training.start();

  return {
    store,
    bus,
    dataops,
    training,
    plant: { pumps, failures },
    fresh,
    snapshotDir,
    trainingAddress: `127.0.0.1:${grpcPort}`,
    governanceAddress: `127.0.0.1:${governancePort}`,
    dataopsAddress: `127.0.0.1:${dataopsPort}`,
    serviceToken: token,
    keySet,
    token: (subject, role) =>
      issueToken(signingKey, {
        subject,
        roles: [role],
        scopes: ['*'],
        tokenId: randomUUID(),
        issuer: ISSUER,
        audience: AUDIENCE,
        now: new Date(),
        ttlSeconds: 900,
      }),
    async trainBase(fromMs, toMs) {
      const snap = await fresh.create(baseSnapshotRequest(pumps, fromMs, toMs), serviceCause('training', randomUUID()));
      const run = await training.runs.start(
        {
          snapshotId: snap.snapshotId,
          useCaseId: PUMP_USE_CASE,
          spec: {
            target: TARGET,
            features: WINDOW_SPEC.features.map((f) => f.name),
            modelType: 'gbdt',
            hyperparameters: o.serviceDefaults === true ? {} : { max_iter: 40 },
            imbalance: 'class-weights',
            imputation: 'median',
            costModel: { source: 'inline', missedFailure: 20_000, falseAlarm: 400, inspection: 150 },
            seed: 7,
          },
        },
        { subject: 'user:reliability-engineer', role: 'engineer' },
      );
      let last = run;
      for await (const r of training.runs.watch(run.started!.runId, new AbortController().signal)) last = r;
      if (last.registered === null) throw new Error(`the base run did not register a model: ${last.failed?.error ?? last.status}`);
      return last.registered;
    },
    async drift(modelVersionId, severity = 'critical') {
      const driftId = randomUUID();
      const stream = `drift-${modelVersionId}`;
      const t = Date.now();
      // Inference records it (its kernel, its drift- stream); the relay publishes it as an integration event.
      await createKernel({ service: 'inference', store }).append(
        stream,
        [
          {
            type: 'DriftDetected',
            data: {
              driftId,
              useCaseId: PUMP_USE_CASE,
              modelVersionId,
              kind: 'data',
              feature: 'bearing_temp_mean',
              statistic: 'psi',
              value: 0.41,
              threshold: 0.25,
              window: { from: new Date(t - DAY).toISOString(), to: new Date(t).toISOString() },
              severity,
            },
          },
        ],
        serviceCause('inference', driftId),
      );
      const [recorded] = await store.readStream(stream, { direction: 'backwards', maxCount: 1 });
      await bus.publish('evt.v1.inference.DriftDetected', recorded!, { msgId: recorded!.id });
      return { driftId, eventId: recorded!.id };
    },
    async close() {
      await training.stop({ mode: 'cancel' }).catch(() => undefined);
      await governance.stop().catch(() => undefined);
      registry.close();
      fresh.close();
      await server.shutdown({ graceMs: 1000 }).catch(() => undefined);
      await data.close().catch(() => undefined);
      await store.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
