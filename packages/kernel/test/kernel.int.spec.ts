// The command kernel on both event-store adapters (real PostgreSQL on loopback and SQLite):
// envelopes, typed reads, ownership refusals that write nothing, and the bounded retry loop.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventExamples, eventValidator, type EventData } from '@industrial/contracts';
import { generateLedgerKeyPem, ledgerKeyFromPem, openPostgresEventStore, openSqliteEventStore, type EventStore } from '@industrial/eventstore';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConcurrencyConflictError,
  OwnershipError,
  UnknownEventTypeError,
  UnknownSchemaVersionError,
  createKernel,
  serviceCause,
  type Aggregate,
  type Cause,
  type Draft,
} from '../src/index.ts';

const PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Opened {
  open(validate?: boolean): Promise<EventStore>;
  cleanup(): Promise<void>;
}

const adapters: Record<'postgres' | 'sqlite', () => Promise<Opened>> = {
  async postgres() {
    const schema = `kernel_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const key = ledgerKeyFromPem(generateLedgerKeyPem().privateKeyPem);
    const stores: EventStore[] = [];
    return {
      async open(validate = true) {
        const s = await openPostgresEventStore({ connectionString: PG_URL, schema, ledgerKey: key, ...(validate ? { validator: eventValidator } : {}) });
        stores.push(s);
        return s;
      },
      async cleanup() {
        for (const s of stores) await s.close().catch(() => undefined);
        const admin = new pg.Client({ connectionString: PG_URL });
        await admin.connect();
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await admin.end();
      },
    };
  },
  async sqlite() {
    const dir = mkdtempSync(join(tmpdir(), 'kernel-'));
    const key = ledgerKeyFromPem(generateLedgerKeyPem().privateKeyPem);
    const stores: EventStore[] = [];
    return {
      async open(validate = true) {
        const s = await openSqliteEventStore({ path: join(dir, 'events.db'), ledgerKey: key, ...(validate ? { validator: eventValidator } : {}) });
        stores.push(s);
        return s;
      },
      async cleanup() {
        for (const s of stores) await s.close().catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

const cause: Cause = { actor: 'user:erin', role: 'engineer', correlationId: randomUUID(), causationId: null, traceparent: null };
const kpi = (value: number): Draft => ({ type: 'KpiMeasured', data: { ...eventExamples.KpiMeasured, value } });

/** Sum of the KPI values measured on a use case stream: a tiny aggregate to exercise the loop. */
const kpiSum: Aggregate<number, 'KpiMeasured'> = {
  types: ['KpiMeasured'],
  initial: () => 0,
  evolve: (sum, e) => sum + e.data.value,
};

for (const [name, make] of Object.entries(adapters)) {
  describe(`command kernel on ${name}`, () => {
    let opened: Opened;
    let store: EventStore;
    beforeAll(async () => {
      opened = await make();
      store = await opened.open();
    });
    afterAll(async () => opened.cleanup());

    it('writes one envelope: schema version from the contract, who/why/trace from the cause; reads it back typed', async () => {
      const charter = createKernel({ service: 'charter', store });
      const stream = `usecase-${randomUUID()}`;
      const r = await charter.append(stream, [kpi(1.5)], cause, { expectedRevision: 'no-stream' });
      expect(r.written).toBe(1);
      const [e] = await charter.read(stream);
      expect(e?.type).toBe('KpiMeasured');
      if (e?.type !== 'KpiMeasured') throw new Error('typed union narrows by type');
      const data: EventData<'KpiMeasured'> = e.data;
      expect(data.value).toBe(1.5);
      expect(e.metadata).toMatchObject({ actor: 'user:erin', role: 'engineer', correlationId: cause.correlationId, schemaVersion: 1 });
    });

    it('reads a missing stream as empty', async () => {
      const k = createKernel({ service: 'charter', store });
      expect(await k.read(`usecase-${randomUUID()}`)).toEqual([]);
      expect(await k.load(`usecase-${randomUUID()}`, kpiSum)).toEqual({ state: 0, revision: null });
    });

    it('refuses an event type another service owns, naming type, stream and owner, and writes nothing', async () => {
      const charter = createKernel({ service: 'charter', store });
      const stream = `label-acme.p1.a.l1.pump-${randomUUID().slice(0, 8)}`;
      const head = await store.headPosition();
      const error = await charter.append(stream, [{ type: 'LabelRecorded', data: eventExamples.LabelRecorded }], cause).catch((x: unknown) => x);
      expect(error).toBeInstanceOf(OwnershipError);
      expect(error).toMatchObject({ type: 'LabelRecorded', stream, owner: 'dataops', service: 'charter', code: 'OWNERSHIP' });
      expect((error as Error).message).toMatch(/charter may not append LabelRecorded to stream "label-.*": LabelRecorded is owned by dataops/);
      expect(await store.headPosition()).toBe(head);
      expect(await charter.read(stream)).toEqual([]);
    });

    it('refuses an owned type in a stream of the wrong family (a batch is refused whole)', async () => {
      const charter = createKernel({ service: 'charter', store });
      const head = await store.headPosition();
      const stream = `model-${randomUUID()}`;
      const error = await charter.append(stream, [kpi(1), kpi(2)], cause).catch((x: unknown) => x);
      expect(error).toBeInstanceOf(OwnershipError);
      expect((error as Error).message).toMatch(/KpiMeasured belongs in "usecase-<id>" streams, not in "model-/);
      expect(await store.headPosition()).toBe(head);
    });

    it('refuses the model stream to training: governance is its one writer', async () => {
      const training = createKernel({ service: 'training', store });
      const error = await training
        .append(`model-${randomUUID()}`, [{ type: 'ModelVersionRegistered', data: eventExamples.ModelVersionRegistered }], cause)
        .catch((x: unknown) => x);
      expect(error).toMatchObject({ name: 'OwnershipError', owner: 'governance' });
    });

    it('lets any service record the access guard’s own events (AccessDenied) as prepared envelopes', async () => {
      const inference = createKernel({ service: 'inference', store });
      const stream = `access-${randomUUID()}`;
      const event = inference.envelope({ type: 'AccessDenied', data: eventExamples.AccessDenied }, serviceCause('inference', randomUUID()));
      await inference.appendPrepared(stream, [event]);
      expect((await inference.read(stream)).map((e) => e.type)).toEqual(['AccessDenied']);
    });

    it('refuses an unknown event type and an unknown schema version, writing nothing', async () => {
      const charter = createKernel({ service: 'charter', store });
      const stream = `usecase-${randomUUID()}`;
      const unknownType = await charter.append(stream, [{ type: 'KpiGuessed', data: {} } as unknown as Draft], cause).catch((x: unknown) => x);
      expect(unknownType).toBeInstanceOf(UnknownEventTypeError);
      expect(unknownType).toMatchObject({ type: 'KpiGuessed', stream });
      const future = { ...charter.envelope(kpi(1), cause), metadata: { ...charter.envelope(kpi(1), cause).metadata, schemaVersion: 9 } };
      const unknownVersion = await charter.appendPrepared(stream, [future]).catch((x: unknown) => x);
      expect(unknownVersion).toBeInstanceOf(UnknownSchemaVersionError);
      expect((unknownVersion as Error).message).toMatch(/KpiMeasured has schemaVersion 9, but this release knows versions 1–1/);
      expect(await charter.read(stream)).toEqual([]);
    });

    it('reads an event a newer release wrote (unknown schema version) as a typed error, not a cast', async () => {
      const raw = await opened.open(false);
      const charter = createKernel({ service: 'charter', store });
      const stream = `usecase-${randomUUID()}`;
      const e = charter.envelope(kpi(3), cause);
      await raw.append(stream, [{ ...e, metadata: { ...e.metadata, schemaVersion: 7 } }]);
      await expect(charter.read(stream)).rejects.toBeInstanceOf(UnknownSchemaVersionError);
    });

    it('executes read → fold → decide → append and retries when another writer moves the stream', async () => {
      const a = createKernel({ service: 'charter', store });
      const b = createKernel({ service: 'charter', store: await opened.open() });
      const stream = `usecase-${randomUUID()}`;
      const writers = Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? a : b).execute(stream, kpiSum, (sum) => [kpi(sum + 1)], cause, { maxAttempts: 20 }));
      const results = await Promise.all(writers);
      expect(results.map((r) => r.revision).sort()).toEqual([0, 1, 2, 3, 4, 5]);
      // Each writer saw the sum of everything before it: values 1, 2, 4, 8, 16, 32 (sum doubles + 1 each time).
      const values = (await a.read(stream)).map((e) => (e.type === 'KpiMeasured' ? e.data.value : NaN));
      expect(values).toEqual([1, 2, 4, 8, 16, 32]);
    });

    it('gives up after the bounded number of attempts with a typed conflict, having written nothing of its own', async () => {
      const other = createKernel({ service: 'charter', store: await opened.open() });
      // A store on which another writer always gets in between our read and our append.
      const racing: EventStore = Object.assign(Object.create(store) as EventStore, {
        append: async (...args: Parameters<EventStore['append']>) => {
          await other.append(args[0], [kpi(1)], cause);
          return store.append(...args);
        },
      });
      const mine = createKernel({ service: 'charter', store: racing });
      const stream = `usecase-${randomUUID()}`;
      let decided = 0;
      const conflict = await mine.execute(stream, kpiSum, () => (decided++, [kpi(1000)]), cause, { maxAttempts: 3 }).catch((x: unknown) => x);
      expect(conflict).toBeInstanceOf(ConcurrencyConflictError);
      expect(conflict).toMatchObject({ stream, type: 'KpiMeasured', attempts: 3, code: 'CONCURRENCY_CONFLICT' });
      expect((conflict as Error).message).toMatch(/KpiMeasured not appended, the stream changed under every one of 3 attempts/);
      expect(decided).toBe(3);
      const values = (await other.read(stream)).map((e) => (e.type === 'KpiMeasured' ? e.data.value : NaN));
      expect(values).toEqual([1, 1, 1]);
    });

    it('does not retry when the caller named the revision it saw', async () => {
      const k = createKernel({ service: 'charter', store });
      const stream = `usecase-${randomUUID()}`;
      await k.append(stream, [kpi(1)], cause);
      const error = await k.execute(stream, kpiSum, () => [kpi(2)], cause, { expectedRevision: 'no-stream' }).catch((x: unknown) => x);
      expect(error).toBeInstanceOf(ConcurrencyConflictError);
      expect(error).toMatchObject({ attempts: 1, expected: 'no-stream', stream });
      expect(await k.read(stream)).toHaveLength(1);
    });
  });
}
