// Ordered per-unit features: ONE definition of how rolling features are computed per entity
// (a unit, an asset) over an order column (a cycle index, or time on a regular grid), shared by
// imported tables (`computeOrderedFeatures`), historian series (`orderedFeaturesFromSeries`, which
// holds each tag on the grid and then calls the same code) and live scoring (the last row).
//
// One spec holds several window lengths (in steps of the order column) and the statistics
// mean, std, min, max, last and slope (per step) over each, EWMA per span, lags and deltas.
// Rows start at the first step of each unit: a window that reaches before the unit's first row is
// computed over the rows it has and the row is marked (`partial` = 1, `window_fill` = the share
// of the longest look-back that exists). Lags and deltas before the first row use the first row.
// EWMA restarts at the start of the longest look-back, so a row depends on a bounded history and
// a live window of that length computes exactly the training value. Pure.

import { InvalidSpecError, MlValidationError, MlErrorCode } from './errors.ts';
import { gridStatistic, holdOnGrid, type TagSeries } from './windows.ts';
import { createDataset, type Dataset } from './dataset.ts';

export const ORDERED_SPEC_FORMAT = 'industrial-ml/ordered-spec/v1';
export const ORDERED_STATISTICS = ['mean', 'std', 'min', 'max', 'last', 'slope'] as const;
export type OrderedStatistic = (typeof ORDERED_STATISTICS)[number];

export interface OrderedSpec {
  readonly format: typeof ORDERED_SPEC_FORMAT;
  /** Feature set version (semver). */
  readonly version: string;
  /** Column naming the unit (its rows are one sequence). */
  readonly entity: string;
  /** Column ordering a unit's rows: a cycle index or epoch ms. */
  readonly order: string;
  /** Distance between consecutive rows in order units (1 for cycles, 60000 for a 1-minute grid); a larger distance is a gap. */
  readonly step: number;
  /** Input columns (sensors). */
  readonly columns: readonly string[];
  /** Window lengths in steps, e.g. [5, 10, 20]. */
  readonly windows: readonly number[];
  readonly statistics: readonly OrderedStatistic[];
  /** EWMA spans in steps (α = 2 / (span + 1)). */
  readonly ewma?: readonly number[];
  /** Value k steps back. */
  readonly lags?: readonly number[];
  /** Value − value k steps back. */
  readonly deltas?: readonly number[];
  /** Also emit each column's raw value (default true). */
  readonly raw?: boolean;
  /** What a gap in the order column does: refuse (default) or accept. Duplicates are always refused. */
  readonly gaps?: 'error' | 'allow';
}

export class OrderedDataError extends MlValidationError {
  constructor(field: string, message: string) {
    super(MlErrorCode.InvalidSpec, field, message);
    this.name = 'OrderedDataError';
  }
}

export function defineOrderedSpec(s: Omit<OrderedSpec, 'format'>): OrderedSpec {
  const spec: OrderedSpec = { format: ORDERED_SPEC_FORMAT, ...s };
  validateOrderedSpec(spec);
  return spec;
}

const posInts = (a: unknown): boolean => Array.isArray(a) && a.every((x) => Number.isInteger(x) && (x as number) >= 1);

export function validateOrderedSpec(spec: unknown): asserts spec is OrderedSpec {
  const s = spec as Partial<OrderedSpec> | null;
  if (s === null || typeof s !== 'object' || s.format !== ORDERED_SPEC_FORMAT) throw new InvalidSpecError('ordered', `not a ${ORDERED_SPEC_FORMAT} spec`);
  if (typeof s.entity !== 'string' || s.entity === '') throw new InvalidSpecError('ordered.entity', 'name the column that identifies a unit');
  if (typeof s.order !== 'string' || s.order === '') throw new InvalidSpecError('ordered.order', 'name the column that orders a unit (cycle or time)');
  if (!(typeof s.step === 'number' && s.step > 0)) throw new InvalidSpecError('ordered.step', 'step must be > 0 (1 for cycles, grid milliseconds for time)');
  if (!Array.isArray(s.columns) || s.columns.length === 0) throw new InvalidSpecError('ordered.columns', 'name at least one input column');
  if (!posInts(s.windows) || s.windows!.length === 0) throw new InvalidSpecError('ordered.windows', 'window lengths must be whole numbers of steps ≥ 1');
  if (!Array.isArray(s.statistics) || s.statistics.some((x) => !(ORDERED_STATISTICS as readonly string[]).includes(x)))
    throw new InvalidSpecError('ordered.statistics', `statistics must be among ${ORDERED_STATISTICS.join(', ')}`);
  for (const k of ['ewma', 'lags', 'deltas'] as const)
    if (s[k] !== undefined && !posInts(s[k])) throw new InvalidSpecError(`ordered.${k}`, `${k} must be whole numbers of steps ≥ 1`);
}

/** Names of the features a spec emits, in output order (per column: raw, windows × statistics, ewma, lags, deltas). */
export function orderedFeatureNames(spec: OrderedSpec): string[] {
  const out: string[] = [];
  for (const c of spec.columns) {
    if (spec.raw !== false) out.push(c);
    for (const w of spec.windows) for (const st of spec.statistics) out.push(`${c}_${st}_${w}`);
    for (const e of spec.ewma ?? []) out.push(`${c}_ewma_${e}`);
    for (const k of spec.lags ?? []) out.push(`${c}_lag_${k}`);
    for (const k of spec.deltas ?? []) out.push(`${c}_delta_${k}`);
  }
  return out;
}

/** Rows of the longest look-back (windows, EWMA restart, lags and deltas). */
export function lookBack(spec: OrderedSpec): number {
  return Math.max(...spec.windows, ...(spec.ewma ?? []), ...(spec.lags ?? []).map((k) => k + 1), ...(spec.deltas ?? []).map((k) => k + 1));
}

/** Statistic over x[from..to] (inclusive, NaN skipped): the window module's statistic, slope per step. */
export function windowStatistic(x: Float64Array, from: number, to: number, st: OrderedStatistic): number {
  return gridStatistic(x.subarray(from, to + 1), st, 60); // a 60-minute grid: per hour = per step
}

/** EWMA of x[from..to], started at x[from] (NaN carried over). */
export function ewmaOver(x: ArrayLike<number>, from: number, to: number, span: number): number {
  const a = 2 / (span + 1);
  let s = NaN;
  for (let i = from; i <= to; i++) {
    const y = x[i]!;
    if (Number.isNaN(y)) continue;
    s = Number.isNaN(s) ? y : a * y + (1 - a) * s;
  }
  return s;
}

export interface OrderedRows {
  /** entity, order, every feature of the spec, `partial` (0/1) and `window_fill` (0..1], plus `carry` columns, in unit/order order. */
  readonly dataset: Dataset;
  readonly features: readonly string[];
  /** Source row of each output row. */
  readonly sourceRow: Int32Array;
  /** Output row ranges of each unit [start, end). */
  readonly units: ReadonlyMap<number, { readonly start: number; readonly end: number }>;
}

/** An order value as the user knows it: an ISO time for epoch-ms time orders, else the number. */
export function formatOrder(v: number, step: number): string {
  return step >= 1000 && Math.abs(v) > 1e11 ? new Date(v).toISOString() : String(v);
}

/** Per-unit row order by (entity, order); refuses duplicates and (unless allowed) gaps, in the user's terms. */
export function unitOrder(entity: Float64Array, order: Float64Array, spec: Pick<OrderedSpec, 'entity' | 'order' | 'step' | 'gaps'>): Map<number, Int32Array> {
  const byUnit = new Map<number, number[]>();
  for (let i = 0; i < entity.length; i++) {
    const e = entity[i]!;
    if (Number.isNaN(e)) throw new OrderedDataError('ordered.entity', `row ${i + 1} has no ${spec.entity}`);
    if (Number.isNaN(order[i]!)) throw new OrderedDataError('ordered.order', `row ${i + 1} (${spec.entity} ${e}) has no ${spec.order}`);
    let r = byUnit.get(e);
    if (!r) byUnit.set(e, (r = []));
    r.push(i);
  }
  const out = new Map<number, Int32Array>();
  for (const [e, rows] of [...byUnit.entries()].sort((a, b) => a[0] - b[0])) {
    const idx = Int32Array.from(rows).sort((a, b) => order[a]! - order[b]! || a - b);
    for (let k = 1; k < idx.length; k++) {
      const d = order[idx[k]!]! - order[idx[k - 1]!]!;
      if (d === 0)
        throw new OrderedDataError(
          'ordered.order',
          `${spec.entity} ${e} has two rows at ${spec.order} ${formatOrder(order[idx[k]!]!, spec.step)} (rows ${idx[k - 1]! + 1} and ${idx[k]! + 1}); de-duplicate the file first`,
        );
      if (d > spec.step * 1.5 && spec.gaps !== 'allow')
        throw new OrderedDataError(
          'ordered.order',
          `${spec.entity} ${e} jumps from ${spec.order} ${formatOrder(order[idx[k - 1]!]!, spec.step)} to ${formatOrder(order[idx[k]!]!, spec.step)} (a gap of ${d / spec.step} steps of ${spec.step}); fill the gap or allow gaps`,
        );
    }
    out.set(e, idx);
  }
  return out;
}

/**
 * Features for every row of a table (the shared function). `carry` names columns copied through
 * (targets, labels). Refuses windows longer than every unit, unknown columns, gaps and duplicates.
 */
export function computeOrderedFeatures(
  spec: OrderedSpec,
  ds: Dataset,
  carry: readonly string[] = [],
  options: { /** Scoring new rows: units shorter than the longest window are fine (their rows are partial). */ readonly allowShortUnits?: boolean } = {},
): OrderedRows {
  validateOrderedSpec(spec);
  for (const c of [spec.entity, spec.order, ...spec.columns, ...carry])
    if (!ds.columns[c]) throw new OrderedDataError('ordered.columns', `the data has no column "${c}" (columns: ${Object.keys(ds.columns).join(', ')})`);
  const units = unitOrder(ds.columns[spec.entity]!, ds.columns[spec.order]!, spec);
  const longest = Math.max(0, ...[...units.values()].map((r) => r.length));
  const wMax = Math.max(...spec.windows);
  if (wMax > longest && options.allowShortUnits !== true) {
    const [u] = [...units.entries()].find(([, r]) => r.length === longest) ?? [NaN];
    throw new OrderedDataError(
      'ordered.windows',
      `a window of ${wMax} steps is longer than every unit (the longest, ${spec.entity} ${u}, has ${longest} rows)`,
    );
  }
  const names = orderedFeatureNames(spec);
  const n = ds.nRows;
  const cols: Record<string, Float64Array> = {};
  cols[spec.entity] = new Float64Array(n);
  cols[spec.order] = new Float64Array(n);
  for (const f of names) cols[f] = new Float64Array(n);
  cols.partial = new Float64Array(n);
  cols.window_fill = new Float64Array(n);
  for (const c of carry) if (!(c in cols)) cols[c] = new Float64Array(n);
  const sourceRow = new Int32Array(n);
  const ranges = new Map<number, { start: number; end: number }>();
  const back = lookBack(spec);
  let r = 0;
  for (const [e, idx] of units) {
    const start = r;
    const seqs = spec.columns.map((c) => Float64Array.from(idx, (i) => ds.columns[c]![i]!));
    for (let k = 0; k < idx.length; k++, r++) {
      sourceRow[r] = idx[k]!;
      cols[spec.entity]![r] = e;
      cols[spec.order]![r] = ds.columns[spec.order]![idx[k]!]!;
      for (const c of carry) cols[c]![r] = ds.columns[c]![idx[k]!]!;
      const row = orderedRowAt(spec, seqs, k);
      names.forEach((f, j) => (cols[f]![r] = row[j]!));
      cols.partial![r] = k + 1 < back ? 1 : 0;
      cols.window_fill![r] = Math.min(k + 1, back) / back;
    }
    ranges.set(e, { start, end: r });
  }
  return { dataset: createDataset(cols), features: names, sourceRow, units: ranges };
}

/** The feature row at position k of one unit's sequences (one per spec column, oldest first). */
export function orderedRowAt(spec: OrderedSpec, seqs: readonly Float64Array[], k: number): Float64Array {
  const out: number[] = [];
  const back = lookBack(spec);
  spec.columns.forEach((_, j) => {
    const x = seqs[j]!;
    if (spec.raw !== false) out.push(x[k]!);
    for (const w of spec.windows) for (const st of spec.statistics) out.push(windowStatistic(x, Math.max(0, k - w + 1), k, st));
    for (const s of spec.ewma ?? []) out.push(ewmaOver(x, Math.max(0, k - back + 1), k, s));
    for (const l of spec.lags ?? []) out.push(x[Math.max(0, k - l)]!);
    for (const l of spec.deltas ?? []) out.push(x[k]! - x[Math.max(0, k - l)]!);
  });
  return Float64Array.from(out);
}

/**
 * Historian data through the same function: each column is a tag held on the grid (`step` ms, last
 * Good sample at or before each grid point) for the look-back ending at `endMs`, then the last row.
 */
export function orderedFeaturesFromSeries(
  spec: OrderedSpec,
  series: Readonly<Record<string, TagSeries | undefined>>,
  endMs: number,
): { values: Float64Array; partial: boolean; missing: string[] } {
  const back = lookBack(spec);
  const missing: string[] = [];
  let first = 0;
  const seqs = spec.columns.map((c) => {
    const s = series[c];
    if (s === undefined || s.timestampsMs.length === 0) {
      missing.push(c);
      return new Float64Array(back).fill(NaN);
    }
    const g = holdOnGrid(s, endMs, back, spec.step).grid;
    let k = 0;
    while (k < g.length && Number.isNaN(g[k]!)) k++;
    first = Math.max(first, k);
    return g;
  });
  // Rows before a tag's first Good sample do not exist yet: the sequence starts at the latest first value.
  const cut = seqs.map((g) => g.subarray(Math.min(first, back - 1)));
  return { values: orderedRowAt(spec, cut, cut[0]!.length - 1), partial: first > 0, missing };
}
