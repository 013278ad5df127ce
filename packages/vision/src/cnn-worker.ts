// Worker thread of CNN training: gradients of its share of a batch. Loaded by cnn-train.ts;
// imports only cnn.ts (erasable TypeScript, so plain Node runs it too).
import { parentPort, workerData } from 'node:worker_threads';
import { cnnBackward, cnnForward, cnnLayout, cnnWork, type CnnShape } from './cnn.ts';
import { batchGradient } from './cnn-grad.ts';

const shape = (workerData as { shape: CnnShape }).shape;
const work = cnnWork(shape);
const total = cnnLayout(shape).total;
parentPort!.on('message', (m: { params: Float32Array; tiles: Float32Array; labels: Float32Array; weights: Float32Array }) => {
  const grad = new Float64Array(total);
  const loss = batchGradient({ shape, params: m.params }, m.tiles, m.labels, m.weights, grad, work, cnnForward, cnnBackward);
  parentPort!.postMessage({ grad, loss }, [grad.buffer]);
});
