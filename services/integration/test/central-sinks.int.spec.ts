// The centre's sinks of edge records on PostgreSQL (cursor and outbox), with a bus that keeps each
// message id once (like JetStream's duplicate window) and fails on purpose: an asset's backlog is
// published as few coalesced UNS batches; a publish that fails stays in the outbox and is sent
// again with the same id; a read handed in again with other boundaries is not planned twice; a
// restarted centre sends what its outbox still holds. Every sample reaches the stream exactly once.
import { randomUUID } from 'node:crypto';
import type { Bus } from '@industrial/bus';
import type { UnsSampleBatch } from '@industrial/contracts';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openCentralSinks, runBatchId } from '../src/adapters/edge/central-sinks.ts';
import type { Ingested } from '../src/domain/edge-sync.ts';
import { sampleBatch } from './central-harness.ts';

const PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `itest_sinks_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const SITE = 'plant7';
const assets = ['acme.plant7.packaging.line-1.filler-1', 'acme.plant7.packaging.line-1.capper-1'];

/** A stream that keeps a message id once; `failing` publishes throw first. */
function fakeBus() {
  const byId = new Map<string, UnsSampleBatch>();
  const state = { failing: 0, publishes: 0 };
  const bus = {
    async publish(_subject: string, payload: object, options?: { msgId?: string }) {
      state.publishes++;
      if (state.failing > 0) {
        state.failing--;
        throw new Error('publish timed out');
      }
      const id = options?.msgId as string;
      const duplicate = byId.has(id);
      if (!duplicate) byId.set(id, payload as UnsSampleBatch);
      return { stream: 'UNS', seq: byId.size, duplicate };
    },
  } as unknown as Bus;
  return { bus, byId, state };
}

function records(asset: string, from: number, to: number): Ingested[] {
  const t0 = Date.parse('2025-03-05T10:00:00Z');
  return Array.from({ length: to - from + 1 }, (_, i) => {
    const seq = from + i;
    const at = new Date(t0 + seq * 1000);
    const batch = sampleBatch(asset, seq, at);
    batch.batchId = runBatchId(`edge/${asset}/${seq}`); // the same record each time it is handed in
    return { id: batch.batchId, site: SITE, asset, seq, kind: 'sample', at: at.toISOString(), data: batch, receivedAt: at.toISOString(), clockAhead: false };
  });
}

afterAll(async () => {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await c.end();
});

describe('the centre taking an edge backlog', () => {
  it('publishes each asset’s backlog as few UNS batches and every sample exactly once, despite failed publishes, reads handed in again and a restart', async () => {
    const { bus, byId, state } = fakeBus();
    const open = () => openCentralSinks({ bus, kernelFor: () => Promise.reject(new Error('no events here')) as never, pgUrl: PG_URL, schema, retryMs: 50 });
    let sinks = await open();
    // 120 s of two assets in one read: two batches of 61 / 59 records each, not 240.
    const first = [...records(assets[0] as string, 1, 120), ...records(assets[1] as string, 1, 120)];
    expect(await sinks.store(first)).toBe(240);
    expect(byId.size).toBe(4);
    expect([...byId.keys()]).toContain(runBatchId(`uns-run/${SITE}/${assets[0]}/1-61`));
    // The next read: its publishes fail, yet its records are taken (planned in the outbox, the cursor moved).
    state.failing = 1_000;
    const next = records(assets[0] as string, 121, 150);
    expect(await sinks.store(next)).toBe(30);
    expect(byId.size).toBe(4);
    // While the earlier batch cannot go, a newer read is not taken (it comes again).
    await expect(sinks.store(records(assets[0] as string, 151, 152))).rejects.toThrow(/earlier edge batches/);
    state.failing = 0;
    // The same records handed in again with other boundaries (an ack lost): nothing is planned twice,
    // and the outbox goes first, under the id it was planned with.
    expect(await sinks.store([...records(assets[0] as string, 100, 140), ...records(assets[0] as string, 141, 160)])).toBe(10);
    expect(byId.size).toBe(6);
    expect([...byId.keys()]).toContain(runBatchId(`uns-run/${SITE}/${assets[0]}/121-150`));
    // A restart while a publish fails: the new sinks send what the outbox still holds (on their timer).
    state.failing = 1;
    expect(await sinks.store(records(assets[1] as string, 121, 125))).toBe(5);
    await sinks.close();
    sinks = await open();
    expect((await sinks.lastSequences()).get(`${SITE}/${assets[1]}`)).toBe(125);
    const deadline = Date.now() + 10_000;
    while (byId.size < 7 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // Every sample of every record exactly once, in the edge's order per asset.
    for (const [asset, last] of [
      [assets[0], 160],
      [assets[1], 125],
    ] as const) {
      const values = [...byId.values()]
        .filter((b) => b.assetPath === asset)
        .sort((a, b) => Date.parse(a.samples[0]?.sourceTimestamp as string) - Date.parse(b.samples[0]?.sourceTimestamp as string))
        .flatMap((b) => b.samples.map((s) => s.value));
      expect(values).toEqual(records(asset as string, 1, last).flatMap((r) => (r.data as UnsSampleBatch).samples.map((s) => s.value)));
    }
    expect(state.publishes).toBeGreaterThan(byId.size);
    await sinks.drop();
    await sinks.close();
  }, 60_000);
});
