// A model for any demo use case, from its serving spec (usecases/*.json as the charter records it)
// and the simulated plant: the recipe the one-process launcher and the prompt bench train at first
// start. The serving spec says everything the recipe needs:
//   - the inputs: every (tag, statistic) its evidence templates and rule window read, over its
//     window (so a prompt can word its evidence, and inference's load check passes), computed by
//     @industrial/ml computeWindowFeatures — the same function inference runs on live windows;
//   - the target, from the task: a failure mode within the horizon (classification; for a sudden
//     mode such as a jam, the failure seen in the last horizon minutes, so the prompt comes at
//     once), the hours of running left (regression, capped), or running unlike normal (anomaly:
//     an autoencoder fitted on healthy windows);
//   - the alarm level of a classifier or an anomaly model: the least window cost over its
//     validation windows (WINDOW_COST: a false window costs 4 missed ones, or 2, or 1 — the
//     heaviest that still lets the model speak, MIN_COST_RECALL), which the registration records
//     as its inline cost model; the best F1 only where even the lightest would leave it all but
//     silent.
// Ground truth is the simulator's labels (recordPlant). Whole units are held out (train /
// validation / test by unit). Deterministic: the same spec and options give the same ONNX bytes. Pure.
import type { UseCaseServingSpecData } from '@industrial/contracts';
import {
  buildReferenceProfile,
  computeWindowFeatures,
  createDataset,
  datasetSha256,
  defineWindowSpec,
  rawFeature,
  serialiseModel,
  train,
  type ClassificationMetrics,
  type ModelSpec,
  type WindowFeature,
} from '@industrial/ml';
import { failureModeOf } from '@industrial/simulator';
import { unitSplit, type BuiltPumpModel } from '../pump/model.ts';
import type { PumpFeatureSpec } from '../pump/windows.ts';
import type { PlantKind, PlantRecording, RecordingOptions } from './plant-recording.ts';

/** Bump when the recipe changes in a way the options and the spec do not show (invalidates cached builds). */
export const USECASE_RECIPE_VERSION = 5;

export interface RecipeOptions {
  readonly seed: number;
  /** Scales the simulated plant time of every kind (1 = the defaults below; tests use less). */
  readonly dataScale: number;
  readonly startMs: number;
  /** Remaining-useful-life target cap, hours. */
  readonly rulCapHours: number;
}

export const RECIPE_DEFAULTS: RecipeOptions = { seed: 42, dataScale: 1, startMs: Date.parse('2025-01-06T00:00:00Z'), rulCapHours: 24 };

/** How much plant each asset kind records at dataScale 1 (a few seconds each on one core). */
const PLANT_DEFAULTS: Record<PlantKind, Omit<RecordingOptions, 'seed' | 'startMs' | 'kind'>> = {
  pump: { plants: 4, assetsPerPlant: 4, hours: 168, faultsPerAssetDay: 0.8 },
  mill: { plants: 3, assetsPerPlant: 3, hours: 72, faultsPerAssetDay: 0.5 },
  packaging: { plants: 4, assetsPerPlant: 2, hours: 96, faultsPerAssetDay: 1 },
};

/** The plant kind a use case's asset kind is simulated as. */
export function plantKindOf(assetKind: string): PlantKind {
  if (assetKind === 'pump' || assetKind === 'mill') return assetKind;
  if (assetKind === 'packer' || assetKind === 'packaging') return 'packaging';
  throw new Error(`no simulated plant for asset kind "${assetKind}"`);
}

export function recordingOptionsFor(kind: PlantKind, o: RecipeOptions): RecordingOptions {
  const d = PLANT_DEFAULTS[kind];
  return { ...d, kind, seed: o.seed, startMs: o.startMs, hours: Math.max(12, Math.round(d.hours * o.dataScale)) };
}

const MIN = 60_000;
const HOUR = 60 * MIN;

/** The model inputs a spec asks for: its evidence and rule-window (tag, statistic) pairs, over its window. */
export function useCaseWindowSpec(spec: UseCaseServingSpecData, strideMinutes: number): PumpFeatureSpec {
  const seen = new Map<string, WindowFeature>();
  const unitOf = (u: string) => (u === '' ? '1' : u);
  for (const f of spec.ruleWindow.features) {
    const k = `${f.tag}/${f.statistic}`;
    if (!seen.has(k)) seen.set(k, { name: f.name, unit: unitOf(f.unit), tag: f.tag, statistic: f.statistic });
  }
  for (const e of spec.evidence) {
    const k = `${e.tag}/${e.statistic}`;
    if (!seen.has(k)) seen.set(k, { name: `${e.tag}_${e.statistic}`, unit: unitOf(e.unit), tag: e.tag, statistic: e.statistic });
  }
  const features = [...seen.values()].map((f) => ({ ...f, description: `${f.statistic} of ${f.tag.replaceAll('_', ' ')} over ${spec.windowMinutes} min` }));
  return { ...defineWindowSpec({ version: '1.0.0', windowMinutes: spec.windowMinutes, gridMinutes: 1, features }), strideMinutes } as PumpFeatureSpec;
}

/** Whether the recipe can train this use case (time-series tasks; not visual inspection). */
export function recipeSupports(spec: UseCaseServingSpecData): boolean {
  return spec.task.kind === 'classification' || spec.task.kind === 'regression' || spec.task.kind === 'anomaly';
}

/** The simulator's label of the spec's failure mode (`twf` → `TWF`). */
export function labelOf(spec: UseCaseServingSpecData): string {
  const code = spec.task.failureMode;
  return spec.failureModes.find((m) => m.code === code)?.label ?? code ?? '';
}

/** Modes whose asset stops at the failure and is repaired (windows then are neither warning nor healthy). */
const STOPS_THE_ASSET = new Set(['bearing_failure', 'cavitation', 'quality_drift']);
/** Sudden modes that leave the asset stopped until someone clears it. */
const STOPS_AT_ONCE = new Set(['jam']);

/**
 * The alarm level of a thresholded model, picked on the validation windows by a window-level cost: a
 * missed window costs 1 (a failure spans many windows, one alarm before it is enough), a false one 4
 * (each can raise a prompt nobody needed). The use case's own cost model is per failure, not per window.
 */
export const WINDOW_COST = { missedFailure: 1, falseAlarm: 4, inspection: 0 } as const;

/** The false-window weights tried in turn, heaviest first (each asks for a precision above w/(w+1)). */
export const WINDOW_FALSE_ALARM_WEIGHTS = [WINDOW_COST.falseAlarm, 2, 1] as const;

/**
 * Below this recall on its validation failure windows, a weight has left the model all but silent
 * (the AI4I mill modes: a weak window-level signal does not reach the precision a heavy weight asks
 * for): the next, lighter weight is tried; after the lightest, the best F1 (the registration then
 * says max-F1).
 */
export const MIN_COST_RECALL = 0.1;

/** The window cost with false windows weighing `falseAlarm` missed ones. */
export const windowCost = (falseAlarm: number) => ({ ...WINDOW_COST, falseAlarm });

interface Row {
  readonly unit: number;
  readonly endMs: number;
  readonly values: Float64Array;
  readonly y: number;
}

function targetRows(spec: UseCaseServingSpecData, window: PumpFeatureSpec, rec: PlantRecording, o: RecipeOptions): Row[] {
  const task = spec.task;
  const label = labelOf(spec);
  const sudden = failureModeOf(label)?.kind === 'sudden';
  const horizonMs = (task.kind === 'classification' ? task.horizonMinutes : 60) * MIN;
  const rows: Row[] = [];
  rec.units.forEach((u, ui) => {
    const own = rec.failures.filter((f) => f.unit === u.unit);
    const mine = own.filter((f) => f.mode === label).map((f) => f.failureMs);
    const down = own.filter((f) => STOPS_THE_ASSET.has(f.mode)).map((f) => f.failureMs);
    const faults = rec.faults.filter((f) => f.unit === u.unit);
    for (let end = rec.fromMs + window.windowMinutes * MIN; end <= rec.toMs; end += window.strideMinutes * MIN) {
      // stopped and being repaired: no window to learn from until a full window after the repair
      if (down.some((t) => end >= t && end < t + HOUR + window.windowMinutes * MIN)) continue;
      // a stop such as a jam: after the first horizon minutes the event is old news (the prompt stands), not healthy
      if (sudden && STOPS_AT_ONCE.has(label) && mine.some((t) => end > t + horizonMs && end < t + HOUR)) continue;
      let y: number;
      if (task.kind === 'regression') {
        const next = mine.filter((t) => t > end).sort((a, b) => a - b)[0];
        y = Math.min(o.rulCapHours, next === undefined ? o.rulCapHours : (next - end) / HOUR);
      } else if (task.kind === 'anomaly') {
        y = faults.some((f) => end >= f.fromMs && end <= f.toMs) || own.some((f) => end >= f.onsetMs && end <= f.failureMs) ? 1 : 0;
      } else if (sudden) {
        y = mine.some((t) => t <= end && t > end - horizonMs) ? 1 : 0;
      } else {
        y = mine.some((t) => t > end && t <= end + horizonMs) ? 1 : 0;
      }
      rows.push({ unit: ui, endMs: end, values: computeWindowFeatures(window, u.series, end).values, y });
    }
  });
  return rows;
}

/** Window stride: every minute for sudden modes, finer for short horizons, else every 10 plant minutes. */
function strideOf(spec: UseCaseServingSpecData): number {
  if (spec.task.kind !== 'classification') return 10;
  if (failureModeOf(labelOf(spec))?.kind === 'sudden') return 1;
  return Math.max(1, Math.min(10, Math.round(spec.task.horizonMinutes / 12)));
}

export function targetNameOf(spec: UseCaseServingSpecData): string {
  const code = spec.task.failureMode ?? 'fault';
  if (spec.task.kind === 'classification') return `${code}_within_${spec.task.horizonMinutes}min`;
  if (spec.task.kind === 'regression') return 'rul_hours';
  return `${code}_anomaly`;
}

/**
 * Trains the use case's model from a plant recording (recordPlant(recordingOptionsFor(kind, o)); one
 * recording serves every use case of its kind).
 */
export function buildUseCaseModel(spec: UseCaseServingSpecData, rec: PlantRecording, options: Partial<RecipeOptions> = {}): BuiltPumpModel {
  const o = { ...RECIPE_DEFAULTS, ...options };
  const kind = spec.task.kind;
  if (!recipeSupports(spec)) throw new Error(`the plant recipe trains classification, regression and anomaly models, not "${kind}"`);
  const window = useCaseWindowSpec(spec, strideOf(spec));
  const names = window.features.map((f) => f.name);
  const rows = targetRows(spec, window, rec, o);
  const target = targetNameOf(spec);
  const n = rows.length;
  const cols: Record<string, Float64Array> = { unit: new Float64Array(n), end_ms: new Float64Array(n), [target]: new Float64Array(n) };
  for (const f of names) cols[f] = new Float64Array(n);
  rows.forEach((r, i) => {
    cols.unit![i] = r.unit;
    cols.end_ms![i] = r.endMs;
    cols[target]![i] = r.y;
    names.forEach((f, j) => (cols[f]![i] = r.values[j]!));
  });
  const dataset = createDataset(cols);
  const unitNames = rec.units.map((u) => u.unit);
  const positive = new Set<string>();
  for (const r of rows) if (spec.task.kind === 'regression' ? r.y < o.rulCapHours : r.y > 0) positive.add(unitNames[r.unit]!);
  const parts = unitSplit(unitNames, positive, o.seed);
  const idx = (set: Set<string>) => Int32Array.from(rows.flatMap((r, i) => (set.has(unitNames[r.unit]!) ? [i] : [])));
  const split = { train: idx(parts.train), validation: idx(parts.validation), test: idx(parts.test) };
  const testUnits = [...parts.test].sort();
  const model: ModelSpec =
    spec.task.kind === 'anomaly'
      ? { type: 'autoencoder', trainOn: 'negatives' }
      : {
          type: 'gbdt',
          params: { maxIter: 80, learningRate: 0.1, maxLeafNodes: 15, minSamplesLeaf: 10, task: kind === 'regression' ? 'regression' : 'classification' },
        };
  const fit = (falseAlarm: number | null) =>
    train(
      {
        target,
        features: window.features.map((f) => rawFeature(f.name, f.unit, f.description ?? '')),
        window,
        model,
        imputation: { strategy: 'median' },
        ...(spec.task.kind === 'classification' ? { imbalance: { strategy: 'class-weights' as const } } : {}),
        // the alarm level: the least window cost on the validation windows, or the best F1 (null);
        // the card and the registration say which
        ...(spec.task.kind === 'regression'
          ? {}
          : falseAlarm === null
            ? { thresholdRule: 'max-f1' as const }
            : { costModel: windowCost(falseAlarm), thresholdRule: 'cost' as const }),
        seed: o.seed,
        split: { kind: 'indices', ...split },
        importanceRepeats: 2,
        card: {
          name: spec.name.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
          version: '1.0.0',
          intendedUse: `Decision support for "${spec.name}" (${spec.task.kind}${spec.task.kind === 'classification' ? `, within ${spec.task.horizonMinutes} min` : ''}). Not for autonomous control.`,
          limitations: [
            'Trained on the simulated plant (its random fault campaign and emergent failures); validate on plant history before use.',
            `Held-out units: ${testUnits.join(', ')}.`,
          ],
        },
      },
      dataset,
    );
  const speaks = (x: ReturnType<typeof fit>) => (x.metrics.validation as ClassificationMetrics).recall >= MIN_COST_RECALL;
  let r: ReturnType<typeof fit> | null = null;
  if (spec.task.kind === 'regression') r = fit(null);
  else
    for (const w of WINDOW_FALSE_ALARM_WEIGHTS) {
      r = fit(w);
      if (speaks(r)) break;
      r = null;
    }
  r ??= fit(null);
  return {
    onnx: r.onnx,
    onnxSha256: r.onnxSha256,
    model: r.model,
    modelJson: serialiseModel(r.model),
    reference: buildReferenceProfile(r.model, dataset, { rows: split.train }),
    featureSpec: {
      ...window,
      target,
      ...(spec.task.kind === 'classification' ? { horizonHours: spec.task.horizonMinutes / 60 } : {}),
      ...(spec.task.kind === 'regression' ? { capHours: o.rulCapHours } : {}),
    },
    card: r.card,
    metrics: r.metrics,
    threshold: r.threshold,
    table: {
      dataset,
      units: unitNames,
      rowCount: n,
      failures: kind === 'anomaly' ? rec.failures.length : rec.failures.filter((f) => f.mode === labelOf(spec)).length,
    },
    testUnits,
    dataSha256: datasetSha256(dataset, [...names, target]),
  };
}
