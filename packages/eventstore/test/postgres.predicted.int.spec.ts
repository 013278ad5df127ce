// PostgreSQL's one-statement write path: a store plans on the state it predicts (the head it last
// wrote, stream revisions it saw or its appends expect, no stored ids) and append_predicted commits
// only if that is the state under the lock. These tests make the prediction wrong in every way it
// can be wrong and check that the outcome is the locked path's, with nothing written by the guess.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IdempotencyConflictError, WrongExpectedRevisionError, type openPostgresEventStore, type WritePathStats } from '../src/index.ts';
import { ev, PG_URL, postgresHarness, waitFor, type Harness } from './harness.ts';

type PgStore = Awaited<ReturnType<typeof openPostgresEventStore>>;

describe('PostgreSQL predicted write path', () => {
  let h: Harness;
  let a: PgStore;
  let b: PgStore;
  const paths = (s: PgStore): WritePathStats => ({ ...s.writePaths });
  beforeEach(async () => {
    h = await postgresHarness();
    a = (await h.open()) as PgStore;
    b = (await h.open()) as PgStore; // a second writer process stand-in
    await a.append('warm-a', [ev()]); // first write of a store: locked path, learns the head
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it("commits a warm store's appends in one statement, with the same positions, revisions and chain", async () => {
    expect(paths(a)).toEqual({ predicted: 0, locked: 1, mispredicted: 0 });
    const r1 = await a.append('pump-1', [ev(), ev()], { expectedRevision: 'no-stream' });
    const r2 = await a.append('pump-1', [ev()], { expectedRevision: 1 });
    const r3 = await a.append('pump-2', [ev()]);
    expect([r1, r2, r3].map((r) => [r.position, r.nextExpectedRevision, r.written])).toEqual([
      [3, 1, 2],
      [4, 2, 1],
      [5, 0, 1],
    ]);
    expect(paths(a)).toEqual({ predicted: 3, locked: 1, mispredicted: 0 });
    expect((await a.readAll()).map((e) => e.position)).toEqual([1, 2, 3, 4, 5]);
    expect((await a.verify()).ok).toBe(true);
  });

  it('falls back to the locked path when another writer moved the head, writing nothing by the guess', async () => {
    await b.append('other-1', [ev()]);
    const r = await a.append('pump-1', [ev()]);
    expect(r.position).toBe(3);
    expect(paths(a)).toEqual({ predicted: 0, locked: 2, mispredicted: 1 });
    expect(await a.headPosition()).toBe(3);
    expect((await a.verify()).ok).toBe(true);
  });

  /** A fresh store that has written once (locked path) and so predicts its next write. */
  async function warm(): Promise<PgStore> {
    const c = (await h.open()) as PgStore;
    await c.append(`warm-${randomUUID().slice(0, 8)}`, [ev()]);
    return c;
  }

  it("refuses an expected revision above the stream's (no gap) and below it, as the locked path does", async () => {
    for (let i = 0; i < 3; i++) await b.append('shared-1', [ev()]);
    for (const expectedRevision of [5, 1]) {
      const c = await warm();
      const refused = await c.append('shared-1', [ev()], { expectedRevision }).catch((x: unknown) => x);
      expect(refused).toBeInstanceOf(WrongExpectedRevisionError);
      expect(paths(c)).toEqual({ predicted: 0, locked: 2, mispredicted: 1 });
    }
    const c = await warm();
    const ok = await c.append('shared-1', [ev()], { expectedRevision: 2 });
    expect(ok.nextExpectedRevision).toBe(3);
    expect(paths(c)).toEqual({ predicted: 1, locked: 1, mispredicted: 0 });
    expect((await a.readStream('shared-1')).map((e) => e.revision)).toEqual([0, 1, 2, 3]);
    expect((await a.verify()).ok).toBe(true);
  });

  it('appends with "any" at the stream\'s real revision when another writer created the stream', async () => {
    await b.append('shared-2', [ev(), ev()]);
    const c = await warm();
    const r = await c.append('shared-2', [ev()]);
    expect(r.nextExpectedRevision).toBe(2);
    expect(paths(c).mispredicted).toBe(1);
    expect((await a.readStream('shared-2')).map((e) => e.revision)).toEqual([0, 1, 2]);
  });

  it('recognises a retry whose predicted outcome was a refusal, and refuses a partial overlap', async () => {
    const batch = [ev(), ev()];
    const first = await a.append('model-1', batch, { expectedRevision: 'no-stream' });
    await a.append('model-1', [ev()], { expectedRevision: 1 });
    const retry = await a.append('model-1', batch, { expectedRevision: 'no-stream' });
    expect(retry).toEqual({ ...first, written: 0 });
    const partial = await a.append('model-1', [batch[0] ?? ev(), ev()]).catch((x: unknown) => x);
    expect(partial).toBeInstanceOf(IdempotencyConflictError);
    // an id stored by another writer, in another stream, appended as if new
    const theirs = ev();
    await b.append('other-2', [theirs]);
    const conflict = await a.append('model-2', [theirs]).catch((x: unknown) => x);
    expect(conflict).toBeInstanceOf(IdempotencyConflictError);
    expect(await a.headPosition()).toBe(5);
    expect((await a.verify()).ok).toBe(true);
  });

  it('waits for the store-wide lock: a predicted append cannot commit while another transaction holds it', async () => {
    const holder = new pg.Client({ connectionString: PG_URL });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`eventstore:${a.schema}`]);
      const sub = a.subscribeToAll({ checkpoint: 1 });
      const seen: number[] = [];
      const reading = (async () => {
        for await (const e of sub) {
          seen.push(e.position);
          break;
        }
      })();
      let done = false;
      const pending = a.append('pump-9', [ev()]).then((r) => {
        done = true;
        return r;
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(done).toBe(false);
      expect(seen).toEqual([]);
      await holder.query('COMMIT');
      const r = await pending;
      await waitFor(() => seen.length === 1, 'subscriber to see the append');
      await reading;
      await sub.stop();
      expect(r.position).toBe(2);
      expect(seen).toEqual([2]);
      expect(paths(a)).toEqual({ predicted: 1, locked: 1, mispredicted: 0 });
    } finally {
      await holder.end();
    }
  });

  it('a held transaction that commits first sends the waiting predicted append to the next position', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let entered = false;
    const slow = await h.open({
      beforeCommit: async () => {
        entered = true;
        await gate;
      },
    });
    const s = slow.append('slow-1', [ev()]);
    await waitFor(() => entered, 'slow writer inside its transaction');
    let done = false;
    const f = a.append('fast-1', [ev()]).then((r) => {
      done = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(done).toBe(false);
    release();
    const [rs, rf] = await Promise.all([s, f]);
    expect([rs.position, rf.position]).toEqual([2, 3]);
    expect(paths(a).mispredicted).toBe(1);
    expect((await a.readAll()).map((e) => e.stream)).toEqual(['warm-a', 'slow-1', 'fast-1']);
    expect((await a.verify()).ok).toBe(true);
  });
});
