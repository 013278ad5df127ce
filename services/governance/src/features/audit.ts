// The audit use cases over the whole store (governance is the auditor: ADR 0003): read a page of a
// stream, a page of the global order, verify the hash chain, and replay everything recorded up to a
// point in time. Read-only: the kernel's reader (no append). Paging and replay rules are pure, in
// domain/audit.ts; the edge (adapters/grpc/audit.ts) validates requests and maps events to proto.
// Replays are bounded: at most `maxConcurrentReplays` run at once (beyond: ReplayLimitError,
// RESOURCE_EXHAUSTED, before anything is read), and each holds one page of `replayBatch` events
// in memory at a time — the next page is read only when the caller has taken the last event.
import type { StoreReader } from '@industrial/kernel';
import { initialReplayState, nextPosition, nextRevision, replayBatch, REPLAY_BATCH, type Direction, type ReplayQuery } from '../domain/audit.ts';

/** A recorded event as the store returns it (with its hash chain fields). */
export type AuditEvent = Awaited<ReturnType<StoreReader['readAll']>>[number];
export type IntegrityReport = Awaited<ReturnType<StoreReader['verify']>>;

export type AuditFeatures = ReturnType<typeof createAuditFeatures>;

export interface ReplayLimits {
  /** Replays streaming at once; one more is refused with ReplayLimitError. */
  maxConcurrentReplays: number;
  /** Events read from the store per page (the memory one replay holds). */
  replayBatch: number;
}

export const DEFAULT_REPLAY_LIMITS: ReplayLimits = { maxConcurrentReplays: 4, replayBatch: REPLAY_BATCH };

/** Too many replays at once: try again when one has finished (gRPC RESOURCE_EXHAUSTED). */
export class ReplayLimitError extends Error {
  readonly code = 'RESOURCE_EXHAUSTED' as const;
  constructor(limit: number) {
    super(`${limit} replays are already running (the limit); try again when one has finished`);
    this.name = 'ReplayLimitError';
  }
}

export function createAuditFeatures(store: StoreReader, limits: ReplayLimits = DEFAULT_REPLAY_LIMITS) {
  if (!Number.isInteger(limits.maxConcurrentReplays) || limits.maxConcurrentReplays < 1) throw new RangeError('maxConcurrentReplays must be an integer ≥ 1');
  if (!Number.isInteger(limits.replayBatch) || limits.replayBatch < 1) throw new RangeError('replayBatch must be an integer ≥ 1');
  let running = 0;
  return {
    /** Replays streaming now. */
    get runningReplays(): number {
      return running;
    },

    /** A page of one stream, forwards or backwards from a revision; `nextRevision` null at its end. */
    async readStream(q: {
      stream: string;
      direction: Direction;
      maxCount: number;
      fromRevision?: number;
    }): Promise<{ events: AuditEvent[]; nextRevision: number | null }> {
      const events = await store.readStream(q.stream, {
        direction: q.direction,
        maxCount: q.maxCount,
        ...(q.fromRevision === undefined ? {} : { fromRevision: q.fromRevision }),
      });
      return { events, nextRevision: nextRevision(events, q.direction, q.maxCount) };
    },

    /** A page of the global order from a position, with the head position. */
    async readAll(q: { fromPosition: number; maxCount: number }): Promise<{ events: AuditEvent[]; nextPosition: number | null; headPosition: number }> {
      const head = await store.headPosition();
      const events = await store.readAll({ fromPosition: q.fromPosition, maxCount: q.maxCount });
      const headPosition = Math.max(head, events.at(-1)?.position ?? 0);
      return { events, nextPosition: nextPosition(events, q.maxCount, headPosition), headPosition };
    },

    /** Hash chain, seals and anchors between two positions (0 = from the start / to the end). */
    verify(q: { fromPosition: number; toPosition: number }): Promise<IntegrityReport> {
      return store.verify({ ...(q.fromPosition === 0 ? {} : { fromPosition: q.fromPosition }), ...(q.toPosition === 0 ? {} : { toPosition: q.toPosition }) });
    },

    /** Every event recorded at or before the cut-off (a prefix of the global order), optionally by stream prefix. */
    async *replay(query: ReplayQuery, signal: AbortSignal): AsyncGenerator<AuditEvent> {
      if (running >= limits.maxConcurrentReplays) throw new ReplayLimitError(limits.maxConcurrentReplays);
      running += 1;
      try {
        let state = initialReplayState(query);
        const head = await store.headPosition();
        // Resuming beyond the head has nothing to replay (and readAll would refuse the position).
        if (state.lastPosition >= head) return;
        while (!state.done) {
          signal.throwIfAborted();
          const batch = await store.readAll({ fromPosition: state.lastPosition + 1, maxCount: limits.replayBatch });
          const next = replayBatch(state, batch, limits.replayBatch, query);
          state = next.state;
          yield* next.emit;
        }
      } finally {
        running -= 1;
      }
    },
  };
}
