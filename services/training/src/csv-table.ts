// A CSV file as training columns: headers become snake_case names (`Air temperature [K]` →
// `air_temperature_k`, the names the shared AI4I features read), cells that are all numbers become
// numeric columns, everything else stays text (and may still be a known ordinal, see domain/dataset.ts).
import { readFileSync } from 'node:fs';
import { parseCsv } from '@industrial/ml';
import { normaliseColumnName, type RawColumn } from './domain/dataset.ts';

export interface CsvColumns {
  readonly columns: Record<string, RawColumn>;
  /** Original header → column name. */
  readonly names: ReadonlyMap<string, string>;
  readonly rowCount: number;
}

export function readCsvColumns(path: string): CsvColumns {
  const t = parseCsv(readFileSync(path, 'utf8'));
  const names = new Map<string, string>();
  const columns: Record<string, RawColumn> = {};
  t.header.forEach((h, j) => {
    let name = normaliseColumnName(h);
    while (name in columns) name = `${name}_`;
    names.set(h, name);
    const cells = t.rows.map((r) => (r[j] ?? '').trim());
    const numeric = cells.every((c) => c === '' || Number.isFinite(Number(c)));
    columns[name] = numeric ? Float64Array.from(cells, (c) => (c === '' ? NaN : Number(c))) : cells;
  });
  return { columns, names, rowCount: t.rows.length };
}
