// Issue #22 done-when, end to end: the simulator's inspection station plays DeepPCB boards into a
// camera folder → connectivity's folder source stores them by hash and records ImageCaptured →
// inference scores each board with the visual model registered, approved by a quality lead and
// promoted through governance's registry → the board prompt with its regions arrives on the
// operator's screen (built HMI, real Chromium, the inspection feed) → the operator confirms one
// region and rejects another → dataops turns both verdicts into labels → both are in the next tile
// snapshot of the station's images. One SQLite event store shared by the services, in process.
// The model is the small tile model of services/inference/test/vision-fixture.ts (12 boards,
// cached under .data/), its model JSON carrying the region stage inference serves it with.
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createKeySet, importKeySet, importSigningKey, issueToken, writeKeyMaterial, type Role } from '@industrial/access';
import { createInProcBus } from '@industrial/bus';
import { eventExamples, eventValidator, Service, UseCaseServingSpec } from '@industrial/contracts';
import { MemoryAnchorSink, generateLedgerKeyPem, ledgerKeyFromPem, openSqliteEventStore, type EventStore } from '@industrial/eventstore';
import { createModelRegistry } from '@industrial/governance';
import { createInferenceApp, type InferenceApp } from '@industrial/inference';
import { createKernel, type Cause } from '@industrial/kernel';
import { FEATURE_NAMES, sha256Of } from '@industrial/vision';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readUseCaseFile } from '../scripts/platform/usecases.ts';
import { startCameraSources, type CameraSources } from '../services/connectivity/src/adapters/images/camera-sources.ts';
import { imageStoreAt, tileCutter } from '../services/dataops/src/adapters/images-tiles.ts';
import { labelsOfImage } from '../services/dataops/src/features/images-labels.ts';
import { imagesOfSource, imageTileSnapshot } from '../services/dataops/src/features/images-snapshot.ts';
import { verdictLabels, type VerdictLabels } from '../services/dataops/src/features/images-verdicts.ts';
import { DEEPPCB, writeBoardBundle } from '../services/inference/test/vision-fixture.ts';
import { startInspectionCamera, type InspectionCamera } from '../services/simulator/src/adapters/inspection-camera.ts';
import { CHROMIUM_ARGS, buildHmi, startHmi, type RunningHmi } from './hmi/harness.ts';

const ISSUER = 'industrial-access';
const AUDIENCE = 'industrial-platform';
const STATION = 'aoi-1';
const SHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? join(import.meta.dirname, 'hmi', 'screenshots') : mkdtempSync(join(tmpdir(), 'vision-shots-'));
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const poll = <T>(fn: () => Promise<T> | T, timeout = 60_000) => expect.poll(fn, { timeout, interval: 250 });

let dir: string,
  store: EventStore,
  app: InferenceApp,
  cameras: CameraSources,
  camera: InspectionCamera,
  labels: VerdictLabels,
  hmi: RunningHmi,
  browser: Browser;
let token: (role: Role, subject: string) => Promise<string>;
let useCaseId: string, modelVersionId: string;
const cause = (actor: string, role: string): Cause => ({ actor, role, correlationId: randomUUID(), causationId: null, traceparent: null });

beforeAll(async () => {
  buildHmi();
  dir = mkdtempSync(join(tmpdir(), 'vision-e2e-'));
  const keysDir = join(dir, 'keys');
  const material = await createKeySet({ now: new Date() });
  await writeKeyMaterial(keysDir, material);
  const keySet = await importKeySet(material.keySet);
  const signingKey = await importSigningKey(material.signingKey);
  token = (role, subject) =>
    issueToken(signingKey, {
      subject,
      roles: [role],
      scopes: ['*'],
      tokenId: randomUUID(),
      issuer: ISSUER,
      audience: AUDIENCE,
      now: new Date(),
      ttlSeconds: 3600,
    });
  store = await openSqliteEventStore({
    path: join(dir, 'events.db'),
    ledgerKey: ledgerKeyFromPem(generateLedgerKeyPem().privateKeyPem),
    anchorSink: new MemoryAnchorSink(),
    validator: eventValidator,
  });
  const imagesDir = join(dir, 'images');

  // The use case as the charter records it (usecases/visual/board-line-inspection.json).
  const file = readUseCaseFile('board-line-inspection', join(import.meta.dirname, '../usecases/visual'));
  useCaseId = file.useCaseId;
  await createKernel({ service: Service.Charter, store }).append(
    `usecase-${useCaseId}`,
    [{ type: 'UseCaseServingSpecDefined', data: { useCaseId, specVersion: 1, spec: UseCaseServingSpec.parse(file.serving) } }],
    cause('svc:charter', 'service'),
  );

  app = createInferenceApp({
    store,
    bus: createInProcBus(),
    keySet,
    logger: silent,
    config: {
      grpc: null,
      http: { host: '127.0.0.1', port: 0 },
      access: { issuer: ISSUER, audience: AUDIENCE },
      replicaId: 'r1',
      replicas: ['r1'],
      unsSubject: null,
      shutdownGraceMs: 500,
      images: { storeDir: imagesDir },
    },
  });
  const { httpPort } = await app.start();

  // The model: registered with its card by training's engineer, approved by a quality lead, promoted (governance's registry).
  const models = join(dir, 'models');
  const bundle = await writeBoardBundle(models, 'board-line');
  const written = (name: string, text: string) => {
    const path = join(models, name);
    writeFileSync(path, text);
    return { uri: pathToFileURL(path).href, sha256: sha256Of(new TextEncoder().encode(text)) };
  };
  const modelCard = {
    markdown: written(
      'board-line.card.md',
      `# Board line tile model\n\nTexture-feature GBDT on 32 px tiles, trained on 12 DeepPCB boards (test fixture). Threshold ${bundle.threshold.toFixed(3)} for tile recall 0.9 on the training boards; a second stage over the regions (trained on 20 further boards) keeps those it scores as defects.\n`,
    ),
    json: written('board-line.card.json', JSON.stringify({ model: 'tile-gbdt', boards: 12, threshold: bundle.threshold })),
  };
  const registry = createModelRegistry(store);
  modelVersionId = randomUUID();
  const engineer = cause('engineer-1', 'engineer');
  const example: Partial<typeof eventExamples.ModelVersionRegistered> = { ...eventExamples.ModelVersionRegistered };
  delete example.version;
  await registry.register(
    {
      ...example,
      modelVersionId,
      useCaseId,
      runId: randomUUID(),
      artifactUri: bundle.artifactUri,
      artifactHash: bundle.artifactHash,
      spec: { ...eventExamples.ModelVersionRegistered.spec, target: 'tile_defect', features: [...FEATURE_NAMES] },
      inputs: FEATURE_NAMES.map((name) => ({ name, unit: '1' })),
      windowSeconds: 1,
      outputs: [{ name: 'tile_defect_probability' }],
      metrics: { recall: 0.9 },
      decisionThreshold: bundle.threshold,
      modelCard,
    } as never,
    engineer,
  );
  const { requestId } = await registry.requestApproval(
    {
      useCaseId,
      modelVersionId,
      targetStage: 'production',
      justification: 'Tile model for the board line; operators confirm each flagged region.',
      scope: null,
    },
    engineer,
  );
  await registry.approve({ useCaseId, requestId, conditions: [], comment: null }, cause('quality-lead-1', 'quality_lead'));
  await registry.promote({ useCaseId, requestId }, engineer);
  await app.settle();

  // Connectivity's camera folder source and the simulator's inspection station writing into it.
  const folder = join(dir, 'camera');
  mkdirSync(folder, { recursive: true });
  cameras = await startCameraSources(
    { storeDir: imagesDir, folders: [{ sourceId: STATION, stationId: STATION, folder, pollMs: 200 }], mqtt: [], upload: null },
    { kernel: createKernel({ service: Service.Connectivity, store }), logger: silent },
  );
  camera = await startInspectionCamera({ dataset: DEEPPCB, folder, truthFolder: join(dir, 'truth'), stationId: STATION, boardsPerMinute: 60, seed: 7 }, false);
  // Dataops: operator verdicts → labels.
  labels = verdictLabels({
    kernel: createKernel({ service: Service.DataOps, store }),
    sizeOf: imageStoreAt(imagesDir),
    now: () => new Date().toISOString(),
    log: silent,
  });
  labels.start();

  hmi = await startHmi({ INFERENCE_URL: `http://127.0.0.1:${httpPort}`, ACCESS_KEYS_DIR: keysDir });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}, 400_000);

afterAll(async () => {
  await browser?.close();
  await hmi?.stop();
  camera?.stop();
  await cameras?.stop();
  await labels?.stop();
  await app?.stop();
  await store?.close().catch(() => undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a board line with a visual-inspection model', () => {
  it('station → prompt with regions on the live screen → one region confirmed, one rejected → both labels in the next snapshot', async () => {
    expect(app.models.slots(useCaseId).production?.registered.modelVersionId).toBe(modelVersionId);
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`${hmi.url}/`);
    await page.getByLabel('Scan your badge or paste your token').fill(await token('operator', 'operator-1'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname !== '/signin');
    await page.goto(`${hmi.url}/inspection`);
    await poll(() => page.getByTestId('inspection-feed').textContent()).toBe('Live');

    // The station plays two boards while the screen is open: the prompt arrives on the live feed.
    const shots = [await camera.shoot(), await camera.shoot()];
    const board = page.getByTestId('board');
    await poll(() => board.count(), 90_000).toBe(1);
    const prompt = (await page.getByTestId('board-prompt').textContent())!;
    expect(prompt).toMatch(
      /^Board \S+ at aoi-1: possible defect near the (upper|middle|lower|centre)[a-z ,]*( and \d+ more places)? — check before soldering$/,
    );
    const part = (await board.getAttribute('data-part'))!;
    expect(shots.map((s) => s.partId)).toContain(part);
    expect(await page.getByTestId('region-box').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('region').count()).toBe(await page.getByTestId('region-box').count());
    // the board image is shown (a PNG from the image store), the regions drawn over it
    await poll(() => page.locator('figure.image img').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(640);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'inspection.png') });

    // Confirm the first region of the board shown, then reject the next region still open (this or the next board).
    await page.getByTestId('region').first().getByRole('button', { name: 'Defect confirmed' }).click();
    await poll(() => page.getByRole('status').textContent()).toMatch(/Region 1: defect confirmed — recorded/);
    const open = page.getByTestId('region').filter({ has: page.getByRole('button', { name: 'No defect' }) });
    await poll(() => open.count(), 90_000).toBeGreaterThan(0);
    await open.first().getByRole('button', { name: 'No defect' }).click();
    // the page's own alert (a refused verdict) would say why; the status stays through the live feed's refresh
    await poll(
      async () =>
        (await page.getByRole('alert').count()) > 0
          ? `alert: ${await page.getByRole('alert').first().textContent()}`
          : (await page.getByRole('status').count()) > 0
            ? await page.getByRole('status').textContent()
            : '',
      90_000,
    ).toMatch(/no defect — recorded/);

    // Both verdicts are labels (dataops), by the operator, and both are in the next snapshot.
    await labels.settle();
    await poll(async () => {
      await labels.settle();
      return labels.counters().labelled;
    }).toBe(2);
    const dataops = createKernel({ service: Service.DataOps, store });
    const images = await imagesOfSource(dataops, STATION);
    expect(images.map((i) => i.partId).sort()).toEqual(shots.map((s) => s.partId).sort());
    const all = (await Promise.all(images.map((i) => labelsOfImage(dataops, i.sha256)))).flat();
    expect(all.map((l) => l.verdict).sort()).toEqual(['defect-confirmed', 'no-defect']);
    expect(all.every((l) => l.labelledBy === 'operator-1' && l.stationId === STATION)).toBe(true);
    const snapshot = await imageTileSnapshot({ kernel: dataops, cut: tileCutter() }, images);
    expect(snapshot.images.reduce((n, i) => n + i.labels, 0)).toBe(2);
    expect(snapshot.images.some((i) => i.defectTiles.length > 0)).toBe(true);
    expect(snapshot.images.some((i) => i.cleanTiles.length > 0)).toBe(true);
  }, 300_000);
});
