// Robust z-score detector for unsupervised anomaly detection: the pipeline's robust scaler
// (median and inter-quartile range fitted on a probation period) turns each feature into a
// deviation from normal; the score is the largest absolute deviation over the features.
// Explained by each feature's share of the absolute deviations (Σ = score).

export interface RobustZEstimator {
  readonly kind: 'robust-z';
  readonly nFeatures: number;
}

export function fitRobustZ(p: number): RobustZEstimator {
  return { kind: 'robust-z', nFeatures: p };
}

/** max_j |x_j| per row of scaled features (float32, as onnxruntime's Abs + ReduceMax). */
export function robustZScore(e: RobustZEstimator, x: Float64Array, n: number): Float64Array {
  const p = e.nFeatures;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let m = 0;
    for (let j = 0; j < p; j++) m = Math.max(m, Math.abs(Math.fround(x[i * p + j]!)));
    out[i] = Math.fround(m);
  }
  return out;
}

/** φ_j = score · |x_j| / Σ|x|: base 0, Σφ = score. */
export function robustZTerms(e: RobustZEstimator, x: Float64Array): Float64Array {
  const p = e.nFeatures;
  const a = Float64Array.from({ length: p }, (_, j) => Math.abs(x[j]!));
  const total = a.reduce((s, v) => s + v, 0);
  const score = robustZScore(e, x, 1)[0]!;
  return a.map((v) => (total > 0 ? (score * v) / total : 0));
}
