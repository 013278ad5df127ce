// Use case "shelve a prompt" (ISA-18.2, issue 17): an operator takes a prompt off the active list
// for a time or until the shift changes, with a reason (RecommendationShelved), or puts it back
// (RecommendationUnshelved) — read → fold → decide → append through the kernel on the prompt's own
// stream. The return when the time runs out is derived from the wall clock (`now`), like a prompt's
// deadline. A prompt someone already closed is refused with its fresh state in the error.
import { streamFor } from '@industrial/contracts';
import { ConcurrencyConflictError, type Aggregate, type Cause, type Draft, type Kernel } from '@industrial/kernel';
import { InferenceError } from '../domain/errors.ts';
import { evolveRecommendation, type RecommendationState } from '../domain/recommendation.ts';
import { decideShelving, evolveShelf, nextShiftChange, type ShelfState, type ShelveCommand } from '../domain/shelving.ts';
import { toDto, type RecommendationDto } from './prompting.ts';
import type { Projection } from './projection.ts';

export type ShelveInput = { reason: string; durationSeconds: number } | { reason: string; endOfShift: true };

export interface Shelving {
  shelve(id: string, input: ShelveInput, cause: Cause): Promise<RecommendationDto>;
  unshelve(id: string, cause: Cause): Promise<RecommendationDto>;
}

export interface ShelvingDeps {
  kernel: Kernel;
  projection: Projection;
  /** Wall clock (ms). */
  now: () => number;
  /** Shift changes (minutes after local midnight) and their time zone, for "until the end of the shift". */
  shifts: { changes: readonly number[]; timeZone: string };
}

const TYPES = [
  'RecommendationRaised',
  'RecommendationAcknowledged',
  'RecommendationAccepted',
  'RecommendationRejected',
  'RecommendationOverridden',
  'OutcomeRecorded',
  'RecommendationShelved',
  'RecommendationUnshelved',
] as const;

interface Shelvable {
  readonly rec: RecommendationState | null;
  readonly shelf: ShelfState | null;
}

export const shelvableAggregate: Aggregate<Shelvable, (typeof TYPES)[number]> = {
  types: TYPES,
  initial: () => ({ rec: null, shelf: null }),
  evolve: (s, e) => ({ rec: evolveRecommendation(s.rec, e), shelf: evolveShelf(s.shelf, e, e.metadata.actor) }),
};

export function createShelving(deps: ShelvingDeps): Shelving {
  const { kernel, projection } = deps;

  async function fresh(id: string): Promise<RecommendationDto | null> {
    await projection.waitFor(await kernel.reader.headPosition());
    const view = projection.get(id);
    return view === undefined ? null : toDto(view, deps.now());
  }

  async function run(id: string, cmd: ShelveCommand, cause: Cause): Promise<RecommendationDto> {
    try {
      await kernel.execute(
        streamFor('RecommendationShelved', id),
        shelvableAggregate,
        (s) => {
          const d = decideShelving(cmd, s.rec, s.shelf, id);
          return [{ type: d.type, data: d.data } as Draft];
        },
        cause,
      );
    } catch (error) {
      if (error instanceof ConcurrencyConflictError)
        throw new InferenceError('ABORTED', `recommendation ${id} changed meanwhile; read it again`, 'recommendation_id', undefined, { cause: error });
      // Refused on its state (someone closed it, it expired, already shelved): say so with the prompt as it is now.
      if (error instanceof InferenceError && error.code === 'FAILED_PRECONDITION') {
        const now = await fresh(id).catch(() => null);
        throw new InferenceError(error.code, error.message, error.field, { ...(error.detail ?? {}), recommendation: now }, { cause: error });
      }
      throw error;
    }
    const view = await fresh(id);
    if (view === null) throw new InferenceError('NOT_FOUND', `recommendation ${id} does not exist`, 'recommendation_id');
    return view;
  }

  return {
    shelve(id, input, cause) {
      const atMs = deps.now();
      const cmd: ShelveCommand =
        'endOfShift' in input
          ? { kind: 'shelve', atMs, reason: input.reason, untilMs: nextShiftChange(atMs, deps.shifts.changes, deps.shifts.timeZone), endOfShift: true }
          : { kind: 'shelve', atMs, reason: input.reason, durationSeconds: input.durationSeconds, endOfShift: false };
      return run(id, cmd, cause);
    },
    unshelve: (id, cause) => run(id, { kind: 'unshelve', atMs: deps.now() }, cause),
  };
}
