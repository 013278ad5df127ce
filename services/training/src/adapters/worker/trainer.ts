// Trainer adapters: a worker thread per job (default; the event loop keeps serving gRPC and
// progress while a model fits, and cancelling terminates the thread), or inline (same thread,
// for tools and tests that prefer it).
import { Worker } from 'node:worker_threads';
import { MlErrorCode, MlValidationError } from '@industrial/ml';
import { RunCancelledError } from '../../domain/errors.ts';
import type { Trainer, TrainJob, TrainOutput } from '../../ports.ts';
import { runTrain } from './train-core.ts';

type WorkerReply =
  { ok: true; out: TrainOutput } | { ok: false; error: { name: string; message: string; code: string | null; field: string | null; stack: string | null } };

const ML_CODES = new Set<string>(Object.values(MlErrorCode));

function revive(e: Extract<WorkerReply, { ok: false }>['error']): Error {
  if (e.code !== null && ML_CODES.has(e.code) && e.name !== 'NotExportableError' && e.name !== 'MlError') {
    const err = new MlValidationError(e.code as MlErrorCode, e.field ?? '', e.message);
    err.name = e.name;
    return err;
  }
  const err = new Error(e.message);
  err.name = e.name;
  if (e.stack !== null) err.stack = e.stack;
  return err;
}

export function createWorkerTrainer(): Trainer {
  // Beside this module in the sources; beside the bundle in the build (scripts/build.mjs: train-worker.js).
  const url = new URL(import.meta.url.endsWith('.ts') ? './train-worker.ts' : './train-worker.js', import.meta.url);
  return {
    train(job: TrainJob, signal?: AbortSignal): Promise<TrainOutput> {
      return new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(new RunCancelledError());
        const worker = new Worker(url, { workerData: job });
        let settled = false;
        const finish = (fn: () => void) => {
          if (settled) return;
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          fn();
        };
        const onAbort = () => {
          finish(() => reject(new RunCancelledError()));
          void worker.terminate();
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        worker.once('message', (m: WorkerReply) => {
          finish(() => (m.ok ? resolve(m.out) : reject(revive(m.error))));
          void worker.terminate();
        });
        worker.once('error', (e) => finish(() => reject(e)));
        worker.once('exit', (code) => finish(() => reject(new Error(`training worker exited with code ${code} before answering`))));
      });
    },
  };
}

export function createInlineTrainer(): Trainer {
  return {
    async train(job: TrainJob, signal?: AbortSignal): Promise<TrainOutput> {
      if (signal?.aborted) throw new RunCancelledError();
      return runTrain(job);
    },
  };
}
