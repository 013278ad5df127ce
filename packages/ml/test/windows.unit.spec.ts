import { describe, expect, it } from 'vitest';
import {
  buildReferenceProfile,
  computeWindowFeatures,
  createDataset,
  defineWindowSpec,
  gridStatistic,
  selectWindowFeatures,
  tagSeries,
  train,
  type TagSeries,
} from '../src/index.ts';

const MIN = 60_000;
const series = (points: [minute: number, value: number, good?: boolean][]): TagSeries =>
  tagSeries(points.map(([m, value, good]) => ({ timestampMs: m * MIN, value, quality: good === false ? 'bad' : 'good' })));

// A 4-minute window on a 1-minute grid ending at minute 10: grid points 7, 8, 9, 10.
const spec = defineWindowSpec({
  version: '1.0.0',
  windowMinutes: 4,
  gridMinutes: 1,
  features: [
    { name: 'temp_mean', unit: 'Cel', tag: 'temp', statistic: 'mean' },
    { name: 'temp_slope', unit: 'Cel/h', tag: 'temp', statistic: 'slope' },
    { name: 'temp_last', unit: 'Cel', tag: 'temp', statistic: 'last' },
    { name: 'temp_min', unit: 'Cel', tag: 'temp', statistic: 'min' },
    { name: 'temp_max', unit: 'Cel', tag: 'temp', statistic: 'max' },
    { name: 'temp_std', unit: 'Cel', tag: 'temp', statistic: 'std' },
    { name: 'vib_rms', unit: 'mm/s', tag: 'vib', statistic: 'rms' },
  ],
});

describe('window features (one definition for training rows and live windows)', () => {
  it('computes each statistic over the grid, slope per hour and rms by hand', () => {
    // temp: 40 at minute 7, 41 at 8, 42 at 9, 43 at 10 → mean 41.5, slope 1/min = 60/h
    // vib: 3 held from minute 5, 4 from minute 9 → grid 3, 3, 4, 4 → rms sqrt((9+9+16+16)/4) = sqrt(12.5)
    const row = computeWindowFeatures(
      spec,
      {
        temp: series([
          [7, 40],
          [8, 41],
          [9, 42],
          [10, 43],
          [11, 99],
        ]),
        vib: series([
          [5, 3],
          [9, 4],
        ]),
      },
      10 * MIN,
    );
    const [mean, slope, last, min, max, std, rms] = Array.from(row.values);
    expect(mean).toBeCloseTo(41.5, 12);
    expect(slope).toBeCloseTo(60, 9);
    expect(last).toBe(43);
    expect(min).toBe(40);
    expect(max).toBe(43);
    expect(std).toBeCloseTo(Math.sqrt(5 / 3), 12); // deviations ±0.5, ±1.5 → 5 / (n − 1)
    expect(rms).toBeCloseTo(Math.sqrt(12.5), 12);
    expect(row.missing).toEqual([]);
    expect(row).toMatchObject({ fromMs: 7 * MIN, toMs: 10 * MIN });
  });

  it('holds the last Good value on the grid and never lets a Bad sample in', () => {
    // 50 at minute 6 (before the window, held into it), Bad 999 at minute 8, 52 at minute 9
    const row = computeWindowFeatures(
      selectWindowFeatures(spec, ['temp_mean', 'temp_max']),
      {
        temp: series([
          [6, 50],
          [8, 999, false],
          [9, 52],
        ]),
      },
      10 * MIN,
    );
    // grid 50, 50, 52, 52
    expect(Array.from(row.values)).toEqual([51, 52]);
  });

  it('reports absent, Bad-only and stale tags as NaN with the reason instead of filling them', () => {
    const row = computeWindowFeatures(
      spec,
      {
        temp: series([
          [8, 1, false],
          [9, 2, false],
        ]),
        vib: undefined,
      },
      10 * MIN,
    );
    expect(Array.from(row.values).every(Number.isNaN)).toBe(true);
    expect(row.missing.find((m) => m.feature === 'temp_mean')).toEqual({ feature: 'temp_mean', tag: 'temp', reason: 'bad' });
    expect(row.missing.find((m) => m.feature === 'vib_rms')).toEqual({ feature: 'vib_rms', tag: 'vib', reason: 'absent' });
    const stale = computeWindowFeatures(
      spec,
      (tag) =>
        tag === 'temp'
          ? series([
              [2, 40],
              [4, 41],
            ])
          : series([[10, 1]]),
      10 * MIN,
      { staleMs: 5 * MIN },
    );
    expect(stale.missing).toEqual(
      ['temp_mean', 'temp_slope', 'temp_last', 'temp_min', 'temp_max', 'temp_std'].map((feature) => ({ feature, tag: 'temp', reason: 'stale' })),
    );
    expect(stale.values[6]).toBe(1);
    // without a staleness limit the held value counts (historian rows)
    expect(
      computeWindowFeatures(
        spec,
        {
          temp: series([
            [2, 40],
            [4, 41],
          ]),
          vib: series([[1, 1]]),
        },
        10 * MIN,
      ).values[0],
    ).toBe(41);
  });

  it('scales the slope to per hour on a coarser grid and ignores values after the window end', () => {
    expect(gridStatistic([0, 1, 2], 'slope', 5)).toBeCloseTo(12, 12); // 1 per 5 minutes = 12 per hour
    const row = computeWindowFeatures(
      selectWindowFeatures(spec, ['temp_last']),
      {
        temp: series([
          [10, 5],
          [10.5, 6],
        ]),
      },
      10 * MIN,
    );
    expect(row.values[0]).toBe(5);
  });

  it('refuses a spec with an unknown statistic or a window that is not a multiple of the grid', () => {
    expect(() =>
      defineWindowSpec({ version: '1.0.0', windowMinutes: 5, gridMinutes: 2, features: [{ name: 'a', unit: '1', tag: 'a', statistic: 'mean' }] }),
    ).toThrow(/multiple/);
    expect(() =>
      defineWindowSpec({ version: '1.0.0', windowMinutes: 4, gridMinutes: 1, features: [{ name: 'a', unit: '1', tag: 'a', statistic: 'median' as never }] }),
    ).toThrow(/statistic/);
    expect(() => selectWindowFeatures(spec, ['temp_mean', 'nope'])).toThrow(/nope/);
  });
});

describe('a model carrying its window spec', () => {
  it('stores the spec, refuses inputs it does not define, and builds a reference profile of complete rows', () => {
    const n = 200;
    const temp_mean = Array.from({ length: n }, (_, i) => (i === 5 ? NaN : 40 + (i % 10)));
    const vib_rms = Array.from({ length: n }, (_, i) => 2 + ((i * 7) % 5));
    const y = Array.from({ length: n }, (_, i) => (i % 10 >= 7 ? 1 : 0));
    const ds = createDataset({ temp_mean, vib_rms, y, order: Array.from({ length: n }, (_, i) => i) });
    const base = {
      target: 'y',
      model: { type: 'gbdt' as const, params: { maxIter: 5 } },
      imputation: { strategy: 'median' as const },
      seed: 1,
      split: { kind: 'chronological' as const, orderBy: 'order', train: 0.6, validation: 0.2, test: 0.2 },
      importanceRepeats: 1,
    };
    const r = train({ ...base, features: ['temp_mean', 'vib_rms'], window: spec }, ds);
    expect(r.model.window).toEqual(spec);
    expect(() => train({ ...base, features: ['temp_mean', 'order'], window: spec }, ds)).toThrow(/order/);
    const ref = buildReferenceProfile(r.model, ds, { maxRows: 50 });
    expect(ref.inputs).toEqual(['temp_mean', 'vib_rms']);
    expect(ref.columns[0]!.length).toBe(ref.scores.length);
    expect(ref.columns[0]!.length).toBeLessThanOrEqual(50);
    expect(ref.columns.flat().every(Number.isFinite)).toBe(true);
  });
});
