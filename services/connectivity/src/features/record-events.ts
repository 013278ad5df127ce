// Recording connectivity's decisions: every event goes through the command kernel into the
// source's own stream (`source-<id>`, a stream family only connectivity writes). A call's cause
// (actor, role, correlation id, traceparent) comes from the API adapter; work the service does on
// its own (a link lost, a buffer overflow, a Sparkplug rebirth) is caused by `svc:connectivity`.
import { Service, streamFor } from '@industrial/contracts';
import { uuidv7 } from '@industrial/contracts/ids';
import { serviceCause, type Cause, type Kernel } from '@industrial/kernel';
import type { ConnectivityEvent } from '../domain/events.ts';

/** Appends events of one source; nothing is written when any is refused (typed kernel errors). */
export type RecordEvents = (sourceId: string, events: readonly ConnectivityEvent[], cause?: Cause) => Promise<void>;

/** Events per append: the store takes at most 10 000 (a Sparkplug birth or an auto-map can define more tags). */
const CHUNK = 5_000;

/**
 * `traceparent`: the trace of the work in progress (a span of the caller's tracing), for causes
 * the service makes itself.
 */
export function eventRecorder(kernel: Kernel, traceparent: () => string | null = () => null): RecordEvents {
  return async (sourceId, events, cause) => {
    if (events.length === 0) return;
    const c = cause ?? serviceCause(Service.Connectivity, uuidv7(), { traceparent: traceparent() });
    const stream = streamFor(events[0]!.type, sourceId);
    for (let i = 0; i < events.length; i += CHUNK) await kernel.append(stream, events.slice(i, i + CHUNK), c);
  };
}
