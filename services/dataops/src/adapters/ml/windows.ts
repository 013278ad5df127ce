// Window-feature tables from the historian: per asset, a row every `strideMinutes` holding the
// features of the window ending there, computed by @industrial/ml `computeWindowFeatures` — the
// one definition inference runs on its live windows (the spec travels in the snapshot lineage and
// then inside the model). Raw samples go in as they are: Bad samples never enter a window (the
// shared function skips them) and a tag with nothing Good stays NaN, never filled here.
//
// Optional target from label windows: with `{ label, horizonMinutes }`, a row is 1 when a label
// window of that name ENDS within (end, end + horizon] — for failure labels (FaultLabelled: from
// the fault's start to the failure), "fails within the horizon". An asset's rows stop at its first
// such failure: after it the asset is down, not about to fail (run-to-failure trajectories).
// With `kind: 'time-to'` the target is the remaining useful life instead: hours from the window end
// to the asset's first such label end, capped at the horizon; only assets that reach the event are
// kept (a unit that never failed has no known remaining life: censored).
// Pure, but on the shared ML library: an adapter behind the WindowFeatures port (ports.ts).
import { computeWindowFeatures, tagSeries, validateWindowSpec, type TagSeries, type WindowSpec } from '@industrial/ml';
import { InvalidArgumentError } from '../../domain/errors.ts';
import type { ColumnSpec, Table } from '../../domain/table.ts';
import { targetColumnName, type WindowTarget } from '../../domain/window-target.ts';
import type { WindowFeatures, WindowTableInput } from '../../ports.ts';

/** Throws InvalidArgumentError naming the field when the request cannot be computed. */
export function checkWindowRequest(spec: unknown, strideMinutes: number, target: WindowTarget | undefined, field = 'source'): WindowSpec {
  try {
    validateWindowSpec(spec);
  } catch (e) {
    throw new InvalidArgumentError(`${field}.window`, e instanceof Error ? e.message : String(e));
  }
  if (!Number.isInteger(strideMinutes) || strideMinutes < 1 || strideMinutes % spec.gridMinutes !== 0)
    throw new InvalidArgumentError(`${field}.strideMinutes`, `must be a positive whole number of minutes and a multiple of the grid (${spec.gridMinutes} min)`);
  if (target !== undefined) {
    if (!/^[a-z0-9_-]{1,64}$/.test(target.label))
      throw new InvalidArgumentError(`${field}.target.label`, 'must be a label name (lowercase letters, digits, "_" and "-")');
    if (!(Number.isFinite(target.horizonMinutes) && target.horizonMinutes > 0)) throw new InvalidArgumentError(`${field}.target.horizonMinutes`, 'must be > 0');
    if (target.kind !== undefined && target.kind !== 'within' && target.kind !== 'time-to')
      throw new InvalidArgumentError(`${field}.target.kind`, 'must be "within" or "time-to"');
    const col = targetColumnName(target);
    if (spec.features.some((f) => f.name === col) || col === 'asset_path' || col === 'time')
      throw new InvalidArgumentError(`${field}.target.column`, `"${col}" clashes with another column`);
  }
  return spec;
}

/** Columns asset_path (group), time (window end), one per feature (with its unit), then the target. */
export function windowTable(input: WindowTableInput): Table {
  const { spec, target } = input;
  const stepMs = input.strideMinutes * 60_000;
  const firstEnd = input.from + (spec.windowMinutes - spec.gridMinutes) * 60_000;
  const horizonMs = (target?.horizonMinutes ?? 0) * 60_000;
  const paths: string[] = [];
  const times: number[] = [];
  const feats: number[][] = spec.features.map(() => []);
  const ys: number[] = [];
  const assets = [...input.assets].sort((a, b) => (a.assetPath < b.assetPath ? -1 : 1));
  for (const a of assets) {
    const series: Record<string, TagSeries> = {};
    for (const tag of new Set(spec.features.map((f) => f.tag))) series[tag] = tagSeries(a.samples.get(tag) ?? []);
    const events =
      target === undefined
        ? []
        : input.labels
            .filter((l) => l.assetPath === a.assetPath && l.label === target.label)
            .map((l) => l.to)
            .sort((x, y) => x - y);
    const stopAt = events[0] ?? Infinity;
    const timeTo = target?.kind === 'time-to';
    if (timeTo && stopAt === Infinity) continue; // censored: never reached the event
    for (let end = firstEnd; end < input.to; end += stepMs) {
      if (end >= stopAt) break;
      const row = computeWindowFeatures(spec, series, end);
      paths.push(a.assetPath);
      times.push(end);
      spec.features.forEach((_, j) => feats[j]!.push(row.values[j]!));
      if (timeTo) ys.push(Math.min(horizonMs, stopAt - end) / 3_600_000);
      else if (target !== undefined) ys.push(events.some((t) => t > end && t <= end + horizonMs) ? 1 : 0);
    }
  }
  const columns: ColumnSpec[] = [
    { name: 'asset_path', type: 'utf8', role: 'group' },
    { name: 'time', type: 'timestamp', role: 'time' },
    ...spec.features.map((f): ColumnSpec => ({ name: f.name, type: 'float64', role: 'feature', unit: f.unit, source: `${f.statistic}(${f.tag})` })),
  ];
  const data: Table['data'] = { asset_path: paths, time: Float64Array.from(times) };
  spec.features.forEach((f, j) => (data[f.name] = Float64Array.from(feats[j]!)));
  if (target !== undefined) {
    const name = targetColumnName(target);
    columns.push({ name, type: 'float64', role: 'label' });
    data[name] = Float64Array.from(ys);
  }
  return { columns, data, rowCount: paths.length };
}

/** The WindowFeatures port over @industrial/ml. */
export const windowFeatures: WindowFeatures = { check: checkWindowRequest, table: windowTable };
