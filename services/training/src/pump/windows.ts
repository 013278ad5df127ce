// Window features per pump — ONE definition shared by training and inference's live windows.
// The historian keeps a tag only when its value changes, so each tag is first held on a 1-minute
// grid (last value at or before the minute; Bad samples skipped). A window ending at t covers the
// grid minutes (t − W, t]: mean and least-squares slope of bearing temperature, RMS of the
// vibration velocity readings, mean motor current. Pure.
import type { HistorianRow } from './simulate.ts';

export interface PumpFeatureSpec {
  readonly version: string;
  readonly windowMinutes: number;
  readonly strideMinutes: number;
  readonly gridMinutes: 1;
  readonly features: readonly { readonly name: string; readonly unit: string; readonly tag: string; readonly statistic: 'mean' | 'slope' | 'rms'; readonly description: string }[];
}

export const PUMP_FEATURE_SET_VERSION = '1.0.0';

export function pumpFeatureSpec(windowMinutes = 60, strideMinutes = 10): PumpFeatureSpec {
  return {
    version: PUMP_FEATURE_SET_VERSION,
    windowMinutes,
    strideMinutes,
    gridMinutes: 1,
    features: [
      { name: 'bearing_temp_mean', unit: 'Cel', tag: 'bearing_temperature', statistic: 'mean', description: `mean bearing temperature over ${windowMinutes} min` },
      { name: 'bearing_temp_slope', unit: 'Cel/h', tag: 'bearing_temperature', statistic: 'slope', description: `least-squares slope of bearing temperature over ${windowMinutes} min` },
      { name: 'vibration_rms', unit: 'mm/s', tag: 'vibration_rms', statistic: 'rms', description: `RMS of the vibration velocity readings over ${windowMinutes} min` },
      { name: 'motor_current_mean', unit: 'A', tag: 'motor_current', statistic: 'mean', description: `mean motor current over ${windowMinutes} min` },
    ],
  };
}

export const PUMP_FEATURE_NAMES = pumpFeatureSpec().features.map((f) => f.name);

/** One tag of one asset held on the 1-minute grid from `fromMs` (inclusive) for `minutes` minutes. */
export function holdOnGrid(samples: readonly { timestampMs: number; value: number; quality: 'good' | 'bad' }[], fromMs: number, minutes: number): Float64Array {
  const out = new Float64Array(minutes).fill(NaN);
  let i = 0, last = NaN;
  for (let m = 0; m < minutes; m++) {
    const t = fromMs + m * 60_000;
    while (i < samples.length && samples[i]!.timestampMs <= t) {
      if (samples[i]!.quality === 'good') last = samples[i]!.value;
      i++;
    }
    out[m] = last;
  }
  return out;
}

/** The statistic of one window of grid values (NaN when the window holds no value). */
export function windowStatistic(values: ArrayLike<number>, statistic: 'mean' | 'slope' | 'rms'): number {
  let n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, sq = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    n++; sx += i; sy += v; sxx += i * i; sxy += i * v; sq += v * v;
  }
  if (n === 0) return NaN;
  if (statistic === 'mean') return sy / n;
  if (statistic === 'rms') return Math.sqrt(sq / n);
  const d = n * sxx - sx * sx;
  return d === 0 ? 0 : ((n * sxy - sx * sy) / d) * 60; // per minute → per hour
}

/** Feature values of the window ending at grid index `end` (exclusive) of each tag's grid. */
export function featuresAt(spec: PumpFeatureSpec, grids: Readonly<Record<string, Float64Array>>, end: number): number[] {
  return spec.features.map((f) => {
    const g = grids[f.tag];
    if (g === undefined) return NaN;
    return windowStatistic(g.subarray(Math.max(0, end - spec.windowMinutes), end), f.statistic);
  });
}

export interface WindowRow {
  readonly unit: string;
  readonly assetPath: string;
  /** Window end, epoch ms (plant time). */
  readonly endMs: number;
  readonly values: readonly number[];
}

/** Windows every `strideMinutes` over each asset's data (first full window onwards), up to `untilMs` per asset. */
export function pumpWindows(rows: readonly HistorianRow[], units: readonly { unit: string; assetPath: string }[], spec: PumpFeatureSpec, range: { fromMs: number; toMs: number }, untilMs: ReadonlyMap<string, number> = new Map()): WindowRow[] {
  const byAssetTag = new Map<string, HistorianRow[]>();
  for (const r of rows) {
    const k = `${r.assetPath}|${r.tag}`;
    let list = byAssetTag.get(k);
    if (list === undefined) byAssetTag.set(k, (list = []));
    list.push(r);
  }
  const minutes = Math.floor((range.toMs - range.fromMs) / 60_000) + 1;
  const out: WindowRow[] = [];
  for (const u of units) {
    const grids: Record<string, Float64Array> = {};
    for (const tag of new Set(spec.features.map((f) => f.tag))) {
      const samples = (byAssetTag.get(`${u.assetPath}|${tag}`) ?? []).sort((a, b) => a.timestampMs - b.timestampMs);
      grids[tag] = holdOnGrid(samples, range.fromMs, minutes);
    }
    const stop = untilMs.get(u.unit) ?? range.toMs;
    for (let end = spec.windowMinutes; end <= minutes; end += spec.strideMinutes) {
      const endMs = range.fromMs + (end - 1) * 60_000;
      if (endMs > stop) break;
      out.push({ unit: u.unit, assetPath: u.assetPath, endMs, values: featuresAt(spec, grids, end) });
    }
  }
  return out;
}
