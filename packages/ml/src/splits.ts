// Splits that respect time and equipment: chronological, group-wise (whole machines go to
// one part), and an expanding-window (rolling-origin) generator. Never random: a random
// split of time-series rows leaks the future into training.

import { TooFewRowsError, InvalidSpecError } from './errors.ts';

export interface SplitIndices {
  readonly train: Int32Array;
  readonly validation: Int32Array;
  readonly test: Int32Array;
}

export interface Fractions {
  readonly train: number;
  readonly validation: number;
  readonly test: number;
}

/** Row order by a time column (stable; ties keep row order); identity when absent. */
export function timeOrder(n: number, time?: Float64Array): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  if (!time) return idx;
  return idx.sort((a, b) => time[a]! - time[b]! || a - b);
}

function checkFractions(f: Fractions, field: string): void {
  const parts = [f.train, f.validation, f.test];
  if (parts.some((x) => !(x >= 0)) || f.train <= 0 || Math.abs(parts.reduce((a, b) => a + b, 0) - 1) > 1e-9)
    throw new InvalidSpecError(field, 'split fractions must be non-negative, train > 0, and sum to 1');
}

/** First `train` fraction of time for training, then validation, then test. */
export function chronologicalSplit(n: number, f: Fractions, time?: Float64Array, minRowsPerPart = 1): SplitIndices {
  checkFractions(f, 'split');
  const order = timeOrder(n, time);
  const nTrain = Math.floor(n * f.train);
  const nVal = Math.floor(n * f.validation);
  const s = {
    train: order.slice(0, nTrain),
    validation: order.slice(nTrain, nTrain + nVal),
    test: order.slice(nTrain + nVal),
  };
  requireRows(s, f, minRowsPerPart);
  return s;
}

/**
 * Whole groups (machines, units) go to one part. Groups are ordered by their first
 * appearance in time and filled into train, validation, test by row share, so the test
 * machines are the ones that joined last.
 */
export function groupSplit(groups: Float64Array, f: Fractions, time?: Float64Array, minRowsPerPart = 1): SplitIndices {
  checkFractions(f, 'split');
  const order = timeOrder(groups.length, time);
  const rowsOf = new Map<number, number[]>();
  for (const i of order) {
    const g = groups[i]!;
    let r = rowsOf.get(g);
    if (!r) rowsOf.set(g, (r = []));
    r.push(i);
  }
  const n = groups.length;
  const parts: number[][] = [[], [], []];
  let taken = 0;
  for (const rows of rowsOf.values()) {
    const share = taken / n;
    const part = share < f.train ? 0 : share < f.train + f.validation ? 1 : 2;
    parts[part]!.push(...rows);
    taken += rows.length;
  }
  const s = { train: Int32Array.from(parts[0]!), validation: Int32Array.from(parts[1]!), test: Int32Array.from(parts[2]!) };
  requireRows(s, f, minRowsPerPart);
  return s;
}

function requireRows(s: SplitIndices, f: Fractions, min: number): void {
  if (s.train.length < Math.max(min, 2)) throw new TooFewRowsError('split.train', `train part has ${s.train.length} rows, needs at least ${Math.max(min, 2)}`);
  if (f.validation > 0 && s.validation.length < min)
    throw new TooFewRowsError('split.validation', `validation part has ${s.validation.length} rows, needs at least ${min}`);
  if (f.test > 0 && s.test.length < min) throw new TooFewRowsError('split.test', `test part has ${s.test.length} rows, needs at least ${min}`);
}

export interface ExpandingWindowOptions {
  readonly folds: number;
  /** Share of rows in the first training window. */
  readonly initialTrain: number;
  /** Growth of the training window per fold. */
  readonly step: number;
  readonly validation: number;
  readonly test: number;
}

export interface Fold extends SplitIndices {
  readonly fold: number;
}

/**
 * Rolling-origin evaluation: fold k trains on the first `initialTrain + k·step` of time,
 * validates on the next `validation`, tests on the following `test`.
 */
export function* expandingWindows(n: number, o: ExpandingWindowOptions, time?: Float64Array): Generator<Fold> {
  const last = o.initialTrain + (o.folds - 1) * o.step + o.validation + o.test;
  if (last > 1 + 1e-9) throw new InvalidSpecError('split', `expanding windows need ${(last * 100).toFixed(1)} % of the rows`);
  const order = timeOrder(n, time);
  const at = (x: number): number => Math.round(n * x);
  for (let k = 0; k < o.folds; k++) {
    const a = at(o.initialTrain + k * o.step);
    const b = at(o.initialTrain + k * o.step + o.validation);
    const c = at(o.initialTrain + k * o.step + o.validation + o.test);
    if (a < 2 || b - a < 1 || c - b < 1) throw new TooFewRowsError('split', `fold ${k} has too few rows (${a}/${b - a}/${c - b})`);
    yield { fold: k, train: order.slice(0, a), validation: order.slice(a, b), test: order.slice(b, c) };
  }
}
