// The shadow comparison people judge a candidate by, end to end on the REAL NATS and the SQLite
// event store: the simulator's pumps → inference with the training service's pump model in
// production and a second one in shadow → a bearing fault on pump 2 → ShadowPromptCompared per
// window where either side raised a prompt, ShadowWindowsCompared batches → the operator decides
// the production prompt and records the outcome over gRPC → ListShadowComparisons shows both
// verdicts beside the outcome, pages, filters by scope, sums the windows, and refuses a bad page
// size naming the field and a caller without drift.read.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { UnsSampleBatch } from '@industrial/contracts';
import { createClient, inferenceV1, unaryCall } from '@industrial/grpc';
import { createPlant } from '@industrial/simulator';
import { buildPumpModel, registerDemoPumpModel, savePumpModel } from '@industrial/training';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, until, USE_CASE, type Harness } from './fixture.ts';

type Plant = ReturnType<typeof createPlant>;
const PUMP_OPTIONS = { plants: 4 };
let h: Harness;
let plant: Plant;
let production: string;
let candidate: string;
let batchesSent = 0;

const pathOf = (asset: string) => `${h.enterprise}.plant-1.utilities.cooling-water.${asset}`;

async function step(minutes: number): Promise<void> {
  for (let m = 0; m < minutes; m++) {
    const { updates } = plant.advance(plant.nowMs + 60_000);
    const byAsset = new Map<string, typeof updates>();
    for (const u of updates) byAsset.set(u.asset, [...(byAsset.get(u.asset) ?? []), u]);
    for (const [asset, us] of byAsset) {
      const batch: UnsSampleBatch = {
        batchId: randomUUID(),
        sourceId: '0193a1b2-7c00-7a10-8b00-0000000000f1',
        assetPath: pathOf(asset),
        plantTime: new Date(plant.nowMs).toISOString(),
        samples: us
          .filter((u) => typeof u.value === 'number')
          .map((u) => ({
            tag: u.tag,
            value: u.value as number,
            quality: u.quality === 'good' ? { severity: 'Good' as const, code: 0 } : { severity: 'Bad' as const, code: 0x80000000 },
            sourceTimestamp: new Date(u.timestampMs).toISOString(),
            serverTimestamp: new Date().toISOString(),
          })),
      };
      if (batch.samples.length === 0) continue;
      await h.publish(batch);
      batchesSent++;
    }
  }
  await until(() => h.app.pipeline.counters().batches >= batchesSent, 60_000, 'batches consumed');
  await h.drained(); // the last batch scored and recorded, not only taken
}

const client = async (role: 'engineer' | 'operator') =>
  createClient(inferenceV1.InferenceServiceClient, h.grpcAddress, { token: await h.token(role), deadlineMs: 10_000 });

const list = async (q: Partial<inferenceV1.ListShadowComparisonsRequest>, role: 'engineer' | 'operator' = 'engineer') => {
  const c = await client(role);
  try {
    return await unaryCall(c, c.listShadowComparisons, { useCaseId: USE_CASE, scope: '', candidateVersionId: '', pageSize: 0, pageToken: '', ...q });
  } finally {
    c.close();
  }
};

beforeAll(async () => {
  h = await startHarness({ monitor: { minSamples: 1_000_000 } });
  plant = createPlant({ seed: 11, startMs: Date.now(), layout: { enterprise: h.enterprise, site: 'plant-1', pumps: 4, mills: 0, packagers: 0 } });
  const demo = await registerDemoPumpModel({
    store: h.store,
    artifactsDir: join(h.dir, 'artifacts'),
    useCaseId: USE_CASE,
    actor: { subject: 'erin', role: 'engineer' },
    options: PUMP_OPTIONS,
  });
  production = demo.modelVersion;
  await h.app.settle();
  const model = buildPumpModel({ ...PUMP_OPTIONS, seed: 43 });
  const saved = await savePumpModel(model, join(h.dir, 'candidate'));
  candidate = await h.registerArtifact({
    artifactUri: saved.artifactUri,
    artifactHash: saved.sha256,
    threshold: model.threshold,
    inputs: model.featureSpec.features.map((f) => ({ name: f.name, unit: f.unit })),
    windowSeconds: model.featureSpec.windowMinutes * 60,
  });
  await h.promote(candidate, 'shadow');
  await step(40); // healthy history (60-minute windows: scoring starts at minute 60)
  expect(plant.inject({ asset: 'pump-2', fault: 'bearing_wear', developMinutes: 20, severity: 1 }, 'api').ok).toBe(true);
  await step(50);
}, 180_000);

afterAll(async () => {
  await h?.close();
});

describe('a shadow candidate beside production', () => {
  it('records each window where either side raised a prompt, and batches of the windows both scored', async () => {
    const compared = await h.events('ShadowPromptCompared');
    expect(compared.length).toBeGreaterThan(0);
    expect(compared.every((e) => e.stream === `serving-${USE_CASE}` && e.data.candidateVersionId === candidate)).toBe(true);
    const raised = await h.events('RecommendationRaised');
    const shadowIds = new Set(raised.filter((e) => e.data.mode === 'shadow').map((e) => e.data.recommendationId));
    const productionIds = new Set(raised.filter((e) => e.data.mode === 'production').map((e) => e.data.recommendationId));
    for (const e of compared) {
      const d = e.data as { raisedBy: string; production: { recommendationId: string | null }; candidate: { recommendationId: string | null } };
      if (d.raisedBy !== 'production') expect(shadowIds.has(d.candidate.recommendationId!)).toBe(true);
      if (d.raisedBy !== 'candidate') expect(productionIds.has(d.production.recommendationId!)).toBe(true);
    }
    const batches = await h.events('ShadowWindowsCompared');
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.every((e) => e.data.windows === 50 && e.data.productionVersionId === production)).toBe(true);
  });

  it('serves both verdicts beside the operator outcome, and a summary a shadow gate can read', async () => {
    const prompt = (await h.events('RecommendationRaised')).find((e) => e.data.mode === 'production' && e.data.assetPath === pathOf('pump-2'));
    expect(prompt).toBeDefined();
    const recommendationId = prompt!.data.recommendationId as string;
    const op = await client('operator');
    await unaryCall(op, op.decide, { recommendationId, decision: inferenceV1.Decision.DECISION_DONE, reason: '', note: 'bearing replaced', actionTaken: '' });
    await unaryCall(op, op.recordOutcome, { recommendationId, outcome: 'event-prevented', observedAt: '', note: '', currency: '' });
    op.close();

    const page = await list({});
    expect(page.comparisons.length).toBeGreaterThan(0);
    const row = page.comparisons.find((c) => c.productionRecommendationId === recommendationId);
    expect(row).toMatchObject({
      assetPath: pathOf('pump-2'),
      candidateVersionId: candidate,
      productionVersionId: production,
      reference: 'production',
      productionAlarm: true,
      operatorDecision: 'done',
      operatorOutcome: 'event-prevented',
      failure: 'confirmed',
    });
    expect(row!.productionScore).toBeGreaterThan(0);
    expect(row!.agree).toBe(row!.candidateAlarm === row!.productionAlarm);
    // newest first
    const times = page.comparisons.map((c) => Date.parse(c.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    expect(page.summaries).toHaveLength(1);
    const s = page.summaries[0]!;
    const batches = (await h.events('ShadowWindowsCompared')).map((e) => e.data as { windows: number; agreeing: number });
    expect(s.candidateVersionId).toBe(candidate);
    expect(s.windows).toBe(batches.reduce((n, b) => n + b.windows, 0));
    expect(s.agreeing).toBe(batches.reduce((n, b) => n + b.agreeing, 0));
    expect(s.agreement).toBeCloseTo(s.agreeing / s.windows, 9);
    expect(s.windows).toBeLessThanOrEqual(h.app.pipeline.counters().shadowScores);
    expect(s.promptsCompared).toBe((await h.events('ShadowPromptCompared')).length);
    expect(s.confirmedFailures).toBeGreaterThanOrEqual(1);
    expect(s.candidateCaught + s.candidateMissed).toBe(s.confirmedFailures);
  });

  it('pages newest first, filters by scope and candidate', async () => {
    const all = await list({ pageSize: 500 });
    const first = await list({ pageSize: 1 });
    expect(first.comparisons).toHaveLength(1);
    expect(first.comparisons[0]!.comparisonId).toBe(all.comparisons[0]!.comparisonId);
    if (all.comparisons.length > 1) {
      expect(first.nextPageToken).not.toBe('');
      const second = await list({ pageSize: 1, pageToken: first.nextPageToken });
      expect(second.comparisons[0]!.comparisonId).toBe(all.comparisons[1]!.comparisonId);
    }
    const pump2 = await list({ scope: pathOf('pump-2'), pageSize: 500 });
    expect(pump2.comparisons.length).toBe(all.comparisons.filter((c) => c.assetPath === pathOf('pump-2')).length);
    const pump1 = await list({ scope: pathOf('pump-1') });
    expect(pump1.comparisons.every((c) => c.assetPath === pathOf('pump-1'))).toBe(true);
    expect((await list({ candidateVersionId: production })).comparisons).toHaveLength(0);
  });

  it('refuses a bad page size naming the field, a bad page token, and a caller without drift.read', async () => {
    await expect(list({ pageSize: 501 })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringContaining('page_size') });
    await expect(list({ pageToken: 'not-a-token' })).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringMatching(/page_?token/i),
    });
    await expect(list({ scope: 'Not A Scope' })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringContaining('scope') });
    await expect(list({}, 'operator')).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
    const anonymous = createClient(inferenceV1.InferenceServiceClient, h.grpcAddress, { deadlineMs: 5000 });
    await expect(
      unaryCall(anonymous, anonymous.listShadowComparisons, { useCaseId: USE_CASE, scope: '', candidateVersionId: '', pageSize: 0, pageToken: '' }),
    ).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    anonymous.close();
  });
});

describe('a first model, with the rules serving production', () => {
  it('compares the candidate with the rule-based limits and says so', async () => {
    await h.rollback(production, null);
    const before = (await h.events('ShadowWindowsCompared')).length;
    expect(plant.inject({ asset: 'pump-1', fault: 'bearing_wear', developMinutes: 10, severity: 1 }, 'api').ok).toBe(true);
    await step(35);
    const batches = (await h.events('ShadowWindowsCompared')).slice(before);
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.every((e) => e.data.reference === 'rules' && e.data.productionVersionId === null)).toBe(true);
    const rules = (await h.events('ShadowPromptCompared')).filter((e) => e.data.reference === 'rules');
    expect(rules.length).toBeGreaterThan(0);
    for (const e of rules) expect((e.data as { production: { score: number | null } }).production.score).toBeNull();
    const page = await list({ pageSize: 500 });
    expect(page.summaries[0]!.productionVersionIds).toEqual(expect.arrayContaining([production, '']));
    const row = page.comparisons.find((c) => c.reference === 'rules')!;
    expect(row.productionVersionId).toBe('');
    expect(row.productionScore).toBeUndefined();
  });
});
