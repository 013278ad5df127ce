// ReplayTo is bounded: at most `maxConcurrentReplays` replays stream at once (one more is refused
// with RESOURCE_EXHAUSTED before anything is read), a finished, failed or abandoned replay frees
// its slot, and each replay asks the store for one page of `replayBatch` events at a time, reading
// the next page only when the caller has taken the last event (bounded memory). Counted, not timed.
import type { StoreReader } from '@industrial/kernel';
import { describe, expect, it } from 'vitest';
import { createAuditFeatures, ReplayLimitError } from '../src/features/audit.ts';

const HEAD = 10;
const event = (position: number) => ({
  id: `e${position}`,
  type: 'ObjectiveSet',
  stream: 'usecase-1',
  revision: position - 1,
  position,
  data: {},
  metadata: { actor: 'a', role: 'r', correlationId: 'c', causationId: null, traceparent: null, schemaVersion: 1, recordedAt: '2025-03-01T08:00:00.000Z' },
  prevHash: '',
  hash: '',
});

/** A store of HEAD events whose reads wait on `gate` (so replays stay running), recording each page asked for. */
function gatedStore() {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const pages: { fromPosition: number; maxCount: number }[] = [];
  const store = {
    headPosition: async () => HEAD,
    readAll: async (q: { fromPosition: number; maxCount: number }) => {
      pages.push(q);
      await gate;
      const out = [];
      for (let p = q.fromPosition; p <= Math.min(HEAD, q.fromPosition + q.maxCount - 1); p++) out.push(event(p));
      return out;
    },
  } as unknown as StoreReader;
  return { store, pages, open };
}

const query = { toTimeMs: Date.parse('2030-01-01T00:00:00Z'), streamPrefixes: [], afterPosition: 0 };

async function drain(it: AsyncGenerator<unknown>): Promise<number> {
  let n = 0;
  for await (const _ of it) n++;
  return n;
}

describe('replay limits', () => {
  it('runs at most N replays at once and refuses one more with RESOURCE_EXHAUSTED', async () => {
    const { store, open } = gatedStore();
    const audit = createAuditFeatures(store, { maxConcurrentReplays: 3, replayBatch: 4 });
    const signal = new AbortController().signal;
    const running = Array.from({ length: 3 }, () => audit.replay(query, signal));
    const firsts = running.map((r) => r.next());
    await Promise.resolve();
    expect(audit.runningReplays).toBe(3);

    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => audit.replay(query, signal).next()));
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected', 'rejected']);
    const error = (outcomes[0] as PromiseRejectedResult).reason as ReplayLimitError;
    expect(error).toBeInstanceOf(ReplayLimitError);
    expect(error.code).toBe('RESOURCE_EXHAUSTED');

    open();
    await Promise.all(firsts);
    const counts = await Promise.all(running.map((r) => drain(r)));
    expect(counts).toEqual([HEAD - 1, HEAD - 1, HEAD - 1]); // the first event came with `firsts`
    expect(audit.runningReplays).toBe(0);
    // The slots are free again.
    expect(await drain(audit.replay(query, signal))).toBe(HEAD);
  });

  it('frees the slot of a replay the caller abandons or that fails', async () => {
    const { store, open } = gatedStore();
    open();
    const audit = createAuditFeatures(store, { maxConcurrentReplays: 1, replayBatch: 4 });
    const abandoned = audit.replay(query, new AbortController().signal);
    await abandoned.next();
    expect(audit.runningReplays).toBe(1);
    await abandoned.return(undefined);
    expect(audit.runningReplays).toBe(0);

    const cancelled = new AbortController();
    const failing = audit.replay(query, cancelled.signal);
    for (let i = 0; i < 4; i++) await failing.next();
    cancelled.abort();
    await expect(failing.next()).rejects.toThrow();
    expect(audit.runningReplays).toBe(0);
  });

  it('reads one page at a time, the next only when the last event was taken', async () => {
    const { store, pages, open } = gatedStore();
    open();
    const audit = createAuditFeatures(store, { maxConcurrentReplays: 1, replayBatch: 4 });
    const replay = audit.replay(query, new AbortController().signal);
    for (let i = 0; i < 4; i++) await replay.next();
    expect(pages).toEqual([{ fromPosition: 1, maxCount: 4 }]);
    await replay.next();
    expect(pages).toHaveLength(2);
    expect(await drain(replay)).toBe(HEAD - 5);
    expect(pages.every((p) => p.maxCount === 4)).toBe(true);
  });

  it('refuses limits below 1', () => {
    const { store } = gatedStore();
    expect(() => createAuditFeatures(store, { maxConcurrentReplays: 0, replayBatch: 4 })).toThrow(/maxConcurrentReplays/);
    expect(() => createAuditFeatures(store, { maxConcurrentReplays: 1, replayBatch: 0 })).toThrow(/replayBatch/);
  });
});
