// Edge ↔ central over NATS leaf nodes (@nats-io/jetstream). The edge site's NATS is a leaf node of
// the central hub, each with its own JetStream domain. The edge writes every record into its local
// stream EDGE_<SITE> (it keeps working with the uplink down: the write is local). The centre reads
// that stream across the leaf connection with a durable pull consumer in the edge's domain: while
// the link is down its fetches fail and are retried; when it returns, reading resumes at the
// durable's ack floor — in stream order, and a record whose ack was lost comes again and is ignored
// by the idempotent store. (JetStream `sources` on the hub did the same, but nats-server 2.9 did not
// resume a source interrupted by a cut link within a minute; the pull consumer resumes at once.)
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { EdgeSequencer, type EdgeRecord, type EdgeRecordKind } from '../../domain/edge-sync.ts';

export const edgeStream = (site: string): string => `EDGE_${site.toUpperCase().replace(/[^A-Z0-9_-]/g, '_')}`;
/** One subject per asset (the kind is in the record): the last record of an asset gives its sequence after a restart. */
const edgeSubject = (site: string, asset: string): string => `edge.${site}.${asset.replace(/\./g, '_')}`;

export interface EdgeWriter {
  /** Records one edge record locally (works while the uplink is down). */
  write(kind: EdgeRecordKind, asset: string, id: string, at: string, data: unknown): Promise<EdgeRecord>;
}

/** At the edge: the local stream and the writer. `domain`: the edge's JetStream domain. */
export async function openEdgeWriter(nc: NatsConnection, site: string, domain: string): Promise<EdgeWriter> {
  const jsm = await jetstreamManager(nc, { domain });
  const name = edgeStream(site);
  await jsm.streams.add({ name, subjects: [`edge.${site}.>`], duplicate_window: 3_600_000_000_000 });
  const js = jetstream(nc, { domain });
  const seq = new EdgeSequencer();
  const known = new Set<string>();
  return {
    async write(kind, asset, id, at, data) {
      const subject = edgeSubject(site, asset);
      if (!known.has(asset)) {
        // After a restart: go on from the asset's last stored record.
        const last = await jsm.streams.getMessage(name, { last_by_subj: subject }).catch(() => null);
        if (last) seq.resume(asset, last.json<EdgeRecord>().seq);
        known.add(asset);
      }
      const record: EdgeRecord = { id, site, asset, seq: seq.next(asset), kind, at, data };
      const ack = await js.publish(subject, JSON.stringify(record), { msgID: id });
      // Written before (same id, e.g. re-read after a restart): the stream kept the first; the number is not used.
      if (ack.duplicate) seq.undo(asset);
      return record;
    },
  };
}

export interface CentralConsumer {
  stop(): Promise<void>;
}

/**
 * At the centre: takes the edge's records in batches. `handle` must be idempotent (a crash before
 * the ack redelivers) and throw to leave a batch unacknowledged (e.g. a gap: the earlier records
 * come first on redelivery). Needs the link up to create the durable; retries until it is.
 */
export async function consumeCentral(
  nc: NatsConnection,
  site: string,
  edgeDomain: string,
  durable: string,
  handle: (batch: EdgeRecord[]) => Promise<void>,
  onError?: (error: unknown) => void,
): Promise<CentralConsumer> {
  return consumeAcross<EdgeRecord>(nc, edgeDomain, edgeStream(site), durable, null, handle, onError);
}

/**
 * A durable pull consumer on `stream` of another JetStream domain (across the leaf-node link), in
 * batches, in stream order; `filter`: one subject filter or null. The same resume-and-retry as above.
 */
export async function consumeAcross<T>(
  nc: NatsConnection,
  domain: string,
  stream: string,
  durable: string,
  filter: string | null,
  handle: (batch: T[]) => Promise<void>,
  onError?: (error: unknown) => void,
): Promise<CentralConsumer> {
  const jsm = await jetstreamManager(nc, { domain, timeout: 2_000 });
  await jsm.consumers.add(stream, {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    max_ack_pending: 10_000,
    ack_wait: 10_000_000_000,
    ...(filter === null ? {} : { filter_subject: filter }),
  });
  const js: JetStreamClient = jetstream(nc, { domain, timeout: 2_000 });
  const consumer = await js.consumers.get(stream, durable);
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      // A failed fetch (heartbeats missed while the server is busy) or a failed store leaves the
      // messages unacknowledged: they come again after the ack wait, and the store ignores repeats.
      try {
        // 500 a read: 2 000 were tried (bigger coalesced batches at the centre), but on the loaded
        // machine reads that large often lost records in transit (probably still crossing the leaf
        // link when the fetch expired): they waited out the ack wait (10 s), the next reads stopping at the gap.
        const batch = await consumer.fetch({ max_messages: 500, expires: 1_000 });
        const msgs = [];
        for await (const m of batch) msgs.push(m);
        if (msgs.length === 0) continue;
        await handle(msgs.map((m) => m.json<T>()));
        for (const m of msgs) m.ack();
      } catch (error) {
        onError?.(error);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop.catch(() => undefined);
    },
  };
}
