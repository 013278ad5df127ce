// LEGACY, used only by src/cli.ts (the break-glass CLI, owned by the governance/model-stream work):
// the service itself appends through @industrial/kernel. Delete this file once the CLI promotes
// through governance's API instead of writing the model stream itself (issue 13).
import { latestVersion, streamFor, type EventType } from '@industrial/contracts';
import { uuidv7 } from '@industrial/contracts/ids';
import type { AppendResult, EventStore, ExpectedRevision, RecordedEvent } from '@industrial/eventstore';

export interface Actor {
  readonly actor: string;
  readonly role: string;
  readonly correlationId: string;
  readonly causationId?: string | null;
  readonly traceparent?: string | null;
}

export const SERVICE_ACTOR = (correlationId: string, traceparent: string | null = null, causationId: string | null = null): Actor => ({
  actor: 'svc:inference',
  role: 'service',
  correlationId,
  causationId,
  traceparent,
});

export { uuidFromKey, uuidv7 } from '@industrial/contracts/ids';

export async function appendEvent(
  store: EventStore,
  type: EventType,
  streamId: string,
  data: Record<string, unknown>,
  actor: Actor,
  options: { id?: string; expectedRevision?: ExpectedRevision } = {},
): Promise<AppendResult> {
  return store.append(
    streamFor(type, streamId),
    [
      {
        id: options.id ?? uuidv7(),
        type,
        data,
        metadata: {
          actor: actor.actor,
          role: actor.role,
          correlationId: actor.correlationId,
          causationId: actor.causationId ?? null,
          traceparent: actor.traceparent ?? null,
          schemaVersion: latestVersion(type),
        },
      },
    ],
    options.expectedRevision === undefined ? {} : { expectedRevision: options.expectedRevision },
  );
}

/** A stream's events, or none when it does not exist yet. */
export async function readStreamOrEmpty(store: EventStore, stream: string): Promise<RecordedEvent[]> {
  return store.readStream(stream).catch((e: unknown) => {
    if ((e as { code?: string }).code === 'STREAM_NOT_FOUND') return [];
    throw e;
  });
}
