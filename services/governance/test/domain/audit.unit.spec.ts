import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PAGE_SIZE,
  ReplayOrderError,
  initialReplayState,
  matchesPrefixes,
  nextPosition,
  nextRevision,
  pageSize,
  replayBatch,
  type EventRef,
  type ReplayQuery,
} from '../../src/domain/audit.ts';

const T = Date.parse('2025-03-01T08:00:00Z');
const ev = (position: number, stream: string, minutes: number, revision = 0): EventRef => ({
  stream,
  revision,
  position,
  metadata: { recordedAt: new Date(T + minutes * 60_000).toISOString() },
});
const query = (over: Partial<ReplayQuery> = {}): ReplayQuery => ({ toTimeMs: T + 10 * 60_000, streamPrefixes: [], afterPosition: 0, ...over });

describe('page size', () => {
  it('uses the default for 0 and keeps any other size', () => {
    expect(pageSize(0)).toBe(DEFAULT_PAGE_SIZE);
    expect(pageSize(7)).toBe(7);
  });
});

describe('stream cursors', () => {
  describe('when a forwards page is full', () => {
    it('continues after the last revision', () => expect(nextRevision([ev(1, 'a', 0, 0), ev(2, 'a', 0, 1)], 'forwards', 2)).toBe(2));
  });
  describe('when a backwards page is full', () => {
    it('continues below the last revision, and ends at revision 0', () => {
      expect(nextRevision([ev(9, 'a', 0, 5), ev(8, 'a', 0, 4)], 'backwards', 2)).toBe(3);
      expect(nextRevision([ev(2, 'a', 0, 1), ev(1, 'a', 0, 0)], 'backwards', 2)).toBeNull();
    });
  });
  describe('when a page is short', () => {
    it('has no next cursor', () => {
      expect(nextRevision([ev(1, 'a', 0)], 'forwards', 2)).toBeNull();
      expect(nextPosition([ev(1, 'a', 0)], 2, 1)).toBeNull();
    });
  });
  describe('when a full global page ends at the head', () => {
    it('has no next position', () => {
      expect(nextPosition([ev(1, 'a', 0), ev(2, 'a', 0)], 2, 2)).toBeNull();
      expect(nextPosition([ev(1, 'a', 0), ev(2, 'a', 0)], 2, 5)).toBe(3);
    });
  });
});

describe('replay to a point in time', () => {
  describe('given events before and after the cut-off', () => {
    it('emits the events up to the cut-off and stops', () => {
      const { emit, state } = replayBatch(initialReplayState(query()), [ev(1, 'usecase-1', 0), ev(2, 'model-x', 10), ev(3, 'usecase-1', 11)], 500, query());
      expect(emit.map((e) => e.position)).toEqual([1, 2]);
      expect(state).toEqual({ lastPosition: 2, done: true });
    });
  });

  describe('when the clock stepped back after the cut-off', () => {
    it('still stops at the first later event: the replay is a state the store was really in', () => {
      const { emit } = replayBatch(initialReplayState(query()), [ev(1, 'a', 0), ev(2, 'a', 11), ev(3, 'a', 5)], 500, query());
      expect(emit.map((e) => e.position)).toEqual([1]);
    });
  });

  describe('given stream prefixes', () => {
    it('emits only matching streams but advances past the others', () => {
      const q = query({ streamPrefixes: ['usecase-'] });
      const { emit, state } = replayBatch(initialReplayState(q), [ev(1, 'usecase-1', 0), ev(2, 'model-x', 1)], 2, q);
      expect(emit.map((e) => e.stream)).toEqual(['usecase-1']);
      expect(state).toEqual({ lastPosition: 2, done: false });
    });
    it('matches everything with no prefixes', () => expect(matchesPrefixes('anything', [])).toBe(true));
  });

  describe('when resuming after a position', () => {
    it('expects the batch to continue from there', () => {
      const q = query({ afterPosition: 4 });
      expect(replayBatch(initialReplayState(q), [ev(5, 'a', 0)], 500, q).emit).toHaveLength(1);
    });
  });

  describe('when the store returns a gap or out-of-order positions', () => {
    it('refuses with an integrity error naming the position', () => {
      expect(() => replayBatch(initialReplayState(query()), [ev(1, 'a', 0), ev(3, 'a', 0)], 500, query())).toThrow(ReplayOrderError);
    });
  });

  describe('when a batch is short', () => {
    it('ends the replay at the head', () => {
      expect(replayBatch(initialReplayState(query()), [ev(1, 'a', 0)], 500, query()).state.done).toBe(true);
    });
  });
});
