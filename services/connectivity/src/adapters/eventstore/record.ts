// Appends connectivity's decisions to the event store (`source-<id>` streams) with the platform
// metadata. The trace context of the current span, if any, is recorded as traceparent.
import { latestVersion } from '@industrial/contracts';
import type { EventStore } from '@industrial/eventstore';
import { currentTraceparent } from '@industrial/telemetry/api';
import { sourceStream, type ConnectivityEvent } from '../../domain/events.ts';
import { uuidv7 } from '../ids.ts';

export interface Cause {
  actor: string;
  role: string;
  correlationId: string;
  causationId: string | null;
}

export const SERVICE_ACTOR: Cause = { actor: 'svc:connectivity', role: 'service', correlationId: '', causationId: null };

export type Recorder = (sourceId: string, events: readonly ConnectivityEvent[], cause?: Cause) => Promise<void>;

export function createRecorder(store: EventStore): Recorder {
  return async (sourceId, events, cause = SERVICE_ACTOR) => {
    if (events.length === 0) return;
    const correlationId = cause.correlationId === '' ? uuidv7() : cause.correlationId;
    const traceparent = currentTraceparent() ?? null;
    await store.append(
      sourceStream(sourceId),
      events.map((e) => ({
        id: uuidv7(),
        type: e.type,
        data: e.data,
        metadata: { actor: cause.actor, role: cause.role, correlationId, causationId: cause.causationId, traceparent, schemaVersion: latestVersion(e.type) },
      })),
    );
  };
}
