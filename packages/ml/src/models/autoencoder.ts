// A small MLP autoencoder (p → hidden, tanh → p, linear) for unsupervised anomaly scores:
// the score is the mean squared reconstruction error over the scaled features. Trained
// with Adam on seeded mini-batches; weights are rounded to float32 for the ONNX graph.

import { createRng, shuffleInPlace } from '../rng.ts';

export interface AutoencoderParams {
  readonly hidden: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly l2: number;
  readonly seed: number;
}

export const defaultAutoencoderParams: AutoencoderParams = { hidden: 4, epochs: 40, batchSize: 64, learningRate: 0.01, l2: 1e-5, seed: 1 };

export interface AutoencoderEstimator {
  readonly kind: 'autoencoder';
  readonly nFeatures: number;
  readonly hidden: number;
  /** Encoder weights [p × hidden] row-major, bias [hidden]. */
  readonly w1: number[];
  readonly b1: number[];
  /** Decoder weights [hidden × p] row-major, bias [p]. */
  readonly w2: number[];
  readonly b2: number[];
  readonly trainLoss: number[];
}

export function fitAutoencoder(input: { x: Float64Array; n: number; p: number }, partial: Partial<AutoencoderParams> = {}): AutoencoderEstimator {
  const prm = { ...defaultAutoencoderParams, ...partial };
  const { x, n, p } = input;
  const h = prm.hidden;
  const rng = createRng(prm.seed);
  const params = new Float64Array(p * h + h + h * p + p);
  const W1 = 0,
    B1 = p * h,
    W2 = B1 + h,
    B2 = W2 + h * p;
  const s1 = Math.sqrt(6 / (p + h));
  for (let k = 0; k < p * h; k++) params[W1 + k] = (rng.next() * 2 - 1) * s1;
  for (let k = 0; k < h * p; k++) params[W2 + k] = (rng.next() * 2 - 1) * s1;
  const m = new Float64Array(params.length),
    v = new Float64Array(params.length),
    grad = new Float64Array(params.length);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const hid = new Float64Array(h),
    out = new Float64Array(p),
    dOut = new Float64Array(p),
    dHid = new Float64Array(h);
  const b1 = 0.9,
    b2 = 0.999,
    eps = 1e-8;
  let step = 0;
  const trainLoss: number[] = [];
  for (let ep = 0; ep < prm.epochs; ep++) {
    shuffleInPlace(order, rng);
    let epochLoss = 0;
    for (let s = 0; s < n; s += prm.batchSize) {
      const e = Math.min(n, s + prm.batchSize);
      grad.fill(0);
      for (let r = s; r < e; r++) {
        const o = order[r]! * p;
        for (let a = 0; a < h; a++) {
          let z = params[B1 + a]!;
          for (let j = 0; j < p; j++) z += x[o + j]! * params[W1 + j * h + a]!;
          hid[a] = Math.tanh(z);
        }
        for (let j = 0; j < p; j++) {
          let z = params[B2 + j]!;
          for (let a = 0; a < h; a++) z += hid[a]! * params[W2 + a * p + j]!;
          out[j] = z;
          const d = z - x[o + j]!;
          epochLoss += (d * d) / p;
          dOut[j] = (2 * d) / p;
        }
        for (let a = 0; a < h; a++) {
          let g = 0;
          for (let j = 0; j < p; j++) {
            g += dOut[j]! * params[W2 + a * p + j]!;
            grad[W2 + a * p + j]! += dOut[j]! * hid[a]!;
          }
          dHid[a] = g * (1 - hid[a]! * hid[a]!);
          grad[B1 + a]! += dHid[a]!;
        }
        for (let j = 0; j < p; j++) {
          grad[B2 + j]! += dOut[j]!;
          for (let a = 0; a < h; a++) grad[W1 + j * h + a]! += x[o + j]! * dHid[a]!;
        }
      }
      const bs = e - s;
      step++;
      const c1 = 1 - b1 ** step,
        c2 = 1 - b2 ** step;
      for (let k = 0; k < params.length; k++) {
        const g = grad[k]! / bs + prm.l2 * params[k]!;
        m[k] = b1 * m[k]! + (1 - b1) * g;
        v[k] = b2 * v[k]! + (1 - b2) * g * g;
        params[k]! -= (prm.learningRate * (m[k]! / c1)) / (Math.sqrt(v[k]! / c2) + eps);
      }
    }
    trainLoss.push(epochLoss / n);
  }
  const f = (a: number, b: number): number[] => Array.from(params.subarray(a, b), Math.fround);
  return { kind: 'autoencoder', nFeatures: p, hidden: h, w1: f(W1, B1), b1: f(B1, W2), w2: f(W2, B2), b2: f(B2, params.length), trainLoss };
}

/** Per-feature squared reconstruction error / p, row-major [n × p]; a row's sum is its score. */
export function reconstructionTerms(m: AutoencoderEstimator, x: Float64Array, n: number): Float64Array {
  const p = m.nFeatures,
    h = m.hidden;
  const out = new Float64Array(n * p);
  const hid = new Float64Array(h);
  for (let i = 0; i < n; i++) {
    const o = i * p;
    for (let a = 0; a < h; a++) {
      let z = 0;
      for (let j = 0; j < p; j++) z += x[o + j]! * m.w1[j * h + a]!;
      hid[a] = Math.tanh(z + m.b1[a]!);
    }
    for (let j = 0; j < p; j++) {
      let z = 0;
      for (let a = 0; a < h; a++) z += hid[a]! * m.w2[a * p + j]!;
      const d = z + m.b2[j]! - x[o + j]!;
      out[o + j] = (d * d) / p;
    }
  }
  return out;
}

export function autoencoderScore(m: AutoencoderEstimator, x: Float64Array, n: number): Float64Array {
  const t = reconstructionTerms(m, x, n);
  const p = m.nFeatures;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < p; j++) s += t[i * p + j]!;
    out[i] = s;
  }
  return out;
}
