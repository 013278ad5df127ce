// No silent cold start (issue 14, items 6 and 7), on the real inference app (createInferenceApp,
// its HTTP gateway, the pump bearing use case of usecases/pump-bearing.json as the charter records
// it, the training service's pump model promoted through governance) and the simulator's plant:
// - with the historian, the first live reading of a pump is scored at once (its window was rebuilt
//   from the stored readings) and GET /api/v1/assets says `monitored`;
// - without it, the same reading is not scored and the pump is `warming_up`, saying how long is left;
// - every asset of the catalog is listed, in scope of a use case or not.
// The historian here is the readings the plant produced before the start, served through the
// HistorianSource port the dataops adapter implements (dataops itself is not started).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createKeySet, importKeySet, importSigningKey, issueToken } from '@industrial/access';
import { createInProcBus } from '@industrial/bus';
import { eventValidator, UseCaseServingSpec, type UnsSampleBatch } from '@industrial/contracts';
import { MemoryAnchorSink, generateLedgerKeyPem, ledgerKeyFromPem, openSqliteEventStore, type EventStore } from '@industrial/eventstore';
import { createInferenceApp, type InferenceApp } from '@industrial/inference';
import { createKernel } from '@industrial/kernel';
import { createPlant } from '@industrial/simulator';
import { registerDemoPumpModel } from '@industrial/training';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchesOf, readUseCases } from '../scripts/bench-prompts/run.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5, 6, 0);
const PUMP = 'acme.plant-1.utilities.cooling-water.pump-1';
let dir: string;
let store: EventStore;
const apps: InferenceApp[] = [];
let history: UnsSampleBatch[] = [];
let live: UnsSampleBatch[] = [];
let signing: Awaited<ReturnType<typeof importSigningKey>>;
let keySet: Awaited<ReturnType<typeof importKeySet>>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cold-start-'));
  store = await openSqliteEventStore({
    path: join(dir, 'events.db'),
    ledgerKey: ledgerKeyFromPem(generateLedgerKeyPem().privateKeyPem),
    anchorSink: new MemoryAnchorSink(),
    validator: eventValidator,
  });
  const bearing = readUseCases().find((u) => u.mode === 'bearing_failure')!;
  await createKernel({ service: 'charter', store }).append(
    `usecase-${bearing.useCaseId}`,
    [{ type: 'UseCaseServingSpecDefined', data: { useCaseId: bearing.useCaseId, specVersion: 1, spec: UseCaseServingSpec.parse(bearing.serving) } }],
    { actor: 'svc:charter', role: 'service', correlationId: randomUUID(), causationId: null, traceparent: null },
  );
  await registerDemoPumpModel({
    store,
    artifactsDir: resolve(import.meta.dirname, '../.data/bench-prompts/models'),
    useCaseId: bearing.useCaseId,
    actor: { subject: 'svc:platform-setup', role: 'service' },
  });
  const material = await createKeySet({ now: new Date() });
  keySet = await importKeySet(material.keySet);
  signing = await importSigningKey(material.signingKey);
  // two hours of the plant: the first 90 minutes are in the historian, then live readings
  const plant = createPlant({ seed: 8, startMs: T0, layout: { enterprise: 'acme', site: 'plant-1', pumps: 2, mills: 1, packagers: 1 } });
  const pathOf = (a: string) => plant.asset(a)!.path.split('/').join('.');
  for (let m = 1; m <= 95; m++) {
    const b = batchesOf(plant.advance(T0 + m * MIN).updates, pathOf, T0 + m * MIN);
    (m <= 90 ? history : live).push(...b);
  }
  history = history.filter((b) => b.assetPath.includes('pump-'));
  live = live.filter((b) => b.assetPath === PUMP);
}, 300_000);

afterAll(async () => {
  for (const a of apps) await a.stop();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const catalogAssets = [
  'utilities.cooling-water.pump-1',
  'utilities.cooling-water.pump-2',
  'machining.milling-line-1.mill-1',
  'packaging.packing-line-1.packer-1',
].map((p) => {
  const t = `acme.plant-1.${p}`.split('.');
  return { assetPath: t.join('.'), area: t[2]!, line: t[3]!, name: t[4]!, tags: [] };
});

async function start(withHistorian: boolean, name: string): Promise<{ app: InferenceApp; url: string }> {
  // the plant's clock: the start happens just after the last stored reading
  const now = T0 + 90 * MIN + 5_000;
  const app = createInferenceApp({
    store,
    bus: createInProcBus(),
    keySet,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    now: () => now,
    catalog: { assets: async () => catalogAssets },
    historian: withHistorian
      ? {
          recent: async (assetPath, _tags, spanMs) => {
            const mine = history.filter((b) => b.assetPath === assetPath);
            const newest = Date.parse(mine.at(-1)?.plantTime ?? '1970-01-01T00:00:00Z');
            return mine.filter((b) => Date.parse(b.plantTime) >= newest - spanMs - MIN);
          },
        }
      : null,
    config: {
      grpc: null,
      // port 0: a fixed port can be taken by anything else on a busy CI machine (EADDRINUSE)
      http: { host: '127.0.0.1', port: 0, rateLimit: null },
      access: { issuer: 'industrial-access', audience: 'industrial-platform' },
      replicaId: `cold-${name}`,
      replicas: [`cold-${name}`],
      unsSubject: null,
    },
  });
  apps.push(app);
  const { httpPort } = await app.start();
  return { app, url: `http://127.0.0.1:${httpPort}` };
}

async function assets(url: string): Promise<{ assetPath: string; assetKind: string; useCases: { state: string; reason: string; since: string }[] }[]> {
  const token = await issueToken(signing, {
    subject: 'olga',
    roles: ['operator'],
    scopes: ['*'],
    tokenId: randomUUID(),
    issuer: 'industrial-access',
    audience: 'industrial-platform',
    now: new Date(),
    ttlSeconds: 600,
  });
  const r = await fetch(`${url}/api/v1/assets`, { headers: { authorization: `Bearer ${token}` } });
  expect(r.status).toBe(200);
  return ((await r.json()) as { assets: never[] }).assets;
}

describe('cold start', () => {
  it('rebuilds the window from the historian: the first live reading is scored at once and the pump is monitored', async () => {
    const { app, url } = await start(true, 'historian');
    const before = await assets(url);
    // every catalog asset, in scope of a use case or not
    expect(before.map((a) => a.assetPath).sort()).toEqual(catalogAssets.map((a) => a.assetPath).sort());
    expect(before.find((a) => a.assetPath === PUMP)!.useCases[0]!.state).toBe('warming_up');
    await app.ingest(live[0]!);
    expect(app.pipeline.counters().modelScores).toBeGreaterThanOrEqual(1);
    const after = (await assets(url)).find((a) => a.assetPath === PUMP)!;
    expect(after.assetKind).toBe('pump');
    expect(after.useCases[0]).toMatchObject({ state: 'monitored', reason: 'Watched by the model: every new reading is checked.' });
  });

  it('without the historian the same reading is not scored, and the pump says it is warming up and for how long', async () => {
    const { app, url } = await start(false, 'no-historian');
    await app.ingest(live[0]!);
    expect(app.pipeline.counters().windowsScored).toBe(0);
    const pump = (await assets(url)).find((a) => a.assetPath === PUMP)!;
    expect(pump.useCases[0]!.state).toBe('warming_up');
    expect(pump.useCases[0]!.reason).toMatch(/^Collecting readings: watching starts in about \d+ plant min\.$/);
  });
});
