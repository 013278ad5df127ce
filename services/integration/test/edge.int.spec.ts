// Edge ↔ central with real nats-servers started by the test: a hub and a leaf (own JetStream
// domains), the leaf's uplink through a proxy that the test cuts. Under load (UNS batches, prompts
// and operator decisions for several assets) the edge keeps recording while cut; after the link
// returns the centre holds every record exactly once: the samples in dataops' historian (taken in
// through dataops' normal UNS ingest; the backlog coalesced into fewer, larger UNS batches per
// asset), the prompts and decisions in the central event store, in order per asset.
// Models reach a site elsewhere: the centre's launcher mirrors training's content-addressed artifacts
// into the hub's object store (scripts/platform/edge-nats.ts), the site's inference reads and checks
// them (services/inference/test/model-store.int.spec.ts, test/central-edge.e2e.spec.ts).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumeCentral, openEdgeWriter } from '../src/adapters/edge/jetstream-link.ts';
import type { Ingested } from '../src/domain/edge-sync.ts';
import { createEdgeIngest } from '../src/features/edge-ingest.ts';
import { decisionEvent, promptEvent, sampleBatch, startCentre, type Centre } from './central-harness.ts';
import { startEdgeTopology, waitFor, type EdgeTopology } from './edge-harness.ts';

const PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SITE = 'plant1';
let topo: EdgeTopology;
let centre: Centre;

beforeAll(async () => {
  // ports 14400-14499 (one block of 4 per run): below Linux's ephemeral range (32768–60999), where other
  // tests' port-0 listeners and outgoing connections land (nats-server on 58500 failed to bind in CI)
  topo = await startEdgeTopology(14_400 + Math.floor(Math.random() * 20) * 5, SITE);
  centre = await startCentre(topo.hub.url, PG_URL);
}, 90_000);
afterAll(async () => {
  await centre?.stop();
  await topo?.stop();
});

describe('when the uplink of an edge site is cut under load', () => {
  it('keeps recording at the edge, and the central historian and event store hold everything exactly once, in order per asset, after it returns', async () => {
    const edge = await openEdgeWriter(topo.leafNc, SITE, topo.edgeDomain);
    const ingest = await createEdgeIngest({ store: centre.sinks, now: Date.now });
    const central: { c?: Awaited<ReturnType<typeof consumeCentral>> } = {};
    await waitFor('the leaf link', async () => {
      try {
        central.c = await consumeCentral(topo.hubNc, SITE, topo.edgeDomain, 'central-ingest', async (b) => {
          if ((await ingest.handle(b)).gaps > 0) throw new Error('gap: wait for the earlier records');
        });
        return true;
      } catch {
        return false;
      }
    });
    const assets = ['acme.plant1.packaging.line-1.filler-1', 'acme.plant1.packaging.line-1.filler-2', 'acme.plant1.packaging.line-1.capper-1'];
    const written = { sample: 0, event: 0, samples: 0 };
    const eventIds: Record<string, string[]> = {};
    let promptsOffline = 0;
    const produce = async (n: number, offline: boolean) => {
      for (let i = 0; i < n; i++)
        for (const a of assets) {
          const at = new Date(Date.now() - 3_600_000 + i * 1000);
          if (i % 10 === 9) {
            const prompt = promptEvent(a);
            const rec = prompt.event.data as { recommendationId: string };
            const decision = decisionEvent(a, rec.recommendationId);
            for (const [kind, e] of [
              ['prompt', prompt],
              ['decision', decision],
            ] as const) {
              await edge.write(kind, a, e.event.id, at.toISOString(), e);
              (eventIds[a] ??= []).push(e.event.id);
              written.event++;
            }
            if (offline) promptsOffline++;
          } else {
            const batch = sampleBatch(a, i, at);
            await edge.write('sample', a, batch.batchId, at.toISOString(), batch);
            written.sample++;
            written.samples += batch.samples.length;
          }
        }
    };
    const total = () => written.sample + written.event;
    const historianSamples = async () => (await centre.data.historian.counts()).raw;
    await produce(50, false);
    await waitFor('the online records', async () => ingest.totals.accepted === total() && (await historianSamples()) === written.samples);
    const online = total();
    topo.link.cut();
    await produce(200, true); // the edge keeps prompting with the link down
    expect(promptsOffline).toBe(60);
    // A while with the link down (the leaf keeps trying to reconnect): nothing crosses.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(ingest.totals.accepted).toBe(online);
    topo.link.restore();
    await waitFor('the resync', async () => ingest.totals.accepted === total() && (await historianSamples()) === written.samples, 90_000);
    // The edge process restarts: a new writer goes on after each asset's last record, and a record
    // it writes again (same id) is not stored twice nor leaves a gap.
    const restarted = await openEdgeWriter(topo.leafNc, SITE, topo.edgeDomain);
    for (const a of assets) {
      const again = eventIds[a]?.[0] as string;
      const first = (await centre.events.readAll()).find((e) => e.id === again);
      await restarted.write('prompt', a, again, new Date().toISOString(), { stream: first?.stream, event: first });
      const batch = sampleBatch(a, 999, new Date());
      expect((await restarted.write('sample', a, batch.batchId, batch.plantTime, batch)).seq).toBe(276); // 225 samples + 25 prompts + 25 decisions before it
      written.sample++;
      written.samples += batch.samples.length;
    }
    await waitFor('the records after the restart', async () => ingest.totals.accepted === total() && (await historianSamples()) === written.samples, 60_000);
    await central.c?.stop();

    // The historian: every sample once (dataops' own counts), in the UNS batches the centre made:
    // every edge batch taken into one, the backlog coalesced (fewer batches than the edge's).
    const counts = await centre.data.historian.counts();
    expect(counts.raw).toBe(written.samples);
    expect(centre.sinks.counts.sampleRecords).toBe(written.sample);
    expect(counts.batches).toBe(centre.sinks.counts.samplesPublished);
    expect(counts.batches).toBeLessThan(written.sample);
    // The event store: every prompt and decision once, each asset's in the order the edge made them.
    // (dataops writes its own records to the same store, e.g. quality issues: only the prompts' streams count here)
    const all = (await centre.events.readAll()).filter((e) => e.stream.startsWith('recommendation-'));
    expect(all).toHaveLength(written.event);
    expect(new Set(all.map((e) => e.id)).size).toBe(written.event);
    for (const a of assets) {
      const ofAsset = all.filter(
        (e) =>
          (e.data as { assetPath?: string; context?: { assetPath: string } }).assetPath === a ||
          (e.data as { context?: { assetPath: string } }).context?.assetPath === a,
      );
      expect(ofAsset.map((e) => e.id)).toEqual(eventIds[a]);
    }
    expect(centre.sinks.counts.eventsAppended).toBe(written.event);
    expect(ingest.totals.accepted).toBe(total());
  }, 180_000);
});

describe('when an edge clock runs ahead', () => {
  it('keeps the record once, in order, flagged as clock-ahead', async () => {
    const kept: Ingested[] = [];
    const memory = { lastSequences: async () => new Map<string, number>(), store: async (r: readonly Ingested[]) => kept.push(...r) && r.length };
    const ingest = await createEdgeIngest({ store: memory, now: () => Date.parse('2025-03-05T10:00:00Z') });
    const rec = { id: randomUUID(), site: 'plant9', asset: 'a.b.c', seq: 1, kind: 'sample' as const, at: '2025-03-05T10:30:00Z', data: {} };
    expect(await ingest.handle([rec, rec])).toMatchObject({ accepted: 1, duplicates: 1, clockAhead: 1 });
    expect(await ingest.handle([{ ...rec, id: randomUUID(), seq: 3 }])).toMatchObject({ accepted: 0, gaps: 1 });
    expect(kept.map((r) => [r.id, r.clockAhead])).toEqual([[rec.id, true]]);
  });
});
