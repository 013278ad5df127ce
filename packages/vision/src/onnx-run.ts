// Scoring through onnxruntime-node: the CNN on a board's tiles and the tree model on its
// tile features, each in one session run; intra-op threads configurable (1 = one core).

import * as ort from 'onnxruntime-node';
import { FEATURE_COUNT } from './features.ts';

export type OnnxSession = ort.InferenceSession;

export async function openSession(bytes: Uint8Array, threads = 1): Promise<OnnxSession> {
  return ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
}

/** CNN logits of `count` tiles of size² float. */
export async function runCnnOnnx(session: OnnxSession, tiles: Float32Array, count: number, size: number): Promise<Float32Array> {
  const out = await session.run({ tiles: new ort.Tensor('float32', tiles, [count, 1, size, size]) });
  return out['logit']!.data as Float32Array;
}

/** Tree model defect probabilities of [count × FEATURE_COUNT] features. */
export async function runGbdtOnnx(session: OnnxSession, features: Float32Array): Promise<Float32Array> {
  const count = features.length / FEATURE_COUNT;
  const out = await session.run({ input: new ort.Tensor('float32', features, [count, FEATURE_COUNT]) });
  const probs = out['probabilities']!.data as Float32Array;
  const p = new Float32Array(count);
  for (let i = 0; i < count; i++) p[i] = probs[2 * i + 1]!;
  return p;
}
