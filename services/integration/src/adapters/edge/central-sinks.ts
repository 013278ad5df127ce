// Where the centre puts what an edge site recorded: not a table of its own but the platform's own
// places. Sample records (UNS batches the edge's connectivity published) go to the central UNS
// stream on their asset's subject, so dataops takes them into the historian through its normal
// ingest; consecutive ones of an asset that arrived together are coalesced into one larger UNS batch
// (domain/uns-coalesce.ts: a backlog after the uplink returns becomes a batch per asset-minute, not
// one per second). Exactly once: the runs of a read are planned ONCE — written to an outbox table in
// the same PostgreSQL transaction that moves the asset's cursor (its last taken sequence) — and only
// then published, with a uuid derived from site, asset and first/last edge sequence as batch id and
// message id; a publish that fails stays in the outbox and is sent again (before any newer run, and on
// a timer) with the same id, which JetStream's duplicate window and the historian's batch ids keep
// once. A read handed in again (lost ack, other fetch boundaries) finds its records at or below the
// cursor and plans nothing twice. A prompt, decision or outcome record (an event the edge's inference
// wrote to its local store; or any other event of it, e.g. a tag mapping) is appended to the central
// event store with its own id, stream and metadata — through a kernel of the event's owning service
// (`kernelFor`), so ownership and schema are checked as for any append; an event already there is
// an idempotent retry (written 0). Events are appended in the edge's order per asset, assets in
// parallel, before the cursor moves. A restart resumes after the cursor, the outbox first.
import { createHash } from 'node:crypto';
import type { Bus } from '@industrial/bus';
import { eventContracts, isEventType, parseUnsSampleBatch, type UnsSampleBatch } from '@industrial/contracts';
import type { EventStore, NewEvent } from '@industrial/eventstore';
import { createKernel, type Kernel } from '@industrial/kernel';
import pg from 'pg';
import type { Ingested } from '../../domain/edge-sync.ts';
import { coalesceSamples, DEFAULT_COALESCE, runKey, type CoalesceLimits, type SampleRecord } from '../../domain/uns-coalesce.ts';
import type { EdgeRecordStore } from '../../features/edge-ingest.ts';

/** What an edge prompt, decision or outcome record carries: the edge store's event and its stream. */
export interface EdgeEventData {
  stream: string;
  event: NewEvent;
}

export interface CentralSinkCounts {
  /** UNS batches published (coalesced runs) and those JetStream had already (a replay). */
  samplesPublished: number;
  samplesDuplicate: number;
  /** Edge UNS batches taken into the published ones. */
  sampleRecords: number;
  eventsAppended: number;
  eventsDuplicate: number;
}

const ident = (s: string): string => {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(s)) throw new Error(`bad PostgreSQL schema name "${s}"`);
  return `"${s}"`;
};

/** A uuid (version 8, RFC 9562) from a run's key: the same run is the same batch id and message id. */
export function runBatchId(key: string): string {
  const h = createHash('sha256').update(key).digest();
  h[6] = ((h[6] as number) & 0x0f) | 0x80;
  h[8] = ((h[8] as number) & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

interface OutboxRow {
  site: string;
  asset: string;
  first: number;
  last: number;
  batch: UnsSampleBatch;
}

export async function openCentralSinks(deps: {
  /** The central bus (the UNS stream dataops reads). */
  bus: Bus;
  /** A kernel of the event type's owning service on the central event store. */
  kernelFor: (type: string) => Kernel;
  pgUrl: string;
  /** Schema of the cursor and outbox tables. */
  schema: string;
  coalesce?: CoalesceLimits;
  /** How soon a failed publish is tried again when no new records come, ms. */
  retryMs?: number;
}): Promise<EdgeRecordStore & { counts: CentralSinkCounts; close(): Promise<void>; drop(): Promise<void> }> {
  const pool = new pg.Pool({ connectionString: deps.pgUrl, max: 2 });
  const s = ident(deps.schema);
  const limits = deps.coalesce ?? DEFAULT_COALESCE;
  await pool.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
  await pool.query(`CREATE TABLE IF NOT EXISTS ${s}.edge_cursor (site text NOT NULL, asset text NOT NULL, seq bigint NOT NULL, PRIMARY KEY (site, asset))`);
  await pool.query(
    `CREATE TABLE IF NOT EXISTS ${s}.edge_outbox (site text NOT NULL, asset text NOT NULL, first_seq bigint NOT NULL, last_seq bigint NOT NULL, batch text NOT NULL, PRIMARY KEY (site, asset, first_seq))`,
  );
  const counts: CentralSinkCounts = { samplesPublished: 0, samplesDuplicate: 0, sampleRecords: 0, eventsAppended: 0, eventsDuplicate: 0 };
  const key = (site: string, asset: string) => `${site}/${asset}`;
  const committed = new Map<string, number>();
  const loadCursors = async () => {
    for (const row of (await pool.query<{ site: string; asset: string; seq: string }>(`SELECT site, asset, seq FROM ${s}.edge_cursor`)).rows)
      committed.set(key(row.site, row.asset), Number(row.seq));
  };
  await loadCursors();

  async function appendEvent(r: Ingested): Promise<boolean> {
    const { stream, event } = r.data as EdgeEventData;
    if (typeof stream !== 'string' || typeof event?.id !== 'string') throw new Error(`edge record ${r.id} (${r.kind}) carries no event`);
    const res = await deps.kernelFor(event.type).appendPrepared(stream, [event]);
    if (res.written === 0) counts.eventsDuplicate++;
    else counts.eventsAppended++;
    return res.written > 0;
  }

  /** Publishes outbox rows (same id on every try) and removes the ones that went; true when all went. */
  async function publish(rows: readonly OutboxRow[]): Promise<boolean> {
    const done = await Promise.all(
      rows.map(async (row) => {
        try {
          const res = await deps.bus.publish(`uns.v1.${row.batch.assetPath}`, row.batch, { msgId: row.batch.batchId });
          if (res.duplicate) counts.samplesDuplicate++;
          else counts.samplesPublished++;
          return row;
        } catch {
          return null;
        }
      }),
    );
    const sent = done.filter((r): r is OutboxRow => r !== null);
    if (sent.length > 0)
      await pool.query(
        `DELETE FROM ${s}.edge_outbox o USING unnest($1::text[], $2::text[], $3::bigint[]) AS d(site, asset, first_seq) WHERE o.site = d.site AND o.asset = d.asset AND o.first_seq = d.first_seq`,
        [sent.map((r) => r.site), sent.map((r) => r.asset), sent.map((r) => r.first)],
      );
    return sent.length === rows.length;
  }

  // The outbox is sent by one drain at a time (at open, before each store, and on a timer after a failure).
  let draining: Promise<boolean> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  const drain = (): Promise<boolean> => {
    draining ??= (async () => {
      try {
        const r = await pool.query<{ site: string; asset: string; first_seq: string; last_seq: string; batch: string }>(
          `SELECT site, asset, first_seq, last_seq, batch FROM ${s}.edge_outbox ORDER BY site, asset, first_seq`,
        );
        return (
          r.rows.length === 0 ||
          (await publish(
            r.rows.map((row) => ({
              site: row.site,
              asset: row.asset,
              first: Number(row.first_seq),
              last: Number(row.last_seq),
              batch: JSON.parse(row.batch) as UnsSampleBatch,
            })),
          ))
        );
      } finally {
        draining = null;
      }
    })();
    return draining;
  };
  const retryLater = () => {
    if (timer !== null || closed) return;
    timer = setTimeout(() => {
      timer = null;
      void drain()
        .then((ok) => ok || retryLater())
        .catch(() => retryLater());
    }, deps.retryMs ?? 1_000);
    timer.unref();
  };
  if (!(await drain().catch(() => false))) retryLater();

  return {
    counts,
    async lastSequences() {
      return new Map(committed);
    },
    async store(records) {
      // Older runs first (per-asset order); if they still cannot go, this read is taken again later.
      if (!(await drain())) throw new Error('the central UNS stream does not take the earlier edge batches yet');
      const byAsset = new Map<string, Ingested[]>();
      for (const r of records) {
        const k = key(r.site, r.asset);
        if (r.seq <= (committed.get(k) ?? 0)) continue; // taken before (a read handed in again)
        const list = byAsset.get(k);
        if (list) list.push(r);
        else byAsset.set(k, [r]);
      }
      if (byAsset.size === 0) return 0;
      // Events first, one after the other per asset (their order in the store is the edge's order).
      const appended = await Promise.all(
        [...byAsset.values()].map(async (list) => {
          let n = 0;
          for (const r of list) if (r.kind !== 'sample' && (await appendEvent(r))) n++;
          return n;
        }),
      );
      // The runs of this read and the cursors, in one transaction: planned once, whatever happens next.
      const rows: OutboxRow[] = [];
      let sampleRecords = 0;
      for (const list of byAsset.values()) {
        const head = list[0] as Ingested;
        const samples: SampleRecord[] = list.filter((r) => r.kind === 'sample').map((r) => ({ seq: r.seq, at: r.at, batch: parseUnsSampleBatch(r.data) }));
        sampleRecords += samples.length;
        for (const run of coalesceSamples(head.site, samples, limits))
          rows.push({ site: run.site, asset: head.asset, first: run.first, last: run.last, batch: { batchId: runBatchId(runKey(run)), ...run.batch } });
      }
      const lasts = [...byAsset.values()].map((list) => list[list.length - 1] as Ingested);
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        if (rows.length > 0)
          await c.query(
            `INSERT INTO ${s}.edge_outbox (site, asset, first_seq, last_seq, batch) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[]) ON CONFLICT DO NOTHING`,
            [rows.map((r) => r.site), rows.map((r) => r.asset), rows.map((r) => r.first), rows.map((r) => r.last), rows.map((r) => JSON.stringify(r.batch))],
          );
        await c.query(
          `INSERT INTO ${s}.edge_cursor (site, asset, seq) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) ON CONFLICT (site, asset) DO UPDATE SET seq = GREATEST(${s}.edge_cursor.seq, EXCLUDED.seq)`,
          [lasts.map((r) => r.site), lasts.map((r) => r.asset), lasts.map((r) => r.seq)],
        );
        await c.query('COMMIT');
      } catch (error) {
        await c.query('ROLLBACK').catch(() => undefined);
        // A COMMIT whose answer was lost may have gone through: the cursors say (nothing is planned twice).
        await loadCursors().catch(() => undefined);
        throw error;
      } finally {
        c.release();
      }
      for (const r of lasts) committed.set(key(r.site, r.asset), r.seq);
      counts.sampleRecords += sampleRecords;
      // Taken: a publish that fails now is sent again from the outbox.
      if (rows.length > 0 && !(await publish(rows).catch(() => false))) retryLater();
      return sampleRecords + appended.reduce((a, b) => a + b, 0);
    },
    async close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      await draining?.catch(() => undefined);
      await pool.end();
    },
    async drop() {
      await pool.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    },
  };
}

/** One kernel per owning service on `store` (an event copied from another store is appended as its owner's). */
export function ownerKernels(store: EventStore): (type: string) => Kernel {
  const kernels = new Map<string, Kernel>();
  return (type) => {
    if (!isEventType(type)) throw new Error(`edge event of unknown type ${type}`);
    const service = eventContracts[type].service;
    let k = kernels.get(service);
    if (k === undefined) kernels.set(service, (k = createKernel({ service, store })));
    return k;
  };
}
