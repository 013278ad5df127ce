// Shelving a prompt (ISA-18.2): an operator takes an open or acknowledged production prompt off the
// active list for a chosen time (bounded: 10 s to 12 h) or until the next shift change, with a
// reason. It comes back by itself when `until` passes (wall clock, derived from the time given —
// no event then) or earlier on Unshelve. A prompt already closed or expired cannot be shelved;
// a shelved one cannot be shelved again. Pure: times arrive as data.
import { InferenceError } from './errors.ts';
import { isClosed, statusAt, type LifecycleEvent, type RecommendationDecision, type RecommendationState } from './recommendation.ts';

export const SHELVE_MIN_SECONDS = 10;
export const SHELVE_MAX_SECONDS = 12 * 3600;

export interface ShelfState {
  readonly shelvedAtMs: number;
  readonly untilMs: number;
  readonly reason: string;
  readonly endOfShift: boolean;
  /** Who shelved it (the event's actor), when known. */
  readonly by: string | null;
}

/** The shelf after one event of the prompt's stream (`actor`: who recorded it). */
export function evolveShelf(s: ShelfState | null, e: LifecycleEvent, actor: string | null = null): ShelfState | null {
  if (e.type === 'RecommendationShelved') {
    const d = e.data as { shelvedAt: string; until: string; reason: string; endOfShift: boolean };
    return { shelvedAtMs: Date.parse(d.shelvedAt), untilMs: Date.parse(d.until), reason: d.reason, endOfShift: d.endOfShift, by: actor };
  }
  if (e.type === 'RecommendationUnshelved') return null;
  return s;
}

/** Shelved at `nowMs`: shelved and its time not yet run out. */
export const isShelvedAt = (s: ShelfState | null | undefined, nowMs: number): s is ShelfState => s !== null && s !== undefined && nowMs < s.untilMs;

export type ShelveCommand =
  | { readonly kind: 'shelve'; readonly atMs: number; readonly reason: string; readonly durationSeconds: number; readonly endOfShift: false }
  /** Until the next shift change (`untilMs`, exact). */
  | { readonly kind: 'shelve'; readonly atMs: number; readonly reason: string; readonly untilMs: number; readonly endOfShift: true }
  | { readonly kind: 'unshelve'; readonly atMs: number };

const iso = (ms: number) => new Date(ms).toISOString();
const clock = (ms: number) => iso(ms).slice(11, 16);

export function decideShelving(
  cmd: ShelveCommand,
  rec: RecommendationState | null,
  shelf: ShelfState | null,
  recommendationId: string,
): RecommendationDecision {
  if (rec === null) throw new InferenceError('NOT_FOUND', `recommendation ${recommendationId} does not exist`, 'recommendation_id');
  if (rec.mode !== 'production')
    throw new InferenceError(
      'FAILED_PRECONDITION',
      `recommendation ${recommendationId} was never shown (${rec.mode}); it cannot be shelved`,
      'recommendation_id',
      {
        state: rec.mode,
      },
    );
  const status = statusAt(rec, cmd.atMs);
  const what = cmd.kind === 'shelve' ? 'shelved' : 'unshelved';
  if (isClosed(status))
    throw new InferenceError('FAILED_PRECONDITION', `recommendation ${recommendationId} is ${status}; it cannot be ${what}`, 'recommendation_id', {
      state: status,
    });
  const shelved = isShelvedAt(shelf, cmd.atMs);
  if (cmd.kind === 'unshelve') {
    if (!shelved)
      throw new InferenceError('FAILED_PRECONDITION', `recommendation ${recommendationId} is not shelved; it is ${status}`, 'recommendation_id', {
        state: status,
      });
    return { type: 'RecommendationUnshelved', data: { recommendationId, unshelvedAt: iso(cmd.atMs), context: rec.context } };
  }
  if (shelved)
    throw new InferenceError(
      'FAILED_PRECONDITION',
      `recommendation ${recommendationId} is already shelved until ${clock(shelf.untilMs)} UTC`,
      'recommendation_id',
      {
        state: 'shelved',
      },
    );
  const reason = cmd.reason.trim();
  if (reason === '') throw new InferenceError('INVALID_ARGUMENT', 'say why the prompt is shelved', 'reason');
  if (reason.length > 500) throw new InferenceError('INVALID_ARGUMENT', 'must be at most 500 characters', 'reason');
  const untilMs = cmd.endOfShift ? cmd.untilMs : cmd.atMs + cmd.durationSeconds * 1000;
  const seconds = cmd.endOfShift ? Math.ceil((cmd.untilMs - cmd.atMs) / 1000) : cmd.durationSeconds;
  if (!Number.isInteger(seconds) || untilMs - cmd.atMs < SHELVE_MIN_SECONDS * 1000 || seconds > SHELVE_MAX_SECONDS)
    throw new InferenceError(
      'INVALID_ARGUMENT',
      `must be a whole number of seconds from ${SHELVE_MIN_SECONDS} to ${SHELVE_MAX_SECONDS} (12 h)`,
      cmd.endOfShift ? 'endOfShift' : 'durationSeconds',
    );
  return {
    type: 'RecommendationShelved',
    data: {
      recommendationId,
      shelvedAt: iso(cmd.atMs),
      until: iso(untilMs),
      durationSeconds: seconds,
      endOfShift: cmd.endOfShift,
      reason,
      context: rec.context,
    },
  };
}

/**
 * The next shift change strictly after `nowMs`: `changes` are minutes after local midnight in
 * `timeZone` (e.g. 06:00, 14:00, 22:00 → 360, 840, 1320). Local time is read with Intl, so a
 * daylight-saving day is handled (the change is placed at the offset of the day it falls on).
 */
export function nextShiftChange(nowMs: number, changes: readonly number[], timeZone: string): number {
  if (changes.length === 0) throw new InferenceError('FAILED_PRECONDITION', 'no shift changes are configured', 'endOfShift');
  const offsetAt = (ms: number): number => {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    }).formatToParts(new Date(ms));
    const n = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
    return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second')) - Math.floor(ms / 1000) * 1000;
  };
  const localNow = nowMs + offsetAt(nowMs);
  const midnight = Math.floor(localNow / 86_400_000) * 86_400_000;
  let best = Number.POSITIVE_INFINITY;
  for (const day of [0, 1]) {
    for (const m of changes) {
      const local = midnight + day * 86_400_000 + m * 60_000;
      const utc = local - offsetAt(local - offsetAt(nowMs));
      if (utc > nowMs && utc < best) best = utc;
    }
  }
  return best;
}

/** "06:00,14:00,22:00" → minutes after midnight; throws naming the bad entry. */
export function parseShiftChanges(text: string): number[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(s);
      if (!m) throw new Error(`shift change "${s}" is not a time of day like 06:00`);
      return Number(m[1]) * 60 + Number(m[2]);
    });
}
