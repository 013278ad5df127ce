// Test support for the drift test and the bench: a synthetic pump model trained with
// @industrial/ml on sample streams that follow the simulator's pump physics (affinity laws,
// bearing wear → vibration ∝ w², bearing temperature +35 K·w with a 15-minute lag). Its rows come
// from the SAME @industrial/ml window function the runtime uses, with the window spec stored in
// the model. The end-to-end pump test uses the training service's pump model instead.
import {
  add,
  computeWindowFeatures,
  constant,
  createDataset,
  createRng,
  defineFeature,
  defineWindowSpec,
  input,
  mul,
  rawFeature,
  serialiseModel,
  sub,
  tagSeries,
  train,
  type FeatureDef,
  type Rng,
} from '@industrial/ml';
import { randomUUID } from 'node:crypto';
import type { UnsSampleBatch } from '@industrial/contracts';
import type { ModelBundle } from '../src/adapters/artifacts/files.ts';
import { REFERENCE_FORMAT } from '../src/adapters/artifacts/files.ts';
import { PUMP_BEARING_USE_CASE } from './usecases.ts';

const RATED_RPM = 2950;
const inp = (tag: string, statistic: 'mean' | 'slope' | 'rms') => `${tag}__${statistic}`;
const I = {
  bearingTemperature: inp('bearing_temperature', 'mean'),
  bearingTemperatureSlope: inp('bearing_temperature', 'slope'),
  vibration: inp('vibration_rms', 'rms'),
  vibrationSlope: inp('vibration_rms', 'slope'),
  speed: inp('speed', 'mean'),
  current: inp('motor_current', 'mean'),
  flow: inp('flow', 'mean'),
  pressure: inp('discharge_pressure', 'mean'),
} as const;
const UNITS: Record<string, string> = {
  bearing_temperature: 'Cel',
  vibration_rms: 'mm/s',
  speed: '/min',
  motor_current: 'A',
  flow: 'm3/h',
  discharge_pressure: 'bar',
};

/** The synthetic model's window spec: `<tag>__<statistic>` over 30 minutes. */
export const SYNTHETIC_PUMP_WINDOW = defineWindowSpec({
  version: '0.1.0',
  windowMinutes: 30,
  gridMinutes: 1,
  features: Object.values(I).map((name) => {
    const [tag, statistic] = name.split('__') as [string, 'mean' | 'slope' | 'rms'];
    return { name, tag, statistic, unit: statistic === 'slope' ? `${UNITS[tag]}/h` : UNITS[tag]! };
  }),
});

const speedSquared = mul(mul(input(I.speed), input(I.speed)), constant(1 / (RATED_RPM * RATED_RPM)));
const SYNTHETIC_FEATURES: readonly FeatureDef[] = [
  defineFeature({
    name: 'bearing_temperature_excess_c',
    unit: '°C',
    description: 'bearing temperature above normal for the speed',
    expr: sub(input(I.bearingTemperature), add(constant(25), mul(speedSquared, constant(30)))),
  }),
  defineFeature({
    name: 'vibration_excess_mm_s',
    unit: 'mm/s',
    description: 'vibration above normal for the speed',
    expr: sub(input(I.vibration), mul(speedSquared, constant(1.8))),
  }),
  rawFeature(I.vibrationSlope, 'mm/s per h'),
  rawFeature(I.bearingTemperatureSlope, '°C per h'),
  rawFeature(I.speed, 'rpm'),
  rawFeature(I.current, 'A'),
  rawFeature(I.flow, 'm³/h'),
  rawFeature(I.pressure, 'bar'),
];

export interface PumpSample {
  tMs: number;
  values: Record<string, number>;
}

/** One pump, one sample per tag per `stepMs`, wear ramping from `fault.startMin` over `fault.developMin`. */
export function pumpStream(
  rng: Rng,
  minutes: number,
  opts: { startMs?: number; stepMs?: number; fault?: { startMin: number; developMin: number }; currentOffset?: number } = {},
): PumpSample[] {
  const step = opts.stepMs ?? 60_000;
  const start = opts.startMs ?? 0;
  let n = 0.94 + 0.025 * rng.normal();
  const w0 = 0.05 * rng.next();
  let bt = 25 + 30 * n * n;
  const out: PumpSample[] = [];
  for (let t = 0; t <= minutes * 60_000; t += step) {
    const dt = step / 60_000;
    const phi = Math.exp(-dt / 30);
    n = Math.min(1, Math.max(0.8, 0.94 + phi * (n - 0.94) + Math.sqrt(1 - phi * phi) * 0.025 * rng.normal()));
    const min = t / 60_000;
    const fw = opts.fault && min >= opts.fault.startMin ? Math.min(1, (min - opts.fault.startMin) / opts.fault.developMin) : 0;
    const w = Math.min(1, w0 + fw);
    const target = 25 + 30 * n * n + 35 * w;
    bt = target + (bt - target) * Math.exp(-dt / 15) + 0.1 * rng.normal();
    out.push({
      tMs: start + t,
      values: {
        speed: n * 2950 + 3 * rng.normal(),
        flow: 120 * n + 0.8 * rng.normal(),
        discharge_pressure: 8 * n * n + 0.05 * rng.normal(),
        motor_current: 8 + 32 * n ** 3 * (1 + 0.08 * w) + 0.3 * rng.normal() + (opts.currentOffset ?? 0),
        vibration_rms: 1.8 * n * n + 9 * w * w + Math.abs(0.1 * rng.normal()),
        bearing_temperature: bt,
      },
    });
  }
  return out;
}

/** One stream sample as the UNS batch connectivity would publish for the asset (every tag Good). */
export function sampleBatch(assetPath: string, s: PumpSample): UnsSampleBatch {
  const at = new Date(s.tMs).toISOString();
  return {
    batchId: randomUUID(),
    sourceId: '0193a1b2-7c00-7a10-8b00-0000000000f2',
    assetPath,
    plantTime: at,
    samples: Object.entries(s.values).map(([tag, value]) => ({
      tag,
      value,
      quality: { severity: 'Good' as const, code: 0 },
      sourceTimestamp: at,
      serverTimestamp: new Date().toISOString(),
    })),
  };
}

export function rowsFromStream(stream: PumpSample[], inputs: readonly string[], everyMs = 10 * 60_000): Float64Array[] {
  const spec = { ...SYNTHETIC_PUMP_WINDOW, features: inputs.map((n) => SYNTHETIC_PUMP_WINDOW.features.find((f) => f.name === n)!) };
  const tags = [...new Set(spec.features.map((f) => f.tag))];
  const series = Object.fromEntries(
    tags.map((tag) => [tag, tagSeries(stream.map((s) => ({ timestampMs: s.tMs, value: s.values[tag]!, quality: 'good' as const })))]),
  );
  const span = (spec.windowMinutes - spec.gridMinutes) * 60_000;
  const rows: Float64Array[] = [];
  for (let end = stream[0]!.tMs + span; end <= stream.at(-1)!.tMs; end += everyMs)
    rows.push(computeWindowFeatures(spec, series, end, { staleMs: PUMP_BEARING_USE_CASE.staleMs }).values);
  return rows;
}

export interface PumpModel {
  bundle: ModelBundle;
  threshold: number;
  inputs: readonly string[];
}

/** Trains the pump bearing GBDT; label = the fault has begun to develop (wear ≥ 0.3 within 8 h). */
export function buildPumpModel(seed = 7, pumps = 120, faultyEvery = 6): PumpModel {
  const rng = createRng(seed);
  const inputs = [...new Set(SYNTHETIC_FEATURES.flatMap((f) => f.inputs))];
  const cols: Record<string, number[]> = Object.fromEntries(inputs.map((i) => [i, []]));
  const label: number[] = [];
  const order: number[] = [];
  let k = 0;
  for (let p = 0; p < pumps; p++) {
    const faulty = p % faultyEvery === 0;
    const minutes = 24 * 60;
    const fault = faulty ? { startMin: 300 + rng.next() * 600, developMin: 20 + rng.next() * 220 } : undefined;
    const stream = pumpStream(rng, minutes, fault ? { fault } : {});
    const rows = rowsFromStream(stream, inputs);
    rows.forEach((r, i) => {
      const endMin = 29 + i * 10;
      const w = fault && endMin >= fault.startMin ? Math.min(1, (endMin - fault.startMin) / fault.developMin) : 0;
      inputs.forEach((name, j) => cols[name]!.push(r[j]!));
      label.push(w >= 0.3 ? 1 : 0);
      order.push(k++);
    });
  }
  const ds = createDataset({ ...cols, failure_within_8h: label, order });
  const r = train(
    {
      target: 'failure_within_8h',
      features: SYNTHETIC_FEATURES,
      window: SYNTHETIC_PUMP_WINDOW,
      model: { type: 'gbdt', params: { learningRate: 0.1, maxLeafNodes: 15, minSamplesLeaf: 20, maxIter: 60 } as never },
      imputation: { strategy: 'median' },
      thresholdRule: 'max-f1',
      seed,
      split: { kind: 'chronological', orderBy: 'order', train: 0.7, validation: 0.15, test: 0.15 },
    },
    ds,
  );
  const modelInputs = r.model.pipeline.inputs;
  const refN = Math.min(3000, label.length);
  const stride = Math.max(1, Math.floor(label.length / refN));
  const columns = modelInputs.map((name) => cols[name]!.filter((_, i) => i % stride === 0));
  const refRaw = new Float64Array(columns[0]!.length * modelInputs.length);
  for (let i = 0; i < columns[0]!.length; i++) for (let j = 0; j < modelInputs.length; j++) refRaw[i * modelInputs.length + j] = columns[j]![i]!;
  const scores = Array.from(
    { length: columns[0]!.length },
    (_, i) => r.contributionsFn(Object.fromEntries(modelInputs.map((n, j) => [n, columns[j]![i]!]))).score,
  );
  return {
    bundle: { onnx: r.onnx, modelJson: serialiseModel(r.model), reference: { format: REFERENCE_FORMAT, inputs: modelInputs, columns, scores } },
    threshold: r.threshold ?? 0.5,
    inputs: modelInputs,
  };
}
