// The event-store contract: the same semantics on every adapter. Run by postgres.int.spec.ts and
// sqlite.int.spec.ts. Tamper tests edit the database directly, as an attacker with DB access would.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chainHash, headerOf, ledgerKeyFromPem, publicOnly, sealOf } from '../src/ledger.ts';
import {
  IdempotencyConflictError,
  InvalidArgumentError,
  PositionNotFoundError,
  StoreClosedError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
  type EventStore,
  type RecordedEvent,
} from '../src/index.ts';
import { ev, waitFor, type Harness, type HarnessFactory } from './harness.ts';

export function runEventStoreContract(factory: HarnessFactory): void {
  let h: Harness;
  let store: EventStore;
  beforeEach(async () => {
    h = await factory();
    store = await h.open();
  });
  afterEach(async () => {
    await h.cleanup();
  });

  describe('append and read', () => {
    it('appends events with gapless positions, revisions and full metadata', async () => {
      const r1 = await store.append('pump-4', [ev('BearingInspected', { ok: true }), ev('BearingInspected', { ok: false })], { expectedRevision: 'no-stream' });
      expect(r1).toEqual({ stream: 'pump-4', nextExpectedRevision: 1, position: 2, written: 2 });
      const r2 = await store.append('pump-5', [ev()]);
      expect(r2.position).toBe(3);
      const read = await store.readStream('pump-4');
      expect(read.map((e) => [e.revision, e.position, e.type])).toEqual([
        [0, 1, 'BearingInspected'],
        [1, 2, 'BearingInspected'],
      ]);
      expect(read[1]?.data).toEqual({ ok: false });
      const m = read[0]?.metadata;
      expect(m).toMatchObject({ actor: 'alice', role: 'engineer', correlationId: 'corr-1', causationId: null, schemaVersion: 1 });
      expect(m?.traceparent).toMatch(/^00-/);
      expect(Date.parse(m?.recordedAt ?? '')).not.toBeNaN();
      expect(read[1]?.prevHash).toBe(read[0]?.hash);
    });

    it('reads a stream backwards and from a revision', async () => {
      await store.append('line-2', [ev(), ev(), ev(), ev()]);
      expect((await store.readStream('line-2', { direction: 'backwards' })).map((e) => e.revision)).toEqual([3, 2, 1, 0]);
      expect((await store.readStream('line-2', { direction: 'backwards', fromRevision: 2, maxCount: 2 })).map((e) => e.revision)).toEqual([2, 1]);
      expect((await store.readStream('line-2', { fromRevision: 1, maxCount: 2 })).map((e) => e.revision)).toEqual([1, 2]);
    });

    it('reads all events from a global position', async () => {
      for (let i = 0; i < 5; i++) await store.append(`s-${i % 2}`, [ev()]);
      expect((await store.readAll({ fromPosition: 3 })).map((e) => e.position)).toEqual([3, 4, 5]);
      expect((await store.readAll({ fromPosition: 2, maxCount: 2 })).map((e) => e.position)).toEqual([2, 3]);
      expect(await store.readAll({ fromPosition: 6 })).toEqual([]);
      expect(await store.headPosition()).toBe(5);
    });

    it('refuses a stream or position that does not exist', async () => {
      await store.append('a-1', [ev()]);
      await expect(store.readStream('nope-1')).rejects.toBeInstanceOf(StreamNotFoundError);
      const e = await store.readAll({ fromPosition: 9 }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(PositionNotFoundError);
      expect((e as PositionNotFoundError).field).toBe('fromPosition');
    });
  });

  describe('expected revision', () => {
    it('accepts any / no-stream / exact and refuses a mismatch with a typed error, writing nothing', async () => {
      await store.append('usecase-1', [ev()], { expectedRevision: 'no-stream' });
      await store.append('usecase-1', [ev()], { expectedRevision: 0 });
      await store.append('usecase-1', [ev()], { expectedRevision: 'any' });
      const wrong = await store.append('usecase-1', [ev(), ev()], { expectedRevision: 1 }).catch((x: unknown) => x);
      expect(wrong).toBeInstanceOf(WrongExpectedRevisionError);
      expect(wrong).toMatchObject({ code: 'WRONG_EXPECTED_REVISION', field: 'expectedRevision', actual: 2, expected: '1' });
      const noStream = await store.append('usecase-1', [ev()], { expectedRevision: 'no-stream' }).catch((x: unknown) => x);
      expect(noStream).toBeInstanceOf(WrongExpectedRevisionError);
      const missing = await store.append('usecase-2', [ev()], { expectedRevision: 0 }).catch((x: unknown) => x);
      expect((missing as WrongExpectedRevisionError).actual).toBe('no-stream');
      expect(await store.headPosition()).toBe(3);
      await expect(store.readStream('usecase-2')).rejects.toBeInstanceOf(StreamNotFoundError);
    });
  });

  describe('idempotent append', () => {
    it('a retry after a lost acknowledgement succeeds and writes nothing, even when the stream moved on', async () => {
      const batch = [ev(), ev()];
      const first = await store.append('model-pump', batch, { expectedRevision: 'no-stream' });
      await store.append('model-pump', [ev()], { expectedRevision: 1 });
      const retry = await store.append('model-pump', batch, { expectedRevision: 'no-stream' });
      expect(retry).toEqual({ ...first, written: 0 });
      expect((await store.readStream('model-pump')).length).toBe(3);
      expect(await store.headPosition()).toBe(3);
    });

    it('refuses a partial overlap or an id stored in another stream', async () => {
      const a = ev();
      await store.append('x-1', [a]);
      const partial = await store.append('x-1', [a, ev()]).catch((x: unknown) => x);
      expect(partial).toBeInstanceOf(IdempotencyConflictError);
      expect((partial as IdempotencyConflictError).field).toBe('events[0].id');
      const other = await store.append('x-2', [a]).catch((x: unknown) => x);
      expect(other).toBeInstanceOf(IdempotencyConflictError);
      expect(await store.headPosition()).toBe(1);
    });
  });

  describe('bad input', () => {
    const cases: [string, () => Promise<unknown>, string][] = [
      ['illegal stream name', () => store.append('Bad Stream!', [ev()]), 'stream'],
      ['NaN in data', () => store.append('s-1', [ev('X1', { v: Number.NaN })]), 'events[0].data.v'],
      ['BigInt in data', () => store.append('s-1', [ev('X1', { a: [1, 2n] })]), 'events[0].data.a[1]'],
      ['Date instance in data', () => store.append('s-1', [ev(), ev('X1', { at: new Date() })]), 'events[1].data.at'],
      ['not a uuid', () => store.append('s-1', [ev('X1', {}, 'evt-1')]), 'events[0].id'],
      ['lower-case type', () => store.append('s-1', [ev('thing', {})]), 'events[0].type'],
      ['empty append', () => store.append('s-1', []), 'events'],
      ['bad expected revision', () => store.append('s-1', [ev()], { expectedRevision: -1 }), 'expectedRevision'],
      ['missing actor', () => store.append('s-1', [{ ...ev(), metadata: { ...ev().metadata, actor: '' } }]), 'events[0].metadata.actor'],
      ['bad traceparent', () => store.append('s-1', [{ ...ev(), metadata: { ...ev().metadata, traceparent: 'nope' } }]), 'events[0].metadata.traceparent'],
      ['bad readAll position', () => store.readAll({ fromPosition: 0 }), 'fromPosition'],
    ];
    for (const [what, call, field] of cases) {
      it(`refuses ${what}, naming ${field}, and writes nothing`, async () => {
        const e = await call().catch((x: unknown) => x);
        expect(e).toBeInstanceOf(InvalidArgumentError);
        expect((e as InvalidArgumentError).field).toBe(field);
        expect(await store.headPosition()).toBe(0);
      });
    }

    it('refuses a circular payload', async () => {
      const a: Record<string, unknown> = {};
      a.self = a;
      await expect(store.append('s-1', [ev('X1', a)])).rejects.toMatchObject({ field: 'events[0].data.self' });
    });

    it('refuses a payload that fails its schema', async () => {
      const s = await h.open({
        validator: {
          validate: (type, _v, data) =>
            type === 'KpiMeasured' && typeof (data as { value?: unknown }).value !== 'number' ? { path: 'value', reason: 'expected a number' } : null,
        },
      });
      const e = await s.append('usecase-9', [ev('KpiMeasured', { value: 1 }), ev('KpiMeasured', { value: 'high' })]).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(InvalidArgumentError);
      expect((e as InvalidArgumentError).message).toBe('events[1].data.value: expected a number');
      expect(await s.headPosition()).toBe(0);
    });

    it('refuses calls on a closed store', async () => {
      await store.close();
      await expect(store.append('s-1', [ev()])).rejects.toBeInstanceOf(StoreClosedError);
    });
  });

  describe('catch-up subscription', () => {
    it('delivers from a checkpoint, turns live, and misses or repeats nothing', async () => {
      for (let i = 0; i < 30; i++) await store.append(`s-${i % 3}`, [ev()]);
      const sub = store.subscribeToAll({ checkpoint: 10, batchSize: 7 });
      const seen: number[] = [];
      const done = (async () => {
        for await (const e of sub) {
          seen.push(e.position);
          if (seen.length === 40) break;
        }
      })();
      const writers = [0, 1, 2, 3].map(async (w) => {
        for (let i = 0; i < 5; i++) await store.append(`w-${w}`, [ev(), ev()]);
      });
      await Promise.all(writers);
      await done;
      await sub.stop();
      expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => i + 11));
    });
  });

  describe('concurrent writers', () => {
    it('exactly one writer wins each revision; a subscriber sees every committed event once, in order', async () => {
      const writers = await Promise.all(Array.from({ length: 6 }, () => h.open()));
      const sub = store.subscribeToAll({ checkpoint: 0 });
      const seen: RecordedEvent[] = [];
      let stopAt = Number.POSITIVE_INFINITY;
      const reading = (async () => {
        for await (const e of sub) {
          seen.push(e);
          if (seen.length >= stopAt) break;
        }
      })();
      const rounds = 15;
      let won = 0;
      let lost = 0;
      for (let r = 0; r < rounds; r++) {
        const results = await Promise.allSettled(
          writers.map((w) => w.append('race-1', [ev('Raced', { r })], { expectedRevision: r === 0 ? 'no-stream' : r - 1 })),
        );
        const ok = results.filter((x) => x.status === 'fulfilled').length;
        expect(ok).toBe(1);
        for (const x of results) if (x.status === 'rejected') expect(x.reason).toBeInstanceOf(WrongExpectedRevisionError);
        won += ok;
        lost += results.length - ok;
      }
      // Meanwhile, free-running writers on other streams.
      await Promise.all(
        writers.map(async (w, i) => {
          for (let k = 0; k < 10; k++) await w.append(`free-${i}`, [ev()]);
        }),
      );
      stopAt = await store.headPosition();
      await waitFor(() => seen.length >= stopAt, 'subscriber to catch up');
      await sub.stop(); // ends the iteration even when it already saw everything and waits for more
      await reading;
      expect(won).toBe(rounds);
      expect(lost).toBe(rounds * 5);
      expect(seen.map((e) => e.position)).toEqual(Array.from({ length: stopAt }, (_, i) => i + 1));
      expect(new Set(seen.map((e) => e.id)).size).toBe(stopAt);
      expect((await store.readStream('race-1')).map((e) => (e.data as { r: number }).r)).toEqual(Array.from({ length: rounds }, (_, i) => i));
    });

    it('a transaction still open holds back later writers: no late commit below a position a reader has passed', async () => {
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
      const fast = await h.open();
      const sub = store.subscribeToAll({ checkpoint: 0 });
      const seen: string[] = [];
      const reading = (async () => {
        for await (const e of sub) {
          seen.push(e.stream);
          if (seen.length === 2) break;
        }
      })();
      const a = slow.append('slow-1', [ev()]);
      await waitFor(() => entered, 'slow writer inside its transaction');
      let bDone = false;
      const b = fast.append('fast-1', [ev()]).then((r) => {
        bDone = true;
        return r;
      });
      await new Promise((r) => setTimeout(r, 300));
      // The fast writer cannot commit ahead of the open transaction, and the reader sees neither yet.
      expect(bDone).toBe(false);
      expect(seen).toEqual([]);
      release();
      const [ra, rb] = await Promise.all([a, b]);
      await reading;
      await sub.stop();
      expect(ra.position).toBe(1);
      expect(rb.position).toBe(2);
      expect(seen).toEqual(['slow-1', 'fast-1']);
    });
  });

  describe('tamper evidence', () => {
    async function seed(n = 10): Promise<RecordedEvent[]> {
      for (let i = 0; i < n; i++) await store.append(`asset-pump-${i % 3}`, [ev('Measured', { i, value: i * 1.5 })]);
      await store.anchor();
      return store.readAll();
    }

    it('verifies an untouched store and its anchors', async () => {
      await seed();
      const r = await store.verify();
      expect(r).toMatchObject({ ok: true, checked: 10, lastPosition: 10, anchorsChecked: 1, sealsChecked: true, firstBadPosition: null });
    });

    it('finds a changed payload at its position', async () => {
      await seed();
      await h.sql(`UPDATE ${h.table} SET data = $1 WHERE position = 4`, ['{"i":3,"value":99}']);
      expect(await store.verify()).toMatchObject({ ok: false, firstBadPosition: 4, problem: 'hash-mismatch' });
    });

    it('finds a deleted middle event', async () => {
      await seed();
      await h.sql(`DELETE FROM ${h.table} WHERE position = 6`);
      expect(await store.verify()).toMatchObject({ ok: false, firstBadPosition: 6, problem: 'missing-event' });
    });

    it('finds the newest events deleted, from the anchor outside the database', async () => {
      await seed();
      await h.sql(`DELETE FROM ${h.table} WHERE position >= 9`);
      expect(await store.verify()).toMatchObject({ ok: false, firstBadPosition: 9, problem: 'truncated' });
    });

    it('finds two swapped events', async () => {
      await seed();
      await h.sql(`UPDATE ${h.table} SET position = -1 WHERE position = 3`);
      await h.sql(`UPDATE ${h.table} SET position = 3 WHERE position = 4`);
      await h.sql(`UPDATE ${h.table} SET position = 4 WHERE position = -1`);
      const r = await store.verify();
      expect(r).toMatchObject({ ok: false, firstBadPosition: 3 });
      expect(['broken-link', 'hash-mismatch']).toContain(r.problem);
    });

    it('finds a payload rewritten with recomputed hashes — by seal with the ledger key, by anchor with the public key only', async () => {
      const events = await seed();
      // The attacker rewrites position 5 and recomputes the whole chain after it (sha256 needs no key).
      const rows = await h.sql(`SELECT position, id, stream, revision, type, data, metadata FROM ${h.table} ORDER BY position`);
      let prev = events[3]?.hash as string;
      for (const row of rows.filter((r) => Number(r.position) >= 5)) {
        const data = Number(row.position) === 5 ? '{"i":4,"value":0}' : String(row.data);
        const hash = chainHash(
          prev,
          headerOf({
            id: String(row.id),
            metadata: String(row.metadata),
            position: Number(row.position),
            revision: Number(row.revision),
            stream: String(row.stream),
            type: String(row.type),
          }),
          data,
        );
        await h.sql(`UPDATE ${h.table} SET data = $1, prev_hash = $2, hash = $3, seal = $4 WHERE position = $5`, [
          data,
          prev,
          hash,
          sealOf(Buffer.alloc(32, 7), hash),
          Number(row.position),
        ]);
        prev = hash;
      }
      expect(await store.verify()).toMatchObject({ ok: false, firstBadPosition: 5, problem: 'seal-mismatch' });
      const auditor = await h.open({ ledgerKey: publicOnly(ledgerKeyFromPem(h.keyPem)) });
      expect(await auditor.verify()).toMatchObject({ ok: false, firstBadPosition: 10, problem: 'anchor-mismatch', sealsChecked: false });
    });

    it('finds a forged anchor', async () => {
      await seed();
      const [a] = await h.sink.list();
      h.sink.anchors.push({ ...(a as NonNullable<typeof a>), position: 11 });
      expect(await store.verify()).toMatchObject({ ok: false, problem: 'anchor-signature', firstBadPosition: 11 });
    });
  });
}
