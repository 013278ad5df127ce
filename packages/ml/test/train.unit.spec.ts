import { describe, expect, it } from 'vitest';
import { createDataset, explain, MlValidationError, parseModel, predict, serialiseModel, train, type Dataset, type TrainSpec } from '../src/index.ts';
import { syntheticFeatures, syntheticMachines } from './fixtures.ts';

const ds = syntheticMachines(600, 3);
const spec: TrainSpec = {
  target: 'failed',
  features: syntheticFeatures,
  model: { type: 'gbdt', params: { maxIter: 30, minSamplesLeaf: 10 } },
  imbalance: { strategy: 'class-weights' },
  costModel: { missedFailure: 500, falseAlarm: 20, inspection: 10 },
  seed: 42,
  split: { kind: 'chronological', orderBy: 'time', train: 0.6, validation: 0.2, test: 0.2 },
  importanceRepeats: 2,
  stress: { sigmas: [0.1], sensors: ['temp', 'speed', 'torque', 'wear'] },
};

function expectValidationError(f: () => unknown, code: string, field: string): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(MlValidationError);
    expect((e as MlValidationError).code).toBe(code);
    expect((e as MlValidationError).field).toBe(field);
    expect((e as Error).name).toMatch(/Error$/);
    return;
  }
  throw new Error('expected a validation error');
}

function withColumn(d: Dataset, name: string, f: (c: Float64Array) => void): Dataset {
  const c = new Float64Array(d.columns[name]!);
  f(c);
  return createDataset({ ...d.columns, [name]: c });
}

describe('train() on a small synthetic plant', () => {
  const r = train(spec, ds);

  it('returns metrics, a cost-optimal threshold with savings, importance, stress, a card and ONNX bytes', () => {
    expect(r.threshold).toBeGreaterThan(0);
    expect(r.cost!.validation.savings).toBeGreaterThanOrEqual(0);
    expect(r.imbalance!.strategy).toBe('class-weights');
    expect(r.importance.map((i) => i.feature)).toEqual(['temp', 'speed', 'torque', 'wear', 'power']);
    expect(r.stress.dropped.map((d) => d.sensor)).toEqual(['temp', 'speed', 'torque', 'wear']);
    expect(r.card.json.data.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r.card.markdown).toContain('## Stress');
    expect(r.card.markdown).toContain('## Limitations');
    expect(r.onnx.length).toBeGreaterThan(100);
  });

  it('serialises the ONNX model byte-identically for two trainings with the same seed', () => {
    const again = train(spec, ds);
    expect(again.onnxSha256).toBe(r.onnxSha256);
    const smote = train({ ...spec, imbalance: { strategy: 'smote' } }, ds);
    const smote2 = train({ ...spec, imbalance: { strategy: 'smote' } }, ds);
    expect(smote2.onnxSha256).toBe(smote.onnxSha256);
    expect(smote.onnxSha256).not.toBe(r.onnxSha256);
  });

  it('predicts and explains a single live row; a missing sensor is imputed', () => {
    const row = { temp: 301, speed: 1400, torque: 60, wear: 230 };
    const p = predict(r.model, row);
    const e = r.contributionsFn(row);
    expect(e.baseValue + e.contributions.reduce((a, c) => a + c.contribution, 0)).toBeCloseTo(p.margin, 9);
    expect(e.contributions.find((c) => c.feature === 'power')!.value).toBe(Math.fround(60 * 1400));
    const dropped = predict(r.model, { ...row, temp: null });
    expect(Number.isFinite(dropped.score)).toBe(true);
  });

  it('round-trips the TS model through JSON with identical scores', () => {
    const back = parseModel(serialiseModel(r.model));
    const row = { temp: 299, speed: 1600, torque: 35, wear: 20 };
    expect(predict(back, row)).toEqual(predict(r.model, row));
    expect(explain(back, row)).toEqual(explain(r.model, row));
  });

  it('trains logistic regression and the autoencoder through the same spec', () => {
    const lr = train({ ...spec, model: { type: 'logistic' }, imbalance: { strategy: 'oversample' } }, ds);
    expect(lr.metrics.test).toHaveProperty('prAuc');
    const ae = train({ ...spec, model: { type: 'autoencoder', params: { epochs: 3 } } }, ds);
    expect(ae.model.task).toBe('anomaly');
    const reg = train({ ...spec, target: 'load', model: { type: 'gbdt', params: { task: 'regression', maxIter: 20 } } }, ds);
    expect(reg.threshold).toBeNull();
    expect(reg.metrics.test).toHaveProperty('rmse');
  });
});

describe('when the spec or the data make training impossible', () => {
  it('rejects a target with one class', () => {
    const one = withColumn(ds, 'failed', (c) => c.fill(0));
    expectValidationError(() => train(spec, one), 'single_class_target', 'target');
  });
  it('rejects a feature that does not exist', () => {
    expectValidationError(() => train({ ...spec, features: ['temp', 'vibration'] }, ds), 'unknown_column', 'features[1]');
  });
  it('rejects NaNs without an imputation strategy', () => {
    const holes = withColumn(ds, 'speed', (c) => (c[7] = NaN));
    expectValidationError(() => train(spec, holes), 'missing_values_without_imputation', 'speed');
    expect(train({ ...spec, imputation: { strategy: 'median' } }, holes).model.pipeline.imputer.strategy).toBe('median');
  });
  it('rejects fewer rows than the split needs', () => {
    const tiny = createDataset(Object.fromEntries(Object.entries(ds.columns).map(([k, v]) => [k, v.slice(0, 8)])));
    expectValidationError(() => train(spec, tiny), 'too_few_rows', 'split');
  });
  it('rejects an unknown model type', () => {
    const bad = { ...spec, model: { type: 'random-forest' } } as unknown as TrainSpec;
    expectValidationError(() => train(bad, ds), 'unknown_model_type', 'model.type');
  });
});
