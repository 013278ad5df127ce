// Delimited text as a user brings it (a historian export, a test-rig log): delimiter detection,
// header or given column names, typed columns (numbers, ISO times as epoch ms, text), sorting and
// de-duplication — with errors that say what is wrong with the file in the user's terms. Pure.

export const DELIMITERS: Readonly<Record<string, string>> = { comma: ',', semicolon: ';', tab: '\t', pipe: '|', whitespace: 'whitespace' };
const NAME_OF: Readonly<Record<string, string>> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe', whitespace: 'whitespace' };
export const delimiterName = (d: string): string => NAME_OF[d] ?? JSON.stringify(d);

export class FileShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FileShapeError';
  }
}

/** One line's cells: whitespace runs, or a delimiter with "double-quoted" cells. */
export function splitLine(line: string, delimiter: string): string[] {
  if (delimiter === 'whitespace') return line.trim().split(/\s+/);
  const out: string[] = [];
  let cell = '',
    quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (line.startsWith(delimiter, i)) {
      out.push(cell);
      cell = '';
      i += delimiter.length - 1;
    } else cell += c;
  }
  out.push(cell);
  return out.map((s) => s.trim());
}

const sampleLines = (lines: readonly string[]): string[] => lines.filter((l) => l.trim() !== '').slice(0, 50);

/** The delimiter that splits (nearly) every sampled line into the same number (> 1) of cells; agreement, then most cells, wins. */
export function detectDelimiter(lines: readonly string[]): string {
  const sample = sampleLines(lines);
  let best: { d: string; n: number; agree: number } | null = null;
  for (const d of [',', ';', '\t', '|', 'whitespace']) {
    const freq = new Map<number, number>();
    for (const l of sample) {
      const k = splitLine(l, d).length;
      freq.set(k, (freq.get(k) ?? 0) + 1);
    }
    const [n, agree] = [...freq.entries()].sort((x, y) => y[1] - x[1] || y[0] - x[0])[0] ?? [1, 0];
    if (n > 1 && agree >= 0.9 * sample.length && (best === null || agree > best.agree || (agree === best.agree && n > best.n))) best = { d, n, agree };
  }
  if (best === null)
    throw new FileShapeError(
      `cannot tell how the columns are separated: no comma, semicolon, tab, pipe or whitespace splits the lines into the same number of columns; give --delimiter`,
    );
  return best.d;
}

export interface ReadOptions {
  /** A delimiter character, a name (comma, semicolon, tab, pipe, whitespace), or undefined to detect. */
  readonly delimiter?: string;
  /** Column names of a headerless file. */
  readonly columns?: readonly string[];
  /** true: the first line is a header; false: none (names col_1 …); undefined: detect (a first line of numbers only is data). */
  readonly header?: boolean;
}

export interface TextTable {
  readonly delimiter: string;
  readonly header: boolean;
  readonly names: readonly string[];
  readonly rows: readonly string[][];
}

/** `Air temperature [K]` → `air_temperature_k`. */
export const columnName = (h: string): string => {
  const s = h
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return /^[a-z_]/.test(s) ? s : `c_${s}`;
};

const isNumber = (s: string): boolean => s !== '' && Number.isFinite(Number(s));

export function readDelimited(text: string, o: ReadOptions = {}): TextTable {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const nonEmpty = lines.filter((l) => l.trim() !== '');
  if (nonEmpty.length === 0) throw new FileShapeError('the file is empty');
  const given = o.delimiter === undefined || o.delimiter === 'auto' ? undefined : (DELIMITERS[o.delimiter] ?? o.delimiter.replace('\\t', '\t'));
  const delimiter = given ?? detectDelimiter(nonEmpty);
  const first = splitLine(nonEmpty[0]!, delimiter);
  if (given !== undefined && sampleLines(nonEmpty).every((l) => splitLine(l, given).length === 1)) {
    let hint = '';
    try {
      hint = `; it looks ${delimiterName(detectDelimiter(nonEmpty))}-separated (--delimiter ${delimiterName(detectDelimiter(nonEmpty))})`;
    } catch {
      /* no other delimiter fits either */
    }
    throw new FileShapeError(`the file is not ${delimiterName(given)}-separated: every line reads as a single column${hint}`);
  }
  const header = o.columns !== undefined ? false : (o.header ?? !first.every(isNumber));
  let names: string[];
  if (o.columns !== undefined) {
    if (o.columns.length !== first.length)
      throw new FileShapeError(
        `--columns names ${o.columns.length} columns but line 1 of the file has ${first.length} (${delimiterName(delimiter)}-separated)`,
      );
    names = o.columns.map(columnName);
  } else names = header ? first.map(columnName) : first.map((_, j) => `col_${j + 1}`);
  const seen = new Set<string>();
  names = names.map((n) => {
    let m = n;
    while (seen.has(m)) m = `${m}_`;
    seen.add(m);
    return m;
  });
  const rows: string[][] = [];
  const body = header ? nonEmpty.slice(1) : nonEmpty;
  body.forEach((l, k) => {
    const cells = splitLine(l, delimiter);
    if (cells.length !== names.length)
      throw new FileShapeError(
        `line ${k + (header ? 2 : 1)} has ${cells.length} columns, the file's first line has ${names.length} (${delimiterName(delimiter)}-separated)`,
      );
    rows.push(cells);
  });
  return { delimiter, header, names, rows };
}

export type TypedColumn = { kind: 'number'; values: Float64Array } | { kind: 'time'; values: Float64Array } | { kind: 'text'; values: string[] };

const ISO = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Numbers, ISO times (epoch ms; no zone = UTC) or text, by what every non-empty cell is. */
export function typeColumn(cells: readonly string[]): TypedColumn {
  const filled = cells.filter((c) => c !== '');
  if (filled.every(isNumber)) return { kind: 'number', values: Float64Array.from(cells, (c) => (c === '' ? NaN : Number(c))) };
  if (filled.every((c) => ISO.test(c)))
    return {
      kind: 'time',
      values: Float64Array.from(cells, (c) =>
        c === '' ? NaN : Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(c) || c.length <= 10 ? c : `${c.replace(' ', 'T')}Z`),
      ),
    };
  return { kind: 'text', values: [...cells] };
}

const compareCells = (a: string, b: string): number => (isNumber(a) && isNumber(b) ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0);

/** Rows sorted by the named columns (stable), then de-duplicated on `dedupe` keys keeping the last row of each key. */
export function sortAndDedupe(t: TextTable, sortBy: readonly string[], dedupe: readonly string[]): { table: TextTable; removed: number } {
  const col = (n: string, flag: string): number => {
    const j = t.names.indexOf(columnName(n));
    if (j < 0) throw new FileShapeError(`${flag}: the file has no column "${n}" (columns: ${t.names.join(', ')})`);
    return j;
  };
  const s = sortBy.map((n) => col(n, '--sort-by'));
  const d = dedupe.map((n) => col(n, '--dedupe'));
  let rows = t.rows.map((r, i) => ({ r, i }));
  if (s.length > 0)
    rows.sort((a, b) => {
      for (const j of s) {
        const c = compareCells(a.r[j]!, b.r[j]!);
        if (c !== 0) return c;
      }
      return a.i - b.i;
    });
  let removed = 0;
  if (d.length > 0) {
    const last = new Map<string, number>();
    rows.forEach(({ r }, k) => last.set(JSON.stringify(d.map((j) => r[j])), k));
    const before = rows.length;
    rows = rows.filter(({ r }, k) => last.get(JSON.stringify(d.map((j) => r[j]))) === k);
    removed = before - rows.length;
  }
  return { table: { ...t, rows: rows.map(({ r }) => r) }, removed };
}

/** The table as comma-separated text with a header (quoted where needed). */
export function toCsvText(t: TextTable): string {
  const q = (c: string): string => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);
  return [t.names.map(q).join(','), ...t.rows.map((r) => r.map(q).join(','))].join('\n') + '\n';
}
