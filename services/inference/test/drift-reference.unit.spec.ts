// Drift against a healthy live window (MonitorConfig.referenceRows): a fleet that moved since the
// training sample (another part of the fleet, an older period) drifts against that sample without
// any change, and does not against its first healthy rows; a change after them is found, on the
// feature that moved only. Rows of assets left out (an open prompt, a fault) are not taken into the
// window, and nothing is evaluated until it is full.
import { describe, expect, it } from 'vitest';
import { createMonitor, DEFAULT_MONITOR_CONFIG, type EvaluationResult, type Monitor } from '../src/features/monitoring.ts';
import type { LoadedModel } from '../src/features/ports.ts';

const USE_CASE = 'uc-drift-reference';
const MIN = 60_000;
const PUMPS = 8;
const INPUTS = ['bearing_temp_mean', 'vibration_rms'];

/** Deterministic noise in [-1, 1). */
function noise(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 31 - 1;
}

/** The training sample: bearings at 50 °C (± 1), vibration 2 mm/s (± 0.2). */
function trainedModel(): LoadedModel {
  const r = noise(3);
  const temp = Float64Array.from({ length: 2000 }, () => 50 + r()).sort();
  const vib = Float64Array.from({ length: 2000 }, () => 2 + 0.2 * r()).sort();
  return {
    registered: { modelVersionId: 'mv-reference' },
    inputs: INPUTS,
    referenceSorted: [temp, vib],
    referenceScoresSorted: new Float64Array(0),
    featureInfo: new Map(INPUTS.map((n) => [n, { source: { tag: n, statistic: 'mean' }, unit: '', normal: NaN }])),
  } as unknown as LoadedModel;
}

const config = { ...DEFAULT_MONITOR_CONFIG, minSamples: 200, evaluateEvery: 40 };
const pump = (p: number) => `acme.plant-1.utilities.cooling-water.pump-${p + 1}`;

/** `minutes` of one row a minute per pump, the fleet 3 °C warmer than in training, `offset` °C more on top; from minute `from`. */
function feed(monitor: Monitor, model: LoadedModel, from: number, minutes: number, offset: number, seed: number): EvaluationResult[] {
  const r = noise(seed);
  const out: EvaluationResult[] = [];
  for (let i = from; i < from + minutes; i++)
    for (let p = 0; p < PUMPS; p++) {
      const row = Float64Array.from([53 + offset + r(), 2 + 0.2 * r()]);
      const e = monitor.observe(USE_CASE, model, row, 0.01, i * MIN, pump(p));
      if (e !== null) out.push(e);
    }
  return out;
}

const critical = (evs: readonly EvaluationResult[]) => evs.flatMap((e) => e.newFindings).filter((f) => f.severity === 'critical');

describe('the drift reference', () => {
  it('against the training sample, a fleet that moved since drifts with no change at all', () => {
    const model = trainedModel();
    const evs = feed(createMonitor(config), model, 0, 240, 0, 5);
    expect(critical(evs).map((f) => f.feature)).toContain('bearing_temp_mean');
  });

  it('against a healthy live window: no drift without a change, the change found on the feature that moved', () => {
    const model = trainedModel();
    const monitor = createMonitor({ ...config, referenceRows: 960 });
    // the window fills over 2 h (8 pumps, a row a minute each): nothing is evaluated meanwhile
    expect(feed(monitor, model, 0, 119, 0, 5)).toEqual([]);
    expect(monitor.report(USE_CASE, model, { truePositives: 0, falsePositives: 0, falseNegatives: 0 }, 119 * MIN).features).toEqual([]);
    expect(feed(monitor, model, 119, 1, 0, 4)).toEqual([]);
    // the same fleet, 4 h more: evaluated, nothing critical (a first small sample may show a moderate PSI)
    const control = feed(monitor, model, 120, 240, 0, 6);
    expect(control.length).toBeGreaterThan(10);
    expect(critical(control)).toEqual([]);
    expect(control.every((e) => e.report.severity !== 'critical' && e.report.paused === false)).toBe(true);
    // every bearing temperature reads 4 °C higher: critical on that input only
    const changed = feed(monitor, model, 360, 240, 4, 7);
    expect(critical(changed).map((f) => f.feature)).toEqual(['bearing_temp_mean']);
    expect(changed.flatMap((e) => e.newFindings).map((f) => f.feature)).not.toContain('vibration_rms');
  });

  it('takes no rows of an asset left out into the window', () => {
    const model = trainedModel();
    // pump 1 has an open prompt throughout, its bearing 20 °C hotter: were its rows taken, the others would drift low
    const monitor = createMonitor({ ...config, referenceRows: 840 }, { excluded: (asset) => asset === pump(0) });
    const r = noise(9);
    const out: EvaluationResult[] = [];
    for (let i = 0; i < 480; i++)
      for (let p = 0; p < PUMPS; p++) {
        const row = Float64Array.from([53 + (p === 0 ? 20 : 0) + r(), 2 + 0.2 * r()]);
        const e = monitor.observe(USE_CASE, model, row, 0.01, i * MIN, pump(p));
        if (e !== null) out.push(e);
      }
    // 7 pumps fill 840 rows in 120 minutes; then evaluated every 40 rows
    expect(out.length).toBeGreaterThan(10);
    expect(critical(out)).toEqual([]);
    expect(out.at(-1)!.report.assetsExcluded).toBe(1);
  });
});
