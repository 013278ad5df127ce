// Edge ↔ central under simulator load (issue #21): a hub and a leaf nats-server started by the test
// (own JetStream domains; plant data and events do not cross the link, as the launchers set it),
// the leaf's uplink through a proxy the test cuts. At the edge: the simulator's plant (createPlant,
// eight pumps, a reading every 15 plant seconds) publishes its UNS batches on the leaf as
// connectivity does; the real inference app scores them with the pump-bearing use case's limits
// (no model: the rules serve) and records its prompts in the site's own store; the integration's
// uplink (site-link.ts, as INTEGRATION_EDGE_ROLE=edge runs it) writes both into EDGE_<SITE>. At the
// centre: dataops (PostgreSQL historian, its own UNS ingest), an event store and the integration's
// reader (edge-ingest + central sinks). A bearing fault injected during the cut must make the
// edge prompt while cut, and the site's operator acknowledges one prompt and shelves the other
// while cut; after reconnection the historian holds every sample the plant published
// and the central store every event the edge made, each exactly once (counted by their keys and
// ids), each asset's events in the edge's order. The second test does the same with the simulator's
// OPC UA server read by connectivity at the site (scripts/platform/plant-pipeline.ts startPlant,
// ×300 plant time): a bearing fault during the cut, a prompt and an acknowledge at the edge, and
// after reconnection the historian equal to what the site's UNS stream holds, the simulator's
// ground truth and connectivity's tag mappings in the central store too.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createKeySet, importKeySet, type KeySet } from '@industrial/access';
import { connectNatsBus, type Bus } from '@industrial/bus';
import {
  eventContracts,
  eventValidator,
  isEventType,
  parseUnsAssetPath,
  unsAssetSubject,
  UseCaseServingSpec,
  type UnsSampleBatch,
} from '@industrial/contracts';
import { MemoryAnchorSink, generateLedgerKeyPem, ledgerKeyFromPem, openSqliteEventStore, type EventStore, type RecordedEvent } from '@industrial/eventstore';
import { createInferenceApp, type InferenceApp } from '@industrial/inference';
import { consumeCentral, createEdgeIngest, openEdgeWriter } from '@industrial/integration';
import { createKernel } from '@industrial/kernel';
import { createPlant } from '@industrial/simulator';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchesOf } from '../scripts/bench-prompts/run.ts';
import { startPlant } from '../scripts/platform/plant-pipeline.ts';
import { startUplink, type Stoppable } from '../services/integration/src/adapters/edge/site-link.ts';
import { startCentre, type Centre } from '../services/integration/test/central-harness.ts';
import { startEdgeTopology, waitFor, type EdgeTopology } from '../services/integration/test/edge-harness.ts';

const PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SITE = 'plant1';
const ENTERPRISE = `el${randomBytes(4).toString('hex')}`;
/** What the launchers keep off the link (scripts/platform/edge-nats.ts). */
const NOT_ACROSS = ['uns.>', 'evt.>', 'inference.>', 'ledger.>'];
/** Services whose events come down from the centre (site-link.ts): never sent up. */
const FROM_CENTRE = new Set(['charter', 'governance', 'training', 'dataops']);
const MIN = 60_000;
const STEP_MS = 15_000;
const PUMPS = 8;
const silent = { debug() {}, info() {}, warn() {}, error() {} };

let topo: EdgeTopology;
let centre: Centre;
let dir = '';
let edgeStore: EventStore;
let edgeBus: Bus;
let inference: InferenceApp;
let uplink: Stoppable;
let central: { stop(): Promise<void> } | undefined;
let ingest: Awaited<ReturnType<typeof createEdgeIngest>>;
let keySet: KeySet;
const linkErrors: string[] = [];
/** Batches the centre's reader is storing right now. */
let storing = 0;

beforeAll(async () => {
  // ports 14500-14599 (one block of 4 per run), below Linux's ephemeral range (32768–60999)
  topo = await startEdgeTopology(14_500 + Math.floor(Math.random() * 20) * 5, SITE, { notAcross: NOT_ACROSS });
  centre = await startCentre(topo.hub.url, PG_URL);
  dir = mkdtempSync(join(tmpdir(), 'edge-link-'));
  edgeStore = await openSqliteEventStore({
    path: join(dir, 'edge-events.db'),
    ledgerKey: ledgerKeyFromPem(generateLedgerKeyPem().privateKeyPem),
    anchorSink: new MemoryAnchorSink(),
    validator: eventValidator,
  });
  // The pump-bearing use case, as the downlink brings the centre's charter definition into the site's store.
  const useCase = JSON.parse(readFileSync(resolve(import.meta.dirname, '../usecases/pump-bearing.json'), 'utf8')) as { useCaseId: string; serving: unknown };
  await createKernel({ service: 'charter', store: edgeStore }).append(
    `usecase-${useCase.useCaseId}`,
    [{ type: 'UseCaseServingSpecDefined', data: { useCaseId: useCase.useCaseId, specVersion: 1, spec: UseCaseServingSpec.parse(useCase.serving) } }],
    { actor: 'svc:charter', role: 'service', correlationId: randomUUID(), causationId: null, traceparent: null },
  );
  edgeBus = await connectNatsBus({ servers: topo.leaf.url, name: 'edge-site' });
  keySet = await importKeySet((await createKeySet({ now: new Date() })).keySet);
  inference = createInferenceApp({
    store: edgeStore,
    bus: edgeBus,
    keySet,
    logger: silent,
    config: {
      grpc: null,
      http: null,
      access: { issuer: 'industrial-access', audience: 'industrial-platform' },
      replicaId: `inference-${SITE}`,
      replicas: [`inference-${SITE}`],
      unsDurable: `inference-${ENTERPRISE}`,
      unsSubject: `uns.v1.${ENTERPRISE}.>`,
      shutdownGraceMs: 1_000,
    },
  });
  await inference.start(); // also makes the site's UNS stream
  const writer = await openEdgeWriter(topo.leafNc, SITE, topo.edgeDomain);
  uplink = await startUplink({
    bus: edgeBus,
    store: edgeStore,
    writer,
    checkpointFile: join(dir, 'uplink.checkpoint'),
    onError: (err) => linkErrors.push(String(err)),
  });
  ingest = await createEdgeIngest({ store: centre.sinks, now: Date.now });
  await waitFor('the leaf link', async () => {
    try {
      central = await consumeCentral(topo.hubNc, SITE, topo.edgeDomain, 'central-edge-link', async (b) => {
        storing++;
        try {
          if ((await ingest.handle(b)).gaps > 0) throw new Error('gap: wait for the earlier records');
        } finally {
          storing--;
        }
      });
      return true;
    } catch {
      return false;
    }
  });
}, 120_000);

afterAll(async () => {
  await central?.stop();
  await uplink?.stop().catch(() => undefined);
  await inference?.stop().catch(() => undefined);
  await edgeBus?.drain().catch(() => undefined);
  await edgeStore?.close().catch(() => undefined);
  await centre?.stop();
  await topo?.stop();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
}, 120_000);

const ownerOf = (type: string): string | null => (isEventType(type) ? eventContracts[type].service : null);
/** The events the site made itself (what its uplink sends up). */
const ownEvents = async (): Promise<RecordedEvent[]> =>
  (await edgeStore.readAll({})).filter((e) => {
    const owner = ownerOf(e.type);
    return owner !== null && !FROM_CENTRE.has(owner) && !e.type.startsWith('Access');
  });
const assetOf = (e: RecordedEvent): string => {
  const d = e.data as { assetPath?: string; context?: { assetPath?: string } };
  return d.assetPath ?? d.context?.assetPath ?? `stream.${e.stream}`;
};
const keyOf = (asset: string, tag: string, ts: number): string => `${asset}|${tag}|${ts}`;

/**
 * The records the centre has accepted, once that count has settled: no batch being stored and the
 * count the same over four polls about 600 ms apart (bounded 30 s). Under load a read under way when
 * the link was cut can land seconds later; a fixed sleep raced it.
 */
async function settledAccepted(): Promise<number> {
  let last = -1;
  let same = 0;
  await waitFor(
    "the centre's accepted count to settle",
    async () => {
      await new Promise((r) => setTimeout(r, 500));
      const now = storing === 0 ? ingest.totals.accepted : -1;
      same = now !== -1 && now === last ? same + 1 : 0;
      last = now;
      return same >= 3;
    },
    30_000,
  );
  return last;
}

/** The historian's raw samples counted by asset, tag and source time (assets under `prefix`). */
async function historianKeys(prefix = ''): Promise<Map<string, number>> {
  const r = await centre.data.pool.query<{ asset_path: string; tag: string; ts: string; n: number }>(
    'SELECT s.asset_path, s.tag, r.ts::text AS ts, count(*)::int AS n FROM raw_samples r JOIN series s ON s.id = r.series_id WHERE starts_with(s.asset_path, $1) GROUP BY 1, 2, 3',
    [prefix],
  );
  return new Map(r.rows.map((row) => [keyOf(row.asset_path, row.tag, Number(row.ts)), row.n]));
}

describe('when the uplink of an edge site is cut under simulator load', () => {
  it('keeps prompting at the edge, and after reconnection the central historian and event store hold everything exactly once', async () => {
    // 80 plant minutes ending before the wall clock (no edge clock ahead): the prompts still open when the operator decides
    const T0 = Math.floor((Date.now() - 90 * MIN) / MIN) * MIN;
    const plant = createPlant({ seed: 11, startMs: T0, layout: { enterprise: ENTERPRISE, site: 'plant-1', pumps: PUMPS, mills: 0, packagers: 0 } });
    const pathOf = (a: string) => plant.asset(a)!.path.split('/').join('.');
    const published = new Map<string, number>();
    let batches = 0;
    let samples = 0;
    let t = T0;
    const run = async (minutes: number) => {
      for (let k = 0; k < (minutes * MIN) / STEP_MS; k++) {
        t += STEP_MS;
        for (const b of batchesOf(plant.advance(t).updates, pathOf, t)) {
          await edgeBus.publish(unsAssetSubject(parseUnsAssetPath(b.assetPath)), b, { msgId: b.batchId });
          batches++;
          samples += b.samples.length;
          for (const s of b.samples) {
            const key = keyOf(b.assetPath, s.tag, Date.parse(s.sourceTimestamp));
            published.set(key, (published.get(key) ?? 0) + 1);
          }
        }
      }
    };
    // Inference at the edge has scored every batch published and written what it had to.
    const edgeSettled = async () => {
      await waitFor('inference at the edge to take every batch', async () => inference.pipeline.counters().batches >= batches, 120_000);
      await waitFor('the edge store to settle', async () => {
        const head = await edgeStore.headPosition();
        await new Promise((r) => setTimeout(r, 1_000));
        return head === (await edgeStore.headPosition());
      });
    };
    const centralHas = async () => {
      const ids = new Set((await centre.events.readAll({})).map((e) => e.id));
      const own = await ownEvents();
      if (!own.every((e) => ids.has(e.id))) return false;
      return (await centre.data.historian.counts()).raw >= samples;
    };

    // Online: 40 plant minutes (the rules' 30-minute windows fill), all of it reaches the centre.
    await run(40);
    await edgeSettled();
    await waitFor('the online records at the centre', centralHas, 120_000);
    expect(ingest.totals.accepted).toBeGreaterThan(0);

    // The uplink is cut; two pumps' bearings go bad: the edge must prompt for them with the link down.
    topo.link.cut();
    const cutAt = await edgeStore.headPosition();
    const acceptedAtCut = await settledAccepted(); // a read under way when the link went finishes or fails
    for (const asset of ['pump-2', 'pump-5']) {
      const r = plant.inject({ asset, fault: 'bearing_wear', severity: 1, developMinutes: 0 }, 'api');
      expect(r.ok).toBe(true);
    }
    await run(30);
    const faulty = [pathOf('pump-2'), pathOf('pump-5')];
    const raisedWhileCut = async () =>
      (await edgeStore.readAll({ fromPosition: cutAt + 1 })).filter(
        (e) => e.type === 'RecommendationRaised' && (e.data as { mode: string }).mode === 'production',
      );
    await waitFor(
      'prompts at the edge for both faulty pumps while cut',
      async () => {
        const assets = new Set((await raisedWhileCut()).map((e) => (e.data as { assetPath: string }).assetPath));
        return faulty.every((a) => assets.has(a));
      },
      120_000,
    );
    // A while more with the link down (the leaf keeps trying): nothing crosses.
    await new Promise((r) => setTimeout(r, 3_000));
    const offlinePrompts = await raisedWhileCut();
    expect(new Set(offlinePrompts.map((e) => (e.data as { assetPath: string }).assetPath))).toEqual(new Set(faulty));
    expect(await settledAccepted()).toBe(acceptedAtCut);
    // The operator at the site goes on deciding with the link down: one prompt acknowledged, the other shelved.
    const olga = { actor: 'olga', role: 'operator', correlationId: randomUUID(), causationId: null, traceparent: null };
    const idOf = (asset: string) =>
      (offlinePrompts.find((e) => (e.data as { assetPath: string }).assetPath === asset)!.data as { recommendationId: string }).recommendationId;
    await inference.commands.acknowledge(idOf(faulty[0]!), olga);
    await inference.commands.shelve(idOf(faulty[1]!), { reason: 'The fitter is on the way; the pump is watched by hand.', durationSeconds: 900 }, olga);
    const decidedWhileCut = (await edgeStore.readAll({ fromPosition: cutAt + 1 })).filter(
      (e) => e.type === 'RecommendationAcknowledged' || e.type === 'RecommendationShelved',
    );
    expect(decidedWhileCut.map((e) => e.type).sort()).toEqual(['RecommendationAcknowledged', 'RecommendationShelved']);
    expect(await settledAccepted()).toBe(acceptedAtCut);
    const centralIds = new Set((await centre.events.readAll({})).map((e) => e.id));
    expect([...offlinePrompts, ...decidedWhileCut].filter((e) => centralIds.has(e.id))).toEqual([]);

    // The link returns; the plant runs on 10 more minutes online.
    topo.link.restore();
    await run(10);
    await edgeSettled();
    await waitFor('the resync', centralHas, 180_000);

    // The historian: every sample the plant published, as often as it was published (once), keyed by
    // asset, tag and source time.
    expect(await historianKeys()).toEqual(published);
    expect((await centre.data.historian.counts()).raw).toBe(samples);
    const edgeUns = await (await jetstreamManager(topo.leafNc, { domain: topo.edgeDomain })).streams.info('UNS');
    expect(edgeUns.state.messages).toBe(batches);
    expect(centre.sinks.counts.sampleRecords).toBe(batches);
    // The event store: every event the edge made, once (by id), none extra of the prompts' streams,
    // each asset's in the edge's order.
    const own = await ownEvents();
    const all = await centre.events.readAll({});
    const ownIds = new Set(own.map((e) => e.id));
    const mine = all.filter((e) => ownIds.has(e.id));
    expect(mine).toHaveLength(own.length);
    expect(new Set(mine.map((e) => e.id)).size).toBe(own.length);
    expect(all.filter((e) => e.stream.startsWith('recommendation-') && !ownIds.has(e.id))).toEqual([]);
    for (const asset of new Set(own.map(assetOf)))
      expect(mine.filter((e) => assetOf(e) === asset).map((e) => e.id)).toEqual(own.filter((e) => assetOf(e) === asset).map((e) => e.id));
    for (const p of [...offlinePrompts, ...decidedWhileCut])
      expect(all.find((e) => e.id === p.id)).toMatchObject({ type: p.type, stream: p.stream, data: p.data });
    expect(centre.sinks.counts.eventsAppended).toBe(own.length);
    expect(linkErrors).toEqual([]);
  }, 420_000);

  it('does the same when the simulator serves the plant over OPC UA and connectivity publishes it at the edge', async () => {
    // A live site: the simulator's OPC UA server (SignAndEncrypt) at ×300 plant time, read by
    // connectivity into the leaf's UNS; its ground truth and tag mappings go into the site's store.
    const plantStart = Date.now();
    const plant = await startPlant({
      store: edgeStore,
      bus: edgeBus,
      keySet,
      logger: silent,
      dataDir: dir,
      enterprise: ENTERPRISE,
      site: 'plant-2',
      pumps: 4,
      seed: 5,
      plantStartMs: plantStart,
      acceleration: 300,
    });
    const prefix = `${ENTERPRISE}.plant-2.`;
    const subject = `uns.v1.${ENTERPRISE}.plant-2.>`;
    const plantAt = async (ms: number) => waitFor(`plant time ${new Date(ms).toISOString()}`, async () => plant.sim.plantTime().getTime() >= ms, 120_000);
    try {
      await plantAt(plantStart + 40 * MIN);
      topo.link.cut();
      const cutAt = await edgeStore.headPosition();
      const acceptedAtCut = await settledAccepted();
      expect(plant.sim.injectFault({ asset: 'pump-3', fault: 'bearing_wear', severity: 1, developMinutes: 0 }, 'api').ok).toBe(true);
      const pump3 = `${prefix}utilities.cooling-water.pump-3`;
      let prompt: RecordedEvent | undefined;
      await waitFor(
        'a prompt for pump 3 at the edge while cut',
        async () => {
          prompt = (await edgeStore.readAll({ fromPosition: cutAt + 1 })).find(
            (e) => e.type === 'RecommendationRaised' && (e.data as { assetPath: string; mode: string }).assetPath === pump3,
          );
          return prompt !== undefined;
        },
        120_000,
      );
      const recommendationId = (prompt!.data as { recommendationId: string }).recommendationId;
      await inference.commands.acknowledge(recommendationId, {
        actor: 'olga',
        role: 'operator',
        correlationId: randomUUID(),
        causationId: null,
        traceparent: null,
      });
      expect(await settledAccepted()).toBe(acceptedAtCut);
      const whileCut = (await edgeStore.readAll({ fromPosition: cutAt + 1 })).filter((e) => ownerOf(e.type) !== null);
      expect(whileCut.map((e) => e.type)).toEqual(expect.arrayContaining(['FaultInjected', 'RecommendationRaised', 'RecommendationAcknowledged']));
      const centralIds = new Set((await centre.events.readAll({})).map((e) => e.id));
      expect(whileCut.filter((e) => centralIds.has(e.id))).toEqual([]);
      topo.link.restore();
      await plantAt(plant.sim.plantTime().getTime() + 5 * MIN);
    } finally {
      await plant.stop();
    }

    // What the site's UNS stream holds of this plant, counted by asset, tag and source time.
    const jsm = await jetstreamManager(topo.leafNc, { domain: topo.edgeDomain });
    const info = await jsm.streams.info('UNS', { subjects_filter: subject });
    const stored = Object.values(info.state.subjects ?? {}).reduce((a, n) => a + n, 0);
    const atEdge = new Map<string, number>();
    const reader = await jetstream(topo.leafNc, { domain: topo.edgeDomain }).consumers.get('UNS', { filter_subjects: subject });
    let read = 0;
    let samples = 0;
    while (read < stored) {
      for await (const m of await reader.fetch({ max_messages: Math.min(500, stored - read), expires: 2_000 })) {
        read++;
        const b = m.json<UnsSampleBatch>();
        for (const x of b.samples) {
          const key = keyOf(b.assetPath, x.tag, Date.parse(x.sourceTimestamp));
          atEdge.set(key, (atEdge.get(key) ?? 0) + 1);
          samples++;
        }
      }
    }
    expect(read).toBe(stored);
    expect(samples).toBeGreaterThan(200);
    await waitFor(
      'inference at the edge to take every batch',
      async () => inference.pipeline.counters().batches >= (await jsm.streams.info('UNS')).state.messages,
      120_000,
    );
    await waitFor(
      'the resync',
      async () => {
        const ids = new Set((await centre.events.readAll({})).map((e) => e.id));
        return (await ownEvents()).every((e) => ids.has(e.id)) && [...(await historianKeys(prefix)).values()].reduce((a, n) => a + n, 0) >= samples;
      },
      180_000,
    );
    expect(await historianKeys(prefix)).toEqual(atEdge);
    const own = await ownEvents();
    const all = await centre.events.readAll({});
    const ownIds = new Set(own.map((e) => e.id));
    const mine = all.filter((e) => ownIds.has(e.id));
    expect(new Set(mine.map((e) => e.id)).size).toBe(own.length);
    expect(mine).toHaveLength(own.length);
    for (const asset of new Set(own.map(assetOf)))
      expect(mine.filter((e) => assetOf(e) === asset).map((e) => e.id)).toEqual(own.filter((e) => assetOf(e) === asset).map((e) => e.id));
    expect(centre.sinks.counts.eventsAppended).toBe(own.length);
    expect(linkErrors).toEqual([]);
  }, 420_000);
});
