// Contextualisation: refined series of several assets + the asset hierarchy (UNS path), context
// tags (product type, batch, machine state: string tags held until they change) and label
// windows → one model-ready wide table, a row per asset per time bucket.
import type { ResampledPoint } from './resample.ts';
import type { ColumnSpec, Table } from './table.ts';

export interface LabelWindow {
  labelId: string;
  assetPath: string;
  label: string;
  /** Epoch ms, half-open [from, to). */
  from: number;
  to: number;
  source: string;
}

export interface AssetSeries {
  assetPath: string;
  /** Numeric tags: resampled points on the shared grid (gaps stay NaN). */
  numeric: Map<string, ResampledPoint[]>;
  /** String/boolean context tags: change points (ts, value), in time order. */
  context: Map<string, Array<{ ts: number; value: string }>>;
}

export interface ContextualiseInput {
  /** Bucket starts shared by every asset. */
  grid: number[];
  intervalMs: number;
  assets: AssetSeries[];
  labels: LabelWindow[];
  /** Column name of the label; the class of a window overlapping the bucket, else `normal`. */
  labelColumn?: string;
}

const LEVELS = ['enterprise', 'site', 'area', 'line', 'asset'] as const;

export function contextualise(input: ContextualiseInput): Table {
  const numericTags = [...new Set(input.assets.flatMap((a) => [...a.numeric.keys()]))].sort();
  const contextTags = [...new Set(input.assets.flatMap((a) => [...a.context.keys()]))].sort();
  const labelCol = input.labelColumn ?? 'label';
  const n = input.grid.length * input.assets.length;
  const time = new Float64Array(n);
  const path: string[] = [];
  const levels: Record<string, string[]> = Object.fromEntries(LEVELS.map((l) => [l, [] as string[]]));
  const num: Record<string, Float64Array> = Object.fromEntries(numericTags.map((t) => [t, new Float64Array(n).fill(Number.NaN)]));
  const ctx: Record<string, string[]> = Object.fromEntries(contextTags.map((t) => [t, new Array<string>(n).fill('')]));
  const label: string[] = new Array<string>(n).fill('normal');
  const failure = new Int32Array(n);
  const assets = [...input.assets].sort((a, b) => (a.assetPath < b.assetPath ? -1 : 1));
  let row = 0;
  for (const a of assets) {
    const parts = a.assetPath.split('.');
    const byT = new Map<string, Map<number, ResampledPoint>>();
    for (const [tag, pts] of a.numeric) byT.set(tag, new Map(pts.map((p) => [p.t, p])));
    const cursors = new Map<string, number>();
    const windows = input.labels.filter((l) => l.assetPath === a.assetPath).sort((x, y) => x.from - y.from);
    for (const t of input.grid) {
      time[row] = t;
      path.push(a.assetPath);
      LEVELS.forEach((l, i) => (levels[l] as string[]).push(parts[i] ?? ''));
      for (const tag of numericTags) {
        const p = byT.get(tag)?.get(t);
        if (p !== undefined && !p.gap && p.value !== null) (num[tag] as Float64Array)[row] = p.value;
      }
      for (const tag of contextTags) {
        // A state or product holds until it changes; before its first value it is unknown ('').
        const changes = a.context.get(tag) ?? [];
        let i = cursors.get(tag) ?? -1;
        while (i + 1 < changes.length && (changes[i + 1] as { ts: number }).ts < t + input.intervalMs) i++;
        cursors.set(tag, i);
        if (i >= 0) (ctx[tag] as string[])[row] = (changes[i] as { value: string }).value;
      }
      const w = windows.find((l) => l.from < t + input.intervalMs && l.to > t);
      if (w !== undefined) {
        label[row] = w.label;
        failure[row] = w.label === 'normal' ? 0 : 1;
      }
      row++;
    }
  }
  const columns: ColumnSpec[] = [
    { name: 'time', type: 'timestamp', role: 'time' },
    { name: 'asset_path', type: 'utf8', role: 'group' },
    ...LEVELS.map((l): ColumnSpec => ({ name: l, type: 'utf8', role: 'context' })),
    ...numericTags.map((t): ColumnSpec => ({ name: t, type: 'float64', role: 'feature' })),
    ...contextTags.map((t): ColumnSpec => ({ name: t, type: 'utf8', role: 'context' })),
    { name: labelCol, type: 'utf8', role: 'label' },
    { name: `${labelCol}_abnormal`, type: 'int32', role: 'label' },
  ];
  return {
    columns,
    data: { time, asset_path: path, ...levels, ...num, ...ctx, [labelCol]: label, [`${labelCol}_abnormal`]: failure },
    rowCount: n,
  };
}
