import { describe, expect, it } from 'vitest';
import { createDataset, failureWithin, lastRowPerUnit, remainingToEnd, tailSplit, train, unitSplit, TargetError } from '../src/index.ts';

// unit 1: cycles 1..5 (ran to failure); unit 2: cycles 1..3 (censored: still running); unit 3: cycles 1..4.
const ds = createDataset({
  unit: [1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3],
  cycle: [1, 2, 3, 4, 5, 1, 2, 3, 1, 2, 3, 4],
  failed: [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0],
  x: [1, 2, 3, 4, 5, 1, 2, 3, 1, 2, 3, 4],
});

describe('derived targets', () => {
  it('steps to the end of the run, capped, for run-to-failure units only', () => {
    const r = remainingToEnd(ds, { entity: 'unit', order: 'cycle', runToFailure: [1, 3], cap: 3 });
    expect(Array.from(r.dataset.columns.unit!)).toEqual([1, 1, 1, 1, 1, 3, 3, 3, 3]);
    expect(Array.from(r.dataset.columns.rul!)).toEqual([3, 3, 2, 1, 0, 3, 2, 1, 0]);
    expect(r.censoredUnits).toEqual([2]);
  });

  it('ends a unit at its failure row when failures come from a label column (later rows dropped)', () => {
    const r = remainingToEnd(ds, { entity: 'unit', order: 'cycle', runToFailure: { column: 'failed' } });
    expect(Array.from(r.dataset.columns.unit!)).toEqual([1, 1, 1, 1, 1, 3, 3, 3]);
    expect(Array.from(r.dataset.columns.rul!)).toEqual([4, 3, 2, 1, 0, 2, 1, 0]);
    expect(r.failedUnits).toEqual([1, 3]);
  });

  it('refuses a target derived for units that never fail', () => {
    const none = createDataset({ unit: [1, 1], cycle: [1, 2], failed: [0, 0] });
    expect(() => remainingToEnd(none, { entity: 'unit', order: 'cycle', runToFailure: { column: 'failed' } })).toThrow(TargetError);
    expect(() => remainingToEnd(none, { entity: 'unit', order: 'cycle', runToFailure: { column: 'failed' } })).toThrow(/no unit ran to failure/);
    expect(() => remainingToEnd(ds, { entity: 'unit', order: 'cycle', runToFailure: [9] })).toThrow(/unit 9 is named as run-to-failure but has no rows/);
    expect(() => failureWithin(none, { entity: 'unit', order: 'cycle', labels: 'failed', horizon: 2 })).toThrow(/no unit ever fails/);
  });

  it('failure within a horizon from labels', () => {
    const r = failureWithin(ds, { entity: 'unit', order: 'cycle', labels: 'failed', horizon: 2 });
    expect(Array.from(r.columns.failure_within_2!)).toEqual([0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1, 0]);
  });
});

describe('unit-aware splits', () => {
  const groups = ds.columns.unit!,
    order = ds.columns.cycle!;
  it('names the test units; the last part of each other unit validates', () => {
    const s = unitSplit(groups, order, { testUnits: [2], validationTail: 0.25 });
    expect(Array.from(s.test)).toEqual([5, 6, 7]);
    // unit 1: 5 rows → last 1 (round 1.25); unit 3: 4 rows → last 1
    expect(Array.from(s.validation).sort((a, b) => a - b)).toEqual([4, 11]);
    expect(Array.from(s.train).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 8, 9, 10]);
    const named = unitSplit(groups, order, { testUnits: [2], validationUnits: [3] });
    expect(Array.from(named.validation)).toEqual([8, 9, 10, 11]);
    expect(() => unitSplit(groups, order, { testUnits: [7] })).toThrow(/unit 7 is named for the split but has no rows/);
  });

  it('trains on all units with the last part of each for validation', () => {
    const s = tailSplit(groups, order, 0.4);
    expect(Array.from(s.validation).sort((a, b) => a - b)).toEqual([3, 4, 7, 10, 11]);
    expect(s.train.length + s.validation.length).toBe(12);
  });

  it('last row per unit', () => {
    expect(Array.from(lastRowPerUnit(groups, order))).toEqual([4, 7, 11]);
  });

  it('train() accepts a units split and a tail split', () => {
    const n = 240;
    const big = createDataset({
      unit: Float64Array.from({ length: n }, (_, i) => Math.floor(i / 20)),
      cycle: Float64Array.from({ length: n }, (_, i) => i % 20),
      x: Float64Array.from({ length: n }, (_, i) => i % 20),
      y: Float64Array.from({ length: n }, (_, i) => 19 - (i % 20)),
    });
    const base = { target: 'y', features: ['x'], model: { type: 'gbdt', params: { task: 'regression' } }, seed: 1, importanceRepeats: 1 } as const;
    const u = train({ ...base, split: { kind: 'units', groupBy: 'unit', orderBy: 'cycle', testUnits: [10, 11] } }, big);
    expect(u.card.json.data.split).toMatchObject({ kind: 'units', test: 40 });
    const t = train({ ...base, split: { kind: 'tail', groupBy: 'unit', orderBy: 'cycle', validation: 0.2 } }, big);
    expect(t.card.json.data.split).toMatchObject({ kind: 'tail', train: 192, validation: 48 });
  });
});
