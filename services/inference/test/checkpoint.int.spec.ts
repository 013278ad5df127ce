// ADR 0003: inference keeps its own projection with a checkpoint instead of replaying the store from
// position 1 at every start. A restarted app restores the snapshot (recommendations, modes, outcome
// counts, deployment events), reads only the events after the checkpoint, and ends in the same state
// as an app that rebuilt everything from position 1. A checkpoint that does not match the store
// (another store, a wiped one) is dropped and the projection rebuilt.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKeySet, importKeySet } from '@industrial/access';
import { createInProcBus } from '@industrial/bus';
import { eventExamples, eventValidator, type UnsSampleBatch } from '@industrial/contracts';
import { MemoryAnchorSink, generateLedgerKeyPem, ledgerKeyFromPem, openSqliteEventStore, type EventStore, type SubscribeOptions } from '@industrial/eventstore';
import { createKernel } from '@industrial/kernel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeModelBundle } from '../src/adapters/artifacts/files.ts';
import { sqliteProjectionCheckpoints } from '../src/adapters/checkpoint/sqlite.ts';
import { createInferenceApp, type InferenceApp } from '../src/app.ts';
import { asGovernance, USE_CASE } from './fixture.ts';
import { defineAsCharter } from './usecases.ts';
import { buildPumpModel } from './pump-data.ts';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const PUMP = 'acme.plant-1.utilities.cooling-water.pump-1';
const LINE = 'acme.plant-1.utilities.cooling-water';
const operator = { actor: 'olga', role: 'operator', correlationId: randomUUID(), causationId: null, traceparent: null };
const NOW = Date.now();

let dir: string;
let store: EventStore;
let keySet: Awaited<ReturnType<typeof importKeySet>>;
/** The checkpoint each subscription of the store was opened with. */
const subscribedFrom: number[] = [];

function hotBatch(minute: number): UnsSampleBatch {
  const t = new Date(NOW - (60 - minute) * 60_000).toISOString();
  const v = { flow: 113, discharge_pressure: 7.1, bearing_temperature: 92, vibration_rms: 6.2, motor_current: 34, speed: 2770 };
  return {
    batchId: randomUUID(),
    sourceId: '0193a1b2-7c00-7a10-8b00-0000000000f1',
    assetPath: PUMP,
    plantTime: t,
    samples: Object.entries(v).map(([tag, value]) => ({ tag, value, quality: { severity: 'Good' as const, code: 0 }, sourceTimestamp: t, serverTimestamp: t })),
  };
}

/** The store, recording the checkpoint every subscription starts from. */
const recording = (s: EventStore): EventStore =>
  new Proxy(s, {
    get(target, key, receiver) {
      if (key === 'subscribeToAllPages' || key === 'subscribeToAll') {
        return (options: SubscribeOptions) => {
          subscribedFrom.push(options.checkpoint);
          return (Reflect.get(target, key, receiver) as (o: SubscribeOptions) => unknown).call(target, options);
        };
      }
      const v = Reflect.get(target, key, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });

function app(checkpointFile: string | null): { app: InferenceApp; close: () => Promise<void> } {
  const checkpoints = checkpointFile === null ? null : sqliteProjectionCheckpoints(checkpointFile);
  const created = createInferenceApp({
    store: recording(store),
    bus: createInProcBus(),
    keySet,
    logger: silent,
    checkpoints,
    now: () => NOW,
    config: {
      grpc: null,
      http: null,
      access: { issuer: 'i', audience: 'a' },
      replicaId: 'r1',
      replicas: ['r1'],
      unsSubject: null,
      shutdownGraceMs: 100,
      checkpointEveryMs: 60_000,
    },
  });
  return {
    app: created,
    close: async () => {
      await created.stop();
      checkpoints?.close();
    },
  };
}

/** Starts an app, lets it catch up, reads its state and where its projection started, stops it. */
async function startAndRead(checkpointFile: string | null) {
  const a = app(checkpointFile);
  await a.app.start();
  await a.app.settle();
  const read = { state: stateOf(a.app), status: a.app.projectionStatus() };
  await a.close();
  return read;
}

/** Everything the projection answers, comparable with toEqual. */
function stateOf(a: InferenceApp) {
  return {
    recommendations: a.commands.list({ includeUnshown: true, max: Infinity }),
    modes: Object.fromEntries(a.projection.modes()),
    outcomes: a.projection.outcomes(USE_CASE),
    onAsset: a.projection.outcomesOnAssets(USE_CASE, new Set([PUMP])),
    deployments: a.models.state(),
    serving: a.models.status().useCases,
  };
}

let first: ReturnType<typeof stateOf>;
let lastBeforeRestart = 0;
let restarted: ReturnType<typeof stateOf>;
let restartedStatus: ReturnType<InferenceApp['projectionStatus']>;
let rebuilt: ReturnType<typeof stateOf>;
let rebuiltStatus: ReturnType<InferenceApp['projectionStatus']>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'inference-checkpoint-'));
  store = await openSqliteEventStore({
    path: join(dir, 'events.db'),
    ledgerKey: ledgerKeyFromPem(generateLedgerKeyPem().privateKeyPem),
    anchorSink: new MemoryAnchorSink(),
    validator: eventValidator,
  });
  keySet = await importKeySet((await createKeySet({ now: new Date() })).keySet);
  const checkpointFile = join(dir, 'checkpoint-r1.db');

  // First life: a shadow model, rule-based prompts on a hot pump, operator decisions, a mode.
  const one = app(checkpointFile);
  await one.app.start();
  const model = buildPumpModel(5, 30, 10);
  const { artifactUri, artifactHash } = await writeModelBundle(join(dir, 'models'), 'pump-v1', model.bundle);
  const v1 = randomUUID();
  // The pump bearing use case, as the charter records it (usecases/pump-bearing.json).
  await defineAsCharter(store, 'pump-bearing');
  const governance = asGovernance(store);
  await governance({
    type: 'ModelVersionRegistered',
    data: {
      ...eventExamples.ModelVersionRegistered,
      modelVersionId: v1,
      useCaseId: USE_CASE,
      runId: randomUUID(),
      version: 1,
      artifactUri,
      artifactHash,
      inputs: model.bundle.reference.inputs.map((name) => ({ name })),
      windowSeconds: 1800,
      outputs: [{ name: 'probabilities' }],
      decisionThreshold: model.threshold,
    },
  });
  await governance({
    type: 'ModelPromoted',
    data: { useCaseId: USE_CASE, modelVersionId: v1, stage: 'shadow', approvalRequestId: randomUUID(), previousModelVersionId: null },
  });
  await one.app.settle();
  for (let m = 0; m <= 45; m++) await one.app.ingest(hotBatch(m));
  await one.app.settle();
  const open = one.app.commands.list({ openOnly: true })[0]!;
  await one.app.commands.acknowledge(open.recommendationId, operator);
  await one.app.commands.decide(open.recommendationId, { decision: 'done', note: 'bearing greased' }, operator);
  await one.app.commands.recordOutcome(open.recommendationId, { outcome: 'event-prevented', costImpact: null }, operator);
  await one.app.commands.setMode({ path: LINE, mode: 'maintenance', reason: 'overhaul' }, operator);
  await one.app.settle();
  first = stateOf(one.app);
  await one.close();
  lastBeforeRestart = await store.headPosition();

  // While it is down: one more event (the tail the restart must read).
  await createKernel({ service: 'inference', store }).append(
    `asset-${PUMP}`,
    [
      {
        type: 'AssetModeChanged',
        data: { scope: 'asset', path: PUMP, from: 'auto', to: 'manual', reason: 'sensor check', changedAt: new Date(NOW).toISOString() },
      },
    ],
    operator,
  );

  subscribedFrom.length = 0;
  ({ state: restarted, status: restartedStatus } = await startAndRead(checkpointFile));
  ({ state: rebuilt, status: rebuiltStatus } = await startAndRead(null));
}, 120_000);

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a restarted inference app with a projection checkpoint', () => {
  it('had something worth keeping: prompts, a decided one with its outcome, a mode, a shadow deployment', () => {
    expect(first.recommendations.length).toBeGreaterThan(0);
    expect(first.recommendations.some((r) => r.status === 'accepted')).toBe(true);
    expect(first.outcomes.truePositives).toBe(1);
    expect(first.modes[LINE]?.mode).toBe('maintenance');
    expect([...first.deployments.shadow.values()]).toHaveLength(1);
  });

  it('resumes after its checkpoint: the first position it reads is the tail, not 1', () => {
    expect(subscribedFrom[0]).toBe(lastBeforeRestart);
    expect(restartedStatus.checkpoint).toBe('restored');
    expect(restartedStatus.resumedFrom).toBe(lastBeforeRestart);
    expect(restartedStatus.firstPositionRead).toBe(lastBeforeRestart + 1);
    expect(restartedStatus.eventsRead).toBe(1);
  });

  it('ends in the state a rebuild from position 1 gives', () => {
    expect(rebuiltStatus.firstPositionRead).toBe(1);
    expect(restarted).toEqual(rebuilt);
    expect(restarted.modes[PUMP]?.mode).toBe('manual');
    expect(restarted.serving).toEqual(first.serving);
  });
});

describe('a checkpoint that does not match the store', () => {
  it('is dropped and the projection rebuilt from position 1', async () => {
    const other = await openSqliteEventStore({
      path: join(dir, 'other.db'),
      ledgerKey: ledgerKeyFromPem(generateLedgerKeyPem().privateKeyPem),
      anchorSink: new MemoryAnchorSink(),
      validator: eventValidator,
    });
    await createKernel({ service: 'inference', store: other }).append(
      `asset-${PUMP}`,
      [
        {
          type: 'AssetModeChanged',
          data: { scope: 'asset', path: PUMP, from: 'auto', to: 'offline', reason: 'another plant', changedAt: new Date(NOW).toISOString() },
        },
      ],
      operator,
    );
    const checkpoints = sqliteProjectionCheckpoints(join(dir, 'checkpoint-r1.db'));
    const a = createInferenceApp({
      store: other,
      bus: createInProcBus(),
      keySet,
      logger: silent,
      checkpoints,
      now: () => NOW,
      config: { grpc: null, http: null, access: { issuer: 'i', audience: 'a' }, replicaId: 'r1', replicas: ['r1'], unsSubject: null },
    });
    await a.start();
    await a.settle();
    expect(a.projectionStatus()).toMatchObject({ checkpoint: 'rebuilt', resumedFrom: 0, firstPositionRead: 1 });
    expect(a.commands.list({ includeUnshown: true, max: Infinity })).toEqual([]);
    expect(a.projection.modeOf(PUMP)?.mode).toBe('offline');
    await a.stop();
    checkpoints.close();
    await other.close();
  });
});
