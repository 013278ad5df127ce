// `npm run bench:integration`: (1) outbound — prompts through the MaintainX connector and the signed
// webhook against loopback servers that fail on purpose (5xx, no answer, an answer lost after the
// work order was stored, rejections), every event delivered twice: work orders made, duplicates,
// dead letters; (2) edge ↔ central — a hub and a leaf nats-server started here, the leaf's uplink cut
// while the edge records 10 minutes of one site's data (samples of 20 assets at 1 Hz, a prompt per
// asset a minute), then restored: how long the resync takes, what arrived once, what was lost.
// The last line is one JSON object with the keys. Loopback only; PostgreSQL 127.0.0.1:5432/test.
import { randomUUID } from 'node:crypto';
import { consumeCentral, openEdgeWriter } from '../src/adapters/edge/jetstream-link.ts';
import { openPgEdgeStore } from '../src/adapters/edge/pg-store.ts';
import { maintainxConnector } from '../src/adapters/cmms/maintainx.ts';
import { webhookConnector } from '../src/adapters/http/webhook.ts';
import type { ActionRule } from '../src/domain/rules.ts';
import { createEdgeIngest } from '../src/features/edge-ingest.ts';
import { createLedger } from '../src/features/ledger.ts';
import { createOutbound } from '../src/features/outbound.ts';
import { createPromptEvents } from '../src/features/prompts.ts';
import type { Connector } from '../src/ports.ts';
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
  const topo = await startEdgeTopology(59_600, site);
  const store = await openPgEdgeStore(PG_URL, `bench_edge_${randomUUID().slice(0, 8)}`);
  try {
    const writer = await openEdgeWriter(topo.leafNc, site, topo.edgeDomain);
    const ingest = await createEdgeIngest({ store, now: Date.now });
    const central: { c?: Awaited<ReturnType<typeof consumeCentral>> } = {};
    await waitFor('the leaf link', async () => {
      try {
        central.c = await consumeCentral(topo.hubNc, site, topo.edgeDomain, 'central-bench', async (b) => {
          if ((await ingest.handle(b)).gaps > 0) throw new Error('gap: wait for the earlier records');
        });
        return true;
      } catch {
        return false;
      }
    });
    const assets = Array.from({ length: ASSETS }, (_, i) => `packaging.line-1.asset-${i}`);
    const start = Date.parse('2025-03-05T10:00:00Z');
    let written = 0;
    let prompts = 0;
    const record = async (from: number, to: number, offline: boolean) => {
      for (let s = from; s < to; s++) {
        const at = new Date(start + s * 1000).toISOString();
        await Promise.all(
          assets.map(async (a) => {
            await writer.write('sample', a, randomUUID(), at, { t: s, v: Math.sin(s / 30) });
            written++;
            if (s % 60 === 59) {
              await writer.write('prompt', a, randomUUID(), at, { message: `check ${a}` });
              written++;
              if (offline) prompts++;
            }
          }),
        );
      }
    };
    // A minute of data while the link is up (the centre reads it as it comes), then the cut.
    await record(0, 60, false);
    await waitFor('the online minute', async () => (await store.count(site)) === written, 120_000);
    topo.link.cut();
    const cutAt = performance.now();
    await record(60, 60 + SECONDS, true);
    const left = OFFLINE_S * 1000 - (performance.now() - cutAt);
    if (left > 0) await new Promise((r) => setTimeout(r, left));
    const before = await store.count(site);
    topo.link.restore();
    const restoredAt = performance.now();
    await waitFor('the resync', async () => (await store.count(site)) >= written, 300_000).catch((e: unknown) => log(String(e)));
    const resync = (performance.now() - restoredAt) / 1000;
    await central.c?.stop();
    const stored = await store.count(site);
    log(
      `edge: ${ingest.totals.duplicates} redelivered records ignored; ${written} records written in all (${prompts} prompts while cut), ${before} at the centre before it returned, ${stored} after`,
    );
    return {
      edge_offline_s: Number(((restoredAt - cutAt) / 1000).toFixed(1)),
      edge_prompts_while_offline: prompts,
      synced_after_reconnect: stored - before,
      lost: written - stored,
      resync_s: Number(resync.toFixed(2)),
      duplicates: stored - (await store.distinctSeqs(site)),
      redelivered: ingest.totals.duplicates,
    };
  } finally {
    await store.drop();
    await store.close();
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
