// The command kernel's typed errors at inference's edges (gRPC and HTTP): a concurrency conflict
// that outlived the retries is ABORTED (read again and retry); an ownership refusal or an event
// this release cannot read is FAILED_PRECONDITION with the kernel's message, which names the
// stream, the type and the owner. Nothing was written in either case.
import { ConcurrencyConflictError, KernelError } from '@industrial/kernel';
import { InferenceError } from '../domain/errors.ts';

export function kernelErrorAsInference(error: unknown): unknown {
  if (!(error instanceof KernelError)) return error;
  const detail = { stream: error.stream, type: error.type, kernelCode: error.code };
  if (error instanceof ConcurrencyConflictError) return new InferenceError('ABORTED', error.message, undefined, detail, { cause: error });
  return new InferenceError('FAILED_PRECONDITION', error.message, undefined, detail, { cause: error });
}

/** The same commands, each rejecting with kernelErrorAsInference(error) instead of a raw KernelError. */
export function withKernelErrors<T extends object>(commands: T): T {
  return new Proxy(commands, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        try {
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          return result instanceof Promise ? result.catch((e: unknown) => Promise.reject(kernelErrorAsInference(e))) : result;
        } catch (error) {
          throw kernelErrorAsInference(error);
        }
      };
    },
  });
}
