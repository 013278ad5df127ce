// Where the centre puts what an edge site recorded: not a table of its own but the platform's own
// places. A sample record (a UNS batch the edge's connectivity published) goes to the central UNS
// stream on its asset's subject with its batch id as the message id, so dataops takes it into the
// historian through its normal ingest (JetStream's duplicate window and the historian's batch ids
// keep it once). A prompt, decision or outcome record (an event the edge's inference wrote to its
// local store; or any other event of it, e.g. a tag mapping) is appended to the central event
// store with its own id, stream and metadata — through a kernel of the event's owning service
// (`kernelFor`), so ownership and schema are checked as for any append;
// an event already there is an idempotent retry (written 0). A batch's UNS batches are published
// at once (the historian keeps samples by their own time); events are appended in the edge's order
// per asset, assets in parallel. The last sequence per asset is kept in PostgreSQL (the cursor,
// moved only after the records are written), so a restart resumes without a gap check failing.
import type { Bus } from '@industrial/bus';
import { eventContracts, isEventType, parseUnsSampleBatch } from '@industrial/contracts';
import type { EventStore, NewEvent } from '@industrial/eventstore';
import { createKernel, type Kernel } from '@industrial/kernel';
import pg from 'pg';
import type { Ingested } from '../../domain/edge-sync.ts';
import type { EdgeRecordStore } from '../../features/edge-ingest.ts';

/** What an edge prompt, decision or outcome record carries: the edge store's event and its stream. */
export interface EdgeEventData {
  stream: string;
  event: NewEvent;
}

export interface CentralSinkCounts {
  samplesPublished: number;
  samplesDuplicate: number;
  eventsAppended: number;
  eventsDuplicate: number;
}

const ident = (s: string): string => {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(s)) throw new Error(`bad PostgreSQL schema name "${s}"`);
  return `"${s}"`;
};

export async function openCentralSinks(deps: {
  /** The central bus (the UNS stream dataops reads). */
  bus: Bus;
  /** A kernel of the event type's owning service on the central event store. */
  kernelFor: (type: string) => Kernel;
  pgUrl: string;
  /** Schema of the cursor table. */
  schema: string;
}): Promise<EdgeRecordStore & { counts: CentralSinkCounts; close(): Promise<void>; drop(): Promise<void> }> {
  const pool = new pg.Pool({ connectionString: deps.pgUrl, max: 2 });
  const s = ident(deps.schema);
  await pool.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
  await pool.query(`CREATE TABLE IF NOT EXISTS ${s}.edge_cursor (site text NOT NULL, asset text NOT NULL, seq bigint NOT NULL, PRIMARY KEY (site, asset))`);
  const counts: CentralSinkCounts = { samplesPublished: 0, samplesDuplicate: 0, eventsAppended: 0, eventsDuplicate: 0 };

  async function writeOne(r: Ingested): Promise<boolean> {
    if (r.kind === 'sample') {
      const batch = parseUnsSampleBatch(r.data);
      const res = await deps.bus.publish(`uns.v1.${batch.assetPath}`, batch, { msgId: batch.batchId });
      if (res.duplicate) counts.samplesDuplicate++;
      else counts.samplesPublished++;
      return !res.duplicate;
    }
    const { stream, event } = r.data as EdgeEventData;
    if (typeof stream !== 'string' || typeof event?.id !== 'string') throw new Error(`edge record ${r.id} (${r.kind}) carries no event`);
    const res = await deps.kernelFor(event.type).appendPrepared(stream, [event]);
    if (res.written === 0) counts.eventsDuplicate++;
    else counts.eventsAppended++;
    return res.written > 0;
  }

  return {
    counts,
    async lastSequences() {
      const r = await pool.query<{ k: string; m: string }>(`SELECT site || '/' || asset AS k, seq AS m FROM ${s}.edge_cursor`);
      return new Map(r.rows.map((row) => [row.k, Number(row.m)]));
    },
    async store(records) {
      const byAsset = new Map<string, Ingested[]>();
      for (const r of records) {
        const k = `${r.site}\u0000${r.asset}`;
        const list = byAsset.get(k);
        if (list) list.push(r);
        else byAsset.set(k, [r]);
      }
      // UNS batches all at once (the historian keeps samples by their time and each batch once);
      // events one after the other per asset (their order in the store is the edge's order).
      const published = await Promise.all(records.filter((r) => r.kind === 'sample').map(writeOne));
      const written = await Promise.all(
        [...byAsset.values()].map(async (list) => {
          let n = 0;
          for (const r of list) if (r.kind !== 'sample' && (await writeOne(r))) n++;
          const last = list[list.length - 1] as Ingested;
          await pool.query(
            `INSERT INTO ${s}.edge_cursor (site, asset, seq) VALUES ($1, $2, $3) ON CONFLICT (site, asset) DO UPDATE SET seq = GREATEST(${s}.edge_cursor.seq, EXCLUDED.seq)`,
            [last.site, last.asset, last.seq],
          );
          return n;
        }),
      );
      return published.filter(Boolean).length + written.reduce((a, b) => a + b, 0);
    },
    close: () => pool.end(),
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
