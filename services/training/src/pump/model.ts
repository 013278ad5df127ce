// The pump models from the plant, as a deterministic recipe (same options → byte-identical ONNX):
//
//   buildPumpModel(options) → bearing-failure classifier: "bearing failure within H hours" per
//     window, from FaultLabelled ground truth, GBDT with class weights and a cost-based threshold.
//   buildRulModel(options)  → remaining-useful-life GBDT regressor trained on run-to-failure
//     trajectories, evaluated on whole held-out pumps (RMSE, MAE in hours).
//
// Both: simulator plant → historian rows (simulate.ts, shortcut b) → window features (windows.ts,
// the shared definition inference uses) → a table grouped by pump → stratified group split (a pump
// is in exactly one part) → @industrial/ml train(). The window spec travels inside the model
// (model.json), so inference computes its live rows with the same spec and the same function.
// Inference loads the bundle savePumpModel writes (ONNX input `input` [N × 4] in featureSpec
// order, NaN = missing; `.model.json`; `.reference.json`).
import {
  buildReferenceProfile,
  createDataset,
  datasetSha256,
  rawFeature,
  serialiseModel,
  train,
  type ClassificationMetrics,
  type CostModel,
  type Dataset,
  type FeatureDef,
  type GbdtParams,
  type Model,
  type ModelCard,
  type ReferenceProfile,
  type RegressionMetrics,
} from '@industrial/ml';
import { simulateFleet, type FleetRun } from './simulate.ts';
import { PUMP_FEATURE_NAMES, pumpFeatureSpec, pumpWindows, type PumpFeatureSpec } from './windows.ts';

export interface PumpModelOptions {
  readonly seed: number;
  /** Simulated plants; each has `pumpsPerPlant` pumps, half of them with an injected bearing fault. */
  readonly plants: number;
  readonly pumpsPerPlant: number;
  /** Plant hours simulated per plant. */
  readonly hours: number;
  /** Label horizon: failure within this many hours after the window end. */
  readonly horizonHours: number;
  readonly windowMinutes: number;
  readonly strideMinutes: number;
  readonly startMs: number;
  readonly gbdt: Partial<GbdtParams>;
  readonly costModel: CostModel;
  readonly importanceRepeats: number;
}

export const PUMP_MODEL_DEFAULTS: PumpModelOptions = {
  seed: 42,
  plants: 6,
  pumpsPerPlant: 4,
  hours: 24,
  horizonHours: 2,
  windowMinutes: 60,
  strideMinutes: 10,
  startMs: Date.parse('2025-01-06T00:00:00Z'),
  gbdt: { maxIter: 80, learningRate: 0.1, maxLeafNodes: 15, minSamplesLeaf: 10 },
  // A missed bearing failure (seal, impeller, unplanned stop) vs a needless check.
  costModel: { missedFailure: 5000, falseAlarm: 150, inspection: 80 },
  importanceRepeats: 3,
};

export interface PumpTable {
  readonly dataset: Dataset;
  readonly units: readonly string[];
  /** Row → unit index (the `unit` column). */
  readonly rowCount: number;
  readonly failures: number;
}

export interface BuiltPumpModel {
  readonly onnx: Uint8Array;
  readonly onnxSha256: string;
  readonly model: Model;
  /** serialiseModel(model): the explanation sidecar (carries the window spec). */
  readonly modelJson: string;
  /** Training sample per input + scores (inference's warm-up parity and drift reference). */
  readonly reference: ReferenceProfile;
  readonly featureSpec: PumpFeatureSpec & { readonly target: string; readonly horizonHours?: number; readonly capHours?: number };
  readonly card: { readonly json: ModelCard; readonly markdown: string };
  readonly metrics: { readonly validation: ClassificationMetrics | RegressionMetrics; readonly test: ClassificationMetrics | RegressionMetrics };
  readonly threshold: number | null;
  readonly table: PumpTable;
  /** Held-out pumps (the test part), as `<plant>/<asset>`. */
  readonly testUnits: readonly string[];
  /** sha256 of the training table (feature columns + target), for lineage. */
  readonly dataSha256: string;
}

/** Options with the defaults filled in (what a build is keyed by). */
export const resolvePumpOptions = (o: Partial<PumpModelOptions>): PumpModelOptions => ({
  ...PUMP_MODEL_DEFAULTS,
  ...o,
  gbdt: { ...PUMP_MODEL_DEFAULTS.gbdt, ...o.gbdt },
});

/** Deterministic fleet: plant i has seed+i; pumps 2, 4, … get a bearing fault starting and developing at staggered times. */
export function pumpFleetScenario(o: PumpModelOptions, options: { allFaulty?: boolean } = {}): FleetRun[] {
  return Array.from({ length: o.plants }, (_, i) => ({
    plant: `plant-${i + 1}`,
    seed: o.seed + i,
    pumps: o.pumpsPerPlant,
    faults: Array.from({ length: o.pumpsPerPlant }, (_, p) => p)
      .filter((p) => options.allFaulty === true || p % 2 === 1)
      .map((p) => {
        const k = i * o.pumpsPerPlant + p;
        const develop = Math.round(o.hours * 60 * (0.3 + (0.25 * ((k * 7) % 5)) / 4));
        const start = Math.round(o.hours * 60 * (0.05 + (0.2 * ((k * 3) % 4)) / 3));
        return { asset: `pump-${p + 1}`, startInMinutes: start, developMinutes: develop };
      }),
  }));
}

const fnv = (s: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
};

/** Whole pumps into train / validation / test (60/20/20), stratified by whether the pump failed, order by a seeded hash. */
export function unitSplit(
  units: readonly string[],
  failed: ReadonlySet<string>,
  seed: number,
): { train: Set<string>; validation: Set<string>; test: Set<string> } {
  const parts = { train: new Set<string>(), validation: new Set<string>(), test: new Set<string>() };
  for (const stratum of [units.filter((u) => failed.has(u)), units.filter((u) => !failed.has(u))]) {
    const sorted = [...stratum].sort((a, b) => fnv(`${seed}:${a}`) - fnv(`${seed}:${b}`) || (a < b ? -1 : 1));
    const nTest = Math.max(sorted.length >= 3 ? 1 : 0, Math.round(sorted.length * 0.2));
    const nVal = Math.max(sorted.length >= 3 ? 1 : 0, Math.round(sorted.length * 0.2));
    sorted.forEach((u, i) => (i < sorted.length - nTest - nVal ? parts.train : i < sorted.length - nTest ? parts.validation : parts.test).add(u));
  }
  return parts;
}

interface Built {
  table: PumpTable;
  split: { train: Int32Array; validation: Int32Array; test: Int32Array };
  testUnits: string[];
}

function buildTable(o: PumpModelOptions, mode: 'classification' | 'rul', capHours: number): Built {
  const fleet = simulateFleet(pumpFleetScenario(o, { allFaulty: mode === 'rul' }), { hours: o.hours, startMs: o.startMs, stopAtFailure: mode === 'rul' });
  const spec = pumpFeatureSpec(o.windowMinutes, o.strideMinutes);
  const failureAt = new Map(fleet.failures.map((f) => [f.unit, f.failureAtMs]));
  const units = mode === 'rul' ? fleet.units.filter((u) => failureAt.has(u.unit)) : fleet.units;
  // Windows stop at the failure: after it the pump is down, not "about to fail".
  const windows = pumpWindows(fleet.rows, units, spec, { fromMs: o.startMs, toMs: o.startMs + o.hours * 3_600_000 }, failureAt);
  const unitNames = units.map((u) => u.unit);
  const unitIndex = new Map(unitNames.map((u, i) => [u, i]));
  const n = windows.length;
  const cols: Record<string, Float64Array> = { unit: new Float64Array(n), end_ms: new Float64Array(n) };
  for (const f of PUMP_FEATURE_NAMES) cols[f] = new Float64Array(n);
  const target = new Float64Array(n);
  windows.forEach((w, i) => {
    cols.unit![i] = unitIndex.get(w.unit)!;
    cols.end_ms![i] = w.endMs;
    PUMP_FEATURE_NAMES.forEach((f, j) => (cols[f]![i] = w.values[j]!));
    const fail = failureAt.get(w.unit);
    if (mode === 'classification') target[i] = fail !== undefined && fail > w.endMs && fail <= w.endMs + o.horizonHours * 3_600_000 ? 1 : 0;
    else target[i] = Math.min(capHours, (fail! - w.endMs) / 3_600_000);
  });
  cols[mode === 'classification' ? targetName(o) : RUL_TARGET] = target;
  const parts = unitSplit(unitNames, new Set(failureAt.keys()), o.seed);
  const idx = (set: Set<string>) => Int32Array.from(windows.flatMap((w, i) => (set.has(w.unit) ? [i] : [])));
  return {
    table: { dataset: createDataset(cols), units: unitNames, rowCount: n, failures: fleet.failures.length },
    split: { train: idx(parts.train), validation: idx(parts.validation), test: idx(parts.test) },
    testUnits: [...parts.test].sort(),
  };
}

/** The window features as model features (raw inputs with their units). */
const featureDefs = (o: PumpModelOptions): FeatureDef[] =>
  pumpFeatureSpec(o.windowMinutes, o.strideMinutes).features.map((f) => rawFeature(f.name, f.unit, f.description ?? ''));

const targetName = (o: PumpModelOptions) => `bearing_failure_within_${o.horizonHours}h`;
export const RUL_TARGET = 'rul_hours';

/** The pump feature table (for a dataops snapshot, or inspection): columns unit, end_ms, the features, the label. */
export function pumpTrainingTable(options: Partial<PumpModelOptions> = {}): Built & { target: string } {
  const o = resolvePumpOptions(options);
  return { ...buildTable(o, 'classification', 0), target: targetName(o) };
}

/** The bearing-failure classifier. Deterministic: the same options give the same ONNX bytes. */
export function buildPumpModel(options: Partial<PumpModelOptions> = {}): BuiltPumpModel {
  const o = resolvePumpOptions(options);
  const { table, split, testUnits } = buildTable(o, 'classification', 0);
  const target = targetName(o);
  const r = train(
    {
      target,
      features: featureDefs(o),
      window: pumpFeatureSpec(o.windowMinutes, o.strideMinutes),
      model: { type: 'gbdt', params: { ...o.gbdt, task: 'classification' } },
      imputation: { strategy: 'median' },
      imbalance: { strategy: 'class-weights' },
      costModel: o.costModel,
      seed: o.seed,
      split: { kind: 'indices', ...split },
      importanceRepeats: o.importanceRepeats,
      card: {
        name: 'pump-bearing-failure',
        version: '1.0.0',
        intendedUse: `Decision support for cooling-water pumps: warn of a bearing failure within ${o.horizonHours} h so maintenance can inspect. Not for autonomous control.`,
        limitations: [
          'Trained on simulated plant data (injected bearing wear); validate on plant history before use.',
          `Held-out pumps: ${testUnits.join(', ')}.`,
        ],
      },
    },
    table.dataset,
  );
  return {
    onnx: r.onnx,
    onnxSha256: r.onnxSha256,
    model: r.model,
    modelJson: serialiseModel(r.model),
    reference: buildReferenceProfile(r.model, table.dataset, { rows: split.train }),
    featureSpec: { ...pumpFeatureSpec(o.windowMinutes, o.strideMinutes), target, horizonHours: o.horizonHours },
    card: r.card,
    metrics: r.metrics,
    threshold: r.threshold,
    table,
    testUnits,
    dataSha256: datasetSha256(table.dataset, [...PUMP_FEATURE_NAMES, target]),
  };
}

/** The remaining-useful-life regressor (hours, capped at `capHours`), on run-to-failure pumps; test = whole held-out pumps. */
export function buildRulModel(options: Partial<PumpModelOptions> & { capHours?: number } = {}): BuiltPumpModel {
  const o = resolvePumpOptions({ plants: 4, ...options });
  const capHours = options.capHours ?? 12;
  const { table, split, testUnits } = buildTable(o, 'rul', capHours);
  const r = train(
    {
      target: RUL_TARGET,
      features: featureDefs(o),
      window: pumpFeatureSpec(o.windowMinutes, o.strideMinutes),
      model: { type: 'gbdt', params: { ...o.gbdt, task: 'regression' } },
      imputation: { strategy: 'median' },
      seed: o.seed,
      split: { kind: 'indices', ...split },
      importanceRepeats: o.importanceRepeats,
      card: {
        name: 'pump-bearing-rul',
        version: '1.0.0',
        intendedUse: `Remaining useful life of a cooling-water pump bearing in hours (capped at ${capHours} h), to plan the intervention. Not for autonomous control.`,
        limitations: [
          'Trained on simulated run-to-failure trajectories (injected bearing wear).',
          `Evaluated on whole held-out pumps: ${testUnits.join(', ')}.`,
        ],
      },
    },
    table.dataset,
  );
  return {
    onnx: r.onnx,
    onnxSha256: r.onnxSha256,
    model: r.model,
    modelJson: serialiseModel(r.model),
    reference: buildReferenceProfile(r.model, table.dataset, { rows: split.train }),
    featureSpec: { ...pumpFeatureSpec(o.windowMinutes, o.strideMinutes), target: RUL_TARGET, capHours },
    card: r.card,
    metrics: r.metrics,
    threshold: r.threshold,
    table,
    testUnits,
    dataSha256: datasetSha256(table.dataset, [...PUMP_FEATURE_NAMES, RUL_TARGET]),
  };
}
