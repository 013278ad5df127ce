// The MLOps screens (issue 16) in Chromium at 1280×800, on the real inference app and the real
// governance app (one SQLite store) behind the built HMI:
// - gates: a request to production whose gates fail (governance DefineGates / CheckGates) shows each
//   gate with its numbers in words, Approve disabled with the failing gates listed; after the gates
//   pass, Approve is enabled, and when the gates tighten before the click, governance's refusal is
//   shown; the engineer sees the same gates under the version.
// - rollback proposals: live monitoring (governance's own check) proposes a gate-breach rollback
//   from operator outcomes; the engineer sees it without a Roll back action, the quality lead rolls
//   back as proposed and the recorded rollback carries the trigger.
// - shadow: inference's shadow comparison of a candidate beside the rules (its batches and compared
//   prompts appended to `serving-<useCase>` as inference records them; the production prompt is a
//   real one of the rules, decided and its outcome recorded through the gateway) shows the summary,
//   the chart and the compared prompts newest first with the operator's outcome; an operator is refused.
// axe-core (serious and critical) on every screen at 1280×800 and 1024×768.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { eventExamples, latestVersion, streamFor, type EventType } from '@industrial/contracts';
import { createClient, governanceRegistryV1 as pb, unaryCall } from '@industrial/grpc';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readUseCaseFile } from '../../scripts/platform/usecases.ts';
import { writeModelBundle } from '../../services/inference/src/adapters/artifacts/files.ts';
import { buildPumpModel } from '../../services/inference/test/pump-data.ts';
import { checkBothSizes, type Violation } from './axe.ts';
import { CHROMIUM_ARGS, buildHmi, startHmi, startPlatform, type Platform, type RunningHmi } from './harness.ts';

const poll = <T>(fn: () => Promise<T> | T, options: { message?: string; timeout?: number } = {}) => expect.poll(fn, { timeout: 30_000, ...options });

const LINE = 'acme.plant-1.utilities.cooling-water';
const PUMP = `${LINE}.pump-7`;
const WATCHED_PUMP = `${LINE}.pump-9`;
const PUMP_USE_CASE = readUseCaseFile('pump-bearing').useCaseId;
const GATED = randomUUID();
const WATCHED = randomUUID();

let platform: Platform;
let hmi: RunningHmi;
let browser: Browser;
const violations: Violation[] = [];
const ids = { gated: '', gatedRequest: '', w1: '', w2: '', candidate: '', prompt: '' };

const registry = (token: string) => createClient(pb.ModelRegistryServiceClient, platform.governanceAddress, { token, deadlineMs: 10_000 });
const registration = (useCaseId: string, metrics: Record<string, number>, artifact: Record<string, unknown> = {}) => {
  const { version: _v, ...data } = eventExamples.ModelVersionRegistered;
  return JSON.stringify({ ...data, useCaseId, runId: randomUUID(), modelVersionId: randomUUID(), metrics, ...artifact });
};
/** Appends an event of another service as that service records it (the store validates it against the contract). */
const append = (stream: string, type: EventType, data: unknown, actor: string) =>
  platform.store.append(stream, [
    {
      id: randomUUID(),
      type,
      data,
      metadata: { actor, role: 'service', correlationId: randomUUID(), causationId: null, traceparent: null, schemaVersion: latestVersion(type) },
    },
  ]);
const defineGates = async (minPrecision: number) => {
  const lead = registry(await platform.token('quality_lead', 'quinn'));
  try {
    await unaryCall(
      lead,
      lead.defineGates,
      pb.DefineGatesRequest.fromPartial({
        useCaseId: GATED,
        minMetrics: { precision: minPrecision },
        shadow: { minWindows: 50, minAgreement: 0.8 },
        skipSavingsGate: true,
      }),
    );
  } finally {
    lead.close();
  }
};
const gateway = async (role: 'operator' | 'engineer', method: 'GET' | 'POST', path: string, body?: unknown) =>
  fetch(`${platform.gatewayUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${await platform.token(role, `${role}-mlops`)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

beforeAll(async () => {
  buildHmi();
  platform = await startPlatform();
  const training = registry(await platform.token('service', 'svc:training'));
  const register = async (useCaseId: string, metrics: Record<string, number>, artifact: Record<string, unknown> = {}) =>
    (await unaryCall(training, training.registerModelVersion, { registrationJson: registration(useCaseId, metrics, artifact) })).version!.modelVersionId;
  ids.gated = await register(GATED, { precision: 0.82, recall: 0.77 });
  // the versions that serve WATCHED must load in the real inference runtime (it refuses what it cannot load): a small real pump model
  const pump = buildPumpModel(7, 24, 3);
  const written = await writeModelBundle(join(platform.dir, 'models'), 'watched-pump', pump.bundle);
  const loadable = {
    ...written,
    inputs: pump.bundle.reference.inputs.map((name) => ({ name })),
    windowSeconds: 1800,
    outputs: [{ name: 'probabilities' }],
    decisionThreshold: pump.threshold,
  };
  ids.w1 = await register(WATCHED, { precision: 0.8, recall: 0.8 }, loadable);
  ids.w2 = await register(WATCHED, { precision: 0.8, recall: 0.8 }, loadable);
  ids.candidate = await register(PUMP_USE_CASE, { precision: 0.8, recall: 0.8 });
  training.close();

  const erin = registry(await platform.token('engineer', 'erin'));
  const lead = registry(await platform.token('quality_lead', 'quinn'));
  const ask = (useCaseId: string, modelVersionId: string) =>
    unaryCall(erin, erin.requestApproval, {
      useCaseId,
      modelVersionId,
      targetStage: pb.ModelStage.MODEL_STAGE_PRODUCTION,
      justification: 'Better on the held-out part',
      scope: '',
    }).then((r) => r.request!.requestId);
  ids.gatedRequest = await ask(GATED, ids.gated);
  await defineGates(0.9);

  // WATCHED: the charter's minimum precision 0.6; version 1 then version 2 into production through the four-eyes path
  await append(
    streamFor('ObjectiveSet', WATCHED),
    'ObjectiveSet',
    { ...eventExamples.ObjectiveSet, useCaseId: WATCHED, minModelMetrics: { precision: 0.6 } },
    'svc:charter',
  );
  for (const id of [ids.w1, ids.w2]) {
    const requestId = await ask(WATCHED, id);
    await unaryCall(lead, lead.approve, { useCaseId: WATCHED, requestId, conditions: [], comment: '' });
    await unaryCall(lead, lead.promote, { useCaseId: WATCHED, requestId });
  }
  erin.close();
  lead.close();
  // version 2's production prompts and what operators found: 4 failures of 12 (live precision 0.333 < 0.6)
  for (let i = 0; i < 12; i++) {
    const recommendationId = randomUUID();
    const stream = streamFor('RecommendationRaised', recommendationId);
    const at = { useCaseId: WATCHED, assetPath: WATCHED_PUMP, modelVersionId: ids.w2 };
    await append(stream, 'RecommendationRaised', { ...eventExamples.RecommendationRaised, recommendationId, ...at, mode: 'production' }, 'svc:inference');
    await append(
      stream,
      'OutcomeRecorded',
      {
        ...eventExamples.OutcomeRecorded,
        recommendationId,
        outcome: i < 4 ? 'event-prevented' : 'no-event',
        context: { ...eventExamples.OutcomeRecorded.context, ...at },
      },
      'svc:inference',
    );
  }
  const findings = await platform.governance.monitor.check();
  const proposed = (await platform.events('ModelRollbackProposed')).filter((e) => e.data.useCaseId === WATCHED);
  expect(proposed, JSON.stringify(findings)).toHaveLength(1);

  hmi = await startHmi(
    {
      INFERENCE_URL: platform.gatewayUrl,
      ACCESS_KEYS_DIR: platform.keysDir,
      HMI_GOVERNANCE_GRPC: platform.governanceAddress,
      HMI_USE_CASES: `${GATED},${WATCHED},${PUMP_USE_CASE}`,
    },
    // this test's port range (15000-15499), below Linux's ephemeral range (32768–60999)
    { ports: { from: 15_000, count: 500 }, startTimeoutMs: 60_000 },
  );
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await hmi?.stop();
  await platform?.close();
  expect(violations, JSON.stringify(violations, null, 1)).toEqual([]);
});

async function signIn(token: string, path: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, hasTouch: true });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(`${hmi.url}/signin?next=${encodeURIComponent(path)}`);
  await page.getByLabel('Scan your badge or paste your token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.pathname !== '/signin');
  await page.goto(`${hmi.url}${path}`);
  return page;
}
const a11y = async (page: Page) => violations.push(...(await checkBothSizes(page)).violations);

describe('gates before production', () => {
  it('the quality lead sees each gate with its numbers, Approve disabled while gates fail; when they pass Approve is enabled, a refusal after the gates tightened is shown, and Promote is disabled when they fail again after approval', async () => {
    const quinn = await signIn(await platform.token('quality_lead', 'quinn'), '/approvals');
    const request = quinn.getByTestId('approval-request').filter({ has: quinn.locator(`input[name="requestId"][value="${ids.gatedRequest}"]`) });
    await poll(() => request.count()).toBe(1);
    const gates = request.getByTestId('gates');
    expect(await gates.getAttribute('data-passed')).toBe('false');
    const minMetric = request.locator('[data-testid="gate"][data-gate="min-metric"]');
    expect(await minMetric.getAttribute('data-passed')).toBe('false');
    expect(await minMetric.textContent()).toMatch(/Failed\s*Minimum test metric — precision 0\.820 on the test part, gate ≥ 0\.900/);
    const shadow = request.locator('[data-testid="gate"][data-gate="shadow-period"]');
    expect(await shadow.textContent()).toMatch(/Failed\s*Shadow period beside production — no shadow windows recorded; gate ≥ 50 windows/);
    expect(await request.getByTestId('gates-verdict').textContent()).toMatch(/2 of 2 gates fail/);
    expect(await request.getByRole('button', { name: 'Approve version 1' }).isDisabled()).toBe(true);
    expect(await request.getByTestId('approve-blocked').textContent()).toMatch(/minimum test metric, shadow period beside production/);
    await a11y(quinn);

    // 60 shadow windows at 0.95 agreement with the rules, and precision ≥ 0.8: every gate passes
    await append(
      `serving-${GATED}`,
      'ShadowWindowsCompared',
      {
        useCaseId: GATED,
        candidateVersionId: ids.gated,
        productionVersionId: null,
        reference: 'rules',
        windows: 60,
        agreeing: 57,
        productionAlarms: 1,
        candidateAlarms: 2,
        period: { from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date().toISOString() },
        recordedAt: new Date().toISOString(),
      },
      'svc:inference',
    );
    await defineGates(0.8);
    await quinn.reload();
    await poll(() => request.getByTestId('gates').getAttribute('data-passed')).toBe('true');
    expect(await request.getByTestId('gates-verdict').textContent()).toMatch(/All 2 gates pass/);
    expect(await shadow.textContent()).toMatch(/Passed\s*Shadow period beside production — 60 shadow windows \(gate ≥ 50\), agreement with the rules 0\.950/);
    const approve = request.getByRole('button', { name: 'Approve version 1' });
    expect(await approve.isDisabled()).toBe(false);

    // the gates tighten while the page is open: governance refuses the approval, and the screen says why
    await defineGates(0.9);
    await approve.click();
    await poll(() => request.getByRole('alert').textContent()).toMatch(/Not possible now: .*precision 0\.820 on the test part, gate ≥ 0\.900/);
    expect((await platform.events('ModelApproved')).filter((e) => e.data.requestId === ids.gatedRequest)).toHaveLength(0);
    await quinn.reload();
    await poll(() => request.getByRole('button', { name: 'Approve version 1' }).isDisabled()).toBe(true);

    // approved while the gates pass; they tighten again before the promotion: Promote is disabled, naming the gate
    await defineGates(0.8);
    await quinn.reload();
    await request.getByRole('button', { name: 'Approve version 1' }).click();
    await poll(() => quinn.getByTestId('approval-result').textContent()).toMatch(/Approved version 1/);
    await defineGates(0.9);
    await quinn.reload();
    const promote = request.getByRole('button', { name: /Promote version 1/ });
    await poll(() => promote.isDisabled()).toBe(true);
    expect(await request.getByTestId('promote-blocked').textContent()).toMatch(/Promote is not possible while a gate fails: minimum test metric\./);
    expect((await platform.events('ModelPromoted')).filter((e) => e.data.approvalRequestId === ids.gatedRequest)).toHaveLength(0);
    await quinn.context().close();
  });

  it("the engineer sees the gates of the version's request on the models screen", async () => {
    const erin = await signIn(await platform.token('engineer', 'erin'), `/models?useCase=${GATED}&version=${ids.gated}`);
    const gates = erin.getByTestId('version-request').getByTestId('gates');
    await poll(() => gates.count()).toBe(1);
    expect(await gates.getAttribute('data-passed')).toBe('false');
    expect(await gates.locator('[data-gate="min-metric"]').textContent()).toMatch(/Failed.*precision 0\.820 on the test part, gate ≥ 0\.900/);
    expect(await gates.locator('[data-gate="shadow-period"]').getAttribute('data-passed')).toBe('true');
    expect(await erin.getByRole('button', { name: /Approve/ }).count()).toBe(0);
    await a11y(erin);
    await erin.context().close();
  });
});

describe('rollback proposals', () => {
  it('the engineer sees the proposal of live monitoring with its numbers and no Roll back action', async () => {
    const erin = await signIn(await platform.token('engineer', 'erin'), `/models?useCase=${WATCHED}`);
    const proposal = erin.getByTestId('proposal');
    await poll(() => proposal.count()).toBe(1);
    expect(await proposal.getAttribute('data-trigger')).toBe('gate-breach');
    expect(await proposal.textContent()).toMatch(
      /Live performance fell below its gate \(gate-breach\) — version 2 on the whole use case:\s*precision 0\.333 against the limit 0\.600, over 12/,
    );
    expect(await proposal.textContent()).toMatch(/roll back to\s*version 1/);
    expect(await erin.getByRole('button', { name: /Roll back/ }).count()).toBe(0);
    const navigation = await erin.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents();
    expect(navigation.map((t) => t.trim())).not.toContain('Approvals');
    await a11y(erin);
    await erin.context().close();
  });

  it('the quality lead rolls back as proposed; the recorded rollback carries the trigger and the proposal stands no more', async () => {
    const quinn = await signIn(await platform.token('quality_lead', 'quinn'), '/approvals');
    const proposal = quinn.getByTestId('proposal').filter({ hasText: 'gate-breach' });
    await poll(() => proposal.count()).toBe(1);
    expect(await proposal.getAttribute('data-standing')).toBe('true');
    expect(await proposal.textContent()).toMatch(/precision 0\.333 against the limit 0\.600, over 12 outcomes/);
    await a11y(quinn);
    await proposal.getByLabel('Reason (needed)').fill('Live precision fell; back to version 1 while we look.');
    await proposal.getByRole('button', { name: 'Roll back version 2 as proposed' }).click();
    await poll(() => quinn.getByTestId('proposal-result').textContent()).toMatch(/Rolled back as proposed \(gate-breach\); version 1 serves production now/);
    await poll(() => quinn.getByTestId('proposal').filter({ hasText: 'gate-breach' }).getAttribute('data-standing')).toBe('false');
    const rolled = (await platform.events('ModelRolledBack')).filter((e) => e.data.fromModelVersionId === ids.w2);
    expect(rolled).toHaveLength(1);
    expect(rolled[0]!.data).toMatchObject({ trigger: 'gate-breach', toModelVersionId: ids.w1 });
    expect(rolled[0]!.metadata.actor).toBe('quinn');
    await quinn.context().close();
  });
});

describe('shadow view', () => {
  beforeAll(async () => {
    // a real prompt of the rules on pump 7; the operator marks it done and records a worn bearing through the gateway
    await platform.feedPump(PUMP, 35, true);
    for (const until = Date.now() + 60_000; ids.prompt === '' && Date.now() < until; await new Promise((r) => setTimeout(r, 500))) {
      const r = (await (await gateway('operator', 'GET', `/api/v1/recommendations?open=true&asset=${PUMP}`)).json()) as {
        recommendations: { recommendationId: string }[];
      };
      ids.prompt = r.recommendations[0]?.recommendationId ?? '';
    }
    expect(ids.prompt, 'a rule-based prompt on pump 7').not.toBe('');
    expect((await gateway('operator', 'POST', `/api/v1/recommendations/${ids.prompt}/acknowledge`, {})).status).toBe(200);
    expect((await gateway('operator', 'POST', `/api/v1/recommendations/${ids.prompt}/done`, {})).status).toBe(200);
    expect((await gateway('operator', 'POST', `/api/v1/recommendations/${ids.prompt}/outcome`, { outcome: 'event-prevented' })).status).toBe(200);
    // what inference records for a candidate in shadow beside the rules: a batch of windows and two compared prompts
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    const compared = (at: number, raisedBy: 'candidate' | 'both', recommendationId: string | null, score: number) => ({
      comparisonId: randomUUID(),
      useCaseId: PUMP_USE_CASE,
      assetPath: PUMP,
      candidateVersionId: ids.candidate,
      productionVersionId: null,
      reference: 'rules',
      at: iso(at),
      raisedBy,
      production: { alarm: recommendationId !== null, score: null, recommendationId },
      candidate: { alarm: true, score, recommendationId: null },
      agree: recommendationId !== null,
    });
    const serving = `serving-${PUMP_USE_CASE}`;
    await append(
      serving,
      'ShadowWindowsCompared',
      {
        useCaseId: PUMP_USE_CASE,
        candidateVersionId: ids.candidate,
        productionVersionId: null,
        reference: 'rules',
        windows: 120,
        agreeing: 114,
        productionAlarms: 3,
        candidateAlarms: 5,
        period: { from: iso(now - 7_200_000), to: iso(now) },
        recordedAt: iso(now),
      },
      'svc:inference',
    );
    await append(serving, 'ShadowPromptCompared', compared(now - 3_600_000, 'candidate', null, 0.71), 'svc:inference');
    await append(serving, 'ShadowPromptCompared', compared(now - 60_000, 'both', ids.prompt, 0.93), 'svc:inference');
  }, 120_000);

  it('the quality lead sees the candidate summary, the chart and the compared prompts newest first with the operator outcome', async () => {
    const quinn = await signIn(await platform.token('quality_lead', 'quinn'), `/shadow?useCase=${PUMP_USE_CASE}`);
    const summary = quinn.locator(`[data-testid="shadow-summary"][data-candidate="${ids.candidate}"]`);
    await poll(() => summary.count()).toBe(1);
    expect(await summary.getByRole('heading').first().textContent()).toMatch(/Candidate version \d+ \(/);
    expect(await summary.getByTestId('shadow-windows').textContent()).toBe('120');
    expect(await summary.getByTestId('shadow-agreement').textContent()).toBe('95.0 % (114 of 120 windows)');
    expect(await summary.getByTestId('shadow-alarms').textContent()).toBe('production 3, candidate 5');
    expect(await summary.getByTestId('shadow-outcomes').textContent()).toMatch(/1 confirmed failures: the candidate caught 1, missed 0; 0 false alarms/);
    expect(await summary.locator('figure svg').getAttribute('aria-label')).toMatch(/against the operators' outcomes/);
    const rows = quinn.getByTestId('shadow-row');
    expect(await rows.count()).toBe(2);
    // newest first: the window of the real prompt, decided done with a worn bearing found
    expect(await rows.nth(0).getByTestId('shadow-operator').textContent()).toBe('Done');
    expect(await rows.nth(0).getByTestId('shadow-outcome').textContent()).toBe('Worn part found (failure prevented)');
    expect(await rows.nth(0).textContent()).toMatch(/Alarm — rules.*Alarm \(score 0\.93\)Yes/);
    expect(await rows.nth(1).getByTestId('shadow-operator').textContent()).toBe('No production prompt');
    expect(await rows.nth(1).textContent()).toMatch(/Quiet — rules.*Alarm \(score 0\.71\)No/);
    await a11y(quinn);
    await quinn.context().close();
  });

  it('an operator is refused the shadow view, by the HMI and by the gateway', async () => {
    const olga = await signIn(await platform.token('operator', 'olga'), `/shadow?useCase=${PUMP_USE_CASE}`);
    expect(await olga.getByRole('alert').textContent()).toMatch(/Your role does not read the shadow comparisons/);
    expect(await olga.getByTestId('shadow-row').count()).toBe(0);
    await olga.context().close();
    expect((await gateway('operator', 'GET', `/api/v1/shadow/comparisons?useCaseId=${PUMP_USE_CASE}`)).status).toBe(403);
    const engineer = await gateway('engineer', 'GET', `/api/v1/shadow/comparisons?useCaseId=${PUMP_USE_CASE}&pageSize=501`);
    expect(engineer.status).toBe(400);
    expect(((await engineer.json()) as { field: string }).field).toBe('pageSize');
  });
});
