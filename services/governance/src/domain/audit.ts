// Audit rules, pure: page sizes and cursors for reading the store, and how a replay to a point
// in time selects and orders events. No I/O, no clock: the replay's cut-off time and the events
// arrive as data, so the same inputs always give the same replay.

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;
/** Events read from the store per round trip while replaying. */
export const REPLAY_BATCH = 500;

export type Direction = 'forwards' | 'backwards';

/** The fields of a recorded event the rules look at. */
export interface EventRef {
  stream: string;
  revision: number;
  position: number;
  metadata: { recordedAt: string };
}

/** 0 (proto default) means "the default page size". */
export function pageSize(maxCount: number): number {
  return maxCount === 0 ? DEFAULT_PAGE_SIZE : maxCount;
}

/** Revision to continue a stream read from, or null when the page ended the stream. */
export function nextRevision(page: readonly EventRef[], direction: Direction, requested: number): number | null {
  const last = page.at(-1);
  if (last === undefined || page.length < requested) return null;
  if (direction === 'forwards') return last.revision + 1;
  return last.revision > 0 ? last.revision - 1 : null;
}

/** Position to continue a global read from, or null when the page reached the head. */
export function nextPosition(page: readonly EventRef[], requested: number, headPosition: number): number | null {
  const last = page.at(-1);
  if (last === undefined || page.length < requested || last.position >= headPosition) return null;
  return last.position + 1;
}

export interface ReplayQuery {
  /** Cut-off in ms since the epoch: events recorded at or before it are replayed. */
  toTimeMs: number;
  /** Only streams starting with one of these; empty = all. */
  streamPrefixes: readonly string[];
  /** Resume after this global position (0 = from the beginning). */
  afterPosition: number;
}

export interface ReplayState {
  /** Last global position looked at (emitted or filtered out). */
  lastPosition: number;
  done: boolean;
}

/** The store broke its ordering promise (gapless, strictly increasing positions) during a replay. */
export class ReplayOrderError extends Error {
  readonly code = 'INTEGRITY' as const;
  readonly position: number;
  constructor(expected: number, got: number) {
    super(`replay expected position ${expected} but the store returned ${got}: the global order has a gap or is out of order`);
    this.name = 'ReplayOrderError';
    this.position = got;
  }
}

export function initialReplayState(query: ReplayQuery): ReplayState {
  return { lastPosition: query.afterPosition, done: false };
}

export function matchesPrefixes(stream: string, prefixes: readonly string[]): boolean {
  return prefixes.length === 0 || prefixes.some((p) => stream.startsWith(p));
}

/**
 * One batch of a replay. The replay is a prefix of the global order: it ends at the first event
 * recorded after the cut-off, even if a later event carries an earlier time (a clock step back),
 * so what it returns is exactly a state the store was once in, never a mix of two histories.
 * Positions must continue gaplessly from the state; anything else is an integrity problem.
 */
export function replayBatch<E extends EventRef>(
  state: ReplayState,
  batch: readonly E[],
  requested: number,
  query: ReplayQuery,
): { emit: E[]; state: ReplayState } {
  if (state.done) return { emit: [], state };
  const emit: E[] = [];
  let last = state.lastPosition;
  for (const event of batch) {
    if (event.position !== last + 1) throw new ReplayOrderError(last + 1, event.position);
    if (Date.parse(event.metadata.recordedAt) > query.toTimeMs) return { emit, state: { lastPosition: last, done: true } };
    last = event.position;
    if (matchesPrefixes(event.stream, query.streamPrefixes)) emit.push(event);
  }
  // A short batch means the store has nothing more (yet): the replay ends at the head.
  return { emit, state: { lastPosition: last, done: batch.length < requested } };
}
