// Drift that does not mistake the fault for a shift (issue 14, item 5): the reference is the
// training population of a real @industrial/ml pump model; live rows come from the same pump physics
// through the same window function. Two of four pumps developing a bearing fault keep the model
// serving (with or without their prompts open); every pump's current sensor recalibrated pauses it,
// after the hysteresis, with a plain explanation, and it serves again once the readings are back.
import { createRng } from '@industrial/ml';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMonitor, DEFAULT_MONITOR_CONFIG, type EvaluationResult, type Monitor } from '../src/features/monitoring.ts';
import type { LoadedModel } from '../src/features/ports.ts';
import { buildPumpModel, pumpStream, rowsFromStream, type PumpModel } from './pump-data.ts';

const USE_CASE = 'uc-drift-population';
let trained: PumpModel;
let model: LoadedModel;

beforeAll(() => {
  trained = buildPumpModel(5, 60, 6);
  const ref = trained.bundle.reference;
  model = {
    registered: { modelVersionId: 'mv-population' },
    inputs: trained.inputs,
    referenceSorted: ref.columns.map((c) => Float64Array.from(c).sort()),
    referenceScoresSorted: Float64Array.from(ref.scores ?? []).sort(),
    featureInfo: new Map(trained.inputs.map((n) => [n, { source: { tag: n.split('__')[0]!, statistic: n.split('__')[1]! }, unit: '', normal: NaN }])),
  } as unknown as LoadedModel;
}, 120_000);

const config = { ...DEFAULT_MONITOR_CONFIG, minSamples: 200, evaluateEvery: 40, perAssetCapacity: 240, pauseAfter: 3, resumeAfter: 2 };
const MIN = 60_000;

/** Rows per pump, one a minute, from pump streams; feeds them interleaved as scoring would. */
function feed(monitor: Monitor, streams: ReturnType<typeof pumpStream>[]): EvaluationResult[] {
  const rows = streams.map((s) => rowsFromStream(s, trained.inputs, MIN));
  const out: EvaluationResult[] = [];
  for (let i = 0; i < rows[0]!.length; i++) {
    for (let p = 0; p < rows.length; p++) {
      const assetPath = `acme.plant-1.utilities.cooling-water.pump-${p + 1}`;
      const r = monitor.observe(USE_CASE, model, rows[p]![i]!, 0.01, streams[p]![0]!.tMs + (29 + i) * MIN, assetPath);
      if (r !== null) out.push(r);
    }
  }
  return out;
}

describe('drift against the training population', () => {
  it('keeps the model serving while two of four pumps fail (their prompts not yet open)', () => {
    const rng = createRng(11);
    const monitor = createMonitor(config);
    // bearing faults developing over 4 h on pumps 1 and 2, from the fourth hour
    const streams = [0, 1, 2, 3].map((p) => pumpStream(rng, 12 * 60, p < 2 ? { fault: { startMin: 180, developMin: 240 } } : {}));
    const evaluations = feed(monitor, streams);
    expect(evaluations.length).toBeGreaterThan(10);
    // the fault is seen (its inputs move) …
    expect(evaluations.some((e) => e.report.features.some((f) => f.band !== 'stable'))).toBe(true);
    // … but is not a shift of the population: never paused
    expect(evaluations.every((e) => e.report.paused === false)).toBe(true);
    expect(monitor.isSevere(USE_CASE)).toBe(false);
    expect(monitor.pauseState(USE_CASE)).toEqual({ paused: false, sinceMs: null, explanation: null });
  });

  it('leaves pumps with an open prompt out of the comparison', () => {
    const rng = createRng(12);
    const failing = new Set(['acme.plant-1.utilities.cooling-water.pump-1', 'acme.plant-1.utilities.cooling-water.pump-2']);
    const monitor = createMonitor(config, { excluded: (asset, atMs) => failing.has(asset) && atMs > Date.UTC(1970, 0, 1, 4) });
    const streams = [0, 1, 2, 3].map((p) => pumpStream(rng, 12 * 60, p < 2 ? { fault: { startMin: 180, developMin: 240 } } : {}));
    const evaluations = feed(monitor, streams);
    const last = evaluations.at(-1)!.report;
    expect(last.assetsExcluded).toBe(2);
    expect(last.assetsCompared).toBe(2);
    expect(evaluations.every((e) => e.report.paused === false)).toBe(true);
  });

  it('pauses once every pump’s current sensor is recalibrated, saying why in plain words, and serves again when it is put right', () => {
    const rng = createRng(13);
    const monitor = createMonitor(config);
    const healthy = [0, 1, 2, 3].map(() => pumpStream(rng, 5 * 60));
    const before = feed(monitor, healthy);
    expect(before.every((e) => e.report.paused === false)).toBe(true);
    const shifted = [0, 1, 2, 3].map(() => pumpStream(rng, 6 * 60, { startMs: 5 * 60 * MIN, currentOffset: 6 }));
    const after = feed(monitor, shifted);
    const firstPaused = after.findIndex((e) => e.report.paused === true);
    // hysteresis: not on the first critical evaluation
    expect(firstPaused).toBeGreaterThanOrEqual(config.pauseAfter - 1);
    expect(after.slice(0, firstPaused).some((e) => e.report.severity === 'critical')).toBe(true);
    expect(monitor.isSevere(USE_CASE)).toBe(true);
    const pause = monitor.pauseState(USE_CASE);
    expect(pause.paused).toBe(true);
    expect(pause.explanation).toMatch(/^The model is paused: the motor current readings of 4 of 4 assets no longer look like the data it learned from/);
    expect(pause.explanation).toMatch(/recalibrated/);
    expect(pause.explanation).toMatch(/fixed limits/);
    expect(pause.explanation).not.toMatch(/PSI|KS|drift|probab/i);
    // the sensors put right: serving again after `resumeAfter` clear evaluations
    const back = [0, 1, 2, 3].map(() => pumpStream(rng, 8 * 60, { startMs: 11 * 60 * MIN }));
    const recovered = feed(monitor, back);
    expect(recovered.at(-1)!.report.paused).toBe(false);
    expect(monitor.isSevere(USE_CASE)).toBe(false);
  });

  it('with many assets, compares the population’s newest rows: a recalibration an hour ago is not outvoted by each asset’s older rows', () => {
    const rng = createRng(14);
    // 40 pumps: each keeps up to 240 rows, but the current sample is the newest 600 shared out (15 per pump)
    const monitor = createMonitor({ ...config, capacity: 600, minSamples: 400, evaluateEvery: 80 });
    const healthy = Array.from({ length: 40 }, () => pumpStream(rng, 3 * 60));
    expect(feed(monitor, healthy).every((e) => e.report.paused === false)).toBe(true);
    const shifted = Array.from({ length: 40 }, () => pumpStream(rng, 60, { startMs: 3 * 60 * MIN, currentOffset: 6 }));
    const after = feed(monitor, shifted);
    expect(after.some((e) => e.report.paused === true)).toBe(true);
    expect(monitor.pauseState(USE_CASE).explanation).toMatch(/motor current readings of \d+ of 40 assets/);
  });
});
