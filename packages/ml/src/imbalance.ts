// Class imbalance handling, applied to training rows only: cost-sensitive class weights,
// random oversampling, SMOTE (Chawla et al. 2002). The report says what was done.

import type { Rng } from './rng.ts';

export const ImbalanceStrategy = { None: 'none', ClassWeights: 'class-weights', Oversample: 'oversample', Smote: 'smote' } as const;
export type ImbalanceStrategy = (typeof ImbalanceStrategy)[keyof typeof ImbalanceStrategy];

export interface ImbalanceSpec {
  readonly strategy: ImbalanceStrategy;
  /** Target minority/majority ratio after resampling (default 1 = balanced). */
  readonly ratio?: number;
  /** SMOTE neighbours (default 5). */
  readonly k?: number;
}

export interface ImbalanceReport {
  readonly strategy: ImbalanceStrategy;
  readonly before: { readonly negatives: number; readonly positives: number };
  readonly after: { readonly negatives: number; readonly positives: number };
  readonly classWeights?: { readonly negative: number; readonly positive: number };
  readonly syntheticRows: number;
}

export interface Resampled {
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly weights: Float64Array;
  readonly n: number;
  readonly report: ImbalanceReport;
}

function counts(y: Float64Array): { negatives: number; positives: number } {
  let pos = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === 1) pos++;
  return { negatives: y.length - pos, positives: pos };
}

/** "Balanced" weights n / (2·n_c), as in scikit-learn. */
export function classWeights(y: Float64Array): { negative: number; positive: number } {
  const c = counts(y);
  const n = y.length;
  return { negative: n / (2 * Math.max(c.negatives, 1)), positive: n / (2 * Math.max(c.positives, 1)) };
}

/**
 * x is row-major [n × p] over the imputed raw inputs; synthetic rows are appended after the
 * originals. Neighbour distances are measured on standardised columns so no unit dominates.
 */
export function applyImbalance(spec: ImbalanceSpec, x: Float64Array, y: Float64Array, p: number, rng: Rng): Resampled {
  const n = y.length;
  const before = counts(y);
  const ones = new Float64Array(n).fill(1);
  if (spec.strategy === 'none') return { x, y, weights: ones, n, report: { strategy: spec.strategy, before, after: before, syntheticRows: 0 } };
  if (spec.strategy === 'class-weights') {
    const cw = classWeights(y);
    const w = new Float64Array(n);
    for (let i = 0; i < n; i++) w[i] = y[i] === 1 ? cw.positive : cw.negative;
    return { x, y, weights: w, n, report: { strategy: spec.strategy, before, after: before, classWeights: cw, syntheticRows: 0 } };
  }
  const minorityLabel = before.positives <= before.negatives ? 1 : 0;
  const minority: number[] = [];
  for (let i = 0; i < n; i++) if (y[i] === minorityLabel) minority.push(i);
  const majorityCount = n - minority.length;
  const want = Math.max(0, Math.round(majorityCount * (spec.ratio ?? 1)) - minority.length);
  const nx = new Float64Array((n + want) * p);
  nx.set(x);
  const ny = new Float64Array(n + want);
  ny.set(y);
  ny.fill(minorityLabel, n);
  if (minority.length === 0) throw new Error('no minority rows to resample');
  if (spec.strategy === 'oversample') {
    for (let s = 0; s < want; s++) {
      const src = minority[rng.int(minority.length)]!;
      nx.copyWithin((n + s) * p, src * p, src * p + p);
    }
  } else {
    const k = Math.min(spec.k ?? 5, minority.length - 1);
    const sd = new Float64Array(p);
    for (let j = 0; j < p; j++) {
      let m = 0,
        v = 0;
      for (const i of minority) m += x[i * p + j]!;
      m /= minority.length;
      for (const i of minority) v += (x[i * p + j]! - m) ** 2;
      sd[j] = Math.sqrt(v / minority.length) || 1;
    }
    // k nearest minority neighbours of every minority row (brute force; minorities are small)
    const nn: Int32Array[] = minority.map((i) => {
      const d = minority.map((o) => {
        let s = 0;
        for (let j = 0; j < p; j++) s += ((x[i * p + j]! - x[o * p + j]!) / sd[j]!) ** 2;
        return s;
      });
      const order = minority.map((_, t) => t).filter((t) => minority[t] !== i);
      order.sort((a, b) => d[a]! - d[b]! || a - b);
      return Int32Array.from(order.slice(0, k));
    });
    for (let s = 0; s < want; s++) {
      const t = s % minority.length; // every minority row seeds in turn, as in the paper
      const base = minority[t]!;
      const neighbours = nn[t]!;
      const other = k > 0 ? minority[neighbours[rng.int(neighbours.length)]!]! : base;
      const gap = rng.next();
      for (let j = 0; j < p; j++) {
        const a = x[base * p + j]!;
        nx[(n + s) * p + j] = a + gap * (x[other * p + j]! - a);
      }
    }
  }
  const after = counts(ny);
  return {
    x: nx,
    y: ny,
    weights: new Float64Array(n + want).fill(1),
    n: n + want,
    report: { strategy: spec.strategy, before, after, syntheticRows: want },
  };
}
