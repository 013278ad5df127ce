// Weighted binary cross-entropy gradient of a batch (shared by the main thread and workers).
import type { Cnn, CnnWork } from './cnn.ts';

export function batchGradient(
  net: Cnn,
  tiles: Float32Array,
  labels: Float32Array,
  weights: Float32Array,
  grad: Float64Array,
  work: CnnWork,
  forward: (net: Cnn, tile: Float32Array, work: CnnWork) => number,
  backward: (net: Cnn, tile: Float32Array, dz: number, grad: Float64Array, work: CnnWork) => void,
): number {
  const px = net.shape.size * net.shape.size;
  let loss = 0;
  for (let i = 0; i < labels.length; i++) {
    const tile = tiles.subarray(i * px, (i + 1) * px);
    const z = forward(net, tile, work);
    const y = labels[i]!,
      w = weights[i]!;
    // log(1 + e^z) − y·z, stable
    loss += w * (Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z))));
    const pr = 1 / (1 + Math.exp(-z));
    backward(net, tile, w * (pr - y), grad, work);
  }
  return loss;
}
