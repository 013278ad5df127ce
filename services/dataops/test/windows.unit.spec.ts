import { computeWindowFeatures, defineWindowSpec, tagSeries } from '@industrial/ml';
import { describe, expect, it } from 'vitest';
import { checkWindowRequest, windowTable } from '../src/adapters/ml/windows.ts';
import { targetColumnName, type WindowSample } from '../src/domain/window-target.ts';

const T0 = Date.parse('2025-01-06T00:00:00Z');
const MIN = 60_000;
const spec = defineWindowSpec({
  version: '1.0.0',
  windowMinutes: 10,
  gridMinutes: 1,
  features: [
    { name: 'temp_mean', unit: 'Cel', tag: 'temp', statistic: 'mean' },
    { name: 'temp_slope', unit: 'Cel/h', tag: 'temp', statistic: 'slope' },
  ],
});
/** One sample a minute, temperature rising 1 °C per minute from 20 °C. */
const ramp = (minutes: number, bad: ReadonlySet<number> = new Set()): WindowSample[] =>
  Array.from({ length: minutes }, (_, i) => ({ timestampMs: T0 + i * MIN, value: bad.has(i) ? 999 : 20 + i, quality: bad.has(i) ? 'bad' : 'good' }));

describe('windowTable (historian → window features with the shared @industrial/ml function)', () => {
  it('computes a row per asset every stride, equal to computeWindowFeatures on the same samples', () => {
    const samples = ramp(60);
    const t = windowTable({
      spec,
      strideMinutes: 5,
      from: T0,
      to: T0 + 60 * MIN,
      assets: [{ assetPath: 'a.s.ar.l.p1', samples: new Map([['temp', samples]]) }],
      labels: [],
    });
    // ends at minute 9, 14, …, 59
    expect(t.rowCount).toBe(11);
    expect(Array.from(t.data.time as Float64Array).slice(0, 2)).toEqual([T0 + 9 * MIN, T0 + 14 * MIN]);
    const direct = computeWindowFeatures(spec, { temp: tagSeries(samples) }, T0 + 14 * MIN).values;
    expect((t.data.temp_mean as Float64Array)[1]).toBe(direct[0]);
    expect((t.data.temp_mean as Float64Array)[0]).toBeCloseTo(24.5, 12); // mean of 20..29
    expect((t.data.temp_slope as Float64Array)[0]).toBeCloseTo(60, 9); // 1 °C/min
    expect(t.columns.map((c) => [c.name, c.role, c.unit])).toEqual([
      ['asset_path', 'group', undefined],
      ['time', 'time', undefined],
      ['temp_mean', 'feature', 'Cel'],
      ['temp_slope', 'feature', 'Cel/h'],
    ]);
  });

  it('never lets Bad samples into a window, and leaves a tag with no samples NaN', () => {
    const t = windowTable({
      spec,
      strideMinutes: 10,
      from: T0,
      to: T0 + 20 * MIN,
      assets: [
        { assetPath: 'x.p1', samples: new Map([['temp', ramp(20, new Set([5]))]]) },
        { assetPath: 'x.p2', samples: new Map() },
      ],
      labels: [],
    });
    const mean = t.data.temp_mean as Float64Array;
    expect(mean[0]).toBeLessThan(100); // the 999 Bad reading is skipped (minute 5 holds minute 4's value)
    expect((t.data.asset_path as string[])[2]).toBe('x.p2');
    expect(Number.isNaN(mean[2]!)).toBe(true);
  });

  it('labels "fails within the horizon" from label window ends and stops the asset at its first failure', () => {
    const failAt = T0 + 40 * MIN;
    const t = windowTable({
      spec,
      strideMinutes: 5,
      from: T0,
      to: T0 + 60 * MIN,
      assets: [
        { assetPath: 'x.p1', samples: new Map([['temp', ramp(60)]]) },
        { assetPath: 'x.p2', samples: new Map([['temp', ramp(60)]]) },
      ],
      labels: [
        { labelId: 'l1', assetPath: 'x.p1', label: 'bearing_failure', from: T0 + 20 * MIN, to: failAt, source: 'simulator' },
        { labelId: 'l2', assetPath: 'x.p2', label: 'other', from: T0, to: T0 + 30 * MIN, source: 'operator' },
      ],
      target: { label: 'bearing_failure', horizonMinutes: 12 },
    });
    const col = targetColumnName({ label: 'bearing_failure', horizonMinutes: 12 });
    expect(col).toBe('bearing_failure_within_12min');
    const paths = t.data.asset_path as string[];
    const times = Array.from(t.data.time as Float64Array);
    const y = Array.from(t.data[col] as Float64Array);
    const p1 = paths.flatMap((p, i) => (p === 'x.p1' ? [[(times[i]! - T0) / MIN, y[i]]] : []));
    // ends 9, 14, 19, 24, 29, 34, 39 (40 is the failure: rows stop); positive when 40 ∈ (end, end + 12]
    expect(p1).toEqual([
      [9, 0],
      [14, 0],
      [19, 0],
      [24, 0],
      [29, 1],
      [34, 1],
      [39, 1],
    ]);
    expect(paths.filter((p) => p === 'x.p2').length).toBe(11);
    expect(y.filter((v, i) => paths[i] === 'x.p2' && v !== 0)).toEqual([]);
  });

  it('with kind time-to: hours to the first failure, capped, and only assets that reached it (censored units left out)', () => {
    const failAt = T0 + 40 * MIN;
    const target = { label: 'bearing_failure', horizonMinutes: 20, kind: 'time-to' as const };
    const t = windowTable({
      spec,
      strideMinutes: 5,
      from: T0,
      to: T0 + 60 * MIN,
      assets: [
        { assetPath: 'x.p1', samples: new Map([['temp', ramp(60)]]) },
        { assetPath: 'x.p2', samples: new Map([['temp', ramp(60)]]) },
      ],
      labels: [{ labelId: 'l1', assetPath: 'x.p1', label: 'bearing_failure', from: T0 + 20 * MIN, to: failAt, source: 'simulator' }],
      target,
    });
    expect(targetColumnName(target)).toBe('hours_to_bearing_failure');
    expect(new Set(t.data.asset_path as string[])).toEqual(new Set(['x.p1']));
    const ends = Array.from(t.data.time as Float64Array, (v) => (v - T0) / MIN);
    const y = Array.from(t.data.hours_to_bearing_failure as Float64Array);
    // ends 9 … 39; remaining life 31, 26, 21 → capped at 20 min = 1/3 h; then 16, 11, 6, 1 min
    expect(ends).toEqual([9, 14, 19, 24, 29, 34, 39]);
    expect(y.map((h) => Math.round(h * 60))).toEqual([20, 20, 20, 16, 11, 6, 1]);
    expect(t.columns.at(-1)).toMatchObject({ name: 'hours_to_bearing_failure', role: 'label' });
    expect(() => checkWindowRequest(spec, 5, { label: 'x', horizonMinutes: 60, kind: 'soon' as never })).toThrow(/source\.target\.kind/);
  });

  it('refuses requests it cannot compute, naming the field', () => {
    expect(() => checkWindowRequest({ ...spec, windowMinutes: 0 }, 5, undefined)).toThrow(/source\.window: .*windowMinutes/);
    expect(() => checkWindowRequest({ features: [] }, 5, undefined)).toThrow(/source\.window/);
    expect(() => checkWindowRequest(spec, 0, undefined)).toThrow(/source\.strideMinutes/);
    expect(() => checkWindowRequest(spec, 5, { label: 'Bearing Failure', horizonMinutes: 60 })).toThrow(/source\.target\.label/);
    expect(() => checkWindowRequest(spec, 5, { label: 'x', horizonMinutes: -1 })).toThrow(/source\.target\.horizonMinutes/);
    expect(() => checkWindowRequest(spec, 5, { label: 'x', horizonMinutes: 60, column: 'temp_mean' })).toThrow(/source\.target\.column/);
  });
});
