// The import a file becomes, pure: which column orders the rows (a cycle number or a time) and
// which names the unit, the column mapping dataops' ImportCsv reads (numbers as float64, text as
// context, times sent as epoch ms), and the rows checked first in the user's terms — two rows of a
// unit at the same step, or steps out of order, are said with the flags that fix them.
import type { CsvMappingInput } from './domain/csv-mapping.ts';
import { FileShapeError, columnName, toCsvText, typeColumn, type TextTable } from './domain/delimited.ts';

export interface ImportPlan {
  readonly mapping: CsvMappingInput;
  /** The table as comma-separated text with a header (the order column as epoch ms when it holds times). */
  readonly csv: string;
  readonly entity?: string;
  readonly order: string;
}

export function importPlan(t: TextTable, o: { entity?: string; order?: string; sortBy: readonly string[] }): ImportPlan {
  const sortBy = o.sortBy.map(columnName);
  const order = o.order === undefined ? sortBy.at(-1) : columnName(o.order);
  const entity = o.entity === undefined ? (sortBy.length >= 2 ? sortBy.at(-2) : undefined) : columnName(o.entity);
  if (order === undefined)
    throw new FileShapeError('--order: name the column that orders the rows (a cycle number or a time), or give --sort-by <unit>,<order>');
  const col = (n: string, flag: string): number => {
    const j = t.names.indexOf(n);
    if (j < 0) throw new FileShapeError(`${flag}: the file has no column "${n}" (columns: ${t.names.join(', ')})`);
    return j;
  };
  const oj = col(order, '--order');
  const ej = entity === undefined ? -1 : col(entity, '--entity');
  const typed = t.names.map((_, j) => typeColumn(t.rows.map((r) => r[j]!)));
  const ot = typed[oj]!;
  if (ot.kind === 'text') throw new FileShapeError(`--order: column "${order}" holds text, not cycle numbers or times`);
  if (ot.values.some((x) => Number.isNaN(x))) throw new FileShapeError(`--order: column "${order}" has empty cells`);
  if (ot.kind === 'number' && ot.values.some((x) => !Number.isInteger(x)))
    throw new FileShapeError(`--order: column "${order}" holds fractions; give whole cycle numbers or times`);
  const fix = `--sort-by ${entity === undefined ? '' : `${entity},`}${order}`;
  const last = new Map<string, number>();
  t.rows.forEach((r, i) => {
    const unit = ej < 0 ? '' : r[ej]!;
    const at = ot.values[i]!;
    const prev = last.get(unit);
    const who = ej < 0 ? 'the file' : `${entity} ${unit}`;
    const step = (x: number) => (ot.kind === 'time' ? new Date(x).toISOString() : String(x));
    if (prev === at)
      throw new FileShapeError(`${who} has two rows at ${order} ${step(at)}: de-duplicate with --dedupe ${entity === undefined ? '' : `${entity},`}${order}`);
    if (prev !== undefined && at < prev) throw new FileShapeError(`${who}: ${order} ${step(at)} comes after ${step(prev)}: sort with ${fix}`);
    last.set(unit, at);
  });
  const et = ej < 0 ? undefined : typed[ej]!;
  const fields = t.names
    .map((n, j) => ({ n, j }))
    .filter(({ j }) => j !== oj && j !== ej)
    .map(({ n, j }) => ({
      column: n,
      name: n,
      type: typed[j]!.kind === 'number' ? ('float64' as const) : ('utf8' as const),
      ...(typed[j]!.kind === 'number' ? { nullable: true } : { role: 'context' as const }),
    }));
  const mapping: CsvMappingInput = {
    format: 'wide',
    delimiter: ',',
    header: true,
    ...(ot.kind === 'time' ? { time: { column: order, format: 'epoch-ms' } } : { order: { column: order } }),
    ...(et === undefined ? {} : { group: { column: entity!, type: et.kind === 'number' && et.values.every((x) => Number.isInteger(x)) ? 'int32' : 'utf8' } }),
    // A file of only the unit and order columns still imports (dataops needs a field): the order again is not one.
    fields: fields.length > 0 ? fields : [{ column: order, name: `${order}_value`, type: 'float64' }],
  };
  const rows = ot.kind === 'time' ? t.rows.map((r, i) => r.map((c, j) => (j === oj ? String(ot.values[i]) : c))) : t.rows;
  return { mapping, csv: toCsvText({ ...t, rows }), ...(entity === undefined ? {} : { entity }), order };
}
