// Columnar data as the trainer needs it: every numeric column as Float64Array (NaN = missing).
// Text columns become numbers only when they are a known ordinal (AI4I product type L/M/H);
// other text columns are kept aside by name so a request that names one gets a clear refusal.
import { AI4I_TYPE_ORDINAL, createDataset, type Dataset } from '@industrial/ml';
import { InvalidTrainingRequestError } from './errors.ts';

export type RawColumn = Float64Array | Int32Array | Uint8Array | readonly string[];

export interface TrainingTable {
  readonly dataset: Dataset;
  /** Text columns that could not become numbers (ids, free text). */
  readonly textColumns: readonly string[];
}

const ORDINALS: readonly Readonly<Record<string, number>>[] = [AI4I_TYPE_ORDINAL];

function textToNumbers(values: readonly string[]): Float64Array | null {
  for (const map of ORDINALS) {
    const out = new Float64Array(values.length);
    let ok = true;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!.trim();
      if (v === '') out[i] = NaN;
      else if (v in map) out[i] = map[v]!;
      else {
        ok = false;
        break;
      }
    }
    if (ok) return out;
  }
  return null;
}

export function toTrainingTable(columns: Readonly<Record<string, RawColumn>>): TrainingTable {
  const numeric: Record<string, Float64Array> = {};
  const text: string[] = [];
  for (const [name, col] of Object.entries(columns)) {
    if (col instanceof Float64Array) numeric[name] = col;
    else if (col instanceof Int32Array || col instanceof Uint8Array) numeric[name] = Float64Array.from(col);
    else {
      const n = textToNumbers(col);
      if (n === null) text.push(name);
      else numeric[name] = n;
    }
  }
  return { dataset: createDataset(numeric), textColumns: text };
}

/** Refuses a spec that names a text column, before the ML library reports it as unknown. */
export function assertNumeric(table: TrainingTable, names: readonly string[], field: (i: number) => string): void {
  names.forEach((n, i) => {
    if (table.textColumns.includes(n))
      throw new InvalidTrainingRequestError(field(i), `column "${n}" holds text, not numbers; it cannot be a model input or target`, 'unknown_column');
  });
}

/** `Air temperature [K]` → `air_temperature_k`: CSV headers as snake_case column names. */
export function normaliseColumnName(header: string): string {
  const s = header
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return /^[a-z_]/.test(s) ? s : `c_${s}`;
}
