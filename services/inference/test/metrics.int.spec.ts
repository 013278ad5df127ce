// OpenTelemetry metrics on the REAL NATS (127.0.0.1:4222): telemetry is initialised with the
// in-memory exporter BEFORE the app (instruments come from the global meter), a production and a
// shadow version of the synthetic pump model score a few pumps' windows, and the industrial.inference
// counters and histograms carry data points that agree with the /api/v1/health counters.
import { randomUUID } from 'node:crypto';
import type { UnsSampleBatch } from '@industrial/contracts';
import { createRng } from '@industrial/ml';
import { initTelemetry, resetTelemetryForTests, type ResourceMetrics, type TelemetryHandle } from '@industrial/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INFERENCE_METER, promptDecisions } from '../src/adapters/telemetry/metrics.ts';
import { startHarness, until, USE_CASE, type Harness } from './fixture.ts';
import { buildPumpModel, pumpStream } from './pump-data.ts';

let telemetry: TelemetryHandle;
let h: Harness;
let production: string;
let shadow: string;
const PUMPS = 3;
const MINUTES = 60;
const start = Date.now() - 2 * 3_600_000;

beforeAll(async () => {
  await resetTelemetryForTests();
  telemetry = initTelemetry({ serviceName: 'inference-test', serviceVersion: '0.0.0', exporter: 'memory', sampleRatio: 0, logLevel: 'silent' });
  const model = buildPumpModel(5, 40, 10);
  h = await startHarness({ monitor: { capacity: 500, minSamples: 10, evaluateEvery: 10, persistAfter: 1000 } });
  production = await h.register(model.bundle, { threshold: model.threshold });
  await h.promote(production, 'production');
  shadow = await h.register(model.bundle, { threshold: model.threshold });
  await h.promote(shadow, 'shadow');
  const rng = createRng(9);
  const streams = Array.from({ length: PUMPS }, () => pumpStream(rng, MINUTES, { startMs: start }));
  let sent = 0;
  for (let i = 0; i < streams[0]!.length; i++) {
    for (let p = 0; p < PUMPS; p++) {
      const s = streams[p]![i]!;
      const batch: UnsSampleBatch = {
        batchId: randomUUID(),
        sourceId: '0193a1b2-7c00-7a10-8b00-0000000000f3',
        assetPath: `${h.enterprise}.plant-1.utilities.cooling-water.pump-${p + 1}`,
        plantTime: new Date(s.tMs).toISOString(),
        samples: Object.entries(s.values).map(([tag, value]) => ({
          tag,
          value,
          quality: { severity: 'Good' as const, code: 0 },
          sourceTimestamp: new Date(s.tMs).toISOString(),
          serverTimestamp: new Date().toISOString(),
        })),
      };
      await h.publish(batch);
      sent++;
    }
  }
  await until(() => h.app.pipeline.counters().batches >= sent, 60_000, 'batches consumed');
  await h.drained(); // the last batch scored: the counters and the exported metrics compared below stay put
}, 120_000);

afterAll(async () => {
  await h?.close();
  await resetTelemetryForTests();
});

function metric(rm: ResourceMetrics | undefined, name: string) {
  const scope = rm?.scopeMetrics.find((s) => s.scope.name === INFERENCE_METER);
  return scope?.metrics.find((m) => m.descriptor.name === name);
}

const sumOf = (points: readonly { value: unknown }[] | undefined) => (points ?? []).reduce((acc, p) => acc + (typeof p.value === 'number' ? p.value : 0), 0);

describe('inference metrics', () => {
  it('records scoring durations, scored windows, latency and drift PSI on the global meter', async () => {
    const counters = h.app.pipeline.counters();
    expect(counters.windowsScored).toBeGreaterThan(0);
    expect(counters.modelScores).toBeGreaterThan(0);
    expect(counters.shadowScores).toBeGreaterThan(0);

    await telemetry.forceFlush();
    const exported = telemetry.memoryMetrics?.getMetrics().at(-1);
    expect(exported?.resource.attributes['service.name']).toBe('inference-test');

    const scored = metric(exported, 'inference.windows.scored');
    expect(sumOf(scored?.dataPoints)).toBe(counters.windowsScored);
    expect(scored?.dataPoints.every((p) => p.attributes.use_case === USE_CASE)).toBe(true);

    const duration = metric(exported, 'inference.score.duration');
    expect(duration?.descriptor.unit).toBe('ms');
    const byStage = (stage: string, version: string) =>
      duration?.dataPoints.find((p) => p.attributes.stage === stage && p.attributes.model_version === version && p.attributes.use_case === USE_CASE);
    expect((byStage('production', production)?.value as { count: number }).count).toBeGreaterThanOrEqual(counters.modelScores);
    expect((byStage('shadow', shadow)?.value as { count: number }).count).toBe(counters.shadowScores);

    const latency = metric(exported, 'inference.sample_to_score.latency');
    expect(latency?.descriptor.unit).toBe('ms');
    const latencyCount = (latency?.dataPoints ?? []).reduce((acc, p) => acc + (p.value as { count: number }).count, 0);
    expect(latencyCount).toBe(counters.windowsScored);

    const raised = metric(exported, 'inference.recommendations.raised');
    expect(sumOf(raised?.dataPoints)).toBe(counters.promptsRaised);
    for (const p of raised?.dataPoints ?? []) {
      expect(['model', 'rules']).toContain(p.attributes.source);
      expect(typeof p.attributes.priority).toBe('string');
    }
    // Nothing failed on this healthy run.
    expect(sumOf(metric(exported, 'inference.errors')?.dataPoints)).toBe(0);

    const psi = metric(exported, 'inference.drift.psi');
    const features = new Set(psi?.dataPoints.map((p) => p.attributes.feature));
    expect(features.has('motor_current__mean')).toBe(true);
    expect(psi?.dataPoints.every((p) => p.attributes.model_version === production && Number.isFinite(p.value))).toBe(true);
  });

  it('counts operator decisions per use case and operator (ISA-18.2 figures)', async () => {
    // The adapter prompting's `decided` hook calls after each recorded decision (app.ts wires it).
    const decided = promptDecisions();
    decided('acknowledge', USE_CASE, 'olga');
    decided('accept', USE_CASE, 'olga');
    decided('acknowledge', USE_CASE, 'piet');
    await telemetry.forceFlush();
    const points = metric(telemetry.memoryMetrics?.getMetrics().at(-1), 'inference.recommendations.decided')?.dataPoints ?? [];
    const by = (decision: string, operator: string) => points.find((p) => p.attributes.decision === decision && p.attributes.operator === operator)?.value;
    expect([by('acknowledge', 'olga'), by('accept', 'olga'), by('acknowledge', 'piet')]).toEqual([1, 1, 1]);
    expect(points.every((p) => p.attributes.use_case === USE_CASE)).toBe(true);
  });

  it('says in the health counters where the metrics are', async () => {
    expect(String(h.app.health().metrics)).toContain('industrial.inference');
  });
});
