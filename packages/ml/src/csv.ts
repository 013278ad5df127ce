// A tiny CSV parser for benchmarks and fixtures (text in, columns out; no I/O here).
// Handles a byte-order mark, CRLF, and double-quoted fields with "" escapes.

export interface CsvTable {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

export function parseCsv(text: string, delimiter = ','): CsvTable {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: string[][] = [];
  let field = '',
    record: string[] = [],
    inQuotes = false;
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (inQuotes) {
      if (ch === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else field += ch;
    } else if (ch === '"') inQuotes = true;
    else if (ch === delimiter) {
      record.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i++;
      record.push(field);
      field = '';
      if (record.length > 1 || record[0] !== '') records.push(record);
      record = [];
    } else field += ch;
  }
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  const [header = [], ...rows] = records;
  return { header, rows };
}

/** Numeric column; empty or non-numeric cells become NaN unless mapped. */
export function numericColumn(t: CsvTable, name: string, map?: Readonly<Record<string, number>>): Float64Array {
  const j = t.header.indexOf(name);
  if (j < 0) throw new Error(`CSV has no column "${name}"`);
  return Float64Array.from(t.rows, (r) => {
    const cell = (r[j] ?? '').trim();
    if (map && cell in map) return map[cell]!;
    return cell === '' ? NaN : Number(cell);
  });
}
