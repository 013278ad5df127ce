import { describe, expect, it } from 'vitest';
import {
  alarmEpisodes,
  createDataset,
  defineOrderedSpec,
  evaluateAlarms,
  parseModel,
  predict,
  rollingLimits,
  serialiseModel,
  thresholdFromProbation,
  trainAnomaly,
  TooFewRowsError,
} from '../src/index.ts';

const MIN = 60_000;
const DAY = 86_400_000;

describe('alarm onset rule', () => {
  it('needs consecutive points and clears with hysteresis', () => {
    const s = [0, 5, 5, 0, 5, 5, 5, 4.5, 4.1, 3.9, 5, 5, 5, 0];
    const rule = { threshold: 5, consecutive: 3, hysteresis: 0.8 };
    // run 1..2 is too short; 4..6 raises at 6; 4.5 and 4.1 stay ≥ 4 (hysteresis); 3.9 clears; 10..12 raises at 12
    expect(alarmEpisodes(s, rule)).toEqual([
      { onset: 6, end: 8 },
      { onset: 12, end: 12 },
    ]);
    expect(alarmEpisodes(s, { ...rule, consecutive: 1, hysteresis: 1 })).toEqual([
      { onset: 1, end: 2 },
      { onset: 4, end: 6 },
      { onset: 10, end: 12 },
    ]);
  });

  it('evaluates window hits and false alarms per day outside the windows', () => {
    const times = Array.from({ length: 11 }, (_, i) => i * DAY * 0.5); // 5 days
    const episodes = [
      { onset: 2, end: 3 }, // inside window 1 (day 1 … 1.5)
      { onset: 7, end: 7 }, // false
    ];
    const e = evaluateAlarms(episodes, times, [
      { fromMs: DAY, toMs: 1.5 * DAY },
      { fromMs: 4 * DAY, toMs: 4.5 * DAY },
    ]);
    expect(e).toMatchObject({ windows: 2, windowsHit: 1, recall: 0.5, falseAlarms: 1 });
    expect(e.days).toBeCloseTo(4, 12);
    expect(e.falsePerDay).toBeCloseTo(0.25, 12);
  });
});

describe('unsupervised threshold', () => {
  it('takes a probation score quantile', () => {
    const s = Array.from({ length: 101 }, (_, i) => i);
    expect(thresholdFromProbation(s, 1, { quantile: 0.95 }, { consecutive: 1, hysteresis: 1 })).toBeCloseTo(95, 12);
  });

  it('takes the lowest threshold whose probation alarms fit the false-alarm budget', () => {
    // 10 days, isolated peaks 10, 9, 8, 7 on a floor of 1: a budget of 0.2/day allows 2 alarms → 9 (at 8 there would be three)
    const s = new Array<number>(1000).fill(1);
    [10, 9, 8, 7].forEach((v, k) => (s[100 + k * 200] = v));
    const t = thresholdFromProbation(s, 10, { falseAlarmsPerDay: 0.2 }, { consecutive: 1, hysteresis: 1 });
    expect(t).toBe(9);
    expect(alarmEpisodes(s, { threshold: t, consecutive: 1, hysteresis: 1 })).toHaveLength(2);
    // a zero budget: above every probation score
    expect(thresholdFromProbation(s, 10, { falseAlarmsPerDay: 0 }, { consecutive: 1, hysteresis: 1 })).toBeGreaterThan(10);
  });
});

describe('anomaly task', () => {
  // 6 days of one sensor at 1-minute steps; incidents: a level shift on day 4, a noise burst on day 5.
  const n = 6 * 1440;
  const time = Float64Array.from({ length: n }, (_, i) => i * MIN);
  let s = 3;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5) * 2;
  const w1 = { fromMs: 4 * DAY, toMs: 4 * DAY + 3 * 3600_000 };
  const w2 = { fromMs: 5 * DAY, toMs: 5 * DAY + 2 * 3600_000 };
  const v = Float64Array.from({ length: n }, (_, i) => {
    const t = i * MIN;
    let x = 60 + 2 * Math.sin((2 * Math.PI * t) / DAY) + 0.3 * rnd();
    if (t >= w1.fromMs && t <= w1.toMs) x += 3;
    if (t >= w2.fromMs && t <= w2.toMs) x += 3 * rnd();
    return x;
  });
  const ordered = defineOrderedSpec({
    version: '1.0.0',
    entity: 'stream',
    order: 'time',
    step: MIN,
    columns: ['v'],
    windows: [15, 240],
    statistics: ['mean', 'std'],
  });

  it('fits on probation without labels, alarms in both incident windows and writes a card', () => {
    const r = trainAnomaly(
      {
        time: 'time',
        ordered,
        features: ['v_std_15', 'v_mean_15'],
        probation: { fromMs: 0, toMs: 3 * DAY },
        threshold: { falseAlarmsPerDay: 0.5 },
        onset: { consecutive: 3, hysteresis: 0.8 },
        windows: [w1, w2],
      },
      createDataset({ time, v }),
    );
    expect(r.probation.falseAlarms).toBeLessThanOrEqual(1);
    expect(r.evaluation).toMatchObject({ windows: 2, windowsHit: 2 });
    expect(r.card.markdown).toMatch(/false alarms per day/);
    expect(r.card.json.intendedUse).toMatch(/departs from its normal behaviour/);
    const m = parseModel(serialiseModel(r.model));
    expect(m.alarm).toEqual(r.alarm);
    const p = predict(m, { v_std_15: 0.17, v_mean_15: 60 });
    expect(p.score).toBeLessThan(r.alarm.threshold);
    expect(r.explain({ v_std_15: 5, v_mean_15: 60 }).method).toBe('deviation');
  });

  it('refuses a probation period with too few rows, in the user’s terms', () => {
    const spec = { time: 'time', ordered, probation: { fromMs: 0, toMs: 30 * MIN }, threshold: { quantile: 0.99 } } as const;
    expect(() => trainAnomaly(spec, createDataset({ time, v }))).toThrow(TooFewRowsError);
    expect(() => trainAnomaly(spec, createDataset({ time, v }))).toThrow(/probation period .* holds 0 complete rows; the detector needs at least 50/);
  });
});

describe('adaptive rolling limits (data-quality rule per tag)', () => {
  it('mean ± kσ of the trailing window before each sample', () => {
    const t = [0, 1, 2, 3, 4, 5].map((x) => x * MIN);
    const v = [1, 3, 1, 3, 2, 9];
    const r = rollingLimits(t, v, { windowMs: 3 * MIN, k: 2, minPoints: 2 });
    // at index 4: trailing 3 minutes before it = minutes 1, 2, 3 → 3, 1, 3: mean 7/3, sample std sqrt(4/3)
    expect(r.lower[4]).toBeCloseTo(7 / 3 - 2 * Math.sqrt(4 / 3), 12);
    expect(r.upper[4]).toBeCloseTo(7 / 3 + 2 * Math.sqrt(4 / 3), 12);
    expect(Number.isNaN(r.lower[1]!)).toBe(true);
    expect(Array.from(r.outside)).toEqual([0, 0, 0, 0, 0, 1]);
  });
});
