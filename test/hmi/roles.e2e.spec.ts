// Every role's screens end to end at 1280×800: the real inference app and the real governance app
// (registry + audit gRPC) on one SQLite store, the built HMI calling both with each user's token,
// Chromium driving it. An operator works a prompt raised while the page is open; an engineer
// proposes a model version for a pilot line; a quality lead approves and promotes it (the requester
// of another request sees no approve button and governance refuses them); an auditor replays to
// before the promotion and sees the earlier model, follows a prompt's lineage, runs the integrity
// check and exports the timeline; a sign-in that runs out keeps the typed text. axe-core checks
// every page at 1280×800 and 1024×768.
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { eventExamples } from '@industrial/contracts';
import { createClient, governanceRegistryV1 as pb, unaryCall } from '@industrial/grpc';
import { createKernel, serviceCause } from '@industrial/kernel';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBothSizes, type Violation } from './axe.ts';
import { CHROMIUM_ARGS, buildHmi, startHmi, startPlatform, type Platform, type RunningHmi } from './harness.ts';

/** expect.poll with room for a loaded machine (2 shared cores): the page's own waits are 15 s. */
const poll = <T>(fn: () => Promise<T> | T, options: { message?: string; timeout?: number } = {}) => expect.poll(fn, { timeout: 20_000, ...options });

const LINE = 'acme.plant-1.utilities.cooling-water';
const PUMP_5 = `${LINE}.pump-5`;
const PUMP_6 = `${LINE}.pump-6`;
const USE_CASE = randomUUID();

let platform: Platform;
let hmi: RunningHmi;
let browser: Browser;
const violations: Violation[] = [];
const sideways: string[] = [];
let v1 = '';
let v2 = '';
let v3 = '';

const registry = (token: string) => createClient(pb.ModelRegistryServiceClient, platform.governanceAddress, { token, deadlineMs: 5000 });
const registration = (runId = randomUUID(), modelVersionId = randomUUID()) => {
  const { version: _v, ...data } = eventExamples.ModelVersionRegistered;
  return { ...data, useCaseId: USE_CASE, runId, modelVersionId };
};

beforeAll(async () => {
  buildHmi();
  platform = await startPlatform();
  await platform.feedPump(PUMP_5, 35, true);
  hmi = await startHmi({
    INFERENCE_URL: platform.gatewayUrl,
    ACCESS_KEYS_DIR: platform.keysDir,
    HMI_GOVERNANCE_GRPC: platform.governanceAddress,
    HMI_USE_CASES: USE_CASE,
  });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  // training's account registers two versions; version 1 serves the whole use case (break glass, on record)
  const training = registry(await platform.token('service', 'svc:training'));
  v1 = (await unaryCall(training, training.registerModelVersion, { registrationJson: JSON.stringify(registration()) })).version!.modelVersionId;
  v2 = (await unaryCall(training, training.registerModelVersion, { registrationJson: JSON.stringify(registration()) })).version!.modelVersionId;
  v3 = (await unaryCall(training, training.registerModelVersion, { registrationJson: JSON.stringify(registration()) })).version!.modelVersionId;
  training.close();
  const lead = registry(await platform.token('quality_lead', 'quinn'));
  await unaryCall(
    lead,
    lead.breakGlassPromote,
    pb.BreakGlassPromoteRequest.fromPartial({
      useCaseId: USE_CASE,
      modelVersionId: v1,
      stage: pb.ModelStage.MODEL_STAGE_PRODUCTION,
      reason: 'first model for the test',
      expectNone: true,
    }),
  );
  lead.close();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await hmi?.stop();
  await platform?.close();
  // every page each role opened, at both sizes
  expect(violations, JSON.stringify(violations, null, 1)).toEqual([]);
  expect(sideways, 'pages scrolling sideways at 1024 px').toEqual([]);
});

async function signIn(token: string, path = '/'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, hasTouch: true });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(`${hmi.url}${path}`);
  await page.getByLabel('Scan your badge or paste your token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.pathname !== '/signin');
  return page;
}

/** axe at both sizes on the page as it is now; collected and asserted once at the end. */
async function a11y(page: Page): Promise<void> {
  const r = await checkBothSizes(page);
  violations.push(...r.violations);
  if (r.sideways1024) sideways.push(new URL(page.url()).pathname);
}

const navLinks = async (page: Page) => (await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents()).map((t) => t.trim());

describe('operator', () => {
  it('sees a prompt raised while the page is open without reloading, acknowledges it (who and when), marks it done with an outcome; events carry the operator', async () => {
    const page = await signIn(await platform.token('operator', 'olga'));
    expect(await navLinks(page)).toEqual(['What needs doing now', 'Plant', 'Report a problem', 'Asset modes', 'Board inspection']);
    await poll(() => page.getByTestId('connection-state').textContent()).toBe('Live');
    await a11y(page);
    await platform.feedPump(PUMP_6, 35, true); // the fault, injected while the operator watches
    const card = page.getByTestId('card').filter({ has: page.getByRole('heading', { name: 'Pump 6' }) });
    await poll(() => card.count()).toBe(1);
    expect(await card.getByTestId('trend').count()).toBeGreaterThan(0);
    await card.getByRole('button', { name: 'Acknowledge: Pump 6', exact: true }).click();
    await poll(() => card.getByTestId('acknowledged').textContent()).toMatch(/Acknowledged by olga at/);
    await card.getByRole('button', { name: 'Done: Pump 6', exact: true }).click();
    await page.waitForURL((u) => u.pathname.endsWith('/outcome'));
    await a11y(page);
    // "Later": the prompt waits for its outcome on the main screen
    await page.getByRole('link', { name: /^Later/ }).click();
    await page.waitForURL((u) => u.pathname === '/');
    const waiting = page.getByTestId('waiting').filter({ hasText: 'Pump 6' });
    await poll(() => waiting.count()).toBe(1);
    await waiting.getByRole('link').click();
    await page.getByRole('button', { name: /No fault found/ }).click();
    await page.waitForURL((u) => u.pathname === '/');
    await poll(() => page.getByTestId('waiting').filter({ hasText: 'Pump 6' }).count()).toBe(0);
    // no open prompt: "nothing needs doing" only while every asset in scope is watched by its model
    const listed = (await (
      await fetch(`${platform.gatewayUrl}/api/v1/assets`, { headers: { authorization: `Bearer ${await platform.token('operator')}` } })
    ).json()) as { assets: { name: string; useCases: { state: string }[] }[] };
    const unwatched = listed.assets.filter((a) => a.useCases.some((u) => u.state !== 'monitored'));
    if ((await page.getByTestId('card').count()) > 0) expect(await page.getByTestId('nothing').count()).toBe(0);
    else if (unwatched.length === 0) await poll(() => page.getByTestId('nothing').count()).toBe(1);
    else {
      await poll(() => page.getByTestId('unwatched').count()).toBe(1);
      expect(await page.getByTestId('nothing').count()).toBe(0);
      expect(await page.getByTestId('unwatched').textContent()).toContain(unwatched[0]!.name);
    }
    const id = (await platform.events('RecommendationRaised')).find((e) => e.data.assetPath === PUMP_6)!.data.recommendationId;
    for (const type of ['RecommendationAcknowledged', 'RecommendationAccepted', 'OutcomeRecorded']) {
      const e = (await platform.events(type)).find((x) => x.data.recommendationId === id);
      expect(e?.metadata.actor, type).toBe('olga');
    }
    await page.getByRole('link', { name: 'Plant' }).click();
    await page.waitForURL((u) => u.pathname === '/plant');
    await poll(() => page.getByTestId('plant-asset').count()).toBeGreaterThanOrEqual(2);
    await a11y(page);
    for (const path of ['/modes', '/problem']) {
      await page.goto(`${hmi.url}${path}`);
      await a11y(page);
    }
    // what an operator may not do is not shown, and not served either
    const refused = await page.request.get(`${hmi.url}/approvals`);
    expect(await refused.text()).not.toMatch(/Approve version/);
    await page.context().close();
  });
});

describe('engineer, quality lead and auditor', () => {
  it('engineer proposes version 2 for the pilot line; the quality lead sees it beside production, approves and promotes it to that line', async () => {
    const erin = await signIn(await platform.token('engineer', 'erin'));
    expect(new URL(erin.url()).pathname).toBe('/models');
    expect(await navLinks(erin)).toEqual(['Plant', 'Models', 'Drift', 'Data health', 'Report a problem']);
    await erin.goto(`${hmi.url}/models?useCase=${USE_CASE}&version=${v2}`);
    await poll(() => erin.getByTestId('version-row').count()).toBe(3);
    await a11y(erin);
    await erin.getByLabel('Where').selectOption(LINE);
    await erin.getByLabel('Why should it serve? (needed)').fill('Better recall on the held-out part; pilot on cooling water first.');
    await erin.getByRole('button', { name: 'Propose version 2' }).click();
    await poll(() => erin.getByTestId('proposed').textContent()).toMatch(/Version 2 proposed for production on acme/);
    await erin.goto(`${hmi.url}/drift`);
    await a11y(erin);
    // no dataops in this harness: the page says so instead of failing
    await erin.goto(`${hmi.url}/data`);
    expect(await erin.getByTestId('data-problem').textContent()).toMatch(/dataops service is not configured/);
    await a11y(erin);
    await erin.context().close();

    const quinn = await signIn(await platform.token('quality_lead', 'quinn'));
    expect(new URL(quinn.url()).pathname).toBe('/approvals');
    const request = quinn.getByTestId('approval-request').filter({ hasText: 'Version 2' });
    await poll(() => request.count()).toBe(1);
    expect(await request.getByTestId('metrics-compare').textContent()).toMatch(/precision/);
    await a11y(quinn);
    await request.getByLabel('Comment (optional)').fill('Pilot line only, review in two weeks.');
    await request.getByRole('button', { name: 'Approve version 2' }).click();
    await poll(() => quinn.getByTestId('approval-result').textContent()).toMatch(/Approved version 2/);
    await quinn.getByRole('button', { name: /Promote version 2 to utilities/ }).click();
    await poll(() => quinn.getByTestId('approval-result').textContent()).toMatch(/Version 2 now serves production on acme/);
    // the example registration's artifact (s3://) cannot be loaded here: inference refuses it, and the screen says why
    await poll(async () => {
      await quinn.reload();
      return quinn.locator('[data-testid="refused"][data-version="2"]').count();
    }).toBe(1);
    expect(await quinn.locator('[data-testid="refused"][data-version="2"]').textContent()).toMatch(/utilities \/ cooling-water: .*unsupported artifact URI/);
    await a11y(quinn);
    await quinn.context().close();
    const promoted = (await platform.events('ModelPromoted')).filter((e) => e.data.modelVersionId === v2);
    expect(promoted).toHaveLength(1);
    expect(promoted[0]!.metadata.actor).toBe('quinn');
    expect(promoted[0]!.data.scope).toBe(LINE);
  });

  it('four eyes: who asked sees no approve button, and governance refuses them anyway', async () => {
    const dana = await platform.tokenFor('dana', ['engineer', 'quality_lead']);
    const c = registry(dana);
    const asked = await unaryCall(c, c.requestApproval, {
      useCaseId: USE_CASE,
      modelVersionId: v3,
      targetStage: pb.ModelStage.MODEL_STAGE_SHADOW,
      justification: 'shadow on the line',
      scope: LINE,
    });
    const page = await signIn(dana, '/approvals');
    const mine = page.getByTestId('approval-request').filter({ hasText: 'Version 3 → shadow' });
    await poll(() => mine.count()).toBe(1);
    expect(await mine.getByTestId('four-eyes').count()).toBe(1);
    expect(await mine.getByRole('button', { name: /Approve/ }).count()).toBe(0);
    const refused = await unaryCall(c, c.approve, { useCaseId: USE_CASE, requestId: asked.request!.requestId, conditions: [], comment: '' }).catch(
      (e: grpc.ServiceError) => e,
    );
    expect((refused as grpc.ServiceError).code).toBe(grpc.status.PERMISSION_DENIED);
    c.close();
    await page.context().close();
  });

  it('auditor replays to before the promotion and sees version 1 alone, then now with version 2 on the line; malformed ?at= is said plainly; the lineage of a rule-based prompt and of a prompt by version 2 (run, snapshot, approval, promotion); integrity and export', async () => {
    const promotedAt = (await platform.events('ModelPromoted')).find((e) => e.data.modelVersionId === v2) as unknown as { recordedAt: string } | undefined;
    const all = await platform.store.readAll({ fromPosition: 1, maxCount: 100_000 });
    const promotion = all.find((e) => e.type === 'ModelPromoted' && (e.data as { modelVersionId?: string }).modelVersionId === v2)!;
    const before = new Date(Date.parse(promotion.metadata.recordedAt) - 1).toISOString();
    expect(promotedAt).toBeDefined();

    const page = await signIn(await platform.token('auditor', 'avery'));
    expect(new URL(page.url()).pathname).toBe('/audit');
    expect(await navLinks(page)).toEqual(['Plant', 'Drift', 'Audit', 'Timeline', 'Integrity']);
    await a11y(page);

    await page.goto(`${hmi.url}/audit/timeline?at=${encodeURIComponent(before)}&stream=model-`);
    const serving = page.getByTestId('serving-row');
    await poll(() => serving.count()).toBe(1);
    expect(await serving.first().textContent()).toMatch(/production on the whole use case: model version 1/);
    await a11y(page);
    await page.goto(`${hmi.url}/audit/timeline?stream=model-`);
    await poll(() => serving.count()).toBe(2);
    expect((await serving.allTextContents()).join('\n')).toMatch(/production on utilities \/ cooling-water: model version 2/);

    await page.goto(`${hmi.url}/audit/timeline?at=yesterday`);
    expect(await page.getByTestId('timeline-problem').textContent()).toMatch(/“yesterday” is not a time the replay understands/);

    // evidence updates of one prompt are one row
    await page.goto(`${hmi.url}/audit/timeline?stream=recommendation-`);
    const raisedRows = await page.locator('[data-testid="timeline-row"][data-type="RecommendationRaised"]').count();
    const raisedEvents = new Set(all.filter((e) => e.type === 'RecommendationRaised').map((e) => e.stream)).size;
    expect(raisedRows).toBeLessThanOrEqual(raisedEvents);
    await a11y(page);

    const exported = await page.request.get(`${hmi.url}/audit/timeline/export?at=${encodeURIComponent(before)}&stream=model-`);
    expect(exported.headers()['content-disposition']).toMatch(/attachment; filename="audit-timeline-/);
    expect(await exported.text()).toMatch(/Serving at that time.*version 1/s);
    const pdf = await page.request.get(`${hmi.url}/audit/timeline/export?at=${encodeURIComponent(before)}&stream=model-&format=pdf`);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');

    const recId = (await platform.events('RecommendationRaised')).find((e) => e.data.assetPath === PUMP_5)!.data.recommendationId as string;
    await page.goto(`${hmi.url}/audit/lineage/${recId}`);
    const steps = page.getByTestId('lineage-step');
    await poll(() => steps.count(), { message: 'lineage steps' })
      .toBeGreaterThanOrEqual(3)
      .catch(async (e: unknown) => {
        throw new Error(`lineage page says: ${await page.locator('main').textContent()}`, { cause: e });
      });
    expect(await steps.first().textContent()).toMatch(/Prompt/);
    expect(await page.locator('[data-what="Model version"]').textContent()).toMatch(/Rule-based prompt/);
    await a11y(page);

    // a prompt version 2 raised on the pilot line (recorded as inference records one): its lineage runs
    // prompt → version 2 → its training run → its snapshot → the use case with the approval and promotion
    const byModel = randomUUID();
    await createKernel({ service: 'inference', store: platform.store }).append(
      `recommendation-${byModel}`,
      [
        {
          type: 'RecommendationRaised',
          data: { ...eventExamples.RecommendationRaised, recommendationId: byModel, useCaseId: USE_CASE, assetPath: PUMP_5, modelVersionId: v2 },
        },
      ],
      serviceCause('inference', byModel),
    );
    const reg2 = all.find((e) => e.type === 'ModelVersionRegistered' && (e.data as { modelVersionId?: string }).modelVersionId === v2)!.data as {
      runId: string;
      snapshotId: string;
    };
    await page.goto(`${hmi.url}/audit/lineage/${byModel}`);
    await poll(() => steps.count()).toBe(6);
    expect(await page.locator('[data-what="Model version"]').textContent()).toMatch(new RegExp(`${v2}.*version 2, artifact sha256`, 's'));
    expect(await page.locator('[data-what="Training run"]').textContent()).toContain(reg2.runId);
    expect(await page.locator('[data-what="Dataset snapshot"]').textContent()).toContain(reg2.snapshotId);
    const approvals = await page.locator('[data-what="Use case and its approvals"]').textContent();
    expect(approvals).toMatch(/ModelApprovalRequested by erin/);
    expect(approvals).toMatch(/ModelApproved by quinn/);
    expect(approvals).toMatch(/ModelPromoted by quinn/);
    await a11y(page);

    await page.goto(`${hmi.url}/audit/integrity`);
    await page.getByRole('button', { name: 'Run the integrity check' }).click();
    await poll(() => page.getByTestId('integrity-result').getAttribute('data-ok')).toBe('true');
    expect(Number(await page.getByTestId('anchors-checked').textContent())).toBeGreaterThanOrEqual(0);
    await a11y(page);
    await page.context().close();
  });
});

describe('a sign-in that runs out', () => {
  it('warns first, then says so in place and keeps the typed text; signing in again brings it back on the same page', async () => {
    const page = await signIn(await platform.tokenFor('otto', ['operator'], 60), '/problem'); // long enough to sign in on a loaded machine
    expect(new URL(page.url()).pathname).toBe('/problem');
    await poll(() => page.getByTestId('session-warning').count()).toBe(1);
    await page.getByLabel('What happened?').fill('Seal leaking at pump 5, small puddle');
    await poll(() => page.getByTestId('session-expired').count(), { timeout: 90_000 }).toBe(1);
    expect(new URL(page.url()).pathname).toBe('/problem');
    expect(await page.getByLabel('What happened?').inputValue()).toBe('Seal leaking at pump 5, small puddle');
    expect(await page.getByLabel('Signed in as').textContent()).toBe('Signed out');
    await page.getByRole('link', { name: 'Sign in again' }).click();
    await page.waitForURL((u) => u.pathname === '/signin');
    await page.getByLabel('Scan your badge or paste your token').fill(await platform.token('operator', 'otto'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/problem');
    await poll(() => page.getByLabel('What happened?').inputValue()).toBe('Seal leaking at pump 5, small puddle');
    await page.context().close();
  });
});
