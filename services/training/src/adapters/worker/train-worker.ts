// Worker-thread entry: trains the job in workerData and posts the result (or the error's name,
// code, field and message) back. Keeps the service's event loop free while a model fits.
import { parentPort, workerData } from 'node:worker_threads';
import type { TrainJob } from '../../ports.ts';
import { runTrain } from './train-core.ts';

try {
  const out = runTrain(workerData as TrainJob);
  // Copied, not transferred: the ONNX bytes may sit in a shared pool buffer that cannot be moved.
  parentPort?.postMessage({ ok: true, out });
} catch (e) {
  const err = e as { name?: string; message?: string; code?: string; field?: string; stack?: string };
  parentPort?.postMessage({
    ok: false,
    error: { name: err.name ?? 'Error', message: err.message ?? String(e), code: err.code ?? null, field: err.field ?? null, stack: err.stack ?? null },
  });
}
