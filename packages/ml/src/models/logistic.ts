// L2-regularised logistic regression fitted by IRLS (Newton's method); features are
// expected to be scaled by the pipeline. The intercept is not penalised.

export interface LogisticParams {
  /** L2 penalty λ on the coefficients (loss is the weighted sum, not the mean). */
  readonly l2: number;
  readonly maxIter: number;
  readonly tol: number;
}

export const defaultLogisticParams: LogisticParams = { l2: 1, maxIter: 100, tol: 1e-10 };

export interface LogisticEstimator {
  readonly kind: 'logistic';
  readonly nFeatures: number;
  readonly coefficients: number[];
  readonly intercept: number;
  /** Mean of each feature over the training rows: the reference for contributions. */
  readonly featureMeans: number[];
  readonly iterations: number;
}

/** Solves A·x = b for symmetric positive definite A (row-major k×k) by Cholesky. */
function choleskySolve(A: Float64Array, b: Float64Array, k: number): Float64Array {
  const L = new Float64Array(k * k);
  for (let i = 0; i < k; i++)
    for (let j = 0; j <= i; j++) {
      let s = A[i * k + j]!;
      for (let t = 0; t < j; t++) s -= L[i * k + t]! * L[j * k + t]!;
      L[i * k + j] = i === j ? Math.sqrt(Math.max(s, 1e-300)) : s / L[j * k + j]!;
    }
  const z = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let s = b[i]!;
    for (let t = 0; t < i; t++) s -= L[i * k + t]! * z[t]!;
    z[i] = s / L[i * k + i]!;
  }
  const x = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let t = i + 1; t < k; t++) s -= L[t * k + i]! * x[t]!;
    x[i] = s / L[i * k + i]!;
  }
  return x;
}

export function fitLogistic(
  input: { x: Float64Array; n: number; p: number; y: Float64Array; weights?: Float64Array },
  partial: Partial<LogisticParams> = {},
): LogisticEstimator {
  const prm = { ...defaultLogisticParams, ...partial };
  const { x, n, p, y } = input;
  const w = input.weights ?? new Float64Array(n).fill(1);
  const k = p + 1; // last coefficient is the intercept
  const beta = new Float64Array(k);
  let it = 0;
  for (; it < prm.maxIter; it++) {
    const H = new Float64Array(k * k),
      g = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      let z = beta[p]!;
      for (let j = 0; j < p; j++) z += beta[j]! * x[i * p + j]!;
      const pr = 1 / (1 + Math.exp(-z));
      const r = w[i]! * (pr - y[i]!);
      const s = w[i]! * Math.max(pr * (1 - pr), 1e-12);
      for (let a = 0; a < k; a++) {
        const xa = a === p ? 1 : x[i * p + a]!;
        g[a]! += r * xa;
        for (let b = 0; b <= a; b++) H[a * k + b]! += s * xa * (b === p ? 1 : x[i * p + b]!);
      }
    }
    for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) H[b * k + a] = H[a * k + b]!;
    for (let j = 0; j < p; j++) {
      H[j * k + j]! += prm.l2;
      g[j]! += prm.l2 * beta[j]!;
    }
    const step = choleskySolve(H, g, k);
    let maxStep = 0;
    for (let a = 0; a < k; a++) {
      beta[a]! -= step[a]!;
      maxStep = Math.max(maxStep, Math.abs(step[a]!));
    }
    if (maxStep < prm.tol) {
      it++;
      break;
    }
  }
  const featureMeans: number[] = [];
  for (let j = 0; j < p; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i * p + j]!;
    featureMeans.push(s / Math.max(n, 1));
  }
  return {
    kind: 'logistic',
    nFeatures: p,
    coefficients: Array.from(beta.subarray(0, p), Math.fround),
    intercept: Math.fround(beta[p]!),
    featureMeans,
    iterations: it,
  };
}

export function logisticMargin(m: LogisticEstimator, x: Float64Array, n: number): Float64Array {
  const p = m.nFeatures;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = m.intercept;
    for (let j = 0; j < p; j++) z += m.coefficients[j]! * x[i * p + j]!;
    out[i] = z;
  }
  return out;
}

export function logisticPredict(m: LogisticEstimator, x: Float64Array, n: number): Float64Array {
  const z = logisticMargin(m, x, n);
  for (let i = 0; i < n; i++) z[i] = 1 / (1 + Math.exp(-z[i]!));
  return z;
}
