// The `usecase-<id>` stream through the kernel: the aggregate (the charter's event types folded by
// the domain's evolve), loading a use case, and running a domain command on it (read → fold →
// decide → append with the expected revision, retried by the kernel when the stream moves).
import { parseRecorded, type Aggregate, type Cause, type Kernel } from '@industrial/kernel';
import {
  CHARTER_EVENT_TYPES,
  decide,
  evolve,
  initialState,
  streamOf,
  type CharterCommand,
  type CharterEvent,
  type CharterEventType,
  type UseCaseState,
} from '../domain/usecase.ts';
import { refusalError } from './errors.ts';

export const useCaseAggregate: Aggregate<UseCaseState, CharterEventType> = {
  types: CHARTER_EVENT_TYPES,
  initial: initialState,
  evolve: (state, event) => evolve(state, event),
};

const isCharterType = (type: string): type is CharterEventType => (CHARTER_EVENT_TYPES as readonly string[]).includes(type);

/** Recorded events of a use-case stream → its state (validated and upcast; events of other types are ignored). */
export function useCaseFromEvents(events: readonly Parameters<typeof parseRecorded>[0][]): UseCaseState {
  let state = initialState();
  for (const e of events) {
    if (!isCharterType(e.type)) continue;
    state = evolve(state, parseRecorded(e) as CharterEvent & { metadata: { actor: string } });
  }
  return state;
}

export interface LoadedUseCase {
  readonly state: UseCaseState;
  /** Last revision of the stream; null when the use case does not exist. */
  readonly revision: number | null;
}

export const loadUseCase = (kernel: Kernel, useCaseId: string): Promise<LoadedUseCase> => kernel.load(streamOf(useCaseId), useCaseAggregate);

export interface RunOptions {
  /** The revision the caller last saw; -1: the use case must not exist yet. Stale: ConcurrencyConflictError, nothing written. */
  readonly expectedRevision?: number | undefined;
  /** Where the domain's field paths sit in the use case's input (e.g. ['objectives']). */
  readonly fieldPrefix?: readonly (string | number)[];
}

export interface Ran {
  readonly events: readonly CharterEvent[];
  /** Revision of the stream after the append. */
  readonly revision: number;
  readonly state: UseCaseState;
}

/** Decides `command` on the use case and appends what it produced; a refusal is a CharterError, nothing written. */
export async function runCommand(kernel: Kernel, useCaseId: string, command: CharterCommand, cause: Cause, options: RunOptions = {}): Promise<Ran> {
  const { expectedRevision } = options;
  const out = await kernel.execute(
    streamOf(useCaseId),
    useCaseAggregate,
    (state) => {
      const decision = decide(command, state);
      if (!decision.ok) throw refusalError(decision.refusal, options.fieldPrefix ?? []);
      return decision.events;
    },
    cause,
    expectedRevision === undefined ? {} : { expectedRevision: expectedRevision === -1 ? 'no-stream' : expectedRevision },
  );
  return { events: out.events as readonly CharterEvent[], revision: out.revision ?? -1, state: out.state };
}
