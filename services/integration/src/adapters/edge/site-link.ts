// The two directions of an edge site's link, as the integration process runs them at the edge
// (INTEGRATION_EDGE_ROLE=edge):
// - uplink: every UNS batch of the site's NATS (durable `integration-edge-uplink` on UNS) and
//   every event of the site's own store (read from a checkpoint file) that the site made itself
//   (prompts, decisions, outcomes, tag mappings, the plant's ground truth) are written, one asset
//   at a time in order, into the site's stream EDGE_<SITE> (openEdgeWriter): local, so it goes on
//   while the uplink is down; the centre reads it when it is back.
// - downlink: what the centre decides that the site needs — the charter's use cases and
//   governance's model registrations and promotions, relayed on the hub's EVENTS stream — read
//   across the leaf link (its own durable) and appended to the site's store with their ids (an
//   event already there is an idempotent retry), so inference at the site serves them.
// And at the centre (INTEGRATION_EDGE_ROLE=central): each site's EDGE stream into the platform's
// places (central-sinks.ts, edge-ingest.ts).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Bus, ConsumerHandle } from '@industrial/bus';
import { eventContracts, isEventType, type UnsSampleBatch } from '@industrial/contracts';
import type { EventStore, NewEvent, RecordedEvent } from '@industrial/eventstore';
import type { NatsConnection } from '@nats-io/transport-node';
import type { EdgeRecordKind } from '../../domain/edge-sync.ts';
import { consumeAcross, type CentralConsumer, type EdgeWriter } from './jetstream-link.ts';
import { ownerKernels } from './central-sinks.ts';

/** Services whose events come down from the centre (never sent back up). */
const FROM_CENTRE = new Set(['charter', 'governance', 'training', 'dataops']);

const ownerOf = (type: string): string | null => (isEventType(type) ? eventContracts[type].service : null);

function kindOf(type: string): EdgeRecordKind {
  if (type === 'RecommendationRaised') return 'prompt';
  if (type === 'OutcomeRecorded') return 'outcome';
  if (type.startsWith('Recommendation')) return 'decision';
  return 'event';
}

function assetOf(e: RecordedEvent): string {
  const d = e.data as { assetPath?: unknown; path?: unknown; context?: { assetPath?: unknown } };
  const a = d.assetPath ?? d.context?.assetPath ?? d.path;
  return typeof a === 'string' && a !== '' ? a : `stream.${e.stream}`;
}

const asNew = (e: RecordedEvent): NewEvent => {
  const { recordedAt: _r, ...metadata } = e.metadata;
  return { id: e.id, type: e.type, data: e.data, metadata };
};

export interface Stoppable {
  stop(): Promise<void>;
}

export async function startUplink(deps: {
  bus: Bus;
  store: EventStore;
  writer: EdgeWriter;
  checkpointFile: string;
  onError: (err: unknown) => void;
}): Promise<Stoppable> {
  // One write at a time: per-asset order and the writer's sequence numbers.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const next = chain.then(f);
    chain = next.catch(() => undefined);
    return next;
  };
  const uns: ConsumerHandle = await deps.bus.consume({
    stream: 'UNS',
    durable: 'integration-edge-uplink',
    filterSubject: 'uns.v1.>',
    handler: async (msg) => {
      const b = msg.json() as UnsSampleBatch;
      await serial(() => deps.writer.write('sample', b.assetPath, b.batchId, b.plantTime, b));
    },
  });
  let checkpoint = existsSync(deps.checkpointFile) ? Number(readFileSync(deps.checkpointFile, 'utf8')) || 0 : 0;
  const sub = deps.store.subscribeToAllPages({ checkpoint, batchSize: 500 });
  const loop = (async () => {
    try {
      for await (const page of sub) {
        for (const e of page) {
          const owner = ownerOf(e.type);
          if (owner !== null && !FROM_CENTRE.has(owner) && !e.type.startsWith('Access')) {
            const data = { stream: e.stream, event: asNew(e) };
            await serial(() => deps.writer.write(kindOf(e.type), assetOf(e), e.id, e.metadata.recordedAt, data));
          }
          checkpoint = e.position;
        }
        writeFileSync(deps.checkpointFile, String(checkpoint));
      }
    } catch (err) {
      deps.onError(err);
    }
  })();
  return {
    async stop() {
      await uns.stop();
      await sub.stop();
      await loop;
    },
  };
}

export async function startDownlink(deps: {
  nc: NatsConnection;
  hubDomain: string;
  site: string;
  store: EventStore;
  onError: (err: unknown) => void;
}): Promise<CentralConsumer> {
  const kernelFor = ownerKernels(deps.store);
  return consumeAcross<RecordedEvent>(
    deps.nc,
    deps.hubDomain,
    'EVENTS',
    `edge-${deps.site}-downlink`,
    null,
    async (batch) => {
      for (const e of batch) {
        const owner = ownerOf(e.type);
        if (owner === null || !FROM_CENTRE.has(owner)) continue;
        await kernelFor(e.type).appendPrepared(e.stream, [asNew(e)]);
      }
    },
    deps.onError,
  );
}
