// Window features per pump. The definition is data (a @industrial/ml window spec, stored in the
// model); the computation is @industrial/ml `computeWindowFeatures` — the same function inference
// runs on its live windows. Each tag is held on the 1-minute grid (last Good value at or before
// the minute; Bad samples skipped); a window ending at t covers the grid minutes (t − W, t]: mean
// and least-squares slope (per hour) of bearing temperature, RMS of the vibration velocity
// readings, mean motor current. Pure.
import { computeWindowFeatures, defineWindowSpec, tagSeries, type TagSeries, type WindowSpec } from '@industrial/ml';
import type { HistorianRow } from './simulate.ts';

export type PumpFeatureSpec = WindowSpec & { readonly strideMinutes: number };

export const PUMP_FEATURE_SET_VERSION = '1.0.0';

export function pumpFeatureSpec(windowMinutes = 60, strideMinutes = 10): PumpFeatureSpec {
  return defineWindowSpec({
    version: PUMP_FEATURE_SET_VERSION,
    windowMinutes,
    strideMinutes,
    gridMinutes: 1,
    features: [
      {
        name: 'bearing_temp_mean',
        unit: 'Cel',
        tag: 'bearing_temperature',
        statistic: 'mean',
        description: `mean bearing temperature over ${windowMinutes} min`,
      },
      {
        name: 'bearing_temp_slope',
        unit: 'Cel/h',
        tag: 'bearing_temperature',
        statistic: 'slope',
        description: `least-squares slope of bearing temperature over ${windowMinutes} min`,
      },
      {
        name: 'vibration_rms',
        unit: 'mm/s',
        tag: 'vibration_rms',
        statistic: 'rms',
        description: `RMS of the vibration velocity readings over ${windowMinutes} min`,
      },
      { name: 'motor_current_mean', unit: 'A', tag: 'motor_current', statistic: 'mean', description: `mean motor current over ${windowMinutes} min` },
    ],
  }) as PumpFeatureSpec;
}

export const PUMP_FEATURE_NAMES = pumpFeatureSpec().features.map((f) => f.name);

export interface WindowRow {
  readonly unit: string;
  readonly assetPath: string;
  /** Window end, epoch ms (plant time). */
  readonly endMs: number;
  readonly values: readonly number[];
}

/** Windows every `strideMinutes` over each asset's data (first full window onwards), up to `untilMs` per asset. */
export function pumpWindows(
  rows: readonly HistorianRow[],
  units: readonly { unit: string; assetPath: string }[],
  spec: PumpFeatureSpec,
  range: { fromMs: number; toMs: number },
  untilMs: ReadonlyMap<string, number> = new Map(),
): WindowRow[] {
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
    const series: Record<string, TagSeries> = {};
    for (const tag of new Set(spec.features.map((f) => f.tag))) series[tag] = tagSeries(byAssetTag.get(`${u.assetPath}|${tag}`) ?? []);
    const stop = untilMs.get(u.unit) ?? range.toMs;
    for (let end = spec.windowMinutes; end <= minutes; end += spec.strideMinutes) {
      const endMs = range.fromMs + (end - 1) * 60_000;
      if (endMs > stop) break;
      out.push({ unit: u.unit, assetPath: u.assetPath, endMs, values: Array.from(computeWindowFeatures(spec, series, endMs).values) });
    }
  }
  return out;
}
