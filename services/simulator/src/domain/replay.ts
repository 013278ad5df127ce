// Replay: an AI4I-shaped CSV played as the live tags of one milling machine. Parsing is
// pure (text in, rows out); reading the file is the composition root's job.

import type { MillProduct, ProductType } from './mill.ts';
import { AI4I_RULES } from './mill.ts';
import type { Validated } from './faults.ts';
import { MILL_FAILURE_FLAGS } from './tags.ts';
import type { MillFailureMode } from './tags.ts';

const COLUMNS = {
  productId: 'Product ID',
  type: 'Type',
  air: 'Air temperature [K]',
  process: 'Process temperature [K]',
  speed: 'Rotational speed [rpm]',
  torque: 'Torque [Nm]',
  wear: 'Tool wear [min]',
  failure: 'Machine failure',
} as const;

/**
 * Parses the CSV into products. The file's own flags are kept as they are — including rows
 * where "Machine failure" and the mode flags disagree (a known quirk of AI4I).
 */
export function parseReplayCsv(text: string): Validated<MillProduct[]> {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l.trim().length > 0);
  if (lines.length < 2) return { ok: false, error: { field: 'replay', error: 'CSV has no data rows' } };
  const header = lines[0]!.split(',').map((h) => h.trim());
  const col = (name: string): number => header.indexOf(name);
  const needed = [...Object.values(COLUMNS), ...MILL_FAILURE_FLAGS];
  const missing = needed.filter((n) => col(n) < 0);
  if (missing.length > 0) {
    return { ok: false, error: { field: 'replay', error: `CSV misses columns: ${missing.join(', ')}` } };
  }
  const rows: MillProduct[] = [];
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i]!.split(',');
    const num = (name: string): number => Number(cells[col(name)]);
    const type = cells[col(COLUMNS.type)]?.trim();
    if (type !== 'L' && type !== 'M' && type !== 'H') {
      return { ok: false, error: { field: 'replay', error: `line ${i + 1}: Type must be L, M or H` } };
    }
    const values = [COLUMNS.air, COLUMNS.process, COLUMNS.speed, COLUMNS.torque, COLUMNS.wear].map(num);
    if (values.some((v) => !Number.isFinite(v))) {
      return { ok: false, error: { field: 'replay', error: `line ${i + 1}: a numeric column is not a number` } };
    }
    const [air, proc, speed, torque, wear] = values as [number, number, number, number, number];
    const failures = Object.fromEntries(MILL_FAILURE_FLAGS.map((m) => [m, cells[col(m)]?.trim() === '1'])) as Record<MillFailureMode, boolean>;
    rows.push({
      productId: cells[col(COLUMNS.productId)]?.trim() ?? `${type}${i}`,
      type: type as ProductType,
      airTemperatureK: air,
      processTemperatureK: proc,
      rotationalSpeedRpm: speed,
      torqueNm: torque,
      toolWearMin: wear,
      powerW: Math.round(((torque * speed * 2 * Math.PI) / 60) * 10) / 10,
      cycleMinutes: AI4I_RULES.toolWearMin[type as ProductType],
      failures,
      machineFailure: cells[col(COLUMNS.failure)]?.trim() === '1',
      toolChanged: false,
    });
  }
  return { ok: true, value: rows };
}
