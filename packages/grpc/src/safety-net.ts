// The process-level safety net of a gRPC server: an error nobody handled (a stream's 'error' event
// without a listener, a throw in a timer, an unhandled rejection) that arises inside a call — every
// handler runs inside `callScope` — fails that call with INTERNAL and is logged; the process keeps
// serving. An error outside any call is left to the process: when no other listener decides, it is
// rethrown, so the process ends as it would without the net (fail fast on faults of its own).
import { AsyncLocalStorage } from 'node:async_hooks';

/** What the safety net knows about the call an error arose in. */
export interface CallScope {
  readonly method: string;
  readonly correlationId: string;
  /** Fails the call (INTERNAL unless it already answered) and logs the cause. */
  fault(error: unknown): void;
}

/** The call each handler runs in (AsyncLocalStorage: timers, promises and emitters it starts inherit it). */
export const callScope = new AsyncLocalStorage<CallScope>();

let holders = 0;

function onUncaught(error: unknown): void {
  const scope = callScope.getStore();
  if (scope !== undefined) return scope.fault(error);
  if (process.listenerCount('uncaughtException') > 1) return; // another listener decides
  throw error;
}

function onUnhandled(reason: unknown): void {
  const scope = callScope.getStore();
  if (scope !== undefined) return scope.fault(reason);
  if (process.listenerCount('unhandledRejection') > 1) return;
  throw reason; // becomes an uncaught exception (outside a call: the process ends)
}

/** Installs the net (once per process, however many servers); the returned function releases this holder's share. */
export function installSafetyNet(): () => void {
  if (holders++ === 0) {
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUnhandled);
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holders === 0) {
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onUnhandled);
    }
  };
}
