import { describe, expect, it } from 'vitest';
import { applyImbalance, averagePrecision, brier, classWeights, confusion, costReport, createRng, f1, pickThreshold, rocAuc } from '../src/index.ts';

describe('imbalance strategies on training rows', () => {
  const x = Float64Array.from([0, 0, 1, 1, 2, 2, 3, 3, 10, 10, 11, 11]); // 6 rows × 2
  const y = Float64Array.from([0, 0, 0, 0, 1, 1]);
  it('weights classes n/(2·n_c)', () => {
    expect(classWeights(y)).toEqual({ negative: 0.75, positive: 1.5 });
  });
  it('random oversampling balances the classes with copies', () => {
    const r = applyImbalance({ strategy: 'oversample' }, x, y, 2, createRng(1));
    expect(r.report.after).toEqual({ negatives: 4, positives: 4 });
    expect([10, 11]).toContain(r.x[6 * 2]);
  });
  it('SMOTE puts synthetic points on segments between minority neighbours, reproducibly', () => {
    const a = applyImbalance({ strategy: 'smote', k: 1 }, x, y, 2, createRng(5));
    const b = applyImbalance({ strategy: 'smote', k: 1 }, x, y, 2, createRng(5));
    expect(a.report.syntheticRows).toBe(2);
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
    for (let s = 6; s < 8; s++) {
      expect(a.x[s * 2]).toBeGreaterThanOrEqual(10);
      expect(a.x[s * 2]).toBeLessThanOrEqual(11);
      expect(a.x[s * 2]).toBe(a.x[s * 2 + 1]);
    }
  });
});

describe('metrics', () => {
  const y = [0, 0, 1, 1, 0, 1];
  const s = [0.1, 0.4, 0.35, 0.8, 0.2, 0.7];
  it('match scikit-learn on a small example', () => {
    // sklearn: average_precision_score = 0.9166666, roc_auc_score = 0.8888888
    expect(averagePrecision(y, s)).toBeCloseTo(0.9166667, 6);
    expect(rocAuc(y, s)).toBeCloseTo(0.8888889, 6);
    const c = confusion(y, s, 0.5);
    expect(c).toEqual({ tp: 2, fp: 0, tn: 3, fn: 1 });
    expect(f1(c)).toBeCloseTo(0.8, 10);
    expect(brier([1, 0], [0.5, 0.5])).toBe(0.25);
  });
  it('handles ties as one operating point', () => {
    expect(averagePrecision([1, 0], [0.5, 0.5])).toBe(0.5);
    expect(rocAuc([1, 0], [0.5, 0.5])).toBe(0.5);
  });
  it('picks the cost-optimal threshold and reports savings against no model', () => {
    const cost = { missedFailure: 100, falseAlarm: 5, inspection: 1 };
    const t = pickThreshold(y, s, { kind: 'cost', cost });
    const r = costReport(y, s, t, cost);
    expect(r.cost).toBe(1 * 4 + 5 * 1); // catch all three with one false alarm (0.4)
    expect(r.costWithoutModel).toBe(300);
    expect(r.savings).toBe(291);
    expect(pickThreshold(y, s, { kind: 'max-f1' })).toBe(0.275); // midway between 0.35 and 0.2
  });
});
