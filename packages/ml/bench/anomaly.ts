// The unsupervised anomaly task on a simulated single-sensor stream (seeded): 60 days at one
// sample a minute of a pump discharge pressure — a daily load cycle, a slow weekly wander, AR(1)
// noise and isolated one-sample glitches (normal for a field sensor, not incidents) — with
// labelled incident windows after a 14-day probation: level shifts, variance bursts, drifts and
// oscillations of a few hours. Ours: trainAnomaly (ordered features → robust z on probation →
// max |z|, threshold from a false-alarm budget, onset after consecutive points, hysteresis).
// Baseline: rolling z-score over the trailing day, alarm when |z| > 4 (rollingLimits). Both are
// scored on the same days after probation by evaluateAlarms; an onset within 4 h after a window's
// end (the longest feature window catching up) is not counted false, for both.
import {
  alarmEpisodes,
  createDataset,
  createRng,
  defineOrderedSpec,
  evaluateAlarms,
  input,
  rollingLimits,
  sub,
  defineFeature,
  trainAnomaly,
  type IncidentWindow,
} from '../src/index.ts';

const MIN = 60_000;
const DAY = 86_400_000;
const START = Date.parse('2026-01-01T00:00:00Z');

export function simulateSensor(seed: number, days = 60): { time: Float64Array; value: Float64Array; windows: IncidentWindow[] } {
  const rng = createRng(seed);
  const n = days * 1440;
  const time = Float64Array.from({ length: n }, (_, i) => START + i * MIN);
  const value = new Float64Array(n);
  let ar = 0,
    wander = 0;
  for (let i = 0; i < n; i++) {
    ar = 0.8 * ar + 0.3 * rng.normal();
    if (i % 60 === 0) wander = 0.995 * wander + 0.05 * rng.normal();
    const day = (i % 1440) / 1440;
    value[i] = 6 + 0.8 * Math.sin(2 * Math.PI * day) + 0.3 * Math.sin(4 * Math.PI * day) + wander + 0.1 * ar;
    if (rng.next() < 0.0005) value[i] = value[i]! + (rng.next() < 0.5 ? -1 : 1) * (1 + 5 * rng.next()); // isolated glitch
  }
  const windows: IncidentWindow[] = [];
  const kinds = ['shift', 'burst', 'drift', 'oscillation'] as const;
  for (let k = 0; k < 12; k++) {
    const startMin = Math.round((16 + k * 3.6) * 1440) + Math.floor(rng.next() * 1440);
    const lengthMin = 120 + Math.floor(rng.next() * 240);
    const kind = kinds[k % kinds.length]!;
    const a = 0.3 + 2 * rng.next(); // from hidden in the daily cycle to obvious
    for (let j = 0; j < lengthMin && startMin + j < n; j++) {
      const i = startMin + j;
      const f = j / lengthMin;
      if (kind === 'shift') value[i] = value[i]! + a;
      else if (kind === 'burst') value[i] = value[i]! + 0.5 * a * rng.normal();
      else if (kind === 'drift') value[i] = value[i]! + 1.5 * a * f;
      else value[i] = value[i]! + 0.5 * a * Math.sin((2 * Math.PI * j) / 20);
    }
    windows.push({ fromMs: time[startMin]!, toMs: time[Math.min(n - 1, startMin + lengthMin - 1)]! });
  }
  return { time, value, windows };
}

export interface AnomalyBenchResult {
  ours_windows_hit: number;
  windows: number;
  ours_false_per_day: number;
  zscore_windows_hit: number;
  zscore_false_per_day: number;
}

export const ANOMALY_FEATURES = defineOrderedSpec({
  version: '1.0.0',
  entity: 'stream',
  order: 'time',
  step: MIN,
  columns: ['pressure'],
  windows: [15, 60, 240],
  statistics: ['mean', 'std'],
  raw: false,
});

const ONSET_POINTS = Number(process.env.BENCH_ONSET ?? 20);

export function runAnomalyBench(seed: number): AnomalyBenchResult {
  const s = simulateSensor(seed);
  const probationEnd = START + 14 * DAY;
  const GRACE = 4 * 3_600_000;
  const r = trainAnomaly(
    {
      time: 'time',
      ordered: ANOMALY_FEATURES,
      features: [
        defineFeature({
          name: 'level_15_vs_240',
          unit: 'bar',
          description: 'mean of 15 min − mean of 4 h',
          expr: sub(input('pressure_mean_15'), input('pressure_mean_240')),
        }),
        defineFeature({
          name: 'level_60_vs_240',
          unit: 'bar',
          description: 'mean of 1 h − mean of 4 h',
          expr: sub(input('pressure_mean_60'), input('pressure_mean_240')),
        }),
        'pressure_std_15',
      ],
      probation: { fromMs: START, toMs: probationEnd },
      threshold: { falseAlarmsPerDay: 0.1 },
      // longer than the 15-minute windows: one glitch cannot raise an alarm on its own
      onset: { consecutive: ONSET_POINTS, hysteresis: 0.7 },
    },
    createDataset({ time: s.time, pressure: s.value }),
  );
  const after: number[] = [];
  for (let i = 0; i < s.time.length; i++) if (s.time[i]! > probationEnd) after.push(i);
  const times = Float64Array.from(after, (i) => s.time[i]!);
  const ours = evaluateAlarms(
    alarmEpisodes(
      Float64Array.from(after, (i) => r.scores[i]!),
      r.alarm,
    ),
    times,
    s.windows,
    GRACE,
  );
  // Rolling z-score over the trailing day, |z| > 4 raises, |z| ≤ 4 clears.
  const lim = rollingLimits(s.time, s.value, { windowMs: DAY, k: 4, minPoints: 60 });
  const z = Float64Array.from(after, (i) => lim.outside[i]!);
  const zs = evaluateAlarms(alarmEpisodes(z, { threshold: 1, consecutive: 1, hysteresis: 1 }), times, s.windows, GRACE);
  return {
    ours_windows_hit: ours.windowsHit,
    windows: s.windows.length,
    ours_false_per_day: Math.round(ours.falsePerDay * 1000) / 1000,
    zscore_windows_hit: zs.windowsHit,
    zscore_false_per_day: Math.round(zs.falsePerDay * 1000) / 1000,
  };
}
