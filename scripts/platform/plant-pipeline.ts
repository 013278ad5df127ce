// The pump model from the plant, through the real path (issue 8 item 5):
//
//   simulator (OPC UA, SignAndEncrypt) → connectivity (ISA-95 auto-mapping, store-and-forward)
//   → UNS on the bus (NATS JetStream or in-process) → dataops historian (raw layer)
//   simulator ground truth → FaultLabelled events → relay → bus → dataops labels
//   dataops historian-windows snapshot (window features by the shared @industrial/ml function,
//   target "bearing failure within H hours" from the labels, pumps split whole, stratified)
//   → training service run → ModelVersionRegistered (candidate) with its lineage.
//
// The plant runs in accelerated plant time (×1000 by default: 8 plant hours ≈ 30 s). Everything
// is wired in one process the way `npm start` wires it; the bus and the event store are the
// caller's (NATS + any store in tests; in-process + SQLite for `npm run pump:from-plant`).
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KeySet } from '@industrial/access';
import type { Bus } from '@industrial/bus';
import { createConnectivityApp, type ConnectivityApp } from '@industrial/connectivity';
import { DEFAULT_CONFIG as DATAOPS_DEFAULTS, createDataopsApp, openSqliteDataopsStore, type DataopsApp } from '@industrial/dataops';
import type { EventStore } from '@industrial/eventstore';
import { createRelay, memoryCoordination } from '@industrial/relay';
import { createSimulator, loadConfig as loadSimConfig, type Simulator } from '@industrial/simulator';
import { createTrainingApp, pumpFeatureSpec, pumpFleetScenario, resolvePumpOptions, type RunState } from '@industrial/training';
import { simUsers } from './dev-keys.ts';

export interface PipelineLogger {
  debug(o: object, m?: string): void;
  info(o: object, m?: string): void;
  warn(o: object, m?: string): void;
  error(o: object, m?: string): void;
}

export interface Progress {
  readonly stage: 'plant' | 'labels' | 'snapshot' | 'training' | 'done';
  /** 0–1 within the stage. */
  readonly fraction: number;
  readonly message: string;
}

export interface PlantOptions {
  readonly store: EventStore;
  readonly bus: Bus;
  readonly keySet: KeySet;
  readonly logger: PipelineLogger;
  readonly dataDir: string;
  /** UNS enterprise token; unique per run on a shared NATS. */
  readonly enterprise: string;
  readonly site: string;
  readonly pumps: number;
  readonly seed: number;
  readonly plantStartMs: number;
  /** Plant time per wall time (1–1000). */
  readonly acceleration: number;
  /**
   * How often connectivity's OPC UA subscription delivers (wall ms; default 1000). Each delivery is
   * one UNS batch per asset and inference scores at most once per batch: at ×1000 the default is a
   * scored window every ~17 plant minutes; the sampling itself (250 ms) is the same either way.
   */
  readonly publishingIntervalMs?: number;
}

export interface Plant {
  readonly sim: Simulator;
  readonly connectivity: ConnectivityApp;
  /** ISA-95 asset paths (dots) of the pumps, pump-1 first. */
  readonly pumpPaths: readonly string[];
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * A simulated plant site with `pumps` pumps, read by connectivity over OPC UA (SignAndEncrypt) into
 * the UNS; the simulator records its ground-truth labels in the store as FaultInjected / FaultLabelled.
 */
export async function startPlant(o: PlantOptions): Promise<Plant> {
  const stops: (() => Promise<unknown>)[] = [];
  // No anonymous session: connectivity reads as its own OPC UA user (faults are injected through the API).
  const users = simUsers(join(o.dataDir, `sim-${o.site}`));
  const simConfig = loadSimConfig(
    {
      SIM_USERS_FILE: users.file,
      SIM_AUTO_ACCEPT_CERTS: 'true',
      SIM_SEED: String(o.seed),
      SIM_TIME_ACCELERATION: String(o.acceleration),
      SIM_PLANT_START: new Date(o.plantStartMs).toISOString(),
      SIM_ENTERPRISE: o.enterprise,
      SIM_SITE: o.site,
      SIM_PUMPS: String(o.pumps),
      SIM_MILLS: '0',
      SIM_PACKAGERS: '0',
      SIM_OPCUA_PORT: String(await freePort()),
      SIM_HTTP_PORT: 'off',
      SIM_PKI_DIR: join(o.dataDir, `pki-${o.site}`),
    },
    [],
    process.cwd(),
  );
  // The simulator records its own ground truth in the store, through its kernel (fault- streams, svc:simulator).
  const sim = createSimulator(simConfig, { store: o.store, log: (level, message, data) => o.logger[level](data ?? {}, message) });
  await sim.start();
  stops.push(() => sim.stop());
  const connectivity = createConnectivityApp({
    store: o.store,
    bus: o.bus,
    keySet: o.keySet,
    logger: o.logger,
    config: { stateDir: join(o.dataDir, `connectivity-${o.site}`), autoAcceptUnknownServerCertificates: true },
  });
  try {
    await connectivity.start();
    stops.push(() => connectivity.stop());
    const reg = await connectivity.registerSource({
      sourceId: randomUUID(),
      name: `${o.site} simulator`,
      protocol: 'opcua',
      endpoint: sim.endpointUrl,
      securityMode: 'SignAndEncrypt',
      securityPolicy: 'Basic256Sha256',
      auth: { kind: 'userPassword', ...users.connectivity },
      autoMapRoot: `ns=1;s=${o.enterprise}/${o.site}`,
      ...(o.publishingIntervalMs === undefined
        ? {}
        : { subscription: { samplingIntervalMs: 250, publishingIntervalMs: o.publishingIntervalMs, queueSize: 10, deadband: { type: 'none' as const } } }),
    });
    const pumpPaths = [...new Set(reg.mappings.map((m) => m.assetPath))]
      .filter((p) => /\.pump-\d+$/.test(p))
      .sort((a, b) => Number(a.split('-').at(-1)) - Number(b.split('-').at(-1)));
    if (pumpPaths.length !== o.pumps) throw new Error(`connectivity mapped ${pumpPaths.length} pumps, the plant has ${o.pumps}`);
    return {
      sim,
      connectivity,
      pumpPaths,
      async stop() {
        for (const s of stops.reverse()) await s().catch((e: unknown) => o.logger.warn({ err: e }, 'stop failed'));
      },
    };
  } catch (e) {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    throw e;
  }
}

/** The remaining-useful-life model is its own use case: its candidates never compete with the classifier's. */
export const PUMP_RUL_USE_CASE_ID = '0193a1b2-7c00-7a10-8b00-0000000000b2';

/** The plant's settings (PlantOptions), with defaults: plant-1, 12 pumps, seed 42, ×1000, 2025-01-06. */
export interface PipelineOptions
  extends
    Pick<PlantOptions, 'store' | 'bus' | 'keySet' | 'logger' | 'dataDir' | 'enterprise'>,
    Partial<Pick<PlantOptions, 'site' | 'pumps' | 'seed' | 'plantStartMs' | 'acceleration'>> {
  /** Plant hours recorded for training. */
  readonly hours?: number;
  /** Label horizon: failure within this many hours after the window end. */
  readonly horizonHours?: number;
  readonly useCaseId: string;
  /** Integration-event stream/subjects the relay publishes to (isolated on a shared NATS). */
  readonly events?: { readonly stream: string; readonly subjectPrefix: string };
  readonly onProgress?: (p: Progress) => void;
  /** Longest wait for the plant run (wall ms); default: its duration × 3 + 60 s. */
  readonly timeoutMs?: number;
}

export interface PipelineResult {
  readonly pumpPaths: readonly string[];
  /** Pumps given a bearing fault, and the failures the plant labelled. */
  readonly faulty: readonly string[];
  readonly failures: readonly { readonly assetPath: string; readonly failureAt: string }[];
  readonly historianSamples: number;
  readonly snapshot: {
    readonly snapshotId: string;
    readonly contentHash: string;
    readonly rowCount: number;
    readonly labelCount: number;
    readonly positives: number;
    readonly location: string;
  };
  readonly run: RunState;
  readonly modelVersionId: string;
  readonly target: string;
  /** The remaining-useful-life regressor on the failed pumps' run-to-failure windows, evaluated on whole held-out pumps. */
  readonly rul: {
    readonly snapshotId: string;
    readonly rowCount: number;
    readonly pumps: number;
    readonly run: RunState;
    readonly modelVersionId: string;
    readonly target: string;
  };
}

/** Runs the plant, records it, snapshots it and trains the pump bearing-failure model. */
export async function trainPumpModelFromPlant(o: PipelineOptions): Promise<PipelineResult> {
  const site = o.site ?? 'plant-1';
  const pumps = o.pumps ?? 12;
  const hours = o.hours ?? 8;
  const acceleration = o.acceleration ?? 1000;
  const seed = o.seed ?? 42;
  const plantStartMs = o.plantStartMs ?? Date.parse('2025-01-06T00:00:00Z');
  const horizonHours = o.horizonHours ?? 2;
  const progress = o.onProgress ?? (() => undefined);
  const endMs = plantStartMs + hours * 3_600_000;
  const stops: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) await s().catch((e: unknown) => o.logger.warn({ err: e }, 'stop failed'));
  };
  try {
    // Store → bus, so dataops hears FaultLabelled as any consumer would.
    const events = o.events ?? { stream: 'EVENTS', subjectPrefix: 'evt.v1' };
    const relay = createRelay({
      store: o.store,
      bus: o.bus,
      ...memoryCoordination(),
      logger: o.logger,
      streamName: events.stream,
      subjectPrefix: events.subjectPrefix,
    });
    void relay.run().catch((e: unknown) => o.logger.error({ err: e }, 'relay stopped'));
    stops.push(() => relay.stop());

    const historian = await openSqliteDataopsStore({ path: join(o.dataDir, `historian-${o.enterprise}.db`), refinedIntervalMs: 60_000 });
    stops.push(() => historian.close());
    const dataops: DataopsApp = createDataopsApp({
      store: o.store,
      data: historian,
      bus: o.bus,
      keySet: o.keySet,
      logger: o.logger,
      config: {
        ...DATAOPS_DEFAULTS,
        uns: { ...DATAOPS_DEFAULTS.uns, durable: `dataops-${o.enterprise}`, filterSubject: `uns.v1.${o.enterprise}.>` },
        events: { stream: events.stream, durable: `dataops-events-${o.enterprise}`, filterSubject: `${events.subjectPrefix}.>` },
        snapshotDir: join(o.dataDir, 'snapshots'),
        codeVersion: '0.1.0',
      },
    });
    await dataops.start();
    stops.push(() => dataops.stop());

    // The plant, with half the pumps given a bearing fault (staggered start and development).
    const plant = await startPlant({
      store: o.store,
      bus: o.bus,
      keySet: o.keySet,
      logger: o.logger,
      dataDir: o.dataDir,
      enterprise: o.enterprise,
      site,
      pumps,
      seed,
      plantStartMs,
      acceleration,
    });
    stops.push(() => plant.stop());
    const scenario = pumpFleetScenario(resolvePumpOptions({ plants: 1, pumpsPerPlant: pumps, hours, seed }))[0]!;
    const faulty: string[] = [];
    for (const f of scenario.faults) {
      const r = plant.sim.injectFault(
        { asset: f.asset, fault: 'bearing_wear', startInMinutes: f.startInMinutes, developMinutes: f.developMinutes, severity: 1 },
        'scenario',
      );
      if (!r.ok) throw new Error(`cannot inject a bearing fault into ${f.asset}: ${r.field} ${r.error}`);
      faulty.push(plant.pumpPaths[Number(f.asset.split('-')[1]) - 1]!);
    }

    // Wait for the historian to hold `hours` of plant time.
    const wallMs = (hours * 3_600_000) / acceleration;
    const deadline = Date.now() + (o.timeoutMs ?? wallMs * 3 + 60_000);
    for (;;) {
      const now = dataops.plantNow ?? plantStartMs;
      progress({
        stage: 'plant',
        fraction: Math.min(1, (now - plantStartMs) / (endMs - plantStartMs)),
        message: `plant time ${new Date(now).toISOString().slice(0, 16).replace('T', ' ')} of ${new Date(endMs).toISOString().slice(0, 16).replace('T', ' ')}`,
      });
      if (now >= endMs + 60_000) break;
      if (Date.now() > deadline)
        throw new Error(
          `the historian reached plant time ${new Date(now).toISOString()}, not ${new Date(endMs).toISOString()}, in time; is connectivity publishing?`,
        );
      await sleep(250);
    }
    await plant.stop();

    // Every failure the plant labelled before the end must be a dataops label before the snapshot.
    const labelled = (await historian.meta.listLabels({})).filter((l) => l.label === 'bearing_failure' && plant.pumpPaths.includes(l.assetPath));
    const failures = (await o.store.readAll({ fromPosition: 1, maxCount: 1_000_000 }))
      .filter((e) => e.type === 'FaultLabelled' && plant.pumpPaths.includes((e.data as { assetPath: string }).assetPath))
      .map((e) => ({ assetPath: (e.data as { assetPath: string }).assetPath, failureAt: (e.data as { failureAt: string }).failureAt }));
    for (let i = 0; labelled.length < failures.length; i++) {
      progress({
        stage: 'labels',
        fraction: labelled.length / Math.max(1, failures.length),
        message: `${labelled.length} of ${failures.length} failure labels in dataops`,
      });
      if (i > 400)
        throw new Error(`dataops holds ${labelled.length} of the ${failures.length} failure labels after 20 s; is the relay publishing FaultLabelled?`);
      await sleep(50);
      labelled.splice(
        0,
        labelled.length,
        ...(await historian.meta.listLabels({})).filter((l) => l.label === 'bearing_failure' && plant.pumpPaths.includes(l.assetPath)),
      );
    }
    const historianSamples = (await historian.historian.counts()).raw;

    progress({ stage: 'snapshot', fraction: 0, message: 'window features and labels → dataset snapshot' });
    const spec = pumpFeatureSpec(60, 10);
    const actor = { subject: 'pump-from-plant', role: 'engineer', correlationId: randomUUID() };
    const target = { label: 'bearing_failure', horizonMinutes: horizonHours * 60 };
    const datasetId = randomUUID();
    const snap = await dataops.createSnapshot(
      {
        datasetId,
        useCaseId: o.useCaseId,
        name: `pump bearing windows, ${site}`,
        source: {
          kind: 'historian-windows',
          assetPaths: [...plant.pumpPaths],
          from: new Date(plantStartMs).toISOString(),
          to: new Date(endMs).toISOString(),
          window: spec,
          strideMinutes: spec.strideMinutes,
          target,
        },
        split: { kind: 'group', by: 'asset_path', train: 0.6, validation: 0.2, orderBy: 'time', stratifyBy: `bearing_failure_within_${horizonHours}h` },
      },
      actor,
    );
    const loaded = await dataops.getSnapshot(snap.snapshotId);
    const y = loaded.columns[`bearing_failure_within_${horizonHours}h`] as unknown as Float64Array;
    const positives = y.reduce((s, v) => s + (v === 1 ? 1 : 0), 0);
    progress({ stage: 'snapshot', fraction: 1, message: `snapshot ${snap.snapshotId}: ${snap.rowCount} windows, ${positives} before a failure` });

    progress({ stage: 'training', fraction: 0, message: 'training run queued' });
    const training = createTrainingApp({
      store: o.store,
      keySet: o.keySet,
      logger: o.logger,
      config: {
        grpc: { host: '127.0.0.1', port: 0 },
        http: { host: '127.0.0.1', port: 0 },
        access: { issuer: 'industrial-access', audience: 'industrial-platform' },
        artifactDir: join(o.dataDir, 'artifacts'),
        snapshotDir: join(o.dataDir, 'snapshots'),
        codeVersion: '0.1.0',
        retrainingConsumer: null,
        importanceRepeats: 3,
      },
    });
    await training.start();
    stops.push(() => training.stop());
    const trainAndWait = async (what: string, req: Parameters<typeof training.runs.start>[0]): Promise<RunState> => {
      const runId = (await training.runs.start(req, actor)).started!.runId;
      let run = training.runs.get(runId);
      for (let i = 0; run.status !== 'completed' && run.status !== 'failed'; i++) {
        if (i > 2400) throw new Error(`training run ${runId} (${what}) did not finish within 2 minutes (stage ${run.stage})`);
        progress({ stage: 'training', fraction: run.progress, message: `${what}: ${run.stage ?? 'queued'}` });
        await sleep(50);
        run = training.runs.get(runId);
      }
      if (run.status === 'failed') throw new Error(`training run ${runId} (${what}) failed: ${run.failed?.error}`);
      return run;
    };
    const targetName = `bearing_failure_within_${horizonHours}h`;
    const run = await trainAndWait('bearing failure classifier', {
      snapshotId: snap.snapshotId,
      useCaseId: o.useCaseId,
      spec: {
        target: targetName,
        features: [],
        modelType: 'gbdt',
        hyperparameters: { max_iter: 80, learning_rate: 0.1, max_leaf_nodes: 15, min_samples_leaf: 10 },
        imbalance: 'class-weights',
        imputation: 'median',
        costModel: { source: 'inline', missedFailure: 5000, falseAlarm: 150, inspection: 80 },
        seed,
      },
    });

    // The remaining-useful-life regressor: the same windows of the pumps that ran to failure, the
    // target the hours left (capped at the recorded span), whole pumps held out.
    progress({ stage: 'snapshot', fraction: 0, message: 'run-to-failure windows → remaining-useful-life snapshot' });
    const rulTarget = { label: 'bearing_failure', horizonMinutes: hours * 60, kind: 'time-to' as const };
    const rulSnap = await dataops.createSnapshot(
      {
        datasetId: randomUUID(),
        useCaseId: PUMP_RUL_USE_CASE_ID,
        name: `pump bearing run-to-failure windows, ${site}`,
        source: {
          kind: 'historian-windows',
          assetPaths: [...plant.pumpPaths],
          from: new Date(plantStartMs).toISOString(),
          to: new Date(endMs).toISOString(),
          window: spec,
          strideMinutes: spec.strideMinutes,
          target: rulTarget,
        },
        split: { kind: 'group', by: 'asset_path', train: 0.6, validation: 0.2, orderBy: 'time' },
      },
      actor,
    );
    const rulRun = await trainAndWait('remaining-useful-life regressor', {
      snapshotId: rulSnap.snapshotId,
      useCaseId: PUMP_RUL_USE_CASE_ID,
      spec: {
        target: 'hours_to_bearing_failure',
        features: [],
        modelType: 'gbdt',
        hyperparameters: { task: 'regression', max_iter: 80, learning_rate: 0.1, max_leaf_nodes: 15, min_samples_leaf: 10 },
        imbalance: 'none',
        imputation: 'median',
        costModel: null,
        seed,
      },
    });
    progress({
      stage: 'done',
      fraction: 1,
      message: `models ${run.registered!.modelVersionId} and ${rulRun.registered!.modelVersionId} registered as candidates`,
    });
    return {
      pumpPaths: plant.pumpPaths,
      faulty,
      failures,
      historianSamples,
      snapshot: {
        snapshotId: snap.snapshotId,
        contentHash: snap.contentHash,
        rowCount: snap.rowCount,
        labelCount: snap.lineage.labels.count,
        positives,
        location: snap.location,
      },
      run,
      modelVersionId: run.registered!.modelVersionId,
      target: targetName,
      rul: {
        snapshotId: rulSnap.snapshotId,
        rowCount: rulSnap.rowCount,
        pumps: new Set((await dataops.getSnapshot(rulSnap.snapshotId)).columns.asset_path as string[]).size,
        run: rulRun,
        modelVersionId: rulRun.registered!.modelVersionId,
        target: 'hours_to_bearing_failure',
      },
    };
  } finally {
    await stopAll();
  }
}
