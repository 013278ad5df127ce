// Explanations. Per-prediction contributions in margin space with base + Σφ = margin:
// exact for linear models, path-dependent TreeSHAP (Lundberg, Erion & Lee 2018, Alg. 2)
// for tree ensembles using the covers stored with the model, and per-feature
// reconstruction error for the autoencoder. Permutation importance for any scorer.

import type { GbdtEstimator, Tree } from './models/gbdt.ts';
import type { LogisticEstimator } from './models/logistic.ts';
import { reconstructionTerms, type AutoencoderEstimator } from './models/autoencoder.ts';
import { robustZTerms, type RobustZEstimator } from './models/robust-z.ts';
import type { Rng } from './rng.ts';

type Est = LogisticEstimator | GbdtEstimator | AutoencoderEstimator | RobustZEstimator;

export interface Contributions {
  readonly base: number;
  readonly phi: Float64Array;
  readonly method: 'linear' | 'tree-shap' | 'reconstruction-error' | 'deviation';
}

/** Contributions for one row of model features. */
export function contributions(e: Est, x: Float64Array): Contributions {
  switch (e.kind) {
    case 'logistic':
      return linearContributions(e, x);
    case 'gbdt':
      return treeShap(e, x);
    case 'autoencoder':
      return { base: 0, phi: reconstructionTerms(e, x, 1), method: 'reconstruction-error' };
    case 'robust-z':
      return { base: 0, phi: robustZTerms(e, x), method: 'deviation' };
    default: {
      const never: never = e;
      throw new Error(`unknown estimator ${JSON.stringify(never)}`);
    }
  }
}

/** φ_j = β_j (x_j − mean_j); base = β₀ + Σ β_j mean_j (the margin at the training mean). */
export function linearContributions(e: LogisticEstimator, x: Float64Array): Contributions {
  const phi = new Float64Array(e.nFeatures);
  let base = e.intercept;
  for (let j = 0; j < e.nFeatures; j++) {
    base += e.coefficients[j]! * e.featureMeans[j]!;
    phi[j] = e.coefficients[j]! * (x[j]! - e.featureMeans[j]!);
  }
  return { base, phi, method: 'linear' };
}

/** E[f(x)] of one tree under its covers. */
export function treeExpectation(t: Tree, k = 0): number {
  if (t.left[k] === -1) return t.value[k]!;
  const c = t.cover[k]!;
  return (t.cover[t.left[k]!]! * treeExpectation(t, t.left[k]!) + t.cover[t.right[k]!]! * treeExpectation(t, t.right[k]!)) / c;
}

interface PathEl {
  d: number;
  z: number;
  o: number;
  w: number;
}

function extend(m: PathEl[], pz: number, po: number, pi: number): PathEl[] {
  const l = m.length;
  const out = m.map((e) => ({ ...e }));
  out.push({ d: pi, z: pz, o: po, w: l === 0 ? 1 : 0 });
  for (let i = l - 1; i >= 0; i--) {
    out[i + 1]!.w += (po * out[i]!.w * (i + 1)) / (l + 1);
    out[i]!.w = (pz * out[i]!.w * (l - i)) / (l + 1);
  }
  return out;
}

function unwind(m: PathEl[], i: number): PathEl[] {
  const l = m.length - 1;
  const out = m.map((e) => ({ ...e }));
  let n = out[l]!.w;
  const { o, z } = out[i]!;
  for (let j = l - 1; j >= 0; j--) {
    if (o !== 0) {
      const t = out[j]!.w;
      out[j]!.w = (n * (l + 1)) / ((j + 1) * o);
      n = t - (out[j]!.w * z * (l - j)) / (l + 1);
    } else out[j]!.w = (out[j]!.w * (l + 1)) / (z * (l - j));
  }
  for (let j = i; j < l; j++) {
    out[j]!.d = out[j + 1]!.d;
    out[j]!.z = out[j + 1]!.z;
    out[j]!.o = out[j + 1]!.o;
  }
  out.pop();
  return out;
}

function unwoundSum(m: PathEl[], i: number): number {
  const l = m.length - 1;
  const { o, z } = m[i]!;
  let total = 0;
  if (o !== 0) {
    let n = m[l]!.w;
    for (let j = l - 1; j >= 0; j--) {
      const t = (n * (l + 1)) / ((j + 1) * o);
      total += t;
      n = m[j]!.w - (t * z * (l - j)) / (l + 1);
    }
  } else for (let j = l - 1; j >= 0; j--) total += (m[j]!.w * (l + 1)) / (z * (l - j));
  return total;
}

/** Adds one tree's SHAP values for row x (float32 comparisons, like prediction) into phi. */
export function treeShapInto(t: Tree, x: Float64Array, phi: Float64Array): void {
  const recurse = (j: number, path: PathEl[], pz: number, po: number, pi: number): void => {
    const m = extend(path, pz, po, pi);
    if (t.left[j] === -1) {
      for (let i = 1; i < m.length; i++) phi[m[i]!.d]! += unwoundSum(m, i) * (m[i]!.o - m[i]!.z) * t.value[j]!;
      return;
    }
    const f = t.feature[j]!;
    const goLeft = Math.fround(x[f]!) <= t.threshold[j]!;
    const hot = goLeft ? t.left[j]! : t.right[j]!;
    const cold = goLeft ? t.right[j]! : t.left[j]!;
    let iz = 1,
      io = 1;
    let mm = m;
    const k = mm.findIndex((e, idx) => idx > 0 && e.d === f);
    if (k > 0) {
      iz = mm[k]!.z;
      io = mm[k]!.o;
      mm = unwind(mm, k);
    }
    const c = t.cover[j]!;
    recurse(hot, mm, (iz * t.cover[hot]!) / c, io, f);
    recurse(cold, mm, (iz * t.cover[cold]!) / c, 0, f);
  };
  recurse(0, [], 1, 1, -1);
}

export function treeShap(e: GbdtEstimator, x: Float64Array): Contributions {
  const phi = new Float64Array(e.nFeatures);
  let base = e.baseScore;
  for (const t of e.trees) {
    base += treeExpectation(t);
    treeShapInto(t, x, phi);
  }
  return { base, phi, method: 'tree-shap' };
}

export interface Importance {
  readonly feature: string;
  /** Mean drop of the metric when the feature is permuted (positive = the model relies on it). */
  readonly drop: number;
  readonly std: number;
}

/**
 * Permutation importance on model features: shuffle one column, re-score, measure the
 * metric drop; `repeats` seeded shuffles per feature.
 */
export function permutationImportance(
  score: (x: Float64Array, n: number) => Float64Array,
  x: Float64Array,
  n: number,
  names: readonly string[],
  y: Float64Array,
  metric: (y: Float64Array, s: Float64Array) => number,
  repeats: number,
  rng: Rng,
): Importance[] {
  const p = names.length;
  const baseline = metric(y, score(x, n));
  const xp = new Float64Array(x);
  const perm = new Int32Array(n);
  return names.map((feature, j) => {
    const drops: number[] = [];
    for (let r = 0; r < repeats; r++) {
      for (let i = 0; i < n; i++) perm[i] = i;
      for (let i = n - 1; i > 0; i--) {
        const k = rng.int(i + 1);
        const t = perm[i]!;
        perm[i] = perm[k]!;
        perm[k] = t;
      }
      for (let i = 0; i < n; i++) xp[i * p + j] = x[perm[i]! * p + j]!;
      drops.push(baseline - metric(y, score(xp, n)));
    }
    for (let i = 0; i < n; i++) xp[i * p + j] = x[i * p + j]!;
    const mean = drops.reduce((a, b) => a + b, 0) / repeats;
    const std = Math.sqrt(drops.reduce((a, b) => a + (b - mean) ** 2, 0) / repeats);
    return { feature, drop: mean, std };
  });
}
