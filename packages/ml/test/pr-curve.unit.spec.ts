// The precision-recall curve a model card carries: one operating point per distinct score, the
// area under it (step-wise) equal to averagePrecision, and thinned to a bounded number of points.
import { describe, expect, it } from 'vitest';
import { averagePrecision, classificationMetrics, createRng, prCurve } from '../src/index.ts';

describe('prCurve', () => {
  it('gives one point per distinct threshold, highest first, with hand-computed precision and recall', () => {
    const y = [1, 0, 1, 0, 1];
    const s = [0.9, 0.8, 0.7, 0.7, 0.1];
    expect(prCurve(y, s)).toEqual([
      { threshold: 0.9, precision: 1, recall: 1 / 3 },
      { threshold: 0.8, precision: 0.5, recall: 1 / 3 },
      { threshold: 0.7, precision: 0.5, recall: 2 / 3 },
      { threshold: 0.1, precision: 0.6, recall: 1 },
    ]);
    expect(prCurve([0, 0], [0.2, 0.4])).toEqual([]);
  });

  it('keeps at most 50 points over recall 0..1 on a large test set, the area still close to PR-AUC', () => {
    const rng = createRng(7);
    const n = 5_000;
    const y = Array.from({ length: n }, () => (rng.next() < 0.1 ? 1 : 0));
    const s = y.map((v) => (v === 1 ? 0.3 : 0) + rng.next());
    const curve = prCurve(y, s);
    expect(curve.length).toBeLessThanOrEqual(50);
    expect(curve.length).toBeGreaterThan(30);
    expect(curve.at(-1)!.recall).toBe(1);
    for (let i = 1; i < curve.length; i++) expect(curve[i]!.recall).toBeGreaterThanOrEqual(curve[i - 1]!.recall);
    let area = 0;
    for (let i = 1; i < curve.length; i++) area += (curve[i]!.recall - curve[i - 1]!.recall) * curve[i]!.precision;
    expect(Math.abs(area - averagePrecision(y, s))).toBeLessThan(0.05);
    expect(classificationMetrics(y, s, 0.8).prCurve.length).toBe(curve.length);
  });
});
