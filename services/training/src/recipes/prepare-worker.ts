// Worker thread of prepareDemoModelsInWorker: builds (or reuses) the demo use cases' bundles and
// posts each progress report, then the prepared models (or the error).
import { parentPort, workerData } from 'node:worker_threads';
import { prepareDemoModels, type PrepareInput } from './demo-models.ts';

prepareDemoModels(workerData as PrepareInput, (progress) => parentPort!.postMessage({ progress })).then(
  (done) => parentPort!.postMessage({ done }),
  (e: unknown) => parentPort!.postMessage({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
);
