// onnxruntime-node adapter: one InferenceSession per model version, created from the verified
// ONNX bytes, warmed up before it serves, scoring one row or a batch (input `input` float
// [N × inputs], classifier output `probabilities` [N, 2] → P(failure) = column 1; an anomaly
// detector's `score` and a regressor's `prediction` (e.g. hours of running left) [N] as they are).
import * as ort from 'onnxruntime-node';
import type { Scorer } from '../../features/ports.ts';

/** The Scorer port (features/ports.ts) on an onnxruntime session. */
export type OnnxScorer = Scorer;

export async function createOnnxScorer(bytes: Uint8Array, inputs: number, options: { threads?: number } = {}): Promise<OnnxScorer> {
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: options.threads ?? 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  if (!session.inputNames.includes('input')) throw new Error(`ONNX model has no input named "input" (has ${session.inputNames.join(', ')})`);
  const output = (['probabilities', 'score', 'prediction'] as const).find((o) => session.outputNames.includes(o)) ?? null;
  if (output === null) throw new Error(`ONNX model has neither "probabilities", "score" nor "prediction" output (has ${session.outputNames.join(', ')})`);
  const fetches = [output];
  return {
    inputs,
    async score(rows, n) {
      const feeds = { input: new ort.Tensor('float32', rows, [n, inputs]) };
      const out = await session.run(feeds, fetches);
      const t = out[output]!;
      const data = t.data as Float32Array;
      if (output !== 'probabilities') return data;
      // [n, 2] → column 1
      const p = new Float32Array(n);
      for (let i = 0; i < n; i++) p[i] = data[i * 2 + 1]!;
      return p;
    },
    async release() {
      await session.release();
    },
  };
}
