// End-to-end on the REAL NATS (127.0.0.1:4222): the simulator's plant model (createPlant, the
// engine behind its OPC UA server) produces pump readings; this test publishes them as UNS batches
// itself (connectivity's OPC UA path is covered by its own tests; here plant time must run faster
// than an OPC UA subscription allows) → inference → prompts over the HTTP gateway and gRPC.
// The model is the training service's pump model (buildPumpModel: simulator fleet → @industrial/ml
// window features → GBDT), stored and registered by registerDemoPumpModel
// (ModelVersionRegistered + ModelPromoted with the real sha256); inference computes its live rows
// from the window spec the model carries, with the same @industrial/ml function.
import { randomUUID } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { createClient, inferenceV1, unaryCall } from '@industrial/grpc';
import { createPlant } from '@industrial/simulator';
type Plant = ReturnType<typeof createPlant>;
import type { UnsSampleBatch } from '@industrial/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTelemetry, type TelemetryHandle } from '@industrial/telemetry';
import { isPlainLanguage } from '../src/domain/wording.ts';
import { startHarness, until, USE_CASE, type Harness } from './fixture.ts';
import { buildPumpModel, registerDemoPumpModel, savePumpModel, type DemoPumpModel } from '@industrial/training';

/** Small recipe options (a build takes well under a second). */
const PUMP_OPTIONS = { plants: 4 };
let h: Harness;
let plant: Plant;
let demo: DemoPumpModel;
let v1: string;
const feed: Record<string, unknown>[] = [];
let feedAbort: AbortController;
let batchesSent = 0;

const pathOf = (asset: string) => `${h.enterprise}.plant-1.utilities.cooling-water.${asset}`;

async function step(minutes: number): Promise<void> {
  for (let m = 0; m < minutes; m++) {
    const { updates } = plant.advance(plant.nowMs + 60_000);
    const byAsset = new Map<string, typeof updates>();
    for (const u of updates as Plant extends { advance(t: number): { updates: infer U } } ? U : never)
      byAsset.set(u.asset, [...(byAsset.get(u.asset) ?? []), u]);
    for (const [asset, us] of byAsset) {
      const iso = new Date(plant.nowMs).toISOString();
      const batch: UnsSampleBatch = {
        batchId: randomUUID(),
        sourceId: '0193a1b2-7c00-7a10-8b00-0000000000f1',
        assetPath: pathOf(asset),
        plantTime: iso,
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
  await h.drained(); // the last batch scored and its prompts recorded, not only taken
}

async function http(method: string, path: string, role: 'operator' | 'engineer', body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${h.httpUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${await h.token(role)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

const prompts = async (asset: string) => (await h.events('RecommendationRaised')).filter((e) => e.data.assetPath === pathOf(asset));

let telemetry: TelemetryHandle;

beforeAll(async () => {
  // a real tracer provider: prompts carry the trace id of the span that raised them
  telemetry = initTelemetry({ serviceName: 'inference-test', serviceVersion: '0.0.0', exporter: 'memory', sampleRatio: 0, logLevel: 'silent' });
  h = await startHarness({ monitor: { minSamples: 1_000_000 } });
  plant = createPlant({ seed: 11, startMs: Date.now(), layout: { enterprise: h.enterprise, site: 'plant-1', pumps: 4, mills: 0, packagers: 0 } });
  demo = await registerDemoPumpModel({
    store: h.store,
    artifactsDir: join(h.dir, 'artifacts'),
    useCaseId: USE_CASE,
    actor: { subject: 'erin', role: 'engineer' },
    options: PUMP_OPTIONS,
  });
  v1 = demo.modelVersion;
  await h.app.settle();
  // the HMI's live feed
  feedAbort = new AbortController();
  const res = await fetch(`${h.httpUrl}/api/v1/feed`, { headers: { authorization: `Bearer ${await h.token('operator')}` }, signal: feedAbort.signal });
  void (async () => {
    const reader = res.body!.getReader();
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += new TextDecoder().decode(value);
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const chunk = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = chunk.split('\n').find((l) => l.startsWith('data: '));
          if (data) feed.push(JSON.parse(data.slice(6)) as Record<string, unknown>);
        }
      }
    } catch {
      // aborted at the end
    }
  })();
  await step(40); // healthy history (the model's windows are 60 minutes: scoring starts at minute 60)
}, 120_000);

afterAll(async () => {
  feedAbort?.abort();
  await h?.close();
  await telemetry?.shutdown();
});

describe('when a bearing fault develops on pump 4', () => {
  it('raises exactly one prompt for pump 4 naming the asset, the evidence and an action with a deadline', async () => {
    expect(h.app.models.status().useCases).toMatchObject({ [USE_CASE]: { production: v1 } });
    // the registered artifact is the training bundle, with its real sha256
    expect(h.app.models.state().registered.get(v1)).toMatchObject({ artifactUri: demo.artifactUri, artifactHash: demo.sha256, windowSeconds: 3600 });
    expect(h.app.models.slots(USE_CASE).production?.inputs).toEqual(['bearing_temp_mean', 'bearing_temp_slope', 'vibration_rms', 'motor_current_mean']);
    expect(plant.inject({ asset: 'pump-4', fault: 'bearing_wear', developMinutes: 20, severity: 1 }, 'api').ok).toBe(true);
    await step(45);
    const raised = await prompts('pump-4');
    const ids = new Set(raised.map((e) => e.data.recommendationId));
    expect(ids.size).toBe(1);
    const first = raised[0]!.data;
    expect(first.mode).toBe('production');
    expect(first.source).toBe('model');
    expect(first.modelVersionId).toBe(v1);
    const message = String(raised[raised.length - 1]!.data.message);
    expect(message).toMatch(/^Pump 4: /);
    expect(message).toMatch(/bearing temperature \d+ °C above normal|vibration/);
    expect(message).toMatch(/Inspect the pump 4 bearing within the next hour\.$/);
    expect(isPlainLanguage(message)).toBe(true);
    expect((first.explanation as unknown[]).length).toBeGreaterThan(0);
    // evidence in plant units, named as the model names its window features
    const evidence = raised[raised.length - 1]!.data.evidence as { feature: string; value: number; unit: string }[];
    expect(evidence.find((e) => e.feature === 'bearing_temp_mean')).toMatchObject({ unit: 'Cel' });
    expect(evidence.find((e) => e.feature === 'vibration_rms')).toMatchObject({ unit: 'mm/s' });
    expect(first.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('raises none for the healthy pumps', async () => {
    for (const a of ['pump-1', 'pump-2', 'pump-3']) expect(await prompts(a)).toHaveLength(0);
  });

  it('records Acknowledge → Done → outcome as events with the model version, and refuses a decision on a closed one', async () => {
    const list = await http('GET', '/api/v1/recommendations?open=true', 'operator');
    const rec = (list.json.recommendations as { recommendationId: string; assetPath: string }[]).find((r) => r.assetPath === pathOf('pump-4'))!;
    expect(rec).toBeDefined();
    expect((await http('POST', `/api/v1/recommendations/${rec.recommendationId}/acknowledge`, 'operator')).status).toBe(200);
    expect((await http('POST', `/api/v1/recommendations/${rec.recommendationId}/done`, 'operator', { note: 'bearing hot, greased' })).status).toBe(200);
    const outcome = await http('POST', `/api/v1/recommendations/${rec.recommendationId}/outcome`, 'operator', {
      outcome: 'event-prevented',
      costImpact: { amount: 24000, currency: 'EUR' },
    });
    expect(outcome.status).toBe(200);
    for (const type of ['RecommendationAcknowledged', 'RecommendationAccepted', 'OutcomeRecorded']) {
      const e = (await h.events(type)).find((x) => x.data.recommendationId === rec.recommendationId)!;
      expect((e.data.context as { modelVersionId: string }).modelVersionId).toBe(v1);
      expect(e.metadata.actor).toBe('operator-1');
    }
    expect((await h.events('OutcomeRecorded'))[0]!.data.label).toBe('bearing_failure');
    const again = await http('POST', `/api/v1/recommendations/${rec.recommendationId}/not-done`, 'operator', { reason: 'false-alarm' });
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ code: 'FAILED_PRECONDITION', state: 'accepted' });
    const client = createClient(inferenceV1.InferenceServiceClient, h.grpcAddress, { token: await h.token('operator'), deadlineMs: 5000 });
    await expect(
      unaryCall(client, client.decide, {
        recommendationId: rec.recommendationId,
        decision: inferenceV1.Decision.DECISION_DONE,
        reason: '',
        note: '',
        actionTaken: '',
      }),
    ).rejects.toMatchObject({ code: grpc.status.FAILED_PRECONDITION });
    const eng = createClient(inferenceV1.InferenceServiceClient, h.grpcAddress, { token: await h.token('engineer'), deadlineMs: 5000 });
    await expect(
      unaryCall(eng, eng.predict, { useCaseId: h.app.models.state().registered.get(v1)!.useCaseId, features: { bogus: 1 }, stage: 0 }),
    ).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringContaining('bogus') });
    client.close();
    eng.close();
  });
});

describe('when pump 3 is in manual mode', () => {
  it('suppresses and marks its prompt only, and back to auto restores it', async () => {
    const set = await http('PUT', `/api/v1/modes/${pathOf('pump-3')}`, 'operator', { mode: 'manual', reason: 'fitter on site' });
    expect(set.status).toBe(200);
    expect(plant.inject({ asset: 'pump-3', fault: 'bearing_wear', developMinutes: 20, severity: 1 }, 'api').ok).toBe(true);
    await step(40);
    const during = await prompts('pump-3');
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((e) => e.data.mode === 'suppressed')).toBe(true);
    expect(feed.some((f) => f.assetPath === pathOf('pump-3') && f.type === 'RecommendationRaised')).toBe(false);
    expect((await h.events('AssetModeChanged'))[0]!.metadata.actor).toBe('operator-1');
    expect((await http('PUT', `/api/v1/modes/${pathOf('pump-3')}`, 'operator', { mode: 'auto', reason: 'fitter gone' })).status).toBe(200);
    await step(3);
    const after = await prompts('pump-3');
    expect(after.some((e) => e.data.mode === 'production')).toBe(true);
    expect(feed.some((f) => f.assetPath === pathOf('pump-3') && f.mode === 'production')).toBe(true);
    expect(await prompts('pump-1')).toHaveLength(0);
  });
});

describe('when a model file is corrupted', () => {
  it('is refused with a ModelRefused event saying why, and scoring continues on the previous version', async () => {
    // a copy of the training bundle with one ONNX byte flipped, registered under the true sha256
    const src = fileURLToPath(demo.artifactUri);
    const dir = join(h.dir, 'corrupt');
    cpSync(dirname(src), dir, { recursive: true });
    const onnx = join(dir, src.slice(dirname(src).length + 1));
    const bytes = readFileSync(onnx);
    bytes[100] = bytes[100]! ^ 0xff;
    writeFileSync(onnx, bytes);
    const bad = await h.registerArtifact({
      artifactUri: pathToFileURL(onnx).href,
      artifactHash: demo.sha256,
      threshold: demo.threshold,
      inputs: [{ name: 'bearing_temp_mean' }],
      windowSeconds: 3600,
    });
    await h.promote(bad, 'production');
    const refusal = (await h.events('ModelRefused')).find((e) => e.data.modelVersionId === bad)!;
    expect(refusal.data).toMatchObject({ useCaseId: USE_CASE, stage: 'production', check: 'integrity', expectedSha256: demo.sha256, keptModelVersionId: v1 });
    expect(refusal.data.actualSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(refusal.data.actualSha256).not.toBe(demo.sha256);
    expect(String(refusal.data.reason)).toMatch(/sha256/);
    expect((await h.events('ModelRolledBack')).filter((e) => e.data.fromModelVersionId === bad)).toHaveLength(0);
    const before = h.app.pipeline.counters().modelScores;
    await step(2);
    expect(h.app.pipeline.counters().modelScores).toBeGreaterThan(before);
    expect(h.app.models.slots(USE_CASE).production?.registered.modelVersionId).toBe(v1);
    expect(h.app.models.state().production.get(USE_CASE)).toBe(v1);
  });
});

describe('when a shadow candidate is promoted', () => {
  it('records its scores and would-have-raised prompts, never in the feed', async () => {
    const candidate = buildPumpModel({ ...PUMP_OPTIONS, seed: 43 });
    const saved = await savePumpModel(candidate, join(h.dir, 'candidate'));
    const v3 = await h.registerArtifact({
      artifactUri: saved.artifactUri,
      artifactHash: saved.sha256,
      threshold: candidate.threshold,
      inputs: candidate.featureSpec.features.map((f) => ({ name: f.name, unit: f.unit })),
      windowSeconds: candidate.featureSpec.windowMinutes * 60,
    });
    await h.promote(v3, 'shadow');
    expect(plant.inject({ asset: 'pump-2', fault: 'bearing_wear', developMinutes: 20, severity: 1 }, 'api').ok).toBe(true);
    await step(35);
    expect(h.app.pipeline.counters().shadowScores).toBeGreaterThan(0);
    const shadow = (await h.events('RecommendationRaised')).filter((e) => e.data.mode === 'shadow');
    expect(shadow.length).toBeGreaterThan(0);
    expect(shadow.every((e) => e.data.modelVersionId === v3)).toBe(true);
    const shadowIds = new Set(shadow.map((e) => e.data.recommendationId));
    expect(feed.some((f) => shadowIds.has(f.recommendationId as string) || f.mode === 'shadow')).toBe(false);
    const report = await http('GET', `/api/v1/drift/${shadow[0]!.data.useCaseId as string}`, 'engineer');
    expect((report.json.shadow as { windows: number; agreement: number }).windows).toBeGreaterThan(0);
  });
});

describe('when the model is unavailable', () => {
  it('falls back to the declared limits and every such prompt says it is rule-based', async () => {
    await h.rollback(v1, null);
    expect(plant.inject({ asset: 'pump-1', fault: 'bearing_wear', developMinutes: 10, severity: 1 }, 'api').ok).toBe(true);
    await step(35);
    const rules = (await h.events('RecommendationRaised')).filter((e) => e.data.source === 'rules' && e.data.mode === 'production');
    expect(rules.length).toBeGreaterThan(0);
    for (const e of rules) {
      expect(String(e.data.message)).toMatch(/rule-based check/);
      expect(e.data.modelVersionId).toBeNull();
    }
    expect(rules.some((e) => e.data.assetPath === pathOf('pump-1'))).toBe(true);
  });
});
