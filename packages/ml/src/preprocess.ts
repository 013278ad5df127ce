// Preprocessing whose fitted parameters belong to the model: imputation of raw inputs,
// engineered features (features.ts), scaling. `transform` is the one code path from raw
// inputs to model features, used at training, in `predict`, and mirrored op for op in
// the ONNX graph. Values are rounded to float32 at every step, like the ONNX float graph.

import { compileExpr, featureJson, inputsOf, type FeatureDef, type FeatureJson } from './features.ts';

export const ImputeStrategy = { Mean: 'mean', Median: 'median', Constant: 'constant', None: 'none' } as const;
export type ImputeStrategy = (typeof ImputeStrategy)[keyof typeof ImputeStrategy];
export const ScalingKind = { None: 'none', Standard: 'standard', Robust: 'robust' } as const;
export type ScalingKind = (typeof ScalingKind)[keyof typeof ScalingKind];

export interface Imputer {
  readonly strategy: ImputeStrategy;
  /** One float32 fill value per raw input (NaN when strategy is none). */
  readonly values: readonly number[];
}

export interface Scaler {
  readonly kind: ScalingKind;
  readonly center: readonly number[];
  readonly scale: readonly number[];
}

export interface Pipeline {
  /** Raw input columns, the ONNX input's column order. */
  readonly inputs: readonly string[];
  readonly features: readonly FeatureJson[];
  readonly imputer: Imputer;
  readonly scaler: Scaler;
}

const f32 = Math.fround;

function sortedFinite(a: ArrayLike<number>): Float64Array {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (!Number.isNaN(a[i]!)) out.push(a[i]!);
  return Float64Array.from(out).sort();
}

export function quantileSorted(s: Float64Array, q: number): number {
  if (s.length === 0) return NaN;
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos),
    hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

function columnOf(m: Float64Array, n: number, p: number, j: number): Float64Array {
  const c = new Float64Array(n);
  for (let i = 0; i < n; i++) c[i] = m[i * p + j]!;
  return c;
}

export function fitImputer(raw: Float64Array, n: number, p: number, strategy: ImputeStrategy, constantValue = 0): Imputer {
  const values: number[] = [];
  for (let j = 0; j < p; j++) {
    const s = sortedFinite(columnOf(raw, n, p, j));
    let v: number;
    switch (strategy) {
      case 'mean':
        v = s.length ? s.reduce((a, b) => a + b, 0) / s.length : 0;
        break;
      case 'median':
        v = s.length ? quantileSorted(s, 0.5) : 0;
        break;
      case 'constant':
        v = constantValue;
        break;
      case 'none':
        v = NaN;
        break;
    }
    values.push(f32(v));
  }
  return { strategy, values };
}

export function fitScaler(x: Float64Array, n: number, p: number, kind: ScalingKind): Scaler {
  const center: number[] = [],
    scale: number[] = [];
  for (let j = 0; j < p; j++) {
    const c = columnOf(x, n, p, j);
    let m = 0,
      s = 1;
    if (kind === 'standard') {
      for (let i = 0; i < n; i++) m += c[i]!;
      m /= Math.max(n, 1);
      let v = 0;
      for (let i = 0; i < n; i++) v += (c[i]! - m) ** 2;
      s = Math.sqrt(v / Math.max(n, 1));
    } else if (kind === 'robust') {
      const sorted = sortedFinite(c);
      m = quantileSorted(sorted, 0.5);
      s = quantileSorted(sorted, 0.75) - quantileSorted(sorted, 0.25);
    }
    if (!(s > 0) || !Number.isFinite(s)) s = 1;
    center.push(f32(m));
    scale.push(f32(s));
  }
  return { kind, center, scale };
}

/** Replaces NaN by the imputer's values, rounding inputs to float32 (the ONNX input type). */
export function impute(imputer: Imputer, raw: Float64Array, n: number): Float64Array {
  const p = imputer.values.length;
  const out = new Float64Array(n * p);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < p; j++) {
      const v = raw[i * p + j]!;
      out[i * p + j] = Number.isNaN(v) ? imputer.values[j]! : f32(v);
    }
  return out;
}

/** Engineered features from imputed raw inputs: [n × features.length]. */
export function computeFeatureMatrix(inputs: readonly string[], features: readonly FeatureJson[], imputed: Float64Array, n: number): Float64Array {
  const p = inputs.length;
  const index = new Map(inputs.map((name, i) => [name, i] as const));
  const fns = features.map((f) => compileExpr(f.expr, index));
  const q = fns.length;
  const out = new Float64Array(n * q);
  for (let i = 0; i < n; i++) for (let k = 0; k < q; k++) out[i * q + k] = fns[k]!(imputed, i * p);
  return out;
}

export function applyScaler(s: Scaler, x: Float64Array, n: number): Float64Array {
  if (s.kind === 'none') return x;
  const q = s.center.length;
  const out = new Float64Array(n * q);
  for (let i = 0; i < n; i++) for (let k = 0; k < q; k++) out[i * q + k] = f32(f32(x[i * q + k]! - s.center[k]!) / s.scale[k]!);
  return out;
}

/** Raw inputs (row-major, NaN = missing) → model features. */
export function transform(pl: Pipeline, raw: Float64Array, n: number): Float64Array {
  const imputed = impute(pl.imputer, raw, n);
  const feats = computeFeatureMatrix(pl.inputs, pl.features, imputed, n);
  return applyScaler(pl.scaler, feats, n);
}

/** Unscaled features (imputed + engineered); used by SMOTE and the scaler fit. */
export function fitPipeline(
  features: readonly FeatureDef[],
  raw: Float64Array,
  n: number,
  opts: { imputation: ImputeStrategy; imputeConstant?: number; scaling: ScalingKind },
): Pipeline {
  const fj = features.map(featureJson);
  const inputs = inputsOf(fj);
  const imputer = fitImputer(raw, n, inputs.length, opts.imputation, opts.imputeConstant);
  const feats = computeFeatureMatrix(inputs, fj, impute(imputer, raw, n), n);
  const scaler = fitScaler(feats, n, fj.length, opts.scaling);
  return { inputs, features: fj, imputer, scaler };
}
