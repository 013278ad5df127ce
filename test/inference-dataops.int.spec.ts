// Inference's view of the plant through dataops' real gRPC API (services/inference/src/adapters/
// dataops/grpc.ts): the catalog grouped by asset, and an asset's newest readings from the historian
// as UNS batches in time order — what rebuilds a window at first sight and on takeover. The plant's
// readings are ingested by dataops itself (its UNS ingest), the call is made with a service token.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKeySet, importKeySet, importSigningKey, issueToken } from '@industrial/access';
import { createInProcBus } from '@industrial/bus';
import { dataopsPlant } from '@industrial/inference';
import { createPlant } from '@industrial/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataopsGrpcServer } from '../services/dataops/src/adapters/grpc/server.ts';
import { createDataopsApp, DEFAULT_CONFIG, type DataopsApp } from '../services/dataops/src/app.ts';
import { silentLogger, sqliteStore, testEventStore, type StoreHarness } from '../services/dataops/test/harness.ts';
import { batchesOf } from '../scripts/bench-prompts/run.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5, 6, 0);
const PUMP = 'acme.plant-1.utilities.cooling-water.pump-1';
let h: StoreHarness;
let app: DataopsApp;
let server: ReturnType<typeof createDataopsGrpcServer>;
let plant: ReturnType<typeof dataopsPlant>;
let dir: string;
let events: Awaited<ReturnType<typeof testEventStore>>;

beforeAll(async () => {
  h = await sqliteStore(1000);
  events = await testEventStore();
  dir = mkdtempSync(join(tmpdir(), 'inference-dataops-'));
  const material = await createKeySet({ now: new Date() });
  const keySet = await importKeySet(material.keySet);
  app = createDataopsApp({
    store: events,
    data: h.store,
    bus: createInProcBus(),
    keySet,
    logger: silentLogger,
    config: { ...DEFAULT_CONFIG, events: null, snapshotDir: dir, codeVersion: 'test-1' },
  });
  server = createDataopsGrpcServer({
    app,
    store: events,
    keySet,
    access: { issuer: 'industrial-access', audience: 'industrial-platform' },
    // a failing call's cause is shown (the server answers INTERNAL with a correlation id only)
    logger: { debug() {}, info() {}, warn() {}, error: (o: { err?: unknown }) => process.stderr.write(`dataops: ${String(o.err)}\n`) } as never,
  });
  const address = `127.0.0.1:${await server.listen('127.0.0.1:0')}`;
  const token = await issueToken(await importSigningKey(material.signingKey), {
    subject: 'svc:inference',
    roles: ['service'],
    scopes: ['*'],
    tokenId: randomUUID(),
    issuer: 'industrial-access',
    audience: 'industrial-platform',
    now: new Date(),
    ttlSeconds: 600,
  });
  plant = dataopsPlant({ address, token: () => token, deadlineMs: 20_000 });
  // two hours of a small plant, ingested by dataops as connectivity would publish it
  const sim = createPlant({ seed: 5, startMs: T0, layout: { enterprise: 'acme', site: 'plant-1', pumps: 2, mills: 1, packagers: 0 } });
  const pathOf = (a: string) => sim.asset(a)!.path.split('/').join('.');
  // the tags as connectivity catalogues them (TagMapped → catalog), then their readings
  for (const a of sim.assets) for (const t of a.tags) await app.upsertTagMetadata({ assetPath: pathOf(a.id), tag: t.name, description: t.description });
  for (let m = 1; m <= 120; m++) for (const b of batchesOf(sim.advance(T0 + m * MIN).updates, pathOf, T0 + m * MIN)) await app.ingestBatch(b);
}, 300_000);

afterAll(async () => {
  plant?.close();
  await server?.shutdown({ graceMs: 1000 });
  await events?.close();
  await h?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('inference reads the plant through dataops', () => {
  it('lists every catalogued asset with its tags', async () => {
    const assets = await plant.assets();
    expect(assets.map((a) => a.assetPath).sort()).toEqual([
      'acme.plant-1.machining.milling-line-1.mill-1',
      'acme.plant-1.utilities.cooling-water.pump-1',
      'acme.plant-1.utilities.cooling-water.pump-2',
    ]);
    const pump = assets.find((a) => a.assetPath === PUMP)!;
    expect(pump).toMatchObject({ area: 'utilities', line: 'cooling-water', name: 'pump-1' });
    expect(pump.tags).toEqual(['bearing_temperature', 'discharge_pressure', 'flow', 'motor_current', 'speed', 'vibration_rms']);
    expect(assets.find((a) => a.name === 'mill-1')!.tags).toContain('tool_wear');
  });

  it('gives the newest hour of readings as UNS batches in time order, whatever the wall clock', async () => {
    // the plant's clock is in January 2026: asked "until" a wall clock years later, the newest readings still come back
    const batches = await plant.recent(PUMP, ['vibration_rms', 'bearing_temperature'], 60 * MIN, Date.UTC(2026, 1, 1));
    expect(batches.length).toBeGreaterThanOrEqual(60);
    const times = batches.map((b) => Date.parse(b.plantTime));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times.at(-1)).toBe(T0 + 120 * MIN);
    expect(times[0]).toBeGreaterThanOrEqual(T0 + 59 * MIN);
    expect(batches.every((b) => b.assetPath === PUMP && b.samples.every((s) => ['vibration_rms', 'bearing_temperature'].includes(s.tag)))).toBe(true);
    expect(
      batches
        .at(-1)!
        .samples.map((s) => s.tag)
        .sort(),
    ).toEqual(['bearing_temperature', 'vibration_rms']);
    // a tag the historian does not hold gives nothing, not an error
    expect(await plant.recent(PUMP, ['no_such_tag'], 60 * MIN, Date.UTC(2026, 1, 1))).toEqual([]);
  });
});
