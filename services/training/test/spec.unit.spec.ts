// Request validation before a run exists: each bad input is refused as INVALID_ARGUMENT naming the field.
import { describe, expect, it } from 'vitest';
import { toTrainingTable } from '../src/domain/dataset.ts';
import { resolveSpec, type TrainingSpecInput } from '../src/domain/spec.ts';

const n = 60;
const x = Float64Array.from({ length: n }, (_, i) => (i * 7) % 11);
const y = Float64Array.from(x, (v, i) => (v > 5 || i % 9 === 0 ? 1 : 0));
const gap = Float64Array.from(x, (v, i) => (i === 3 ? NaN : v));
const table = toTrainingTable({
  x,
  y,
  gap,
  ones: new Float64Array(n),
  product_id: Array.from({ length: n }, (_, i) => `P${i}`),
  type: Array.from({ length: n }, (_, i) => 'LMH'[i % 3]!),
});
const range = (a: number, b: number) => Int32Array.from({ length: b - a }, (_, i) => a + i);
const ctx = {
  table,
  split: { kind: 'indices' as const, train: range(0, 40), validation: range(40, 50), test: range(50, 60) },
  costModel: null,
  defaultFeatures: ['x', 'type'],
};
const base: TrainingSpecInput = {
  target: 'y',
  features: ['x'],
  modelType: 'gbdt',
  hyperparameters: { max_iter: 5 },
  imbalance: '',
  imputation: '',
  costModel: null,
  seed: 1,
};

const refused = (input: Partial<TrainingSpecInput>, c = ctx) => {
  try {
    resolveSpec({ ...base, ...input }, c);
  } catch (e) {
    return e as { code: string; field: string; reason: string; message: string };
  }
  throw new Error('expected a refusal');
};

describe('a training request', () => {
  it('resolves to an ML spec with snake_case hyperparameters and the recorded spec', () => {
    const r = resolveSpec({ ...base, features: [], imbalance: 'class-weights' }, ctx);
    expect(r.record).toMatchObject({
      target: 'y',
      features: ['x', 'type'],
      modelType: 'gbdt',
      task: 'classification',
      imbalance: 'class-weights',
      costModel: null,
    });
    expect(r.hyperparameters).toEqual({ max_iter: 5 });
    expect(r.trainSpec.model).toEqual({ type: 'gbdt', params: { maxIter: 5 } });
  });
  it('maps text ordinals (product type L/M/H) to numbers and keeps ids aside', () => {
    expect(table.dataset.columns.type?.slice(0, 3)).toEqual(Float64Array.from([0, 1, 2]));
    expect(table.textColumns).toEqual(['product_id']);
  });
  it.each<[string, Partial<TrainingSpecInput>, string, string]>([
    ['an unknown model type', { modelType: 'xgboost' }, 'spec.model_type', 'unknown_model_type'],
    ['an unknown feature', { features: ['nope'] }, 'spec.features[0]', 'unknown_column'],
    ['a one-class target', { target: 'ones' }, 'spec.target', 'single_class_target'],
    ['missing values without imputation', { features: ['gap'] }, 'spec.features', 'missing_values_without_imputation'],
    ['a text column as a feature', { features: ['product_id'] }, 'spec.features[0]', 'unknown_column'],
    ['an unknown hyperparameter', { hyperparameters: { depth: 3 } }, 'spec.hyperparameters.depth', 'invalid_spec'],
    ['an unknown imbalance strategy', { imbalance: 'undersample' }, 'spec.imbalance', 'invalid_spec'],
  ])('is refused for %s', (_name, input, field, reason) => {
    const e = refused(input);
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.field).toBe(field);
    expect(e.reason).toBe(reason);
  });
  it('is refused when the split leaves too few training rows', () => {
    const e = refused({}, { ...ctx, split: { kind: 'indices', train: range(0, 5), validation: range(40, 50), test: range(50, 60) } });
    expect(e).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'snapshot_id', reason: 'too_few_rows' });
  });
  it('accepts missing values once an imputation strategy is set', () => {
    expect(resolveSpec({ ...base, features: ['gap'], imputation: 'median' }, ctx).record.imputation).toBe('median');
  });
});
