// Drift on the REAL NATS: pumps stream healthy readings (the same synthetic physics the model
// was trained on), then the motor current sensors shift by +6 A. The monitor must report
// DriftDetected for that input within its window and, as the drift persists, RetrainingRequested
// (a request to humans; production does not change).
import { createRng } from '@industrial/ml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, until, type Harness } from './fixture.ts';
import { buildPumpModel, pumpStream, sampleBatch, type PumpSample } from './pump-data.ts';

let h: Harness;
let v1: string;
const PUMPS = 48;
const start = Date.now() - 3 * 3_600_000;

beforeAll(async () => {
  const model = buildPumpModel(5, 60, 30);
  h = await startHarness({ monitor: { capacity: 1500, minSamples: 1000, evaluateEvery: 96, persistAfter: 2 }, fallbackOnSevereDrift: true });
  v1 = await h.register(model.bundle, { threshold: model.threshold });
  await h.promote(v1, 'production');
}, 120_000);

afterAll(async () => {
  await h?.close();
});

async function publishStreams(streams: PumpSample[][], fromIdx: number, toIdx: number): Promise<number> {
  let sent = 0;
  for (let i = fromIdx; i < toIdx; i++) {
    for (let p = 0; p < streams.length; p++) {
      await h.publish(sampleBatch(`${h.enterprise}.plant-1.utilities.cooling-water.pump-${p + 1}`, streams[p]![i]!));
      sent++;
    }
  }
  return sent;
}

describe('when one sensor’s distribution shifts', () => {
  it('raises DriftDetected for that input and, as it persists, RetrainingRequested', async () => {
    const rng = createRng(3);
    const healthy = Array.from({ length: PUMPS }, () => pumpStream(rng, 80, { startMs: start }));
    const shifted = Array.from({ length: PUMPS }, () => pumpStream(rng, 60, { startMs: start + 81 * 60_000, currentOffset: 6 }));
    let sent = await publishStreams(healthy, 0, healthy[0]!.length);
    await until(() => h.app.pipeline.counters().batches >= sent, 60_000, 'healthy batches');
    await h.drained(); // the last batch scored and its drift recorded, not only taken
    // 48 pumps over an hour are few independent windows: a moderate PSI can show before the shift, never a critical one.
    const beforeShift = (await h.events('DriftDetected')).filter((e) => e.data.feature === 'motor_current__mean' && e.data.severity === 'critical');
    expect(beforeShift).toHaveLength(0);
    expect(await h.events('RetrainingRequested')).toHaveLength(0);
    sent += await publishStreams(shifted, 0, shifted[0]!.length);
    await until(() => h.app.pipeline.counters().batches >= sent, 60_000, 'shifted batches');
    await h.drained();
    const drift = (await h.events('DriftDetected')).filter((e) => e.data.feature === 'motor_current__mean');
    expect(drift.length).toBeGreaterThan(0);
    expect(drift.some((e) => e.data.severity === 'critical' && (e.data.value as number) > 0.25)).toBe(true);
    expect(drift[0]!.data.modelVersionId).toBe(v1);
    const retrain = await h.events('RetrainingRequested');
    expect(retrain).toHaveLength(1);
    expect(retrain[0]!.data).toMatchObject({ trigger: 'drift', modelVersionId: v1 });
    expect(retrain[0]!.data.driftId).toBe(drift.find((e) => e.data.severity === 'critical')!.data.driftId);
    // never promotes: production is unchanged
    expect(h.app.models.slots(retrain[0]!.data.useCaseId as string).production?.registered.modelVersionId).toBe(v1);
    const report = await fetch(`${h.httpUrl}/api/v1/drift/${retrain[0]!.data.useCaseId as string}`, {
      headers: { authorization: `Bearer ${await h.token('engineer')}` },
    });
    const body = (await report.json()) as { features: { feature: string; band: string; ksP: number }[]; severity: string };
    expect(body.features.find((f) => f.feature === 'motor_current__mean')).toMatchObject({ band: 'major' });
    expect(body.severity).toBe('critical');
    // severe drift: the model's prompts give way to the declared limits
    expect(h.app.pipeline.counters().fallbackDrift).toBeGreaterThan(0);
    // drift over time (the engineer's chart): evaluations before the shift without critical drift, then above the pause threshold, paused
    const history = await fetch(`${h.httpUrl}/api/v1/drift/history?useCaseId=${retrain[0]!.data.useCaseId as string}`, {
      headers: { authorization: `Bearer ${await h.token('engineer')}` },
    });
    const hist = (await history.json()) as {
      pauseThreshold: number;
      points: { maxPsi: number; severity: string; paused: boolean; top: { feature: string }[] }[];
    };
    expect(hist.points.length).toBeGreaterThan(2);
    expect(hist.points[0]!.severity).not.toBe('critical');
    const shiftedPoint = hist.points.find((p) => p.severity === 'critical')!;
    expect(shiftedPoint.maxPsi).toBeGreaterThan(hist.pauseThreshold);
    expect(shiftedPoint.top[0]!.feature).toBe('motor_current__mean');
    expect(hist.points.some((p) => p.paused)).toBe(true);
  });
});
