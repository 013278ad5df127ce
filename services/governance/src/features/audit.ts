// The audit use cases over the whole store (governance is the auditor: ADR 0003): read a page of a
// stream, a page of the global order, verify the hash chain, and replay everything recorded up to a
// point in time. Read-only: the kernel's reader (no append). Paging and replay rules are pure, in
// domain/audit.ts; the edge (adapters/grpc/audit.ts) validates requests and maps events to proto.
import type { StoreReader } from '@industrial/kernel';
import { initialReplayState, nextPosition, nextRevision, replayBatch, REPLAY_BATCH, type Direction, type ReplayQuery } from '../domain/audit.ts';

/** A recorded event as the store returns it (with its hash chain fields). */
export type AuditEvent = Awaited<ReturnType<StoreReader['readAll']>>[number];
export type IntegrityReport = Awaited<ReturnType<StoreReader['verify']>>;

export type AuditFeatures = ReturnType<typeof createAuditFeatures>;

export function createAuditFeatures(store: StoreReader) {
  return {
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
      let state = initialReplayState(query);
      const head = await store.headPosition();
      // Resuming beyond the head has nothing to replay (and readAll would refuse the position).
      if (state.lastPosition >= head) return;
      while (!state.done) {
        signal.throwIfAborted();
        const batch = await store.readAll({ fromPosition: state.lastPosition + 1, maxCount: REPLAY_BATCH });
        const next = replayBatch(state, batch, REPLAY_BATCH, query);
        state = next.state;
        yield* next.emit;
      }
    },
  };
}
