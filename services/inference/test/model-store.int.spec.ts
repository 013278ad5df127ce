// Models at an edge site from the JetStream object store (issue #21), on the real NATS
// (127.0.0.1:4222, a bucket of this run's own, destroyed afterwards). The test plays the centre:
// it puts a training bundle's artifacts (the pump model: ONNX, explainer, reference profile) into
// the bucket content-addressed (`sha256/<hash>`, as the centre's mirror does) and registers the
// version with URIs of the centre's disk that do not exist here. The site's loader
// (adapters/models) takes them from the store, checks each against its registered hash and caches
// it; with the store out of reach it loads from its cache. Bytes that differ from the registered
// hash are refused naming the version, and nothing is cached; a missing object is waited for, and
// close() (the site stopping) ends that wait at once.
// Through the app: the version serves, and a mismatched one is recorded as ModelRefused.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKeySet, importKeySet } from '@industrial/access';
import { createInProcBus } from '@industrial/bus';
import { eventExamples, eventValidator } from '@industrial/contracts';
import { MemoryAnchorSink, generateLedgerKeyPem, ledgerKeyFromPem, openSqliteEventStore, type EventStore } from '@industrial/eventstore';
import { ensurePumpBundle, pumpBundleFiles } from '@industrial/training';
import { jetstream } from '@nats-io/jetstream';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileArtifacts, type ModelBundle } from '../src/adapters/artifacts/files.ts';
import { objectStoreModels } from '../src/adapters/models/cached-loader.ts';
import { natsModelObjects } from '../src/adapters/models/nats-objects.ts';
import { createInferenceApp, type InferenceApp } from '../src/app.ts';
import type { RegisteredModel } from '../src/domain/deployments.ts';
import { ModelRefusedError } from '../src/domain/errors.ts';
import type { LoadedModel, ModelLoader } from '../src/features/ports.ts';
import { asGovernance, USE_CASE } from './fixture.ts';
import { defineAsCharter } from './usecases.ts';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const CENTRE = 'file:///var/lib/centre/artifacts/sha256/'; // the centre's disk: not on this machine

let nc: NatsConnection;
let os: ObjectStore;
const bucket = `it-h21a-models-${randomUUID().slice(0, 8)}`;
let dir: string;
let files: { onnx: Uint8Array; model: Uint8Array; reference: Uint8Array };
let pump: Awaited<ReturnType<typeof ensurePumpBundle>>['record'];

const put = async (bytes: Uint8Array, name = `sha256/${sha256(bytes)}`) => {
  await os.putBlob({ name }, bytes);
};

/** A registration as the site's store holds it: the centre's URIs, the registered hashes. */
const registration = (over: Partial<RegisteredModel> = {}): RegisteredModel => ({
  modelVersionId: randomUUID(),
  useCaseId: USE_CASE,
  version: 3,
  artifactUri: `${CENTRE}${sha256(files.onnx)}`,
  artifactHash: sha256(files.onnx),
  decisionThreshold: 0.5,
  windowSeconds: 3600,
  sidecars: {
    explainer: { uri: `${CENTRE}${sha256(files.model)}`, sha256: sha256(files.model) },
    reference: { uri: `${CENTRE}${sha256(files.reference)}`, sha256: sha256(files.reference) },
  },
  ...over,
});

/** The usual loader's reading side: the bundle through the file adapter (which checks the sidecars' hashes). */
function reading(): { loader: ModelLoader; seen: { reg: RegisteredModel; bundle: ModelBundle }[] } {
  const seen: { reg: RegisteredModel; bundle: ModelBundle }[] = [];
  return {
    seen,
    loader: {
      async load(reg) {
        seen.push({ reg, bundle: await fileArtifacts().load(reg.artifactUri, reg.sidecars) });
        return { registered: reg } as unknown as LoadedModel;
      },
    },
  };
}

const cacheIn = (name: string) => join(dir, name);
const cached = (cacheDir: string): string[] => (existsSync(join(cacheDir, 'sha256')) ? readdirSync(join(cacheDir, 'sha256')) : []);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'inference-models-'));
  // the pump model of the training service (built once per machine, then read from its cache)
  const bundle = await ensurePumpBundle(join(tmpdir(), 'inference-model-store-pump'), { plants: 4 });
  pump = bundle.record;
  const f = pumpBundleFiles(bundle.dir);
  files = { onnx: readFileSync(f.onnx), model: readFileSync(f.model), reference: readFileSync(f.reference) };
  nc = await connect({ servers: '127.0.0.1:4222', name: 'inference-model-store-test' });
  os = await new Objm(jetstream(nc)).create(bucket, { storage: 'memory' });
  for (const b of Object.values(files)) await put(b);
}, 600_000);

afterAll(async () => {
  await os?.destroy().catch(() => undefined);
  await nc?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The registry event of `reg` as governance records it for the pump use case. */
const registeredData = (reg: RegisteredModel) => ({
  ...eventExamples.ModelVersionRegistered,
  modelVersionId: reg.modelVersionId,
  useCaseId: USE_CASE,
  runId: randomUUID(),
  version: reg.version,
  artifactUri: reg.artifactUri,
  artifactHash: reg.artifactHash,
  spec: {
    ...eventExamples.ModelVersionRegistered.spec,
    target: pump.target,
    features: pump.featureSpec.features.map((f) => f.name),
    task: 'classification' as const,
  },
  inputs: pump.featureSpec.features.map((f) => ({ name: f.name, unit: f.unit })),
  windowSeconds: pump.featureSpec.windowMinutes * 60,
  outputs: [{ name: 'probabilities' }],
  decisionThreshold: pump.threshold,
  explainer: reg.sidecars!.explainer!,
  reference: reg.sidecars!.reference!,
});

describe('when a site loads a registered model version from the object store', () => {
  it('takes each artifact from the store by its registered hash, caches it, and loads from the cache with the store out of reach', async () => {
    const cacheDir = cacheIn('cache-a');
    const first = reading();
    const reg = registration();
    const loaded = await objectStoreModels(first.loader, { objects: natsModelObjects(nc, { bucket, domain: null }), cacheDir }).load(reg);
    // the usual loader read exactly the centre's bytes, from the site's cache, not the registered URIs
    expect(first.seen).toHaveLength(1);
    const { bundle, reg: read } = first.seen[0]!;
    expect(Buffer.from(bundle.onnx).equals(Buffer.from(files.onnx))).toBe(true);
    expect(bundle.modelJson).toBe(Buffer.from(files.model).toString('utf8'));
    expect(bundle.reference.inputs).toEqual(pump.featureSpec.features.map((x) => x.name));
    expect(read.artifactUri.startsWith(`file://${join(cacheDir, 'sha256')}`)).toBe(true);
    // what serves is the version as registered
    expect(loaded.registered).toBe(reg);
    expect(cached(cacheDir).sort()).toEqual([sha256(files.onnx), sha256(files.model), sha256(files.reference)].sort());

    // The uplink is down: a connection that is closed. The cache serves; a site without it is told why.
    const down = await connect({ servers: '127.0.0.1:4222', name: 'inference-model-store-test-down' });
    await down.close();
    const offline = natsModelObjects(down, { bucket, domain: null });
    const again = reading();
    await objectStoreModels(again.loader, { objects: offline, cacheDir, waitMs: 1_000, retryEveryMs: 200 }).load(reg);
    expect(Buffer.from(again.seen[0]!.bundle.onnx).equals(Buffer.from(files.onnx))).toBe(true);
    const empty = reading();
    const failed = objectStoreModels(empty.loader, { objects: offline, cacheDir: cacheIn('cache-empty'), waitMs: 1_000, retryEveryMs: 200 }).load(reg);
    await expect(failed).rejects.toThrow(new RegExp(`model version ${reg.modelVersionId} .*could not be read from the object store .*not hold it`));
    expect(empty.seen).toHaveLength(0);
  }, 120_000);

  it('refuses an artifact whose bytes differ from the registered hash, naming the version and both hashes, and caches nothing', async () => {
    const good = new TextEncoder().encode(`onnx-${randomUUID()}`);
    const tampered = new TextEncoder().encode(`tampered-${randomUUID()}`);
    await put(tampered, `sha256/${sha256(good)}`); // the object under the registered hash holds other bytes
    const cacheDir = cacheIn('cache-b');
    const inner = reading();
    const reg = registration({ artifactHash: sha256(good), artifactUri: `${CENTRE}${sha256(good)}` });
    const error = await objectStoreModels(inner.loader, { objects: natsModelObjects(nc, { bucket, domain: null }), cacheDir })
      .load(reg)
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(ModelRefusedError);
    const refused = error as ModelRefusedError;
    expect(refused.check).toBe('integrity');
    expect(refused.sha256).toEqual({ expected: sha256(good), actual: sha256(tampered) });
    expect(refused.message).toContain(`model version ${reg.modelVersionId}`);
    expect(refused.message).toContain(sha256(tampered));
    expect(inner.seen).toHaveLength(0);
    expect(cached(cacheDir)).not.toContain(sha256(good));
  }, 60_000);

  it('waits for an artifact not in the store yet: loads it once it arrives, else fails naming the version', async () => {
    const late = new TextEncoder().encode(`late-onnx-${randomUUID()}`);
    const reg = registration({ artifactHash: sha256(late) });
    const objects = natsModelObjects(nc, { bucket, domain: null });
    const missing = objectStoreModels(reading().loader, { objects, cacheDir: cacheIn('cache-c'), waitMs: 1_500, retryEveryMs: 250 }).load(reg);
    await expect(missing).rejects.toThrow(new RegExp(`model version ${reg.modelVersionId} .*ONNX model sha256/${sha256(late)} is not in the object store`));
    const inner = reading();
    const waiting = objectStoreModels(inner.loader, { objects, cacheDir: cacheIn('cache-d'), waitMs: 60_000, retryEveryMs: 250 }).load(reg);
    await new Promise((r) => setTimeout(r, 1_000));
    await put(late);
    await waiting;
    expect(Buffer.from(inner.seen[0]!.bundle.onnx).equals(Buffer.from(late))).toBe(true);
  }, 120_000);
});

describe('when the site stops while a load waits for its artifacts', () => {
  it('ends the wait at once on close(): the load fails saying the site is stopping, not refusing the version, and later loads fail at once', async () => {
    const never = new TextEncoder().encode(`never-onnx-${randomUUID()}`);
    const reg = registration({ artifactHash: sha256(never) });
    const inner = reading();
    const loader = objectStoreModels(inner.loader, {
      objects: natsModelObjects(nc, { bucket, domain: null }),
      cacheDir: cacheIn('cache-e'),
      waitMs: 300_000, // far beyond the test's own timeout: only close() can end this wait
      retryEveryMs: 60_000,
    });
    const waiting = loader.load(reg).then(
      () => null,
      (e: unknown) => e,
    );
    await new Promise((r) => setTimeout(r, 1_000)); // the first try found nothing: it sleeps before the next
    loader.close();
    const error = await waiting;
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(ModelRefusedError);
    expect((error as Error).message).toMatch(
      new RegExp(`model version ${reg.modelVersionId} .*ONNX model sha256/${sha256(never)} was not loaded: the site's inference is stopping`),
    );
    expect(inner.seen).toHaveLength(0);
    await expect(loader.load(registration())).rejects.toThrow(/is stopping/);
  }, 60_000);

  it('gives up a read whose signal aborts, and reads the object in full otherwise', async () => {
    const objects = natsModelObjects(nc, { bucket, domain: null });
    const name = `sha256/${sha256(files.onnx)}`;
    const aborted = new AbortController();
    aborted.abort(new Error('stopping now'));
    await expect(objects.get(name, aborted.signal)).rejects.toThrow('stopping now');
    const bytes = await objects.get(name, new AbortController().signal);
    expect(bytes !== null && Buffer.from(bytes).equals(Buffer.from(files.onnx))).toBe(true);
    expect(await objects.get(`sha256/${sha256(new TextEncoder().encode(randomUUID()))}`)).toBeNull();
  }, 60_000);
});

describe('when the site’s inference serves models from the object store', () => {
  let store: EventStore;
  let app: InferenceApp;

  beforeAll(async () => {
    store = await openSqliteEventStore({
      path: join(dir, 'events.db'),
      ledgerKey: ledgerKeyFromPem(generateLedgerKeyPem().privateKeyPem),
      anchorSink: new MemoryAnchorSink(),
      validator: eventValidator,
    });
    await defineAsCharter(store, 'pump-bearing');
    const silent = { debug() {}, info() {}, warn() {}, error() {} };
    app = createInferenceApp({
      store,
      bus: createInProcBus({ logger: silent }),
      keySet: await importKeySet((await createKeySet({ now: new Date() })).keySet),
      logger: silent,
      modelStore: { objects: natsModelObjects(nc, { bucket, domain: null }), cacheDir: cacheIn('site-cache'), waitMs: 5_000 },
      config: { grpc: null, http: null, access: { issuer: 'i', audience: 'a' }, replicaId: 'r1', replicas: ['r1'], unsSubject: null, shutdownGraceMs: 1_000 },
    });
    await app.start();
  }, 120_000);

  afterAll(async () => {
    await app?.stop();
    await store?.close();
  });

  const register = async (reg: RegisteredModel) => {
    const governance = asGovernance(store);
    await governance({
      type: 'ModelVersionRegistered',
      data: registeredData(reg),
    });
    await governance({
      type: 'ModelPromoted',
      data: { useCaseId: USE_CASE, modelVersionId: reg.modelVersionId, stage: 'production', approvalRequestId: randomUUID(), previousModelVersionId: null },
    });
    await app.settle();
    await app.models.idle();
  };

  it('serves the version it took from the store, and records a mismatched one as refused, naming it, while the first keeps serving', async () => {
    const v1 = registration({ version: 1 });
    await register(v1);
    expect(app.models.status().lastRefusal).toBeNull();
    expect(app.models.slots(USE_CASE).production?.registered.modelVersionId).toBe(v1.modelVersionId);
    expect(cached(cacheIn('site-cache'))).toContain(sha256(files.onnx));

    const other = new TextEncoder().encode(`other-onnx-${randomUUID()}`);
    const claimed = sha256(new TextEncoder().encode(`claimed-${randomUUID()}`));
    await put(other, `sha256/${claimed}`);
    const v2 = registration({ version: 2, artifactHash: claimed, artifactUri: `${CENTRE}${claimed}` });
    await register(v2);
    const refusals = (await store.readAll({ fromPosition: 1, maxCount: 10_000 })).filter((e) => e.type === 'ModelRefused');
    const refusal = refusals.find((e) => (e.data as { modelVersionId: string }).modelVersionId === v2.modelVersionId);
    expect(refusal?.data).toMatchObject({ check: 'integrity', expectedSha256: claimed, actualSha256: sha256(other), keptModelVersionId: v1.modelVersionId });
    expect(String((refusal?.data as { reason: string }).reason)).toContain(`model version ${v2.modelVersionId}`);
    expect(app.models.slots(USE_CASE).production?.registered.modelVersionId).toBe(v1.modelVersionId);
  }, 180_000);
});

describe('when the site’s inference stops while a promoted version waits for its artifact', () => {
  it('stops at once and records no refusal of that version (the wait was cut short, not a verdict)', async () => {
    const store = await openSqliteEventStore({
      path: join(dir, 'events-stop.db'),
      ledgerKey: ledgerKeyFromPem(generateLedgerKeyPem().privateKeyPem),
      anchorSink: new MemoryAnchorSink(),
      validator: eventValidator,
    });
    await defineAsCharter(store, 'pump-bearing');
    const silent = { debug() {}, info() {}, warn() {}, error() {} };
    // the store as the site sees it, counting the reads, so the test knows the load is waiting
    const real = natsModelObjects(nc, { bucket, domain: null });
    let reads = 0;
    const asked: typeof real = { where: real.where, get: (name, signal) => (reads++, real.get(name, signal)) };
    const app = createInferenceApp({
      store,
      bus: createInProcBus({ logger: silent }),
      keySet: await importKeySet((await createKeySet({ now: new Date() })).keySet),
      logger: silent,
      // far beyond the test's timeout: only the stop can end this wait
      modelStore: { objects: asked, cacheDir: cacheIn('site-cache-stop'), waitMs: 3_000_000 },
      config: { grpc: null, http: null, access: { issuer: 'i', audience: 'a' }, replicaId: 'r1', replicas: ['r1'], unsSubject: null, shutdownGraceMs: 1_000 },
    });
    await app.start();
    const absent = sha256(new TextEncoder().encode(`never-put-${randomUUID()}`));
    const reg = registration({ version: 7, artifactHash: absent, artifactUri: `${CENTRE}${absent}` });
    const governance = asGovernance(store);
    await governance({
      type: 'ModelVersionRegistered',
      data: registeredData(reg),
    });
    await governance({
      type: 'ModelPromoted',
      data: { useCaseId: USE_CASE, modelVersionId: reg.modelVersionId, stage: 'production', approvalRequestId: randomUUID(), previousModelVersionId: null },
    });
    // the load is waiting for the absent object (read, not there, asked again later); the stop must end it
    const since = Date.now();
    while (reads < 1 && Date.now() - since < 30_000) await new Promise((r) => setTimeout(r, 100));
    expect(reads).toBeGreaterThan(0);
    await app.stop();
    const refused = (await store.readAll({ fromPosition: 1, maxCount: 10_000 })).filter(
      (e) => e.type === 'ModelRefused' && (e.data as { modelVersionId: string }).modelVersionId === reg.modelVersionId,
    );
    expect(refused).toEqual([]);
    expect(app.models.slots(USE_CASE).production).toBeNull();
    await store.close();
  }, 60_000);
});
