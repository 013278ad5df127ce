// Edge ↔ central over NATS leaf nodes (@nats-io/jetstream). The edge site's NATS is a leaf node of
// the central hub, each with its own JetStream domain. The edge writes every record into its local
// stream EDGE_<SITE> (it keeps working with the uplink down: the write is local); the hub's stream
// CENTRAL_<SITE> sources that stream across the leaf connection (JetStream `sources` with the
// edge domain's API prefix), which resumes where it stopped when the link returns — in order, each
// message once (Nats-Msg-Id is the record id). A central consumer then takes the records in.
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { EdgeSequencer, type EdgeRecord, type EdgeRecordKind } from '../../domain/edge-sync.ts';

export const edgeStream = (site: string): string => `EDGE_${site.toUpperCase().replace(/[^A-Z0-9_-]/g, '_')}`;
export const centralStream = (site: string): string => `CENTRAL_${site.toUpperCase().replace(/[^A-Z0-9_-]/g, '_')}`;
const edgeSubject = (site: string, kind: string, asset: string): string => `edge.${site}.${kind}.${asset.replace(/\./g, '_')}`;

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
  return {
    async write(kind, asset, id, at, data) {
      const record: EdgeRecord = { id, site, asset, seq: seq.next(asset), kind, at, data };
      await js.publish(edgeSubject(site, kind, asset), JSON.stringify(record), { msgID: id });
      return record;
    },
  };
}

/** At the centre: the stream that sources the edge's stream across the leaf connection. */
export async function ensureCentralMirror(nc: NatsConnection, site: string, hubDomain: string, edgeDomain: string): Promise<string> {
  const jsm = await jetstreamManager(nc, { domain: hubDomain });
  const name = centralStream(site);
  await jsm.streams.add({ name, sources: [{ name: edgeStream(site), external: { api: `$JS.${edgeDomain}.API`, deliver: '' } }] });
  return name;
}

export interface CentralConsumer {
  stop(): Promise<void>;
}

/** Takes the mirrored records in batches (`handle` must be idempotent: a crash before the ack redelivers). */
export async function consumeCentral(
  nc: NatsConnection,
  site: string,
  hubDomain: string,
  durable: string,
  handle: (batch: EdgeRecord[]) => Promise<void>,
): Promise<CentralConsumer> {
  const jsm = await jetstreamManager(nc, { domain: hubDomain });
  const stream = centralStream(site);
  await jsm.consumers.add(stream, { durable_name: durable, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, max_ack_pending: 10_000 });
  const js: JetStreamClient = jetstream(nc, { domain: hubDomain });
  const consumer = await js.consumers.get(stream, durable);
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const batch = await consumer.fetch({ max_messages: 500, expires: 1_000 });
      const msgs = [];
      for await (const m of batch) msgs.push(m);
      if (msgs.length === 0) continue;
      await handle(msgs.map((m) => m.json<EdgeRecord>()));
      for (const m of msgs) m.ack();
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop.catch(() => undefined);
    },
  };
}
