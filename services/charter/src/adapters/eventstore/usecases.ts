// The use-case aggregate on the event store: read `usecase-<id>`, parse each event with its
// contract (any schema version, upcast), fold, decide, append with the expected revision.
// `useCaseFromEvents` is also how training and inference read a charter from recorded events.
import { latestVersion, parseEvent } from '@industrial/contracts';
import { EventStoreErrorCode, type EventStore, type RecordedEvent } from '@industrial/eventstore';
import { CHARTER_EVENT_TYPES, decide, evolve, initialState, streamOf, type CharterCommand, type CharterEvent, type CharterEventType, type UseCaseState } from '../../domain/usecase.ts';
import { CharterError, refusalError } from '../../errors.ts';

const isCharterType = (type: string): type is CharterEventType => (CHARTER_EVENT_TYPES as readonly string[]).includes(type);

/** Recorded events of a use-case stream → its state (events of other types are ignored). */
export function useCaseFromEvents(events: readonly Pick<RecordedEvent, 'type' | 'data' | 'metadata'>[]): UseCaseState {
  let state = initialState();
  for (const e of events) {
    if (!isCharterType(e.type)) continue;
    state = evolve(state, { type: e.type, data: parseEvent(e.type, e.metadata.schemaVersion, e.data) } as CharterEvent);
  }
  return state;
}

export interface Loaded {
  state: UseCaseState;
  /** Last revision of the stream; null when it does not exist. */
  revision: number | null;
}

export interface Actor {
  actor: string;
  role: string;
  correlationId: string;
  traceparent: string | null;
}

export interface UseCaseRepository {
  load(useCaseId: string): Promise<Loaded>;
  /** Loads, decides and appends; throws CharterError on a refusal (fields under `fieldPrefix`). */
  execute(
    useCaseId: string,
    command: CharterCommand,
    options: { actor: Actor; expectedRevision?: number | undefined; fieldPrefix?: readonly (string | number)[] },
  ): Promise<{ events: CharterEvent[]; revision: number; state: UseCaseState }>;
}

export function useCaseRepository(store: EventStore, newId: () => string): UseCaseRepository {
  async function load(useCaseId: string): Promise<Loaded> {
    try {
      const events = await store.readStream(streamOf(useCaseId));
      return { state: useCaseFromEvents(events), revision: events.at(-1)?.revision ?? null };
    } catch (error) {
      if (error instanceof Error && (error as { code?: unknown }).code === EventStoreErrorCode.StreamNotFound) return { state: initialState(), revision: null };
      throw error;
    }
  }
  return {
    load,
    async execute(useCaseId, command, options) {
      const loaded = await load(useCaseId);
      if (options.expectedRevision !== undefined && options.expectedRevision !== (loaded.revision ?? -1)) {
        throw new CharterError('ABORTED', 'expected_revision', `use case ${useCaseId} is at revision ${loaded.revision ?? 'none'}, not ${options.expectedRevision}: re-read and retry`);
      }
      const decision = decide(command, loaded.state);
      if (!decision.ok) throw refusalError(decision.refusal, options.fieldPrefix ?? []);
      const { actor } = options;
      const result = await store.append(
        streamOf(useCaseId),
        decision.events.map((e) => ({
          id: newId(),
          type: e.type,
          data: e.data,
          metadata: { actor: actor.actor, role: actor.role, correlationId: actor.correlationId, causationId: null, traceparent: actor.traceparent, schemaVersion: latestVersion(e.type) },
        })),
        { expectedRevision: loaded.revision ?? 'no-stream' },
      );
      return { events: decision.events, revision: result.nextExpectedRevision, state: decision.events.reduce(evolve, loaded.state) };
    },
  };
}
