// Column-oriented numeric dataset on Float64Array, plus row selection and row-major
// extraction of the columns a model reads. Missing values are NaN.

import { UnknownColumnError } from './errors.ts';

export interface Dataset {
  readonly nRows: number;
  readonly columns: Readonly<Record<string, Float64Array>>;
}

export function createDataset(columns: Record<string, Float64Array | readonly number[]>): Dataset {
  const out: Record<string, Float64Array> = {};
  let n = -1;
  for (const [name, col] of Object.entries(columns)) {
    const a = col instanceof Float64Array ? col : Float64Array.from(col);
    if (n >= 0 && a.length !== n) throw new Error(`column ${name} has ${a.length} rows, expected ${n}`);
    n = a.length;
    out[name] = a;
  }
  return { nRows: Math.max(n, 0), columns: out };
}

export function column(ds: Dataset, name: string, field = name): Float64Array {
  const c = ds.columns[name];
  if (!c) throw new UnknownColumnError(field, `column "${name}" does not exist in the dataset`);
  return c;
}

/** Row-major matrix [rows.length × names.length] of the given columns. */
export function rowMajor(ds: Dataset, names: readonly string[], rows?: ArrayLike<number>): Float64Array {
  const cols = names.map((n) => column(ds, n));
  const n = rows ? rows.length : ds.nRows;
  const p = names.length;
  const out = new Float64Array(n * p);
  for (let j = 0; j < p; j++) {
    const c = cols[j]!;
    if (rows) for (let i = 0; i < n; i++) out[i * p + j] = c[rows[i]!]!;
    else for (let i = 0; i < n; i++) out[i * p + j] = c[i]!;
  }
  return out;
}

export function pick(a: Float64Array, rows: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = a[rows[i]!]!;
  return out;
}

/** Rows of a row-major matrix. */
export function pickRows(m: Float64Array, p: number, rows: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows.length * p);
  for (let i = 0; i < rows.length; i++) out.set(m.subarray(rows[i]! * p, rows[i]! * p + p), i * p);
  return out;
}
