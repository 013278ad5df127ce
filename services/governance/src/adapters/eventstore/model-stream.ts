// The use case's model stream (`model-<useCase>`) for the registry: read and fold it, append one
// decided event with optimistic concurrency (the revision the decision was made on), and decide
// again on what is there now when another writer got in between. Envelope metadata: who (actor
// and the role that grants the permission), correlation id and the call's traceparent.
import { latestVersion, streamFor, type EventType } from '@industrial/contracts';
import type { EventStore, RecordedEvent } from '@industrial/eventstore';
import { emptyRegistry, evolveRegistry, type Decision, type RegistryEvent, type RegistryState } from '../../domain/registry.ts';
import { uuidv7 } from './access-denied.ts';

export interface Actor {
  readonly actor: string;
  readonly role: string;
  readonly correlationId: string;
  readonly traceparent: string | null;
}

/** How often a decision is retried when the stream moved on between read and append. */
export const MAX_ATTEMPTS = 5;

export const modelStream = (useCaseId: string): string => streamFor('ModelPromoted', useCaseId);

const asRegistryEvent = (e: RecordedEvent): RegistryEvent => ({ type: e.type, data: e.data, actor: e.metadata.actor, recordedAt: e.metadata.recordedAt });

/** The stream's events, or none when it does not exist yet. */
export async function readModelStream(store: EventStore, useCaseId: string): Promise<RecordedEvent[]> {
  return store.readStream(modelStream(useCaseId)).catch((e: unknown) => {
    if ((e as { code?: string }).code === 'STREAM_NOT_FOUND') return [];
    throw e;
  });
}

export const foldRegistry = (events: readonly RecordedEvent[]): RegistryState => events.map(asRegistryEvent).reduce(evolveRegistry, emptyRegistry());

/**
 * Reads the stream, decides on its state and appends the decision at exactly that revision. On
 * WRONG_EXPECTED_REVISION (someone else appended meanwhile) it reads and decides again; a decision
 * that now throws (e.g. the request was decided by someone else) is the answer. Returns the state
 * with the appended event folded in, and the decision.
 */
export async function decideAndAppend<D extends Decision>(
  store: EventStore,
  useCaseId: string,
  actor: Actor,
  decide: (state: RegistryState) => D,
): Promise<{ state: RegistryState; decision: D; position: number }> {
  const stream = modelStream(useCaseId);
  for (let attempt = 1; ; attempt++) {
    const recorded = await readModelStream(store, useCaseId);
    const state = foldRegistry(recorded);
    const decision = decide(state);
    try {
      const r = await store.append(
        stream,
        [
          {
            id: uuidv7(),
            type: decision.type,
            data: decision.data,
            metadata: { actor: actor.actor, role: actor.role, correlationId: actor.correlationId, causationId: null, traceparent: actor.traceparent, schemaVersion: latestVersion(decision.type as EventType) },
          },
        ],
        { expectedRevision: recorded.at(-1)?.revision ?? 'no-stream' },
      );
      const [appended] = await store.readStream(stream, { fromRevision: r.nextExpectedRevision, maxCount: 1 });
      return { state: appended === undefined ? state : evolveRegistry(state, asRegistryEvent(appended)), decision, position: r.position };
    } catch (error) {
      if ((error as { code?: string }).code !== 'WRONG_EXPECTED_REVISION' || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}
