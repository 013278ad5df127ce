// `npm run bench:integration`: (1) outbound — prompts through the MaintainX connector and the signed
// webhook against loopback servers that fail on purpose (5xx, no answer, an answer lost after the
// work order was stored, rejections), every event delivered twice: work orders made, duplicates,
// dead letters; (2) edge ↔ central — a hub and a leaf nats-server started here, the leaf's uplink cut
// while the edge records 10 minutes of one site's data (samples of 20 assets at 1 Hz, a prompt per
// asset a minute), then restored: how long the resync takes — the clock stops when dataops' historian
// holds every sample (through dataops' UNS ingest: the centre coalesces each asset's backlog into
// larger UNS batches) and the central event store every prompt — what arrived once, what was lost.
// The last line is one JSON object with the keys. Loopback only; PostgreSQL 127.0.0.1:5432/test.
import { consumeCentral, openEdgeWriter } from '../src/adapters/edge/jetstream-link.ts';
import { maintainxConnector } from '../src/adapters/cmms/maintainx.ts';
import { webhookConnector } from '../src/adapters/http/webhook.ts';
import type { ActionRule } from '../src/domain/rules.ts';
import { createEdgeIngest } from '../src/features/edge-ingest.ts';
import { createLedger } from '../src/features/ledger.ts';
import { createOutbound } from '../src/features/outbound.ts';
import { createPromptEvents } from '../src/features/prompts.ts';
import type { Connector } from '../src/ports.ts';
import { promptEvent, sampleBatch, startCentre } from '../test/central-harness.ts';
import { startEdgeTopology, waitFor } from '../test/edge-harness.ts';
import { startFakeMaintainx, startWebhookReceiver, type Fault } from '../test/fakes.ts';
import { raised, sqliteFixture } from '../test/fixture.ts';

const PROMPTS = Number(process.env.BENCH_PROMPTS ?? 200);
const ASSETS = Number(process.env.BENCH_ASSETS ?? 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 600);
/** The uplink stays cut at least this long (wall clock), however fast the edge wrote. */
const OFFLINE_S = Number(process.env.BENCH_OFFLINE_S ?? 10);
const PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const log = (s: string) => process.stderr.write(`${s}\n`);

async function outbound() {
  const fx = await sqliteFixture();
  const cmms = await startFakeMaintainx();
  const receiver = await startWebhookReceiver('bench-secret');
  try {
    const connectors = new Map<string, Connector>([
      ['maintainx', maintainxConnector({ name: 'maintainx', baseUrl: `${cmms.url}/v1`, apiKey: 'test-key', timeoutMs: 200 })],
      ['erp', webhookConnector({ name: 'erp', url: `${receiver.url}/hooks`, secret: 'bench-secret', timeoutMs: 200 })],
    ]);
    const rules: ActionRule[] = [
      { ruleId: 'work-order', useCaseId: '*', on: 'raised', kind: 'work-order', connector: 'maintainx' },
      { ruleId: 'erp-hook', useCaseId: '*', on: 'raised', kind: 'webhook', connector: 'erp' },
    ];
    const out = createOutbound({
      kernel: fx.kernel,
      connectors,
      policy: { maxAttempts: 4, baseDelayMs: 2, maxDelayMs: 10 },
      now: Date.now,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    });
    const events = createPromptEvents({ outbound: out, rules: () => rules });
    // Faults per prompt: a 503 on every 5th prompt's work order, an answer lost after the work order was
    // stored on every 7th, no answer on every 11th; the webhook answers 500 on every 10th and loses the
    // answer of every 10th+5; every 25th asset is unknown to the CMMS (a refusal: dead-lettered at once).
    const evs = Array.from({ length: PROMPTS }, (_, i) =>
      i % 25 === 24 ? raised({ assetPath: `acme.plant1.packaging.line-1.ghost-${i}`, message: `Check ghost-${i}` }) : raised(),
    );
    const cmmsFaults = (i: number): Fault[] => [
      ...(i % 5 === 0 ? [503] : []),
      ...(i % 7 === 0 ? ['accept-then-hang' as const] : []),
      ...(i % 11 === 0 ? ['hang' as const] : []),
    ];
    const hookFaults = (i: number): Fault[] => (i % 10 === 0 ? [500] : i % 10 === 5 ? ['accept-then-hang'] : []);
    const t0 = performance.now();
    for (const [i, ev] of evs.entries()) {
      cmms.postFaults = cmmsFaults(i);
      receiver.faults = hookFaults(i);
      await events.handle(ev);
      await events.handle(ev); // every event delivered twice
    }
    const ledger = createLedger(fx.kernel.reader);
    await ledger.refresh();
    const keys = cmms.orders.map((o) => o.externalData.platformKey);
    const duplicates = keys.length - new Set(keys).size;
    log(
      `outbound: ${PROMPTS} prompts × 2 deliveries in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${cmms.posts} POSTs, ${receiver.deliveries} webhook deliveries`,
    );
    return { work_orders: cmms.orders.length, duplicates, dead_lettered: ledger.list({ status: 'dead-lettered' }).length };
  } finally {
    await cmms.close();
    await receiver.close();
    await fx.cleanup();
  }
}

async function edge() {
  const site = 'plant1';
  const topo = await startEdgeTopology(14_600, site);
  const centre = await startCentre(topo.hub.url, PG_URL);
  try {
    const writer = await openEdgeWriter(topo.leafNc, site, topo.edgeDomain);
    const ingest = await createEdgeIngest({ store: centre.sinks, now: Date.now });
    const central: { c?: Awaited<ReturnType<typeof consumeCentral>> } = {};
    /** Reads across the link that failed (and were taken again), by reason: while cut, "no responders". */
    const readFailures = new Map<string, number>();
    await waitFor('the leaf link', async () => {
      try {
        central.c = await consumeCentral(
          topo.hubNc,
          site,
          topo.edgeDomain,
          'central-bench',
          async (b) => {
            if ((await ingest.handle(b)).gaps > 0) throw new Error('gap: wait for the earlier records');
          },
          (e: unknown) => {
            const why = e instanceof Error ? e.message : String(e);
            readFailures.set(why, (readFailures.get(why) ?? 0) + 1);
          },
        );
        return true;
      } catch {
        return false;
      }
    });
    const assets = Array.from({ length: ASSETS }, (_, i) => `acme.plant1.packaging.line-1.asset-${i}`);
    const start = Date.now() - 2 * 3_600_000;
    const written = { batches: 0, samples: 0, events: 0 };
    let prompts = 0;
    const record = async (from: number, to: number, offline: boolean) => {
      for (let s = from; s < to; s++) {
        const at = new Date(start + s * 1000);
        await Promise.all(
          assets.map(async (a) => {
            const batch = sampleBatch(a, s, at);
            await writer.write('sample', a, batch.batchId, at.toISOString(), batch);
            written.batches++;
            written.samples += batch.samples.length;
            if (s % 60 === 59) {
              const p = promptEvent(a);
              await writer.write('prompt', a, p.event.id, at.toISOString(), p);
              written.events++;
              if (offline) prompts++;
            }
          }),
        );
      }
    };
    // At the centre: samples (and UNS batches) in dataops' historian + events in the central event store.
    const atCentre = async () => {
      const c = await centre.data.historian.counts();
      return { batches: c.batches, raw: c.raw, events: (await centre.events.readAll()).filter((e) => e.stream.startsWith('recommendation-')).length };
    };
    // Complete = every sample in the historian and every prompt in the event store (the historian's
    // batches are fewer than the edge's: a backlog is coalesced per asset).
    const stored = async () => {
      const c = await atCentre();
      return c.raw + c.events;
    };
    const total = () => written.samples + written.events;
    const records = () => written.batches + written.events;
    // A minute of data while the link is up (the centre reads it as it comes), then the cut.
    await record(0, 60, false);
    await waitFor('the online minute', async () => (await stored()) === total(), 120_000);
    topo.link.cut();
    const cutAt = performance.now();
    await record(60, 60 + SECONDS, true);
    const left = OFFLINE_S * 1000 - (performance.now() - cutAt);
    if (left > 0) await new Promise((r) => setTimeout(r, left));
    const before = ingest.totals.accepted;
    topo.link.restore();
    const restoredAt = performance.now();
    // Where the time goes: the centre reading and handing on every record (UNS publishes, appends), then dataops' historian catching up.
    await waitFor('the records read across the link', async () => ingest.totals.accepted >= records(), 300_000).catch((e: unknown) => log(String(e)));
    const readS = (performance.now() - restoredAt) / 1000;
    await waitFor('the resync', async () => (await stored()) >= total(), 300_000).catch((e: unknown) => log(String(e)));
    const resync = (performance.now() - restoredAt) / 1000;
    log(
      `edge: after the link returned, every record read and handed on in ${readS.toFixed(1)} s; historian and event store complete after ${resync.toFixed(1)} s`,
    );
    await central.c?.stop();
    const after = await atCentre();
    const events = (await centre.events.readAll()).filter((e) => e.stream.startsWith('recommendation-'));
    const distinctEvents = new Set(events.map((e) => e.id)).size;
    log(
      `edge: ${written.batches} UNS batches (${written.samples} samples) and ${written.events} prompts written at the edge (${prompts} while cut); ` +
        `centre before the link returned ${before} records, after: historian ${after.batches} UNS batches (${centre.sinks.counts.sampleRecords} edge batches coalesced into ${centre.sinks.counts.samplesPublished}) / ${after.raw} samples, event store ${after.events} events; ` +
        `repeats ignored: ${ingest.totals.duplicates} records, ${centre.sinks.counts.samplesDuplicate} UNS batches, ${centre.sinks.counts.eventsDuplicate} events; ` +
        `reads that failed and were taken again: ${JSON.stringify(Object.fromEntries(readFailures))}`,
    );
    return {
      edge_offline_s: Number(((restoredAt - cutAt) / 1000).toFixed(1)),
      edge_prompts_while_offline: prompts,
      // Edge records (UNS batches + prompts) the centre took in after the link returned.
      synced_after_reconnect: ingest.totals.accepted - before,
      // Samples missing from the historian + prompts missing from the event store.
      lost: Math.max(0, written.samples - after.raw) + Math.max(0, written.events - distinctEvents),
      resync_s: Number(resync.toFixed(2)),
      // A batch twice in the historian would add its samples again; an event twice, a second id row.
      duplicates: Math.max(0, after.raw - written.samples) + (events.length - distinctEvents),
    };
  } finally {
    await centre.stop();
    await topo.stop();
  }
}

const o = await outbound();
const e = await edge();
process.stdout.write(
  `${JSON.stringify({
    bench: 'integration',
    work_orders: o.work_orders,
    duplicates: o.duplicates + e.duplicates,
    dead_lettered: o.dead_lettered,
    edge_offline_s: e.edge_offline_s,
    edge_prompts_while_offline: e.edge_prompts_while_offline,
    synced_after_reconnect: e.synced_after_reconnect,
    lost: e.lost,
    resync_s: e.resync_s,
  })}\n`,
);
process.exit(0);
