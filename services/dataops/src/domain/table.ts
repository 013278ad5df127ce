// A columnar table: what an import produces, what contextualisation builds and what a snapshot
// stores. Numeric columns are typed arrays (NaN = missing in float64), strings are arrays.

export const ColumnType = { Float64: 'float64', Int32: 'int32', Utf8: 'utf8', Bool: 'bool', Timestamp: 'timestamp' } as const;
export type ColumnType = (typeof ColumnType)[keyof typeof ColumnType];
export const COLUMN_TYPES: readonly ColumnType[] = Object.values(ColumnType);

/** What a column means to a model: features, labels, the time/order axis, the group key, context. */
export type ColumnRole = 'time' | 'order' | 'group' | 'feature' | 'label' | 'context';

export interface ColumnSpec {
  name: string;
  /** `timestamp` is epoch milliseconds in a Float64Array. */
  type: ColumnType;
  role: ColumnRole;
  unit?: string;
  /** Original column name in the source file or tag, when renamed. */
  source?: string;
}

export type ColumnData = Float64Array | Int32Array | Uint8Array | string[];

export interface Table {
  columns: ColumnSpec[];
  data: Record<string, ColumnData>;
  rowCount: number;
}

export function emptyColumn(type: ColumnType, n: number): ColumnData {
  switch (type) {
    case 'float64':
    case 'timestamp':
      return new Float64Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'bool':
      return new Uint8Array(n);
    case 'utf8':
      return new Array<string>(n).fill('');
    default: {
      const never: never = type;
      throw new Error(`unknown column type ${String(never)}`);
    }
  }
}

/** Rows of `table` in the order of `index` (a permutation or a subset). */
export function takeRows(table: Table, index: ArrayLike<number>): Table {
  const data: Record<string, ColumnData> = {};
  for (const c of table.columns) {
    const src = table.data[c.name] as ColumnData;
    const out = emptyColumn(c.type, index.length);
    for (let i = 0; i < index.length; i++) (out as { [k: number]: unknown })[i] = (src as { [k: number]: unknown })[index[i] as number];
    data[c.name] = out;
  }
  return { columns: table.columns, data, rowCount: index.length };
}

/** Compares two cells of one column (numbers numerically, strings by code unit). */
export function cellCompare(col: ColumnData, a: number, b: number): number {
  const x = col[a] as number | string;
  const y = col[b] as number | string;
  return x < y ? -1 : x > y ? 1 : 0;
}
