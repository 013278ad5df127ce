import { describe, expect, it } from 'vitest';
import {
  computeOrderedFeatures,
  createDataset,
  defineOrderedSpec,
  encodeCategory,
  oneHotFeatures,
  orderedFeaturesFromSeries,
  orderedFeatureNames,
  tagSeries,
  OrderedDataError,
} from '../src/index.ts';

// Unit 1: x = 2, 4, 9, 7 at cycles 1..4; unit 2: x = 5, 5, 6 at cycles 1..3 (rows shuffled).
const table = createDataset({
  unit: [2, 1, 1, 2, 1, 1, 2],
  cycle: [2, 3, 1, 1, 4, 2, 3],
  x: [5, 9, 2, 5, 7, 4, 6],
  rul: [1, 1, 3, 2, 0, 2, 0],
});
const spec = defineOrderedSpec({
  version: '1.0.0',
  entity: 'unit',
  order: 'cycle',
  step: 1,
  columns: ['x'],
  windows: [2, 3],
  statistics: ['mean', 'std', 'min', 'max', 'last', 'slope'],
  ewma: [3],
  lags: [1],
  deltas: [2],
});

describe('ordered per-unit features (one function)', () => {
  const r = computeOrderedFeatures(spec, table, ['rul']);
  const col = (name: string) => Array.from(r.dataset.columns[name]!);

  it('orders rows per unit and keeps every row from the first step', () => {
    expect(col('unit')).toEqual([1, 1, 1, 1, 2, 2, 2]);
    expect(col('cycle')).toEqual([1, 2, 3, 4, 1, 2, 3]);
    expect(col('x')).toEqual([2, 4, 9, 7, 5, 5, 6]);
    expect(col('rul')).toEqual([3, 2, 1, 0, 2, 1, 0]);
    expect(r.units.get(1)).toEqual({ start: 0, end: 4 });
  });

  it('computes each statistic by hand, several window lengths side by side', () => {
    // unit 1 at cycle 4: last 3 = 4, 9, 7; last 2 = 9, 7
    expect(col('x_mean_3')[3]).toBeCloseTo(20 / 3, 12);
    expect(col('x_mean_2')[3]).toBeCloseTo(8, 12);
    // sample std of 4, 9, 7: mean 6.6667, squares 7.1111 + 5.4444 + 0.1111 = 12.6667 / 2
    expect(col('x_std_3')[3]).toBeCloseTo(Math.sqrt(12.666666666666666 / 2), 12);
    expect(col('x_min_3')[3]).toBe(4);
    expect(col('x_max_3')[3]).toBe(9);
    expect(col('x_last_3')[3]).toBe(7);
    // least-squares slope of 4, 9, 7 over t = 0, 1, 2: (7 − 4) / 2 = 1.5 per cycle
    expect(col('x_slope_3')[3]).toBeCloseTo(1.5, 12);
    expect(col('x_slope_2')[3]).toBeCloseTo(-2, 12);
    // EWMA span 3 (α = 0.5) restarted at the look-back start (3 rows): 4 → 6.5 → 6.75
    expect(col('x_ewma_3')[3]).toBeCloseTo(6.75, 12);
    expect(col('x_lag_1')[3]).toBe(9);
    expect(col('x_delta_2')[3]).toBe(7 - 4);
  });

  it('computes partial windows over the rows that exist and marks them', () => {
    // unit 2 at its first cycle: one row
    expect(col('x_mean_3')[4]).toBe(5);
    expect(col('x_std_3')[4]).toBe(0);
    expect(col('x_slope_3')[4]).toBe(0);
    expect(col('x_lag_1')[4]).toBe(5);
    expect(col('x_delta_2')[4]).toBe(0);
    // unit 1 at cycle 2: mean over 2, 4
    expect(col('x_mean_3')[1]).toBe(3);
    expect(col('partial')).toEqual([1, 1, 0, 0, 1, 1, 0]);
    expect(col('window_fill')[1]).toBeCloseTo(2 / 3, 12);
    expect(orderedFeatureNames(spec)).toContain('x_slope_2');
  });

  it('historian series go through the same function (grid hold, last row)', () => {
    const MIN = 60_000;
    const tspec = defineOrderedSpec({ ...spec, order: 'time', step: MIN });
    const series = tagSeries([2, 4, 9, 7].map((v, i) => ({ timestampMs: (i + 1) * MIN, value: v, quality: 'good' as const })));
    const live = orderedFeaturesFromSeries(tspec, { x: series }, 4 * MIN);
    const names = orderedFeatureNames(tspec);
    names.forEach((n, j) => expect(live.values[j]).toBeCloseTo(r.dataset.columns[n]![3]!, 12));
    expect(live.partial).toBe(false);
  });

  it('refuses bad order columns and windows in the user’s terms', () => {
    const dup = createDataset({ unit: [1, 1, 1], cycle: [1, 2, 2], x: [1, 2, 3] });
    expect(() => computeOrderedFeatures(spec, dup)).toThrow(/unit 1 has two rows at cycle 2/);
    const gap = createDataset({ unit: [1, 1, 1], cycle: [1, 2, 5], x: [1, 2, 3] });
    expect(() => computeOrderedFeatures(spec, gap)).toThrow(/jumps from cycle 2 to 5/);
    expect(() => computeOrderedFeatures({ ...spec, gaps: 'allow' }, gap)).not.toThrow();
    const long = defineOrderedSpec({ ...spec, windows: [10] });
    expect(() => computeOrderedFeatures(long, table)).toThrow(OrderedDataError);
    expect(() => computeOrderedFeatures(long, table)).toThrow(/window of 10 steps is longer than every unit \(the longest, unit 1, has 4 rows\)/);
  });

  it('encodes categories as one-hot features of a code', () => {
    const { codes, levels } = encodeCategory(['M', 'L', 'H', '', 'L']);
    expect(levels).toEqual(['H', 'L', 'M']);
    expect(Array.from(codes)).toEqual([2, 1, 0, NaN, 1]);
    const f = oneHotFeatures('type', levels);
    expect(f.map((x) => x.name)).toEqual(['type_is_H', 'type_is_L', 'type_is_M']);
    expect(f.map((x) => x.compute([1]))).toEqual([0, 1, 0]);
    expect(f.map((x) => x.compute([NaN]))).toEqual([0, 0, 0]);
  });
});
