// CSV import mapping and row conversion, pure: the mapping is validated, the file's columns are
// resolved against it, and each record is converted and checked (types, units, ordering). The
// adapter streams the file through `CsvTableBuilder`; nothing is written until `finish()` has
// returned a complete table, so a bad row means nothing is imported.
import { z } from 'zod';
import { CsvImportError, InvalidArgumentError } from './errors.ts';
import { convert, isKnownUnit } from './units.ts';
import { emptyColumn, type ColumnData, type ColumnSpec, type Table } from './table.ts';

const Name = z.string().min(1).max(200);
const FieldType = z.enum(['float64', 'int32', 'utf8', 'bool']);

/** A cell's text quoted in a message: at most 64 characters of it (a 1 MB cell is not echoed back). */
function quoted(text: string): string {
  return text.length <= 64 ? `"${text}"` : `"${text.slice(0, 63)}…" (${text.length} characters)`;
}
export const CsvMappingSchema = z
  .strictObject({
    /** wide: one column per variable; long: rows of (time/order, tag, value[, unit]). */
    format: z.enum(['wide', 'long']).default('wide'),
    /** One or more characters, or `whitespace` for runs of spaces/tabs (run-to-failure logs). */
    delimiter: z.string().min(1).max(10).default(','),
    header: z.boolean().default(true),
    /** Column names of a headerless file, in order (or to rename every column of a headed one). */
    columnNames: z.array(Name).min(1).optional(),
    time: z.strictObject({ column: Name, format: z.enum(['iso', 'epoch-ms', 'epoch-s']).default('iso'), assumeUtc: z.boolean().default(false) }).optional(),
    order: z.strictObject({ column: Name }).optional(),
    group: z.strictObject({ column: Name, type: z.enum(['utf8', 'int32']).default('utf8') }).optional(),
    /**
     * Wide format: the columns to keep. Units default to the `[unit]` suffix of the header; the
     * default name keeps it as a suffix (`Torque [Nm]` → `torque_nm`, see `columnIdentifier`).
     */
    fields: z
      .array(
        z.strictObject({
          column: Name,
          name: Name.optional(),
          type: FieldType.default('float64'),
          unit: z.string().min(1).max(32).optional(),
          targetUnit: z.string().min(1).max(32).optional(),
          role: z.enum(['feature', 'label', 'context']).default('feature'),
          nullable: z.boolean().default(false),
        }),
      )
      .optional(),
    long: z
      .strictObject({
        tagColumn: Name,
        valueColumn: Name,
        unitColumn: Name.optional(),
        /** Tags to keep (all seen when absent), with optional target units. */
        tags: z.array(z.strictObject({ tag: Name, name: Name.optional(), targetUnit: z.string().min(1).max(32).optional() })).optional(),
      })
      .optional(),
    /** UNS asset the rows describe, when they come from one asset. */
    assetPath: z
      .string()
      .regex(/^[a-z0-9_-]+(\.[a-z0-9_-]+){4}$/)
      .optional(),
  })
  .refine((m) => (m.time === undefined) !== (m.order === undefined), { message: 'exactly one of "time" or "order" is required', path: ['time'] })
  .refine((m) => m.header || m.columnNames !== undefined, { message: 'a headerless file needs "columnNames"', path: ['columnNames'] })
  .refine((m) => m.format !== 'wide' || (m.fields?.length ?? 0) > 0, { message: 'wide format needs at least one field', path: ['fields'] })
  .refine((m) => m.format !== 'long' || m.long !== undefined, { message: 'long format needs "long"', path: ['long'] });

export type CsvMappingInput = z.input<typeof CsvMappingSchema>;
export type CsvMapping = z.output<typeof CsvMappingSchema>;

export function parseCsvMapping(input: unknown): CsvMapping {
  const r = CsvMappingSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue === undefined || issue.path.length === 0 ? 'mapping' : `mapping.${issue.path.join('.')}`;
  throw new InvalidArgumentError(path, issue?.message ?? 'invalid mapping');
}

const UNIT_SUFFIX = /\[([^\]]+)\]\s*$/;

const slug = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');

/**
 * Column identifier of a header: lower-case words joined by `_`, with the `[unit]` suffix kept as
 * the last word — `Air temperature [K]` → `air_temperature_k`, `Torque [Nm]` → `torque_nm`,
 * `Rotational speed [rpm]` → `rotational_speed_rpm` (the names `@industrial/ml`'s AI4I features
 * read). `unit` replaces the header's unit in the name (a column converted to `targetUnit` is named
 * after the unit it holds). The unit is also kept in the column spec.
 */
export function columnIdentifier(header: string, unit?: string | null): string {
  const headerUnit = UNIT_SUFFIX.exec(header)?.[1]?.trim();
  const base = slug(header.replace(UNIT_SUFFIX, ''));
  const suffix = headerUnit === undefined || headerUnit === '' ? '' : slug(unit ?? headerUnit);
  const id = suffix === '' || base === suffix || base.endsWith(`_${suffix}`) ? base : base === '' ? suffix : `${base}_${suffix}`;
  return id === '' ? 'column' : id;
}

interface FieldPlan {
  index: number;
  spec: ColumnSpec;
  type: 'float64' | 'int32' | 'utf8' | 'bool' | 'timestamp';
  fromUnit: string | null;
  toUnit: string | null;
  nullable: boolean;
  header: string;
}

type Cell = number | string;

/**
 * Streams records (arrays of strings) into a table. Row numbers are as an editor shows them
 * (the header is row 1). Errors are CsvImportError(row, column, reason).
 */
export class CsvTableBuilder {
  readonly mapping: CsvMapping;
  #names: string[] | null = null;
  #fields: FieldPlan[] = [];
  #key: { time: FieldPlan | null; order: FieldPlan | null; group: FieldPlan | null } = { time: null, order: null, group: null };
  #long: { tag: number; value: number; unit: number | null; keep: Map<string, { name: string; targetUnit: string | null }> | null } | null = null;
  #cols: Map<string, Cell[]> = new Map();
  #rows = 0;
  #lastKey = new Map<string, number>(); // group → last time/order (ordering checks)
  #longRows = new Map<string, Map<string, number>>(); // long: key → tag → value
  #longKeys: Array<{ group: Cell | null; at: number; row: number }> = [];
  #longUnits = new Map<string, string | null>();
  #records = 0;

  constructor(mapping: CsvMapping) {
    this.mapping = mapping;
    if (!mapping.header) this.#resolve(mapping.columnNames as string[], null);
  }

  get recordsSeen(): number {
    return this.#records;
  }

  /** The header record (when the mapping says the file has one). */
  header(record: readonly string[]): void {
    const names = this.mapping.columnNames ?? record.map((h) => h.trim());
    if (this.mapping.columnNames !== undefined && this.mapping.columnNames.length !== record.length) {
      throw new CsvImportError(1, null, `the mapping names ${this.mapping.columnNames.length} columns but the header has ${record.length}`);
    }
    this.#resolve(names, 1);
  }

  #indexOf(names: readonly string[], column: string, row: number | null): number {
    const i = names.indexOf(column);
    if (i < 0) throw new CsvImportError(row, column, `missing column (the file has: ${names.join(', ')})`);
    return i;
  }

  #resolve(names: readonly string[], row: number | null): void {
    this.#names = [...names];
    const m = this.mapping;
    const plan = (
      column: string,
      type: FieldPlan['type'],
      role: ColumnSpec['role'],
      name: string,
      unit: string | null,
      targetUnit: string | null,
      nullable: boolean,
    ): FieldPlan => {
      const index = this.#indexOf(names, column, row);
      const headerUnit = UNIT_SUFFIX.exec(column)?.[1]?.trim() ?? null;
      const fromUnit = unit ?? (type === 'float64' || type === 'int32' ? headerUnit : null);
      if (fromUnit !== null && !isKnownUnit(fromUnit)) throw new CsvImportError(row, column, `unknown unit ${quoted(fromUnit)}`);
      if (targetUnit !== null) {
        if (fromUnit === null) throw new CsvImportError(row, column, `targetUnit "${targetUnit}" needs a source unit`);
        const c = convert(0, fromUnit, targetUnit);
        if (!c.ok) throw new CsvImportError(row, column, c.reason);
      }
      const outUnit = targetUnit ?? fromUnit;
      const spec: ColumnSpec = { name, type, role, ...(outUnit === null ? {} : { unit: outUnit }), ...(name === column ? {} : { source: column }) };
      return { index, spec, type, fromUnit, toUnit: targetUnit, nullable, header: column };
    };
    if (m.time !== undefined) this.#key.time = plan(m.time.column, 'timestamp', 'time', columnIdentifier(m.time.column), null, null, false);
    if (m.order !== undefined) this.#key.order = plan(m.order.column, 'int32', 'order', columnIdentifier(m.order.column), null, null, false);
    if (m.group !== undefined) this.#key.group = plan(m.group.column, m.group.type, 'group', columnIdentifier(m.group.column), null, null, false);
    const keyCols = [this.#key.group, this.#key.time, this.#key.order].filter((p): p is FieldPlan => p !== null);
    if (m.format === 'wide') {
      const fields = (m.fields ?? []).map((f) =>
        plan(f.column, f.type, f.role, f.name ?? columnIdentifier(f.column, f.targetUnit ?? f.unit), f.unit ?? null, f.targetUnit ?? null, f.nullable),
      );
      this.#fields = [...keyCols, ...fields.filter((f) => !keyCols.some((k) => k.index === f.index))];
    } else {
      const l = m.long as NonNullable<CsvMapping['long']>;
      this.#fields = keyCols;
      this.#long = {
        tag: this.#indexOf(names, l.tagColumn, row),
        value: this.#indexOf(names, l.valueColumn, row),
        unit: l.unitColumn === undefined ? null : this.#indexOf(names, l.unitColumn, row),
        keep: l.tags === undefined ? null : new Map(l.tags.map((t) => [t.tag, { name: t.name ?? columnIdentifier(t.tag), targetUnit: t.targetUnit ?? null }])),
      };
    }
    const seen = new Set<string>();
    for (const f of this.#fields) {
      if (seen.has(f.spec.name)) throw new CsvImportError(row, f.header, `two columns map to the name "${f.spec.name}"`);
      seen.add(f.spec.name);
      this.#cols.set(f.spec.name, []);
    }
  }

  #cell(f: FieldPlan, raw: string | undefined, row: number): Cell {
    const text = (raw ?? '').trim();
    switch (f.type) {
      case 'utf8':
        return text;
      case 'bool': {
        if (/^(1|true|yes)$/i.test(text)) return 1;
        if (/^(0|false|no)$/i.test(text)) return 0;
        throw new CsvImportError(row, f.header, `${quoted(text)} is not a boolean (use true/false, yes/no or 1/0)`);
      }
      case 'timestamp': {
        const fmt = this.mapping.time?.format ?? 'iso';
        if (text === '') throw new CsvImportError(row, f.header, 'empty timestamp');
        if (fmt === 'iso') {
          const hasOffset = /(Z|[+-]\d{2}:?\d{2})$/i.test(text);
          if (!hasOffset && this.mapping.time?.assumeUtc !== true) {
            throw new CsvImportError(row, f.header, `timestamp ${quoted(text)} has no UTC offset (add Z/+hh:mm or set time.assumeUtc)`);
          }
          const ms = Date.parse(hasOffset ? text : `${text.replace(' ', 'T')}Z`);
          if (Number.isNaN(ms)) throw new CsvImportError(row, f.header, `${quoted(text)} is not an ISO-8601 timestamp`);
          return ms;
        }
        const n = Number(text);
        if (!Number.isFinite(n)) throw new CsvImportError(row, f.header, `${quoted(text)} is not a numeric epoch timestamp`);
        return fmt === 'epoch-s' ? n * 1000 : n;
      }
      case 'float64':
      case 'int32': {
        if (text === '') {
          if (f.nullable && f.type === 'float64') return Number.NaN;
          throw new CsvImportError(row, f.header, 'empty value (mark the field nullable to allow missing values)');
        }
        const n = Number(text);
        if (!Number.isFinite(n)) throw new CsvImportError(row, f.header, `${quoted(text)} is not a number`);
        if (f.type === 'int32' && (!Number.isInteger(n) || n < -2147483648 || n > 2147483647)) {
          throw new CsvImportError(row, f.header, `${quoted(text)} is not a 32-bit integer`);
        }
        if (f.fromUnit !== null && f.toUnit !== null) {
          const c = convert(n, f.fromUnit, f.toUnit);
          if (!c.ok) throw new CsvImportError(row, f.header, c.reason);
          return c.value;
        }
        return n;
      }
      default: {
        const never: never = f.type;
        throw new Error(`unknown type ${String(never)}`);
      }
    }
  }

  /** One data record at file row `row`. */
  push(record: readonly string[], row: number): void {
    if (this.#names === null) throw new CsvImportError(row, null, 'a header row was expected before the data');
    this.#records += 1;
    if (record.length !== this.#names.length) {
      throw new CsvImportError(row, null, `expected ${this.#names.length} fields, found ${record.length}`);
    }
    const keyField = this.#key.time ?? this.#key.order;
    const group = this.#key.group === null ? null : this.#cell(this.#key.group, record[this.#key.group.index], row);
    const at = keyField === null ? this.#rows : (this.#cell(keyField, record[keyField.index], row) as number);
    const groupKey = group === null ? '' : String(group);
    const last = this.#lastKey.get(groupKey);
    const what = keyField?.type === 'timestamp' ? 'timestamp' : 'order value';
    const whose = group === null ? '' : ` in group ${groupKey}`;
    if (this.#long === null) {
      if (last !== undefined && at === last) throw new CsvImportError(row, keyField?.header ?? null, `duplicate ${what} ${at}${whose}`);
      if (last !== undefined && at < last) throw new CsvImportError(row, keyField?.header ?? null, `unsorted ${what}: ${at} comes after ${last}${whose}`);
      for (const f of this.#fields) (this.#cols.get(f.spec.name) as Cell[]).push(this.#cell(f, record[f.index], row));
      this.#rows += 1;
    } else {
      if (last !== undefined && at < last) throw new CsvImportError(row, keyField?.header ?? null, `unsorted ${what}: ${at} comes after ${last}${whose}`);
      const l = this.#long;
      const tag = (record[l.tag] ?? '').trim();
      const tagHeader = this.#names[l.tag] as string;
      if (tag === '') throw new CsvImportError(row, tagHeader, 'empty tag');
      const keep = l.keep === null ? { name: columnIdentifier(tag), targetUnit: null } : l.keep.get(tag);
      if (keep !== undefined) {
        const unitText = l.unit === null ? '' : (record[l.unit] ?? '').trim();
        const unitHeader = l.unit === null ? '' : (this.#names[l.unit] as string);
        if (unitText !== '' && !isKnownUnit(unitText)) throw new CsvImportError(row, unitHeader, `unknown unit ${quoted(unitText)}`);
        const unit = unitText === '' ? null : unitText;
        const known = this.#longUnits.get(keep.name);
        if (known !== undefined && known !== unit)
          throw new CsvImportError(row, unitHeader, `tag ${tag} changes unit from ${known ?? 'none'} to ${unit ?? 'none'}`);
        this.#longUnits.set(keep.name, unit);
        const valueHeader = this.#names[l.value] as string;
        const vf: FieldPlan = {
          index: l.value,
          spec: { name: keep.name, type: 'float64', role: 'feature' },
          type: 'float64',
          fromUnit: unit,
          toUnit: keep.targetUnit,
          nullable: false,
          header: valueHeader,
        };
        if (keep.targetUnit !== null && unit === null)
          throw new CsvImportError(row, unitHeader || valueHeader, `tag ${tag} has no unit to convert to ${keep.targetUnit}`);
        const value = this.#cell(vf, record[l.value], row) as number;
        const k = `${groupKey}\u0000${at}`;
        let entry = this.#longRows.get(k);
        if (entry === undefined) {
          entry = new Map();
          this.#longRows.set(k, entry);
          this.#longKeys.push({ group, at, row });
        }
        if (entry.has(keep.name)) throw new CsvImportError(row, tagHeader, `duplicate ${what} ${at} for tag ${tag}${whose}`);
        entry.set(keep.name, value);
      }
    }
    this.#lastKey.set(groupKey, at);
  }

  finish(): Table {
    if (this.#names === null) throw new CsvImportError(null, null, 'the file is empty');
    if (this.#records === 0) throw new CsvImportError(null, null, 'the file has no data rows');
    if (this.#long !== null) return this.#finishLong();
    const data: Record<string, ColumnData> = {};
    for (const f of this.#fields) data[f.spec.name] = fill(f.spec.type, this.#cols.get(f.spec.name) as Cell[]);
    return { columns: this.#fields.map((f) => f.spec), data, rowCount: this.#rows };
  }

  #finishLong(): Table {
    const tagNames = [...this.#longUnits.keys()].sort();
    if (tagNames.length === 0) throw new CsvImportError(null, this.mapping.long?.tagColumn ?? null, 'no rows with a mapped tag');
    const n = this.#longKeys.length;
    const columns: ColumnSpec[] = this.#fields.map((f) => f.spec);
    const data: Record<string, ColumnData> = {};
    const keyField = this.#key.time ?? this.#key.order;
    if (this.#key.group !== null)
      data[this.#key.group.spec.name] = fill(
        this.#key.group.spec.type,
        this.#longKeys.map((k) => k.group as Cell),
      );
    if (keyField !== null)
      data[keyField.spec.name] = fill(
        keyField.spec.type,
        this.#longKeys.map((k) => k.at),
      );
    const keepByName = new Map((this.mapping.long?.tags ?? []).map((t) => [t.name ?? columnIdentifier(t.tag), t]));
    for (const name of tagNames) {
      const unit = keepByName.get(name)?.targetUnit ?? this.#longUnits.get(name) ?? null;
      columns.push({ name, type: 'float64', role: 'feature', ...(unit === null ? {} : { unit }) });
      const col = new Float64Array(n);
      this.#longKeys.forEach((k, i) => {
        // A tag without a value at this time stays missing (NaN): never invented.
        col[i] = this.#longRows.get(`${k.group === null ? '' : String(k.group)}\u0000${k.at}`)?.get(name) ?? Number.NaN;
      });
      data[name] = col;
    }
    return { columns, data, rowCount: n };
  }
}

function fill(type: ColumnSpec['type'], cells: readonly Cell[]): ColumnData {
  const out = emptyColumn(type, cells.length);
  if (Array.isArray(out)) cells.forEach((c, i) => (out[i] = String(c)));
  else (out as Float64Array | Int32Array | Uint8Array).set(cells as number[]);
  return out;
}
