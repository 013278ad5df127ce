// Drift on the live scoring path (issue 14, item 5): the simulator's plant feeds the real inference
// app (usecases/pump-bearing.json, the training service's pump model) minute by minute.
// - Two of four pumps develop a bearing fault: the model keeps serving (never paused, no rule
//   fallback for drift) and prompts for the failing pumps.
// - Every pump's motor-current sensor drifts (a recalibration, the simulator's sensor_drift): the
//   model is paused with a plain explanation, the fixed limits stand in and the asset list says `rules`.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createKeySet, importKeySet } from '@industrial/access';
import { createInProcBus } from '@industrial/bus';
import { eventValidator, UseCaseServingSpec } from '@industrial/contracts';
import { MemoryAnchorSink, generateLedgerKeyPem, ledgerKeyFromPem, openSqliteEventStore, type EventStore } from '@industrial/eventstore';
import { createInferenceApp, type InferenceApp } from '@industrial/inference';
import { createKernel } from '@industrial/kernel';
import { createPlant } from '@industrial/simulator';
import { registerDemoPumpModel } from '@industrial/training';
import { afterEach, describe, expect, it } from 'vitest';
import { batchesOf, readUseCases } from '../scripts/bench-prompts/run.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5, 0, 0);
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function setup(): Promise<{ app: InferenceApp; store: EventStore; useCaseId: string; clock: { now: number } }> {
  const dir = mkdtempSync(join(tmpdir(), 'drift-live-'));
  const store = await openSqliteEventStore({
    path: join(dir, 'events.db'),
    ledgerKey: ledgerKeyFromPem(generateLedgerKeyPem().privateKeyPem),
    anchorSink: new MemoryAnchorSink(),
    validator: eventValidator,
  });
  const bearing = readUseCases().find((u) => u.mode === 'bearing_failure')!;
  await createKernel({ service: 'charter', store }).append(
    `usecase-${bearing.useCaseId}`,
    [{ type: 'UseCaseServingSpecDefined', data: { useCaseId: bearing.useCaseId, specVersion: 1, spec: UseCaseServingSpec.parse(bearing.serving) } }],
    { actor: 'svc:charter', role: 'service', correlationId: randomUUID(), causationId: null, traceparent: null },
  );
  await registerDemoPumpModel({
    store,
    artifactsDir: resolve(import.meta.dirname, '../.data/bench-prompts/models'),
    useCaseId: bearing.useCaseId,
    actor: { subject: 'svc:platform-setup', role: 'service' },
  });
  const clock = { now: T0 };
  const app = createInferenceApp({
    store,
    bus: createInProcBus(),
    keySet: await importKeySet((await createKeySet({ now: new Date() })).keySet),
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    now: () => clock.now,
    config: {
      grpc: null,
      http: null,
      access: { issuer: 'industrial-access', audience: 'industrial-platform' },
      replicaId: 'drift-live',
      replicas: ['drift-live'],
      unsSubject: null,
      monitor: { minSamples: 200, evaluateEvery: 40, perAssetCapacity: 240 },
    },
  });
  await app.start();
  cleanups.push(async () => {
    await app.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { app, store, useCaseId: bearing.useCaseId, clock };
}

/** Runs a four-pump plant with `faults` for `minutes`, feeding the app minute by minute. */
async function run(s: Awaited<ReturnType<typeof setup>>, faults: unknown[], minutes: number): Promise<void> {
  const plant = createPlant({ seed: 21, startMs: T0, layout: { enterprise: 'acme', site: 'plant-1', pumps: 4, mills: 0, packagers: 0 } });
  const r = plant.injectScenario(faults);
  if (!r.ok) throw new Error(`${r.error.field}: ${r.error.error}`);
  const pathOf = (a: string) => plant.asset(a)!.path.split('/').join('.');
  for (let m = 1; m <= minutes; m++) {
    s.clock.now = T0 + m * MIN;
    for (const b of batchesOf(plant.advance(s.clock.now).updates, pathOf, s.clock.now)) await s.app.ingest(b);
  }
  await s.app.settle();
}

async function promptedAssets(store: EventStore): Promise<Set<string>> {
  const all = await store.readAll({ fromPosition: 1, maxCount: 100_000 });
  return new Set(
    all
      .filter((e) => e.type === 'RecommendationRaised' && (e.data as { mode: string }).mode === 'production')
      .map((e) => (e.data as { assetPath: string }).assetPath.split('.').at(-1)!),
  );
}

describe('drift on the live scoring path', () => {
  it('keeps the model serving while two of four pumps develop a bearing fault, and prompts for them', async () => {
    const s = await setup();
    await run(
      s,
      [
        { asset: 'pump-1', fault: 'bearing_wear', startInMinutes: 120, developMinutes: 600, severity: 1 },
        { asset: 'pump-2', fault: 'bearing_wear', startInMinutes: 180, developMinutes: 540, severity: 1 },
      ],
      12 * 60,
    );
    expect(s.app.monitor.counters()[s.useCaseId]?.windows ?? 0).toBeGreaterThan(200);
    expect(s.app.monitor.pauseState(s.useCaseId).paused).toBe(false);
    expect(s.app.pipeline.counters().fallbackDrift).toBe(0);
    const prompted = await promptedAssets(s.store);
    expect(prompted.has('pump-1') && prompted.has('pump-2')).toBe(true);
  }, 600_000);

  it('pauses the model with a plain explanation when every pump’s current sensor drifts, and says so per asset', async () => {
    const s = await setup();
    await run(
      s,
      [1, 2, 3, 4].map((p) => ({ asset: `pump-${p}`, fault: 'sensor_drift', tag: 'motor_current', startInMinutes: 180, developMinutes: 30, severity: 1 })),
      10 * 60,
    );
    const pause = s.app.monitor.pauseState(s.useCaseId);
    expect(pause.paused).toBe(true);
    // "4 of 4 assets" once scoring passes each row's asset to the monitor; "the assets" while it compares them as one population
    expect(pause.explanation).toMatch(
      /^The model is paused: the motor current readings of (4 of 4 assets|the assets) no longer look like the data it learned from/,
    );
    expect(s.app.pipeline.counters().fallbackDrift).toBeGreaterThan(0);
    const { assets } = await s.app.assetStates.list();
    const pump = assets.find((a) => a.name === 'pump-3')!.useCases[0]!;
    expect(pump.state).toBe('rules');
    expect(pump.reason).toMatch(/^The model is paused: .* Only the fixed limits are checked/);
  }, 600_000);
});
