// A delimited file as training columns: the delimiter is detected (comma, semicolon, tab, pipe,
// whitespace — dataops' reader, so a file that is not comma-separated is read as what it is, and a
// file no delimiter fits is refused in those words); headers become snake_case names
// (`Air temperature [K]` → `air_temperature_k`, the names the shared AI4I features read), cells that
// are all numbers become numeric columns, ISO times epoch ms, everything else stays text (and may
// still be a known ordinal, see domain/dataset.ts).
import { readFileSync } from 'node:fs';
import { readDelimited, typeColumn } from '@industrial/dataops';
import { type RawColumn } from './domain/dataset.ts';

export interface CsvColumns {
  readonly columns: Record<string, RawColumn>;
  /** Original header → column name. */
  readonly names: ReadonlyMap<string, string>;
  readonly rowCount: number;
}

export function readCsvColumns(path: string, options: { delimiter?: string; columns?: readonly string[] } = {}): CsvColumns {
  const text = readFileSync(path, 'utf8');
  const t = readDelimited(text, options);
  const names = new Map<string, string>();
  if (t.header) {
    const firstLine =
      text
        .replace(/^\uFEFF/, '')
        .split(/\r?\n/)
        .find((l) => l.trim() !== '') ?? '';
    const headers = readDelimited(`${firstLine}\n`, { delimiter: t.delimiter, header: false }).rows[0] ?? [];
    headers.forEach((h, j) => names.set(h.trim(), t.names[j]!));
  }
  const columns: Record<string, RawColumn> = {};
  t.names.forEach((n, j) => {
    const c = typeColumn(t.rows.map((r) => r[j]!));
    columns[n] = c.values;
  });
  return { columns, names, rowCount: t.rows.length };
}
