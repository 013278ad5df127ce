// Proves that the exported ONNX graph (preprocessing included) scores exactly like the
// TS model: every model type, a whole test part, onnxruntime-node on the CPU.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { loadAi4i } from '../bench/ai4i.ts';
import {
  AI4I_COLUMNS as C,
  AI4I_FEATURES,
  ai4iFeatures,
  createDataset,
  marginOf,
  rowMajor,
  scoreRaw,
  transform,
  train,
  type Dataset,
  type TrainResult,
  type TrainSpec,
} from '../src/index.ts';

const split = { kind: 'chronological', orderBy: 'udi', train: 0.7, validation: 0.15, test: 0.15 } as const;
const cost = { missedFailure: 1000, falseAlarm: 50, inspection: 20 };

/** A copy of AI4I with ~3 % of the sensor cells missing, to exercise imputation in the graph. */
function withMissing(ds: Dataset): Dataset {
  const cols: Record<string, Float64Array> = {};
  let s = 12345;
  for (const [k, v] of Object.entries(ds.columns)) {
    const c = new Float64Array(v);
    if (k !== C.machineFailure && k !== 'udi' && k !== C.type)
      for (let i = 0; i < c.length; i++) {
        s = (s * 1103515245 + 12345) % 2147483648;
        if (s / 2147483648 < 0.03) c[i] = NaN;
      }
    cols[k] = c;
  }
  return createDataset(cols);
}

async function runOnnx(r: TrainResult, ds: Dataset): Promise<{ ts: Float64Array; onnx: Record<string, ort.Tensor>; n: number; raw: Float64Array }> {
  const test = r.model.pipeline.inputs;
  const n = Math.round(ds.nRows * 0.15);
  const rows = Int32Array.from({ length: n }, (_, i) => ds.nRows - n + i);
  const raw = rowMajor(ds, test, rows);
  const session = await ort.InferenceSession.create(Buffer.from(r.onnx));
  const out = await session.run({ input: new ort.Tensor('float32', Float32Array.from(raw), [n, test.length]) });
  return { ts: scoreRaw(r.model, raw, n), onnx: out, n, raw };
}

/**
 * Relative 1e-5. Probabilities get an absolute floor of 2.5e-7 (two float32 ulps at 1):
 * onnxruntime's LOGISTIC computes 1 − σ(|z|) in float32 for negative margins, so a
 * probability of 3e-4 carries ±6e-8 whatever the model; margins and regression outputs
 * are held to the plain relative bound.
 */
function expectClose(ts: Float64Array, onnx: ArrayLike<number>, stride = 1, offset = 0, absFloor = 0): void {
  let worst = 0;
  for (let i = 0; i < ts.length; i++) {
    const a = ts[i]!,
      b = onnx[i * stride + offset]!;
    const err = Math.abs(a - b);
    worst = Math.max(worst, err <= absFloor ? 0 : err / Math.max(Math.abs(a), Math.abs(b), 1e-30));
  }
  expect(worst).toBeLessThanOrEqual(1e-5);
}

const PROBABILITY_FLOOR = 2.5e-7;

function expectSameAlarms(r: TrainResult, ts: Float64Array, onnxP: Float32Array): void {
  const t = r.threshold!;
  let differ = 0;
  for (let i = 0; i < ts.length; i++) if (ts[i]! >= t !== onnxP[2 * i + 1]! >= t) differ++;
  expect(differ).toBe(0);
}

describe('ONNX export, loaded in onnxruntime-node', () => {
  const ds = loadAi4i();
  const base: Omit<TrainSpec, 'model'> = {
    target: C.machineFailure,
    features: AI4I_FEATURES,
    seed: 7,
    split,
    costModel: cost,
    importanceRepeats: 1,
    stress: { sigmas: [0.1] },
  };

  it('logistic regression with median imputation and standard scaling gives the same probabilities', async () => {
    const dm = withMissing(ds);
    const r = train({ ...base, model: { type: 'logistic' }, imputation: { strategy: 'median' } }, dm);
    const { ts, onnx, raw, n } = await runOnnx(r, dm);
    expectClose(ts, onnx.probabilities!.data as Float32Array, 2, 1, PROBABILITY_FLOOR);
    expectSameAlarms(r, ts, onnx.probabilities!.data as Float32Array);
    const margin = marginOf(r.model.estimator, transform(r.model.pipeline, raw, n), n);
    expectClose(margin, onnx.margin!.data as Float32Array);
    const labels = onnx.label!.data as BigInt64Array;
    for (let i = 0; i < ts.length; i++) expect(labels[i]).toBe(ts[i]! > 0.5 ? 1n : 0n);
  });

  it('GBDT classifier gives the same probabilities', async () => {
    const dm = withMissing(ds);
    const r = train({ ...base, model: { type: 'gbdt', params: { maxIter: 60 } }, imputation: { strategy: 'mean' } }, dm);
    const { ts, onnx } = await runOnnx(r, dm);
    expect(onnx.probabilities!.dims).toEqual([ts.length, 2]);
    expectClose(ts, onnx.probabilities!.data as Float32Array, 2, 1, PROBABILITY_FLOOR);
    expectSameAlarms(r, ts, onnx.probabilities!.data as Float32Array);
  });

  it('GBDT regressor gives the same predictions', async () => {
    const r = train(
      {
        ...base,
        target: C.processTemperature,
        features: [
          ai4iFeatures.type,
          ai4iFeatures.airTemperature,
          ai4iFeatures.rotationalSpeed,
          ai4iFeatures.torque,
          ai4iFeatures.toolWear,
          ai4iFeatures.wearTorque,
        ],
        model: { type: 'gbdt', params: { task: 'regression', maxIter: 60 } },
      },
      ds,
    );
    const { ts, onnx } = await runOnnx(r, ds);
    expect(onnx.prediction!.dims).toEqual([ts.length, 1]);
    expectClose(ts, onnx.prediction!.data as Float32Array);
  });

  it('autoencoder gives the same anomaly scores', async () => {
    const r = train({ ...base, model: { type: 'autoencoder', params: { epochs: 5 } }, scaling: 'robust' }, ds);
    const { ts, onnx } = await runOnnx(r, ds);
    expectClose(ts, onnx.score!.data as Float32Array);
  });
});
