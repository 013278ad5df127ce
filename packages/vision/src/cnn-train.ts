// CNN training in TypeScript: Adam on weighted binary cross-entropy, augmentation by flips,
// transposition and small shifts (training tiles are cut with a margin of `pad` px), early
// stopping on the validation tiles' AUROC, gradients of each batch split over worker threads.

import { Worker } from 'node:worker_threads';
import { rocAuc } from '@industrial/ml';
import { cnnBackward, cnnForward, cnnLayout, cnnScores, cnnWork, initCnn, DEFAULT_CNN_SHAPE, type Cnn, type CnnShape } from './cnn.ts';
import { batchGradient } from './cnn-grad.ts';

export interface CnnTrainSet {
  /** `count` crops of (size + 2·pad)² 8-bit pixels, back to back */
  readonly crops: Uint8Array;
  readonly pad: number;
  readonly labels: Uint8Array;
}

export interface CnnValidationSet {
  /** `labels.length` tiles of size² float (/255) */
  readonly tiles: Float32Array;
  readonly labels: Uint8Array;
}

export interface CnnTrainOptions {
  readonly shape?: CnnShape;
  readonly epochs?: number;
  readonly batch?: number;
  readonly learningRate?: number;
  readonly patience?: number;
  readonly workers?: number;
  readonly seed?: number;
  readonly onEpoch?: (e: { epoch: number; loss: number; validationAuroc: number; seconds: number }) => void;
}

export interface CnnTrainResult {
  readonly net: Cnn;
  readonly bestEpoch: number;
  readonly epochsRun: number;
  readonly validationAuroc: number;
  readonly history: { epoch: number; loss: number; validationAuroc: number }[];
}

/** Writes crop `i` of `set`, flipped/transposed/shifted, as a float tile at `out[at..]`. */
export function augmentInto(
  set: CnnTrainSet,
  size: number,
  i: number,
  aug: { flipX: boolean; flipY: boolean; transpose: boolean; dx: number; dy: number },
  out: Float32Array,
  at: number,
): void {
  const C = size + 2 * set.pad;
  const base = i * C * C;
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      let u = aug.flipX ? size - 1 - x : x,
        v = aug.flipY ? size - 1 - y : y;
      if (aug.transpose) [u, v] = [v, u];
      out[at + y * size + x] = set.crops[base + (v + set.pad + aug.dy) * C + u + set.pad + aug.dx]! / 255;
    }
}

function makeRng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Job = { params: Float32Array; tiles: Float32Array; labels: Float32Array; weights: Float32Array };

export async function trainCnn(train: CnnTrainSet, validation: CnnValidationSet, opts: CnnTrainOptions = {}): Promise<CnnTrainResult> {
  const shape = opts.shape ?? DEFAULT_CNN_SHAPE;
  const epochs = opts.epochs ?? 12,
    batch = opts.batch ?? 64,
    lr = opts.learningRate ?? 0.003,
    patience = opts.patience ?? 3;
  const nWorkers = Math.max(0, opts.workers ?? 2);
  const rnd = makeRng(opts.seed ?? 7);
  const net = initCnn(shape, opts.seed ?? 7);
  const P = cnnLayout(shape).total;
  const n = train.labels.length;
  let nPos = 0;
  for (const y of train.labels) nPos += y;
  if (nPos === 0 || nPos === n) throw new Error('CNN training needs both defect and clean tiles');
  const wPos = (n - nPos) / nPos;
  const px = shape.size * shape.size;
  const workers = Array.from({ length: nWorkers }, () => new Worker(new URL('./cnn-worker.ts', import.meta.url), { workerData: { shape } }));
  const localWork = cnnWork(shape);
  const run = (w: Worker | null, job: Job): Promise<{ grad: Float64Array; loss: number }> => {
    if (!w) {
      const grad = new Float64Array(P);
      const loss = batchGradient({ shape, params: job.params }, job.tiles, job.labels, job.weights, grad, localWork, cnnForward, cnnBackward);
      return Promise.resolve({ grad, loss });
    }
    return new Promise((resolve, reject) => {
      const onMessage = (m: { grad: Float64Array; loss: number }): void => {
        w.off('error', reject);
        resolve(m);
      };
      w.once('message', onMessage);
      w.once('error', reject);
      w.postMessage(job);
    });
  };
  const m = new Float64Array(P),
    v = new Float64Array(P);
  let t = 0;
  let best: Float32Array = net.params.slice(),
    bestAuc = -1,
    bestEpoch = 0,
    since = 0,
    epochsRun = 0;
  const history: CnnTrainResult['history'] = [];
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const started = performance.now();
      const order = Int32Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      let epochLoss = 0;
      for (let b0 = 0; b0 < n; b0 += batch) {
        const ids = order.subarray(b0, Math.min(n, b0 + batch));
        const parts = Math.max(1, Math.min(nWorkers || 1, ids.length));
        const jobs: Job[] = [];
        let wsum = 0;
        for (let k = 0; k < parts; k++) {
          const sub = ids.subarray(Math.floor((k * ids.length) / parts), Math.floor(((k + 1) * ids.length) / parts));
          const tiles = new Float32Array(sub.length * px),
            labels = new Float32Array(sub.length),
            weights = new Float32Array(sub.length);
          sub.forEach((i, r) => {
            const aug = {
              flipX: rnd() < 0.5,
              flipY: rnd() < 0.5,
              transpose: rnd() < 0.5,
              dx: Math.floor(rnd() * (2 * train.pad + 1)) - train.pad,
              dy: Math.floor(rnd() * (2 * train.pad + 1)) - train.pad,
            };
            augmentInto(train, shape.size, i, aug, tiles, r * px);
            labels[r] = train.labels[i]!;
            weights[r] = train.labels[i] ? wPos : 1;
            wsum += weights[r]!;
          });
          jobs.push({ params: net.params, tiles, labels, weights });
        }
        const results = await Promise.all(jobs.map((j, k) => run(workers[k] ?? null, j)));
        const g = results[0]!.grad;
        for (let k = 1; k < results.length; k++) for (let i = 0; i < P; i++) g[i]! += results[k]!.grad[i]!;
        for (const r of results) epochLoss += r.loss;
        t++;
        const c1 = 1 - 0.9 ** t,
          c2 = 1 - 0.999 ** t;
        for (let i = 0; i < P; i++) {
          const gi = g[i]! / wsum;
          m[i] = 0.9 * m[i]! + 0.1 * gi;
          v[i] = 0.999 * v[i]! + 0.001 * gi * gi;
          net.params[i] = net.params[i]! - (lr * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + 1e-8);
        }
      }
      epochsRun = epoch;
      const auc = rocAuc(validation.labels, cnnScores(net, validation.tiles, validation.labels.length));
      const loss = epochLoss / n;
      history.push({ epoch, loss, validationAuroc: auc });
      opts.onEpoch?.({ epoch, loss, validationAuroc: auc, seconds: (performance.now() - started) / 1000 });
      if (auc > bestAuc) {
        bestAuc = auc;
        best = net.params.slice();
        bestEpoch = epoch;
        since = 0;
      } else if (++since >= patience) break;
    }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return { net: { shape, params: best }, bestEpoch, epochsRun, validationAuroc: bestAuc, history };
}
