import { describe, expect, it } from 'vitest';
import {
  createRng,
  fitAutoencoder,
  fitGbdt,
  fitLogistic,
  gbdtMargin,
  linearContributions,
  logisticMargin,
  reconstructionTerms,
  autoencoderScore,
  treeShap,
  rmse,
  averagePrecision,
  type Tree,
} from '../src/index.ts';

function data(n: number, seed: number): { x: Float64Array; y: Float64Array; r: Float64Array } {
  const rng = createRng(seed);
  const x = new Float64Array(n * 3),
    y = new Float64Array(n),
    r = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = rng.normal(),
      b = rng.normal(),
      c = rng.normal();
    x.set([a, b, c], i * 3);
    y[i] = (a > 0.5 && b > 0) || c > 1.5 ? 1 : 0; // interaction + a threshold
    r[i] = 2 * a - b * b + 0.1 * rng.normal();
  }
  return { x, y, r };
}

/** Path-dependent conditional expectation E[f(x) | x_S] of one tree (the quantity TreeSHAP attributes). */
function condExp(t: Tree, x: Float64Array, s: Set<number>, k = 0): number {
  if (t.left[k] === -1) return t.value[k]!;
  const l = t.left[k]!,
    r = t.right[k]!;
  if (s.has(t.feature[k]!)) return condExp(t, x, s, Math.fround(x[t.feature[k]!]!) <= t.threshold[k]! ? l : r);
  return (t.cover[l]! * condExp(t, x, s, l) + t.cover[r]! * condExp(t, x, s, r)) / t.cover[k]!;
}

function bruteShapley(trees: Tree[], x: Float64Array, p: number): number[] {
  const fact = (m: number): number => (m <= 1 ? 1 : m * fact(m - 1));
  const v = (s: Set<number>): number => trees.reduce((acc, t) => acc + condExp(t, x, s), 0);
  const phi = new Array<number>(p).fill(0);
  for (let i = 0; i < p; i++)
    for (let mask = 0; mask < 1 << p; mask++) {
      if (mask & (1 << i)) continue;
      const s = new Set<number>();
      for (let j = 0; j < p; j++) if (mask & (1 << j)) s.add(j);
      const w = (fact(s.size) * fact(p - s.size - 1)) / fact(p);
      phi[i]! += w * (v(new Set([...s, i])) - v(s));
    }
  return phi;
}

describe('histogram gradient boosting', () => {
  const train = data(800, 1),
    val = data(300, 2);
  it('learns an interaction for binary log-loss, with float32 thresholds', () => {
    const m = fitGbdt({ x: train.x, n: 800, p: 3, y: train.y, validation: { x: val.x, n: 300, y: val.y } }, { maxIter: 80, minSamplesLeaf: 10 });
    const z = gbdtMargin(m, val.x, 300);
    expect(averagePrecision(val.y, z)).toBeGreaterThan(0.9);
    for (const t of m.trees) for (const th of t.threshold) expect(Math.fround(th)).toBe(th);
  });

  it('stops early on the validation part and keeps the best round', () => {
    const m = fitGbdt(
      { x: train.x, n: 800, p: 3, y: train.y, validation: { x: val.x, n: 300, y: val.y } },
      { maxIter: 500, learningRate: 0.5, earlyStopping: { patience: 5, tol: 0 } },
    );
    expect(m.trees.length).toBeLessThan(500);
    const best = m.validationLoss.indexOf(Math.min(...m.validationLoss)) + 1;
    expect(m.trees.length).toBe(best);
  });

  it('regresses with squared error, depth-wise growth included', () => {
    for (const growth of ['leaf-wise', 'depth-wise'] as const) {
      const m = fitGbdt({ x: train.x, n: 800, p: 3, y: train.r }, { task: 'regression', maxIter: 100, growth, maxDepth: 4 });
      expect(rmse(val.r, gbdtMargin(m, val.x, 300))).toBeLessThan(0.8); // target std ≈ 2.4
    }
  });

  it('is deterministic', () => {
    const a = fitGbdt({ x: train.x, n: 800, p: 3, y: train.y }, { maxIter: 20 });
    const b = fitGbdt({ x: train.x, n: 800, p: 3, y: train.y }, { maxIter: 20 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});

describe('TreeSHAP with stored covers', () => {
  const train = data(400, 4);
  const m = fitGbdt({ x: train.x, n: 400, p: 3, y: train.y }, { maxIter: 15, maxLeafNodes: 8, minSamplesLeaf: 5 });
  it('base value + Σ contributions = the margin, for every row', () => {
    const z = gbdtMargin(m, train.x, 400);
    for (let i = 0; i < 50; i++) {
      const c = treeShap(m, train.x.subarray(i * 3, i * 3 + 3));
      expect(c.base + c.phi.reduce((a, b) => a + b, 0)).toBeCloseTo(z[i]!, 9);
    }
  });
  it('equals the exact Shapley values of the path-dependent expectation', () => {
    for (let i = 0; i < 5; i++) {
      const x = train.x.subarray(i * 3, i * 3 + 3);
      const c = treeShap(m, x);
      const exact = bruteShapley(m.trees, x, 3);
      exact.forEach((v, j) => expect(c.phi[j]).toBeCloseTo(v, 9));
    }
  });
});

describe('L2 logistic regression (IRLS)', () => {
  const train = data(600, 5);
  it('fits, and exact linear contributions add up to the margin', () => {
    const m = fitLogistic({ x: train.x, n: 600, p: 3, y: train.y }, { l2: 1 });
    expect(m.coefficients[0]).toBeGreaterThan(0);
    expect(m.coefficients[2]).toBeGreaterThan(0);
    const x = train.x.subarray(0, 3);
    const c = linearContributions(m, x);
    expect(c.base + c.phi.reduce((a, b) => a + b, 0)).toBeCloseTo(logisticMargin(m, x, 1)[0]!, 10);
  });
});

describe('MLP autoencoder', () => {
  it('reconstructs normal rows better than outliers; terms sum to the score', () => {
    const { x } = data(500, 6);
    const m = fitAutoencoder({ x, n: 500, p: 3 }, { hidden: 2, epochs: 20, seed: 3 });
    const outlier = Float64Array.from([6, -6, 6]);
    const normal = x.subarray(0, 3);
    expect(autoencoderScore(m, outlier, 1)[0]).toBeGreaterThan(autoencoderScore(m, normal, 1)[0]! * 10);
    const terms = reconstructionTerms(m, outlier, 1);
    expect(terms.reduce((a, b) => a + b, 0)).toBeCloseTo(autoencoderScore(m, outlier, 1)[0]!, 12);
  });
});
