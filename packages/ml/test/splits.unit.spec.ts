import { describe, expect, it } from 'vitest';
import { chronologicalSplit, expandingWindows, groupSplit } from '../src/index.ts';

describe('splits for time series', () => {
  it('chronological split orders by time, never shuffles', () => {
    const time = Float64Array.from({ length: 20 }, (_, i) => 19 - i);
    const s = chronologicalSplit(20, { train: 0.5, validation: 0.25, test: 0.25 }, time);
    expect(Array.from(s.train)).toEqual([19, 18, 17, 16, 15, 14, 13, 12, 11, 10]);
    expect(s.validation.length).toBe(5);
    expect(Array.from(s.test)).toEqual([4, 3, 2, 1, 0]);
  });

  it('group split keeps every machine in one part', () => {
    const groups = Float64Array.from({ length: 60 }, (_, i) => Math.floor(i / 10));
    const s = groupSplit(groups, { train: 0.6, validation: 0.2, test: 0.2 });
    const partOf = new Map<number, string>();
    for (const [name, idx] of Object.entries(s))
      for (const i of idx as Int32Array) {
        const g = groups[i]!;
        expect(partOf.get(g) ?? name).toBe(name);
        partOf.set(g, name);
      }
    expect(new Set(partOf.values()).size).toBe(3);
  });

  it('expanding windows train on 50 % + 10k %, validate and test on the next 5 % each', () => {
    const folds = [...expandingWindows(1000, { folds: 5, initialTrain: 0.5, step: 0.1, validation: 0.05, test: 0.05 })];
    expect(folds.map((f) => [f.train.length, f.validation.length, f.test.length])).toEqual([
      [500, 50, 50],
      [600, 50, 50],
      [700, 50, 50],
      [800, 50, 50],
      [900, 50, 50],
    ]);
    expect(folds[4]!.test[49]).toBe(999);
    expect(folds[2]!.validation[0]).toBe(700);
  });
});
