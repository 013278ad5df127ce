// The engineer's charts and the operator's normal bands in Chromium at 1280×800 (axe at 1280×800
// and 1024×768): a model version's precision-recall curve from its model card (the decision
// threshold's point marked), drift over time against the pause threshold from the real gateway,
// training runs whose progress moves without a reload (a training gRPC stand-in that advances on
// every ListRuns), the use case choices named by the charter's ListUseCases (a stand-in answering
// with a title), and an operator's prompt whose evidence trends name their normal band (the
// demo pump's rule limits, served by the gateway on each evidence item).
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { eventExamples } from '@industrial/contracts';
import { charterV1, createClient, governanceRegistryV1 as pb, trainingV1, unaryCall } from '@industrial/grpc';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readUseCaseFile } from '../../scripts/platform/usecases.ts';
import { checkBothSizes, type Violation } from './axe.ts';
import { CHROMIUM_ARGS, buildHmi, startHmi, startPlatform, type Platform, type RunningHmi } from './harness.ts';

/** Screenshots of the charts: committed with UPDATE_SCREENSHOTS=1, otherwise into a temporary folder. */
const SHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? join(import.meta.dirname, 'screenshots') : mkdtempSync(join(tmpdir(), 'hmi-shots-'));
const poll = <T>(fn: () => Promise<T> | T, options: { message?: string; timeout?: number } = {}) => expect.poll(fn, { timeout: 20_000, ...options });

const PUMP = 'acme.plant-1.utilities.cooling-water.pump-7';
const USE_CASE = randomUUID();
const PUMP_USE_CASE = readUseCaseFile('pump-bearing').useCaseId;
const RUN = randomUUID();

let platform: Platform;
let hmi: RunningHmi;
let browser: Browser;
let training: grpc.Server;
let charter: grpc.Server;
const CHARTER_TITLE = 'Pump bearing wear, as chartered';
let listCalls = 0;
let version = '';
const violations: Violation[] = [];

/** Training's ListRuns as the HMI reads it: one run that advances 10 % on each call and finishes at 100 %. */
async function startTraining(): Promise<string> {
  const server = new grpc.Server();
  server.addService(trainingV1.TrainingServiceService, {
    listRuns: (_call: unknown, done: grpc.sendUnaryData<trainingV1.ListRunsResponse>) => {
      listCalls++;
      const progress = Math.min(1, 0.1 * listCalls);
      done(
        null,
        trainingV1.ListRunsResponse.fromPartial({
          runs: [
            {
              runId: RUN,
              useCaseId: USE_CASE,
              status: progress >= 1 ? trainingV1.RunStatus.RUN_STATUS_COMPLETED : trainingV1.RunStatus.RUN_STATUS_RUNNING,
              stage: progress >= 1 ? 'registration' : 'training',
              progress,
              startedAt: new Date(Date.now() - 60_000).toISOString(),
              finishedAt: progress >= 1 ? new Date().toISOString() : '',
            },
          ],
        }),
      );
    },
  } as never);
  const port = await new Promise<number>((ok, fail) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? fail(e) : ok(p))),
  );
  training = server;
  return `127.0.0.1:${port}`;
}

/** The charter's ListUseCases: the registered use case with its title and one asset. */
async function startCharter(): Promise<string> {
  const server = new grpc.Server();
  server.addService(charterV1.CharterServiceService, {
    listUseCases: (_call: unknown, done: grpc.sendUnaryData<charterV1.ListUseCasesResponse>) =>
      done(
        null,
        charterV1.ListUseCasesResponse.fromPartial({ useCases: [{ useCaseId: USE_CASE, title: CHARTER_TITLE, assetPaths: [PUMP], status: 'approved' }] }),
      ),
  } as never);
  const port = await new Promise<number>((ok, fail) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? fail(e) : ok(p))),
  );
  charter = server;
  return `127.0.0.1:${port}`;
}

/** A model card as training writes it (metrics.test with the precision-recall curve), stored as a file the HMI server reads. */
function writeCard(dir: string): { uri: string; sha256: string } {
  const prCurve = [
    { threshold: 0.95, precision: 1, recall: 0.2 },
    { threshold: 0.8, precision: 0.9, recall: 0.5 },
    { threshold: 0.62, precision: 0.82, recall: 0.77 },
    { threshold: 0.4, precision: 0.6, recall: 0.9 },
    { threshold: 0.1, precision: 0.3, recall: 1 },
  ];
  const card = {
    intendedUse: 'Warn of pump bearing failures a shift ahead',
    modelType: 'gbdt',
    task: 'classification',
    target: 'bearing_failure_24h',
    threshold: { value: 0.62 },
    metrics: { test: { prAuc: 0.81, confusion: { tp: 30, fp: 7, tn: 900, fn: 9 }, prCurve } },
    importance: [],
    limitations: [],
  };
  const bytes = Buffer.from(JSON.stringify(card));
  const path = join(dir, 'card.json');
  writeFileSync(path, bytes);
  return { uri: pathToFileURL(path).href, sha256: createHash('sha256').update(bytes).digest('hex') };
}

beforeAll(async () => {
  buildHmi();
  platform = await startPlatform();
  const trainingAddress = await startTraining();
  const charterAddress = await startCharter();
  const { version: _v, ...example } = eventExamples.ModelVersionRegistered;
  const card = writeCard(platform.dir);
  const reg = { ...example, useCaseId: USE_CASE, runId: RUN, modelVersionId: randomUUID(), modelCard: { ...example.modelCard, json: card } };
  const svc = createClient(pb.ModelRegistryServiceClient, platform.governanceAddress, {
    token: await platform.token('service', 'svc:training'),
    deadlineMs: 5000,
  });
  version = (await unaryCall(svc, svc.registerModelVersion, { registrationJson: JSON.stringify(reg) })).version!.modelVersionId;
  svc.close();
  // drift evaluations of the pump use case as the monitor records them: calm, then a shift that paused the model
  const t0 = Date.now() - 3_600_000;
  const feature = (psi: number) =>
    ({ feature: 'motor_current__mean', psi, band: psi > 0.25 ? 'major' : 'stable', ksD: 0, ksP: 1, referenceCount: 500, currentCount: 500 }) as const;
  [0.03, 0.05, 0.04, 0.31, 0.42, 0.47].forEach((psi, i) =>
    platform.app.driftHistory.record({
      useCaseId: PUMP_USE_CASE,
      paused: i >= 4,
      modelVersionId: version,
      features: [feature(psi)],
      predictionPsi: 0.02,
      severity: psi > 0.25 ? 'critical' : 'none',
      livePrecision: null,
      liveRecall: null,
      shadow: null,
      computedAtMs: t0 + i * 600_000,
    }),
  );
  hmi = await startHmi({
    INFERENCE_URL: platform.gatewayUrl,
    ACCESS_KEYS_DIR: platform.keysDir,
    HMI_GOVERNANCE_GRPC: platform.governanceAddress,
    HMI_TRAINING_GRPC: trainingAddress,
    HMI_CHARTER_GRPC: charterAddress,
    HMI_USE_CASES: `${USE_CASE},${PUMP_USE_CASE}`,
  });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await hmi?.stop();
  for (const server of [training, charter]) await new Promise<void>((ok) => (server ? server.tryShutdown(() => ok()) : ok()));
  await platform?.close();
  expect(violations, JSON.stringify(violations, null, 1)).toEqual([]);
});

async function signIn(token: string, path: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, hasTouch: true });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(`${hmi.url}${path}`);
  await page.getByLabel('Scan your badge or paste your token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.pathname !== '/signin');
  return page;
}

describe('engineer', () => {
  it('picks the use case by its charter title, sees the precision-recall curve with the decision threshold marked, and the training run advancing without a reload', async () => {
    const erin = await signIn(await platform.token('engineer', 'erin'), `/models?useCase=${USE_CASE}&version=${version}`);
    await erin.goto(`${hmi.url}/models?useCase=${USE_CASE}&version=${version}`);
    expect(await erin.getByLabel('Use case').locator(`option[value="${USE_CASE}"]`).textContent()).toBe(CHARTER_TITLE);
    const curve = erin.getByTestId('pr-curve');
    await poll(() => curve.count()).toBe(1);
    expect(await curve.locator('figcaption').textContent()).toMatch(/PR-AUC 0\.810/);
    expect(await curve.getByTestId('chart-mark').count()).toBe(1);
    expect(await curve.locator('table').textContent()).toMatch(/threshold 0\.620, recall 0\.770.*0\.820 \(at the decision threshold 0\.620\)/);
    // live progress: the page is not reloaded (a marker set in the page survives), the run's share grows to 100 %
    await erin.evaluate('window.__stillHere = true');
    const first = Number((await erin.getByTestId('run-progress').textContent())!.replace(/\D/g, ''));
    await poll(() => erin.getByTestId('run-progress').textContent(), { timeout: 60_000 }).toBe('100 %');
    expect(first).toBeLessThan(100);
    expect(await erin.evaluate('window.__stillHere === true')).toBe(true);
    expect(await erin.getByTestId('run').textContent()).toMatch(/completed/);
    await curve.screenshot({ path: join(SHOTS, 'pr-curve.png') });
    await checkBothSizes(erin).then((r) => violations.push(...r.violations));
    await erin.context().close();
  });

  it('sees drift over time against the pause threshold, the paused evaluations marked', async () => {
    const erin = await signIn(await platform.token('engineer', 'erin'), '/drift');
    await erin.goto(`${hmi.url}/drift`);
    const chart = erin.getByTestId('drift-history');
    await poll(() => chart.count()).toBe(1);
    expect(await chart.locator('figcaption').textContent()).toMatch(/6 evaluations/);
    expect(await chart.getByTestId('chart-limit').count()).toBe(2);
    expect(await chart.getByTestId('chart-mark').count()).toBe(2);
    expect(await chart.textContent()).toMatch(/pause threshold 0\.25/);
    expect(await chart.locator('table').textContent()).toMatch(/0\.470 \(model paused, fixed limits in use\)/);
    await chart.screenshot({ path: join(SHOTS, 'drift-history.png') });
    await checkBothSizes(erin).then((r) => violations.push(...r.violations));
    await erin.context().close();
  });
});

describe('operator', () => {
  it("sees each evidence trend with its normal band (the use case's rule limits)", async () => {
    const olga = await signIn(await platform.token('operator', 'olga'), '/');
    await platform.feedPump(PUMP, 35, true);
    await olga.reload();
    const card = olga.getByTestId('card').filter({ has: olga.getByRole('heading', { name: 'Pump 7' }) });
    await poll(() => card.count()).toBe(1);
    const bands = await card.getByTestId('trend-band').allTextContents();
    expect(bands.length).toBeGreaterThan(0);
    expect(bands.join(' ')).toMatch(/normal below 75\b|normal below 4\.5\b/);
    expect(await card.getByTestId('trend').first().locator('svg').getAttribute('aria-label')).toMatch(/normal below/);
    await card.screenshot({ path: join(SHOTS, 'trend-band.png') });
    await checkBothSizes(olga).then((r) => violations.push(...r.violations));
    await olga.context().close();
  });
});
