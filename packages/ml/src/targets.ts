// Targets derived at snapshot time from ordered per-unit data, and the unit-aware splits that go
// with them. Pure.
//
// - remaining steps (or time) to the end of a unit's run, capped: only for units that ran to
//   failure (a unit whose record stops for another reason is censored: its end is not a failure);
// - failure within a horizon: 1 when a failure label falls in [order, order + horizon] of the unit;
// - splits that name the test units, or that train on every unit and validate on the last part of
//   each unit in order.

import { createDataset, type Dataset } from './dataset.ts';
import { InvalidSpecError, MlErrorCode, MlValidationError, TooFewRowsError } from './errors.ts';
import { unitOrder } from './ordered.ts';
import type { SplitIndices } from './splits.ts';

export class TargetError extends MlValidationError {
  constructor(field: string, message: string) {
    super(MlErrorCode.InvalidSpec, field, message);
    this.name = 'TargetError';
  }
}

export interface RemainingSpec {
  readonly entity: string;
  readonly order: string;
  /** Output column name (default `rul`). */
  readonly name?: string;
  /** Cap (e.g. 125 cycles): targets above it are set to it. Default: no cap. */
  readonly cap?: number;
  /**
   * Which units ran to failure: 'all' (every record ends in a failure), a list of unit ids, or a 0/1
   * column whose 1 marks the failure row (a unit with no 1 never failed).
   */
  readonly runToFailure: 'all' | readonly number[] | { readonly column: string };
  /** Step of the order column, for the gap check (default 1). Duplicates are always refused. */
  readonly step?: number;
  readonly gaps?: 'error' | 'allow';
}

/**
 * Adds the remaining steps (order units) to the end of each run-to-failure unit's record, capped;
 * rows of other units are dropped (they carry no target) and counted in `censoredUnits`.
 */
export function remainingToEnd(ds: Dataset, spec: RemainingSpec): { dataset: Dataset; failedUnits: number[]; censoredUnits: number[] } {
  const name = spec.name ?? 'rul';
  for (const c of [spec.entity, spec.order]) if (!ds.columns[c]) throw new TargetError('target', `the data has no column "${c}"`);
  if (spec.cap !== undefined && !(spec.cap > 0)) throw new TargetError('target.cap', 'the cap must be > 0');
  const units = unitOrder(ds.columns[spec.entity]!, ds.columns[spec.order]!, { ...spec, step: spec.step ?? 1 });
  const order = ds.columns[spec.order]!;
  const rtf = spec.runToFailure;
  const failed = new Map<number, number>(); // unit → order value of its end (failure)
  if (rtf === 'all') for (const [u, idx] of units) failed.set(u, order[idx[idx.length - 1]!]!);
  else if (Array.isArray(rtf)) {
    for (const u of rtf as readonly number[]) {
      const idx = units.get(u);
      if (!idx) throw new TargetError('target.runToFailure', `${spec.entity} ${u} is named as run-to-failure but has no rows`);
      failed.set(u, order[idx[idx.length - 1]!]!);
    }
  } else {
    const col = ds.columns[(rtf as { column: string }).column];
    if (!col) throw new TargetError('target.runToFailure', `the data has no failure column "${(rtf as { column: string }).column}"`);
    for (const [u, idx] of units) {
      let at = NaN;
      for (const i of idx) if (col[i] === 1) at = order[i]!;
      if (!Number.isNaN(at)) failed.set(u, at);
    }
  }
  if (failed.size === 0)
    throw new TargetError(
      'target',
      `no ${spec.entity} ran to failure, so "steps to the end of the run" means nothing here; name the units that failed or a failure column`,
    );
  const keep: number[] = [];
  const y: number[] = [];
  for (const [u, idx] of units) {
    const end = failed.get(u);
    if (end === undefined) continue;
    for (const i of idx) {
      if (order[i]! > end) continue; // rows after the failure carry no remaining life
      keep.push(i);
      const r = end - order[i]!;
      y.push(spec.cap === undefined ? r : Math.min(r, spec.cap));
    }
  }
  const cols: Record<string, Float64Array> = {};
  for (const [k, c] of Object.entries(ds.columns)) cols[k] = Float64Array.from(keep, (i) => c[i]!);
  cols[name] = Float64Array.from(y);
  return { dataset: createDataset(cols), failedUnits: [...failed.keys()], censoredUnits: [...units.keys()].filter((u) => !failed.has(u)) };
}

/** 1 when a failure (label column = 1) of the same unit falls within [order, order + horizon]. */
export function failureWithin(
  ds: Dataset,
  spec: {
    readonly entity: string;
    readonly order: string;
    readonly labels: string;
    readonly horizon: number;
    readonly name?: string;
    readonly step?: number;
    readonly gaps?: 'error' | 'allow';
  },
): Dataset {
  for (const c of [spec.entity, spec.order, spec.labels]) if (!ds.columns[c]) throw new TargetError('target', `the data has no column "${c}"`);
  if (!(spec.horizon > 0)) throw new TargetError('target.horizon', 'the horizon must be > 0');
  const units = unitOrder(ds.columns[spec.entity]!, ds.columns[spec.order]!, { ...spec, step: spec.step ?? 1 });
  const order = ds.columns[spec.order]!,
    lab = ds.columns[spec.labels]!;
  const y = new Float64Array(ds.nRows);
  let any = 0;
  for (const idx of units.values()) {
    const fails = [...idx].filter((i) => lab[i] === 1).map((i) => order[i]!);
    any += fails.length;
    for (const i of idx) y[i] = fails.some((f) => f >= order[i]! && f <= order[i]! + spec.horizon) ? 1 : 0;
  }
  if (any === 0) throw new TargetError('target', `no row of "${spec.labels}" is 1: no unit ever fails, so "failure within ${spec.horizon}" is 0 everywhere`);
  return createDataset({ ...ds.columns, [spec.name ?? `failure_within_${spec.horizon}`]: y });
}

/**
 * Whole units to test and (optionally) validation by name; the remaining units train. Without
 * `validationUnits`, the last `validationTail` share of each training unit (in order) validates.
 */
export function unitSplit(
  groups: Float64Array,
  order: Float64Array | undefined,
  o: { readonly testUnits: readonly number[]; readonly validationUnits?: readonly number[]; readonly validationTail?: number },
): SplitIndices {
  const present = new Set(groups);
  for (const u of [...o.testUnits, ...(o.validationUnits ?? [])])
    if (!present.has(u)) throw new InvalidSpecError('split.testUnits', `unit ${u} is named for the split but has no rows`);
  if (o.testUnits.length === 0) throw new InvalidSpecError('split.testUnits', 'name at least one test unit');
  const test = new Set(o.testUnits),
    val = new Set(o.validationUnits ?? []);
  const parts: number[][] = [[], [], []];
  const trainRows: number[] = [];
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    if (test.has(g)) parts[2]!.push(i);
    else if (val.has(g)) parts[1]!.push(i);
    else trainRows.push(i);
  }
  if (val.size === 0) {
    const t = tailSplit(
      Float64Array.from(trainRows, (i) => groups[i]!),
      order ? Float64Array.from(trainRows, (i) => order[i]!) : undefined,
      o.validationTail ?? 0.2,
    );
    parts[0] = [...t.train].map((k) => trainRows[k]!);
    parts[1] = [...t.validation].map((k) => trainRows[k]!);
  } else parts[0] = trainRows;
  if (parts[0].length < 2) throw new TooFewRowsError('split.train', 'no unit is left for training');
  return { train: Int32Array.from(parts[0]), validation: Int32Array.from(parts[1]!), test: Int32Array.from(parts[2]!) };
}

/** Every unit trains on its first part in order and validates on its last `validation` share (at least one row each). */
export function tailSplit(groups: Float64Array, order: Float64Array | undefined, validation: number): { train: Int32Array; validation: Int32Array } {
  if (!(validation > 0 && validation < 1)) throw new InvalidSpecError('split.validation', 'the validation tail must be a share between 0 and 1');
  const byUnit = new Map<number, number[]>();
  for (let i = 0; i < groups.length; i++) {
    let r = byUnit.get(groups[i]!);
    if (!r) byUnit.set(groups[i]!, (r = []));
    r.push(i);
  }
  const train: number[] = [],
    val: number[] = [];
  for (const rows of byUnit.values()) {
    if (order) rows.sort((a, b) => order[a]! - order[b]! || a - b);
    const nVal = rows.length < 2 ? 0 : Math.max(1, Math.round(rows.length * validation));
    train.push(...rows.slice(0, rows.length - nVal));
    val.push(...rows.slice(rows.length - nVal));
  }
  return { train: Int32Array.from(train), validation: Int32Array.from(val) };
}

/** Index of the last row (in order) of each unit among `rows` (the last-row protocol). */
export function lastRowPerUnit(groups: ArrayLike<number>, order: ArrayLike<number>, rows?: ArrayLike<number>): Int32Array {
  const best = new Map<number, number>();
  const n = rows ? rows.length : groups.length;
  for (let k = 0; k < n; k++) {
    const i = rows ? rows[k]! : k;
    const b = best.get(groups[i]!);
    if (b === undefined || order[i]! >= order[b]!) best.set(groups[i]!, i);
  }
  return Int32Array.from([...best.values()].sort((a, b) => a - b));
}
