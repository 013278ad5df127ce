// A pump model from the plant, end to end. Data path: shortcut (b) — the simulator's plant model
// (@industrial/simulator createPlant, the physics createSimulator publishes over OPC UA) advanced
// in plant time with bearing faults injected on half the pumps; its tag stream goes straight into
// historian-shaped rows (see src/pump/simulate.ts for why not connectivity → NATS → dataops), its
// FaultLabelled ground truth into labels. Then window features per pump → "bearing failure within
// 2 h" → the bearing-failure model; the same table through a dataops snapshot and the training
// service → a candidate with its lineage; and a RUL regressor on run-to-failure pumps, evaluated
// on whole held-out pumps.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseModel, parseReferenceProfile, predict, type ClassificationMetrics, type RegressionMetrics } from '@industrial/ml';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildPumpModel,
  buildRulModel,
  createFsArtifactStore,
  PUMP_FEATURE_NAMES,
  PUMP_FEATURE_SET_VERSION,
  pumpFeatureSpec,
  pumpTrainingTable,
  savePumpModel,
  simulateFleet,
  pumpFleetScenario,
  PUMP_MODEL_DEFAULTS,
  unitSplit,
  type BuiltPumpModel,
} from '../src/index.ts';
import { sqliteStore, startTraining, type Running, type StoreFixture } from './fixture.ts';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'pump-model-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('the simulated pump fleet (shortcut b: plant model → historian rows)', () => {
  it('labels a bearing failure on every pump with an injected fault and none on the others', () => {
    const fleet = simulateFleet(pumpFleetScenario({ ...PUMP_MODEL_DEFAULTS, plants: 2 }), { hours: 24, startMs: PUMP_MODEL_DEFAULTS.startMs });
    expect(fleet.failures.map((f) => f.unit).sort()).toEqual(['plant-1/pump-2', 'plant-1/pump-4', 'plant-2/pump-2', 'plant-2/pump-4']);
    expect(fleet.rows[0]).toMatchObject({ assetPath: expect.stringMatching(/^acme\.plant-1\.utilities\.cooling-water\.pump-\d$/), quality: 'good' });
    expect(new Set(fleet.rows.map((r) => r.tag))).toEqual(
      new Set(['bearing_temperature', 'vibration_rms', 'motor_current', 'flow', 'discharge_pressure', 'speed']),
    );
  });
});

describe('the pump bearing-failure model', () => {
  let built: BuiltPumpModel;
  beforeAll(() => {
    built = buildPumpModel();
  });

  it('is byte-identical when built again from the same options', () => {
    expect(buildPumpModel().onnxSha256).toBe(built.onnxSha256);
  });

  it('warns of bearing failures on held-out pumps', () => {
    const test = built.metrics.test as ClassificationMetrics;
    expect(built.testUnits.length).toBeGreaterThan(0);
    expect(test.positives).toBeGreaterThan(0);
    expect(test.prAuc).toBeGreaterThan(0.8);
    expect(test.recall).toBeGreaterThan(0.7);
    expect(built.featureSpec).toMatchObject({ windowMinutes: 60, horizonHours: 2, target: 'bearing_failure_within_2h', version: PUMP_FEATURE_SET_VERSION });
    expect(built.model.pipeline.inputs).toEqual(PUMP_FEATURE_NAMES);
  });

  it('is saved where inference loads it, and onnxruntime raises the same alarms as the TS model', async () => {
    const dir = tmp();
    const saved = await savePumpModel(built, join(dir, 'pump-bearing-failure'), createFsArtifactStore(join(dir, 'artifacts')));
    for (const f of Object.values(saved.files)) expect(existsSync(f)).toBe(true);
    expect(saved.artifact?.sha256).toBe(built.onnxSha256);
    // the bundle inference loads: <name>.onnx beside <name>.model.json (with the window spec) and <name>.reference.json
    expect(saved.files.onnx).toMatch(/pump-bearing-failure\.onnx$/);
    expect(saved.files.model).toMatch(/pump-bearing-failure\.model\.json$/);
    expect(saved.files.reference).toMatch(/pump-bearing-failure\.reference\.json$/);
    expect(saved.sha256).toBe(built.onnxSha256);
    expect(parseModel(readFileSync(saved.files.model, 'utf8')).window).toEqual(pumpFeatureSpec());
    expect(parseReferenceProfile(readFileSync(saved.files.reference, 'utf8')).inputs).toEqual(PUMP_FEATURE_NAMES);
    // rebuilt with the same options: byte-identical bundle files
    const again = await savePumpModel(buildPumpModel(), join(dir, 'again'));
    for (const k of ['onnx', 'model', 'reference'] as const) expect(readFileSync(again.files[k]).equals(readFileSync(saved.files[k]))).toBe(true);
    const session = await ort.InferenceSession.create(readFileSync(saved.files.onnx));
    const cols = built.table.dataset.columns;
    const rows = Array.from({ length: 200 }, (_, k) => Math.floor((k * built.table.rowCount) / 200));
    const x = Float32Array.from(rows.flatMap((i) => PUMP_FEATURE_NAMES.map((f) => cols[f]![i]!)));
    const out = await session.run({ input: new ort.Tensor('float32', x, [rows.length, PUMP_FEATURE_NAMES.length]) });
    const probs = out.probabilities!.data as Float32Array;
    rows.forEach((i, k) => {
      const ts = predict(built.model, Object.fromEntries(PUMP_FEATURE_NAMES.map((f) => [f, cols[f]![i]!])));
      expect(probs[2 * k + 1]!).toBeCloseTo(ts.score, 5);
      expect(probs[2 * k + 1]! >= built.threshold! ? 1 : 0).toBe(ts.alarm);
    });
    await session.release();
  });
});

describe('the remaining-useful-life regressor on run-to-failure pumps', () => {
  it('is evaluated on whole held-out pumps (RMSE, MAE in hours) that it never saw in training', () => {
    const rul = buildRulModel();
    const test = rul.metrics.test as RegressionMetrics;
    expect(rul.threshold).toBeNull();
    expect(rul.table.failures).toBe(rul.table.units.length);
    expect(rul.testUnits.length).toBeGreaterThanOrEqual(2);
    const parts = unitSplit(rul.table.units, new Set(rul.table.units), PUMP_MODEL_DEFAULTS.seed);
    expect(rul.testUnits).toEqual([...parts.test].sort());
    for (const u of rul.testUnits) expect(parts.train.has(u) || parts.validation.has(u)).toBe(false);
    expect(test.rows).toBeGreaterThan(50);
    expect(test.rmse).toBeLessThan(3);
    expect(test.mae).toBeLessThan(test.rmse + 1e-9);
  });
});

describe('the pump model through dataops and the training service', () => {
  let fx: StoreFixture;
  let t: Running;
  const useCaseId = randomUUID();
  beforeAll(async () => {
    fx = await sqliteStore();
    t = await startTraining(fx.store);
  });
  afterAll(async () => {
    await t?.close();
    await fx?.cleanup();
  });

  it('registers the bearing-failure model as a candidate whose lineage reaches the snapshot, its import and the fault labels', async () => {
    const o = { plants: 4 };
    const table = pumpTrainingTable(o);
    const fleet = simulateFleet(pumpFleetScenario({ ...PUMP_MODEL_DEFAULTS, ...o }), {
      hours: PUMP_MODEL_DEFAULTS.hours,
      startMs: PUMP_MODEL_DEFAULTS.startMs,
    });
    const actor = { subject: 'erin', role: 'engineer' };
    // Ground truth → labels (FaultLabelled as the simulator emits them).
    for (const f of fleet.failures) {
      await t.dataops.recordLabel(
        {
          assetPath: f.assetPath,
          label: 'bearing_failure',
          from: new Date(f.startedAtMs).toISOString(),
          to: new Date(f.failureAtMs).toISOString(),
          source: 'simulator',
          useCaseId,
        },
        actor,
      );
    }
    // Window features → CSV → dataops import → snapshot split by whole pumps.
    const cols = table.table.dataset.columns;
    // Window end as plant minutes since the start (the order column; dataops orders by an int32).
    const names = ['unit', 'minute', ...PUMP_FEATURE_NAMES, table.target];
    const lines = [names.join(',')];
    for (let i = 0; i < table.table.rowCount; i++) {
      lines.push(names.map((n) => (n === 'minute' ? String((cols.end_ms![i]! - PUMP_MODEL_DEFAULTS.startMs) / 60_000) : String(cols[n]![i]!))).join(','));
    }
    const file = join(tmp(), 'pump-windows.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const imp = await t.dataops.importCsv(
      {
        name: 'pump-windows.csv',
        path: file,
        mapping: {
          format: 'wide',
          header: true,
          order: { column: 'minute' },
          group: { column: 'unit', type: 'int32' },
          fields: [...PUMP_FEATURE_NAMES.map((column) => ({ column, nullable: true })), { column: table.target, type: 'int32', role: 'label' }],
        },
      },
      actor,
    );
    const datasetId = randomUUID();
    const m = await t.dataops.createSnapshot(
      {
        datasetId,
        useCaseId,
        source: { kind: 'import', importId: imp.importId },
        split: { kind: 'group', by: 'unit', orderBy: 'minute', train: 0.6, validation: 0.2 },
        featureSetVersion: PUMP_FEATURE_SET_VERSION,
        assetPath: 'acme.plant-1.utilities.cooling-water.pump-1',
      },
      actor,
    );
    // Train through the service.
    const run = await t.app.runs.start(
      {
        snapshotId: m.snapshotId,
        useCaseId,
        spec: {
          target: table.target,
          features: PUMP_FEATURE_NAMES,
          modelType: 'gbdt',
          hyperparameters: { max_iter: 40, max_leaf_nodes: 15, min_samples_leaf: 10 },
          imbalance: 'class-weights',
          imputation: 'median',
          costModel: { source: 'inline', ...PUMP_MODEL_DEFAULTS.costModel },
          seed: 42,
        },
      },
      { subject: 'erin', role: 'engineer' },
    );
    let done = run;
    for await (const s of t.app.runs.watch(run.started!.runId, new AbortController().signal)) done = s;
    expect(done.status, done.failed?.error).toBe('completed');
    const reg = done.registered!;
    expect(reg).toMatchObject({
      stage: 'candidate',
      useCaseId,
      datasetId,
      snapshotId: m.snapshotId,
      snapshotHash: m.contentHash,
      featureSetVersion: PUMP_FEATURE_SET_VERSION,
      spec: { target: 'bearing_failure_within_2h', features: PUMP_FEATURE_NAMES, modelType: 'gbdt', task: 'classification' },
      inputs: PUMP_FEATURE_NAMES.map((name) => ({ name })),
    });
    const snapshotEvent = (await fx.store.readStream(`dataset-${datasetId}`)).find((e) => e.type === 'DatasetSnapshotCreated');
    expect(snapshotEvent?.data).toMatchObject({ contentHash: reg.snapshotHash });
    const labels = (await fx.store.readAll({ fromPosition: 1, maxCount: 10_000 })).filter((e) => e.type === 'LabelRecorded');
    expect(labels).toHaveLength(fleet.failures.length);
    expect(await t.app.artifacts.has(reg.artifactHash)).toBe(true);
  });
});
