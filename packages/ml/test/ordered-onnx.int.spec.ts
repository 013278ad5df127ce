// ONNX parity of the new graphs: one-hot categorical features (Equal + Cast inside the graph) in a
// GBDT regressor on ordered per-unit features, and the robust-z anomaly detector (Abs + ReduceMax).
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import {
  computeOrderedFeatures,
  createDataset,
  defineOrderedSpec,
  encodeCategory,
  oneHotFeatures,
  remainingToEnd,
  rowMajor,
  scoreRaw,
  train,
  trainAnomaly,
  type Model,
} from '../src/index.ts';

async function onnxOut(bytes: Uint8Array, model: Model, raw: Float64Array, n: number, output: string): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(Buffer.from(bytes));
  const out = await session.run({ input: new ort.Tensor('float32', Float32Array.from(raw), [n, model.pipeline.inputs.length]) });
  return out[output]!.data as Float32Array;
}

function expectClose(ts: Float64Array, onnx: Float32Array): void {
  let worst = 0;
  for (let i = 0; i < ts.length; i++) worst = Math.max(worst, Math.abs(ts[i]! - onnx[i]!) / Math.max(Math.abs(ts[i]!), 1e-6));
  expect(worst).toBeLessThan(1e-5);
}

/** 12 units, 30–60 cycles each, a wearing sensor and a shift category. */
function units(): ReturnType<typeof createDataset> {
  const unit: number[] = [],
    cycle: number[] = [],
    x: number[] = [],
    shift: string[] = [];
  let s = 7;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let u = 1; u <= 12; u++) {
    const len = 30 + Math.floor(rnd() * 30);
    for (let c = 1; c <= len; c++) {
      unit.push(u);
      cycle.push(c);
      x.push(10 + (c / len) ** 2 * 5 + rnd());
      shift.push(['early', 'late', 'night'][c % 3]!);
    }
  }
  const { codes } = encodeCategory(shift, ['early', 'late', 'night']);
  return createDataset({ unit, cycle, x, shift: codes });
}

describe('ONNX parity of ordered, categorical and anomaly graphs', () => {
  it('GBDT regressor on ordered features with one-hot shift scores the same in onnxruntime', async () => {
    const ds = remainingToEnd(units(), { entity: 'unit', order: 'cycle', runToFailure: 'all', cap: 40 }).dataset;
    const spec = defineOrderedSpec({
      version: '1.0.0',
      entity: 'unit',
      order: 'cycle',
      step: 1,
      columns: ['x'],
      windows: [3, 8],
      statistics: ['mean', 'slope', 'std'],
      ewma: [5],
    });
    const rows = computeOrderedFeatures(spec, ds, ['rul', 'shift']);
    const r = train(
      {
        target: 'rul',
        features: [...rows.features, 'partial', ...oneHotFeatures('shift', ['early', 'late', 'night'])],
        model: { type: 'gbdt', params: { task: 'regression', maxIter: 30 } },
        imputation: { strategy: 'median' },
        seed: 1,
        split: { kind: 'units', groupBy: 'unit', orderBy: 'cycle', testUnits: [11, 12] },
        ordered: spec,
        importanceRepeats: 1,
      },
      rows.dataset,
    );
    expect(r.model.ordered).toEqual(spec);
    expect(r.card.json.intendedUse).toMatch(/estimate "rul"/);
    const n = rows.dataset.nRows;
    const raw = rowMajor(rows.dataset, r.model.pipeline.inputs);
    expectClose(scoreRaw(r.model, raw, n), await onnxOut(r.onnx, r.model, raw, n, 'prediction'));
  });

  it('robust-z anomaly detector scores the same in onnxruntime', async () => {
    const n = 2000;
    const time = Float64Array.from({ length: n }, (_, i) => i * 60_000);
    const v = Float64Array.from({ length: n }, (_, i) => 50 + Math.sin(i / 50) + (i > 1500 && i < 1600 ? 6 : 0));
    const spec = defineOrderedSpec({
      version: '1.0.0',
      entity: 'stream',
      order: 'time',
      step: 60_000,
      columns: ['v'],
      windows: [10, 60],
      statistics: ['mean', 'std'],
    });
    const r = trainAnomaly(
      { time: 'time', ordered: spec, probation: { fromMs: 0, toMs: 1000 * 60_000 }, threshold: { quantile: 0.999 } },
      createDataset({ time, v }),
    );
    const od = computeOrderedFeatures(spec, createDataset({ time, v, stream: new Float64Array(n) })).dataset;
    const raw = rowMajor(od, r.model.pipeline.inputs);
    expectClose(scoreRaw(r.model, raw, n), await onnxOut(r.onnx, r.model, raw, n, 'score'));
  });
});
