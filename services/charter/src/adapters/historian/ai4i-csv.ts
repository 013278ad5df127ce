// The shared AI4I 2020 file as a catalog and failure historian, so feasibility can run on real
// numbers before dataops serves them. The file has no clock: rows are ordered by UDI, read as
// one row every `rowPeriodMs` from `start` (an assumption the caller states). Failures are the
// rows with "Machine failure" = 1 (339); the mode is the first flagged of TWF/HDF/PWF/OSF/RNF, or
// null for the nine rows flagged with none. Rows with a mode but no failure flag are counted
// in `quirks`, not turned into failures.
import { readFile } from 'node:fs/promises';
import type { TagHistory } from '../../domain/feasibility.ts';
import type { ProductionCounts, StateSeries } from '../../domain/kpi.ts';
import type { CatalogReader, HistorianReader, LabelledFailure, TagInfo } from '../../ports.ts';

/** CSV column → tag name and unit. */
export const AI4I_TAGS: readonly { column: string; tag: string; unit: string }[] = [
  { column: 'Air temperature [K]', tag: 'air_temperature', unit: 'K' },
  { column: 'Process temperature [K]', tag: 'process_temperature', unit: 'K' },
  { column: 'Rotational speed [rpm]', tag: 'rotational_speed', unit: 'rpm' },
  { column: 'Torque [Nm]', tag: 'torque', unit: 'N.m' },
  { column: 'Tool wear [min]', tag: 'tool_wear', unit: 'min' },
];

/** AI4I failure-mode columns → failure-mode codes. */
export const AI4I_FAILURE_MODES: readonly { column: string; code: string; description: string }[] = [
  { column: 'TWF', code: 'tool-wear', description: 'Tool wear failure' },
  { column: 'HDF', code: 'heat-dissipation', description: 'Heat dissipation failure' },
  { column: 'PWF', code: 'power', description: 'Power failure' },
  { column: 'OSF', code: 'overstrain', description: 'Overstrain failure' },
  { column: 'RNF', code: 'random', description: 'Random failure' },
];

export interface Ai4iOptions {
  path: string;
  /** Asset the rows belong to, e.g. `ai4i.plant1.machining.line-1.mill-1`. */
  assetPath: string;
  /** Time of the first row (epoch ms). */
  start: number;
  /** Time between rows; default one hour. */
  rowPeriodMs?: number;
}

export interface Ai4iHistorian extends CatalogReader, HistorianReader {
  readonly rows: number;
  /** Rows with a failure mode flagged but no "Machine failure" flag (a known quirk of the data). */
  readonly quirks: number;
}

export async function openAi4iCsv(options: Ai4iOptions): Promise<Ai4iHistorian> {
  const period = options.rowPeriodMs ?? 3_600_000;
  const text = (await readFile(options.path, 'utf8')).replace(/^\uFEFF/, '');
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(',');
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`${options.path}: column "${name}" is missing`);
    return i;
  };
  const tagCols = AI4I_TAGS.map((t) => col(t.column));
  const failureCol = col('Machine failure');
  const modeCols = AI4I_FAILURE_MODES.map((m) => col(m.column));
  const good = new Array<number>(AI4I_TAGS.length).fill(0);
  const failures: LabelledFailure[] = [];
  let quirks = 0;
  const rows = lines.length - 1;
  for (let r = 1; r < lines.length; r++) {
    const cells = (lines[r] as string).split(',');
    tagCols.forEach((c, i) => {
      if (Number.isFinite(Number.parseFloat(cells[c] ?? ''))) good[i] = (good[i] as number) + 1;
    });
    const flagged = modeCols.findIndex((c) => cells[c] === '1');
    const at = options.start + (r - 1) * period;
    if (cells[failureCol] === '1') failures.push({ assetPath: options.assetPath, at, mode: flagged < 0 ? null : (AI4I_FAILURE_MODES[flagged]?.code ?? null) });
    else if (flagged >= 0) quirks++;
  }
  const lastAt = options.start + (rows - 1) * period;
  const under = (prefix: string) => options.assetPath === prefix || options.assetPath.startsWith(`${prefix}.`);
  const empty: StateSeries = { t: new Float64Array(0), state: new Uint8Array(0) };
  return {
    rows,
    quirks,
    async tags(prefix) {
      return under(prefix) ? AI4I_TAGS.map((t): TagInfo => ({ assetPath: options.assetPath, tag: t.tag, unit: t.unit })) : [];
    },
    async history(assetPath, tag): Promise<TagHistory | null> {
      const i = AI4I_TAGS.findIndex((t) => t.tag === tag);
      if (assetPath !== options.assetPath || i < 0 || rows === 0) return null;
      return { firstAt: options.start, lastAt, samples: rows, goodRatio: (good[i] as number) / rows };
    },
    async failures(assetPath, from, to) {
      return assetPath === options.assetPath ? failures.filter((f) => f.at >= from && f.at < to) : [];
    },
    // The file records no machine states or production counts.
    async stateIntervals() {
      return empty;
    },
    async counts(): Promise<ProductionCounts> {
      return { total: 0, good: 0, scrap: null, energyKwh: null };
    },
  };
}
