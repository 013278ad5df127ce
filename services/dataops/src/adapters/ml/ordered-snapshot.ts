// A snapshot of ordered per-unit features from an imported table (run-to-failure records, test-rig
// logs): @industrial/ml `computeOrderedFeatures` — the one function training rows, historian series
// and live scoring share — plus a target derived at snapshot time (steps to the end of the run,
// capped, run-to-failure units only; or failure within a horizon from a label column) and a split
// that names the test units (the last part of every other unit validates). Rows are laid out
// train | validation | test so the manifest's split ranges stay contiguous. The ordered spec goes
// into the lineage, so training stores it in the model and scoring recomputes the same features.
import { computeOrderedFeatures, createDataset, defineOrderedSpec, encodeCategory, failureWithin, remainingToEnd, tailSplit, unitSplit } from '@industrial/ml';
import type { OrderedBuildRequest, OrderedBuilt } from '../../ports.ts';
import type { ColumnSpec } from '../../domain/table.ts';
import { FileShapeError, typeColumn } from '../../domain/delimited.ts';

export type OrderedSnapshotRequest = OrderedBuildRequest;
export type OrderedSnapshot = OrderedBuilt;

export function buildOrderedSnapshot(req: OrderedSnapshotRequest, progress: (stage: string) => void = () => {}): OrderedSnapshot {
  const t = req.table;
  const has = (n: string, flag: string) => {
    if (!t.names.includes(n)) throw new FileShapeError(`${flag}: the import has no column "${n}" (columns: ${t.names.join(', ')})`);
  };
  has(req.order, '--order');
  if (req.entity !== undefined) has(req.entity, '--entity');
  const typed = Object.fromEntries(t.names.map((n, j) => [n, typeColumn(t.rows.map((r) => r[j]!))] as const));
  const transformations: string[] = [];
  const numeric: Record<string, Float64Array> = {};
  for (const [n, c] of Object.entries(typed)) {
    if (c.kind !== 'text') numeric[n] = c.values;
    else if (n === req.entity) {
      const e = encodeCategory(c.values);
      numeric[n] = e.codes;
      transformations.push(`${n}: unit names as codes ${e.levels.map((l, i) => `${i}=${l}`).join(' ')}`);
    }
  }
  if (typed[req.order]!.kind === 'text') throw new FileShapeError(`--order: column "${req.order}" holds text, not cycle numbers or times`);
  const timeOrder = typed[req.order]!.kind === 'time';
  const entity = req.entity ?? 'unit';
  if (req.entity === undefined) numeric[entity] = new Float64Array(t.rows.length);
  const labelCols =
    req.target === undefined
      ? []
      : req.target.kind === 'within'
        ? [req.target.labels]
        : typeof req.target.runToFailure === 'object' && 'column' in req.target.runToFailure
          ? [req.target.runToFailure.column]
          : [];
  const columns = req.columns ?? Object.keys(numeric).filter((n) => n !== entity && n !== req.order && !labelCols.includes(n));
  for (const c of columns) {
    has(c, '--columns');
    if (numeric[c] === undefined) throw new FileShapeError(`--columns: column "${c}" holds text, not numbers`);
  }
  const step = req.step ?? (timeOrder ? medianStep(numeric[req.order]!) : 1);
  const spec = defineOrderedSpec({
    version: req.version ?? '1.0.0',
    entity,
    order: req.order,
    step,
    columns,
    windows: req.windows,
    statistics: req.statistics,
    ...(req.ewma ? { ewma: req.ewma } : {}),
    ...(req.lags ? { lags: req.lags } : {}),
    ...(req.deltas ? { deltas: req.deltas } : {}),
    ...(req.gaps ? { gaps: req.gaps } : {}),
  });
  let ds = createDataset(numeric);
  let target: string | null = null;
  progress('deriving the target');
  if (req.target?.kind === 'remaining') {
    const r = remainingToEnd(ds, {
      entity,
      order: req.order,
      name: req.target.name,
      step,
      ...(req.gaps ? { gaps: req.gaps } : {}),
      runToFailure: req.target.runToFailure,
      ...(req.target.cap === undefined ? {} : { cap: req.target.cap }),
    });
    ds = r.dataset;
    target = req.target.name;
    transformations.push(
      `target ${target}: ${req.order} steps to the end of the run${req.target.cap === undefined ? '' : `, capped at ${req.target.cap}`}; ${r.failedUnits.length} run-to-failure units${r.censoredUnits.length ? `, ${r.censoredUnits.length} censored units left out` : ''}`,
    );
  } else if (req.target?.kind === 'within') {
    ds = failureWithin(ds, {
      entity,
      order: req.order,
      labels: req.target.labels,
      horizon: req.target.horizon,
      name: req.target.name,
      step,
      ...(req.gaps ? { gaps: req.gaps } : {}),
    });
    target = req.target.name;
    transformations.push(`target ${target}: a failure in "${req.target.labels}" within ${req.target.horizon} of ${req.order}`);
  }
  progress(`computing ordered features (${columns.length} columns × ${req.windows.length} windows)`);
  const rows = computeOrderedFeatures(spec, ds, target === null ? [] : [target]);
  transformations.push(
    `ordered features ${spec.version}: per ${entity} over ${req.order}, windows ${req.windows.join('/')} steps, ${req.statistics.join(', ')}`,
  );
  progress('splitting');
  const od = rows.dataset;
  const groups = od.columns[entity]!;
  // Named test units are held out whole; without them every unit trains on its first part and the
  // last part of each validates (and is the test part too: no unit is held out).
  const named = req.testUnits !== undefined && req.testUnits.length > 0;
  const split = named
    ? unitSplit(groups, od.columns[req.order], { testUnits: req.testUnits!, validationTail: req.validationTail })
    : { ...tailSplit(groups, od.columns[req.order], req.validationTail), test: new Int32Array(0) };
  const order = [...split.train, ...split.validation, ...split.test];
  const names = [entity, req.order, ...rows.features, 'partial', 'window_fill', ...(target === null ? [] : [target])];
  const schema: ColumnSpec[] = names.map((n) => ({
    name: n,
    type: n === req.order && timeOrder ? 'timestamp' : 'float64',
    role:
      n === entity
        ? 'group'
        : n === req.order
          ? timeOrder
            ? 'time'
            : 'order'
          : n === target
            ? 'label'
            : n === 'partial' || n === 'window_fill'
              ? 'context'
              : 'feature',
  }));
  const data: Record<string, Float64Array> = {};
  for (const n of names) data[n] = Float64Array.from(order, (i) => od.columns[n]![i]!);
  const unitsOf = (idx: Int32Array) => [...new Set(Array.from(idx, (i) => String(groups[i])))];
  const a = split.train.length,
    b = a + split.validation.length;
  return {
    table: { columns: schema, data, rowCount: order.length },
    splits: {
      kind: 'group',
      by: entity,
      train: { start: 0, end: a },
      validation: { start: a, end: b },
      test: named ? { start: b, end: order.length } : { start: a, end: b },
      groups: { train: unitsOf(split.train), validation: unitsOf(split.validation), test: unitsOf(named ? split.test : split.validation) },
    },
    spec,
    transformations,
    units: rows.units.size,
  };
}

function medianStep(order: Float64Array): number {
  const d: number[] = [];
  for (let i = 1; i < order.length && d.length < 10_000; i++) if (order[i]! > order[i - 1]!) d.push(order[i]! - order[i - 1]!);
  d.sort((x, y) => x - y);
  return d[Math.floor(d.length / 2)] ?? 1;
}
