// Writing inference events: envelope metadata (actor, role, correlation, trace), UUID v7 ids and
// the contract's schema version. The store validates the payload against contracts/.
import { randomBytes } from 'node:crypto';
import { latestVersion, streamFor, type EventType } from '@industrial/contracts';
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

/** UUID v7: 48-bit ms timestamp, version, random. */
export function uuidv7(nowMs: number = Date.now()): string {
  const b = randomBytes(16);
  b.writeUIntBE(nowMs, 0, 6);
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Deterministic UUID (v8 layout) from a name: the same refusal appended twice stays one event. */
export async function nameUuid(name: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  const h = Buffer.from(createHash('sha256').update(name).digest().subarray(0, 16));
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

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
