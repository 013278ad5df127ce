// Dataset snapshots, pure part: declared train/validation/test splits (chronological or by
// group), the row order that makes every split a contiguous range, and the canonical bytes the
// content hash covers. Canonical = a JSON header (schema, lineage, splits; keys sorted) followed by
// each column's values in a fixed encoding — independent of the file format the snapshot is
// written in, so CSV and Arrow files of the same data share a hash.
import { z } from 'zod';
import { InvalidArgumentError } from './errors.ts';
import { cellCompare, takeRows, type ColumnData, type ColumnSpec, type Table } from './table.ts';

export const SplitSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('chronological'),
    /** Column giving time or order (e.g. `udi`, `cycle`, `time`). */
    by: z.string().min(1),
    train: z.number().gt(0).lt(1),
    validation: z.number().min(0).lt(1),
  }),
  z.strictObject({
    kind: z.literal('group'),
    /** Whole groups (e.g. unit id) go to one split, so no unit leaks across. */
    by: z.string().min(1),
    train: z.number().gt(0).lt(1),
    validation: z.number().min(0).lt(1),
    /** Rows inside a group are ordered by this column. */
    orderBy: z.string().min(1).optional(),
    /**
     * Stratify by a numeric column: a group is "positive" when any of its rows is non-zero (e.g. a
     * pump that failed), and each split gets its share of positive and of negative groups.
     */
    stratifyBy: z.string().min(1).optional(),
  }),
]);
export type SplitSpec = z.infer<typeof SplitSpecSchema>;

export interface RowRange {
  start: number;
  end: number;
}

export interface Splits {
  kind: 'chronological' | 'group';
  by: string;
  /** Half-open row ranges in the snapshot's row order. */
  train: RowRange;
  validation: RowRange;
  test: RowRange;
  /** Chronological: first value of `by` in validation and test (the declared boundaries). */
  boundaries?: { validationFrom: number | string | null; testFrom: number | string | null };
  /** Group-wise: the group keys of each split. */
  groups?: { train: string[]; validation: string[]; test: string[] };
}

function column(table: Table, name: string, field: string): { spec: ColumnSpec; data: ColumnData } {
  const spec = table.columns.find((c) => c.name === name);
  if (spec === undefined) throw new InvalidArgumentError(field, `unknown column "${name}" (columns: ${table.columns.map((c) => c.name).join(', ')})`);
  return { spec, data: table.data[name] as ColumnData };
}

/** FNV-1a 32-bit: a stable, platform-independent shuffle key for group assignment. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Reorders the rows so each split is contiguous, and says where the splits are. */
export function applySplits(table: Table, spec: SplitSpec): { table: Table; splits: Splits } {
  if (spec.train + spec.validation >= 1) throw new InvalidArgumentError('split', 'train + validation must leave a share for test (< 1)');
  const n = table.rowCount;
  const idx = Array.from({ length: n }, (_, i) => i);
  const by = column(table, spec.by, 'split.by');
  if (spec.kind === 'chronological') {
    idx.sort((a, b) => cellCompare(by.data, a, b) || a - b);
    const sorted = takeRows(table, idx);
    const trainEnd = Math.floor(n * spec.train);
    const valEnd = Math.floor(n * (spec.train + spec.validation));
    const col = sorted.data[spec.by] as ColumnData;
    const at = (i: number): number | string | null => (i < n ? (col[i] as number | string) : null);
    return {
      table: sorted,
      splits: {
        kind: 'chronological',
        by: spec.by,
        train: { start: 0, end: trainEnd },
        validation: { start: trainEnd, end: valEnd },
        test: { start: valEnd, end: n },
        boundaries: { validationFrom: at(trainEnd), testFrom: at(valEnd) },
      },
    };
  }
  const order = spec.orderBy === undefined ? null : column(table, spec.orderBy, 'split.orderBy');
  const shuffled = [...new Set(Array.from({ length: n }, (_, i) => String(by.data[i])))];
  shuffled.sort((a, b) => fnv1a(a) - fnv1a(b) || (a < b ? -1 : a > b ? 1 : 0));
  // Groups in split order (train, validation, test), per stratum when stratified.
  const strata: string[][] = [shuffled];
  if (spec.stratifyBy !== undefined) {
    const s = column(table, spec.stratifyBy, 'split.stratifyBy');
    if (s.spec.type === 'utf8') throw new InvalidArgumentError('split.stratifyBy', `column "${spec.stratifyBy}" is text; stratify by a numeric label column`);
    const positive = new Set<string>();
    for (let i = 0; i < n; i++) if (Number(s.data[i]) !== 0 && !Number.isNaN(Number(s.data[i]))) positive.add(String(by.data[i]));
    strata.splice(
      0,
      1,
      shuffled.filter((k) => positive.has(k)),
      shuffled.filter((k) => !positive.has(k)),
    );
  }
  const parts = { train: [] as string[], validation: [] as string[], test: [] as string[] };
  for (const stratum of strata) {
    const g = stratum.length;
    const trainG = g === 0 ? 0 : Math.max(1, Math.floor(g * spec.train));
    const valG = Math.max(trainG, Math.floor(g * (spec.train + spec.validation)));
    parts.train.push(...stratum.slice(0, trainG));
    parts.validation.push(...stratum.slice(trainG, valG));
    parts.test.push(...stratum.slice(valG));
  }
  const keys = [...parts.train, ...parts.validation, ...parts.test];
  const trainG = parts.train.length;
  const valG = trainG + parts.validation.length;
  const rank = new Map(keys.map((k, i) => [k, i]));
  const naturalKey = (k: string) => k;
  idx.sort((a, b) => {
    const ra = rank.get(String(by.data[a])) as number;
    const rb = rank.get(String(by.data[b])) as number;
    return ra - rb || (order === null ? 0 : cellCompare(order.data, a, b)) || a - b;
  });
  const sorted = takeRows(table, idx);
  const col = sorted.data[spec.by] as ColumnData;
  let trainEnd = n;
  let valEnd = n;
  for (let i = 0; i < n; i++) {
    const r = rank.get(String(col[i])) as number;
    if (r >= trainG && trainEnd === n) trainEnd = i;
    if (r >= valG && valEnd === n) {
      valEnd = i;
      break;
    }
  }
  if (valEnd < trainEnd) trainEnd = valEnd;
  return {
    table: sorted,
    splits: {
      kind: 'group',
      by: spec.by,
      train: { start: 0, end: trainEnd },
      validation: { start: trainEnd, end: valEnd },
      test: { start: valEnd, end: n },
      groups: {
        train: keys.slice(0, trainG).map(naturalKey),
        validation: keys.slice(trainG, valG),
        test: keys.slice(valG),
      },
    },
  };
}

/** JSON with sorted keys (RFC 8785 for the values snapshots carry: strings, finite numbers, arrays, objects). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new InvalidArgumentError('snapshot', `${value} cannot be written as canonical JSON`);
    if (value === undefined) return 'null';
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const rec = value as Record<string, unknown>;
  return `{${Object.keys(rec)
    .filter((k) => rec[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(rec[k])}`)
    .join(',')}}`;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const encoder = new TextEncoder();

/** Little-endian bytes of a column; NaN canonicalised; strings as a JSON array. */
export function columnBytes(spec: ColumnSpec, data: ColumnData): Uint8Array {
  if (Array.isArray(data)) return encoder.encode(JSON.stringify(data));
  if (data instanceof Uint8Array) return data;
  const width = data instanceof Float64Array ? 8 : 4;
  const out = new Uint8Array(data.length * width);
  if (LITTLE_ENDIAN && data instanceof Int32Array) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return out;
  }
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) {
    if (width === 8) view.setFloat64(i * 8, Number.isNaN(data[i] as number) ? Number.NaN : (data[i] as number), true);
    else view.setInt32(i * 4, data[i] as number, true);
  }
  void spec;
  return out;
}

/** What the content hash covers, in order: header bytes, then one chunk per column. */
export function canonicalChunks(header: unknown, table: Table): Uint8Array[] {
  const chunks: Uint8Array[] = [encoder.encode(`${canonicalJson(header)}\n`)];
  for (const c of table.columns) {
    chunks.push(encoder.encode(`${c.name}:${c.type}:`));
    chunks.push(columnBytes(c, table.data[c.name] as ColumnData));
  }
  return chunks;
}
