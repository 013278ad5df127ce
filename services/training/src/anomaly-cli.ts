// `train --task anomaly`: an unsupervised detector from a sensor file or a dataops snapshot, with no
// labels. Ordered features per window (the shared @industrial/ml function), fitted on a probation
// period, the threshold from a false-alarm budget or a score quantile, the alarm onset rule;
// optional incident windows (from,to CSV) only evaluate. Writes model.onnx, model.json (ordered
// spec, alarm rule), model-card.md/.json to --out — only once everything is checked and fitted.
//
// From a snapshot (`--snapshot <id>`: the local snapshot directory, else asked of dataops), the
// snapshot's ordered spec is the feature spec: its order column must hold times (the probation
// period is a time range over it) and its raw sensor columns must be there; the rows are put back
// in (unit, time) order and the features recomputed by the same function the snapshot used.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  createDataset,
  defineOrderedSpec,
  serialiseModel,
  trainAnomaly,
  ORDERED_STATISTICS,
  type OrderedSpec,
  type OrderedStatistic,
  type ThresholdSpec,
} from '@industrial/ml';
import { isDataopsError, loadSnapshot } from '@industrial/dataops';
import { readCsvColumns } from './csv-table.ts';
import { snapshotFromDataops } from './score-remote.ts';

export class AnomalyUsageError extends Error {}

const list = (v: unknown): string[] | undefined =>
  typeof v === 'string'
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
    : undefined;

function isoMs(text: string, flag: string): number {
  const ms = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(text) || text.length <= 10 ? text : `${text}Z`);
  if (!Number.isFinite(ms)) throw new AnomalyUsageError(`${flag}: "${text}" is not an ISO time (e.g. 2026-03-01T00:00Z)`);
  return ms;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const iso = (ms: number) => new Date(ms).toISOString().replace(':00.000Z', 'Z');

/** What the detector is fitted on: raw sensor columns and time, the ordered spec, where they came from. */
interface SensorData {
  time: string;
  ordered: OrderedSpec;
  columns: Record<string, Float64Array>;
  rowCount: number;
  said: string;
  source: Record<string, string> | null;
}

function fromCsv(v: Readonly<Record<string, unknown>>, csv: string): SensorData {
  if (typeof v.time !== 'string') throw new AnomalyUsageError('--time: name the time column');
  const windows = (list(v.windows) ?? ['15', '240']).map(Number);
  if (windows.some((w) => !(Number.isInteger(w) && w >= 1))) throw new AnomalyUsageError('--windows: window lengths are whole numbers of steps ≥ 1');
  const stats = (list(v.stats) ?? ['mean', 'std']) as OrderedStatistic[];
  for (const s of stats)
    if (!(ORDERED_STATISTICS as readonly string[]).includes(s))
      throw new AnomalyUsageError(`--stats: unknown statistic "${s}"; allowed: ${ORDERED_STATISTICS.join(', ')}`);
  const t = readCsvColumns(resolve(csv), typeof v.delimiter === 'string' ? { delimiter: v.delimiter } : {});
  const name = (n: string) => t.names.get(n) ?? n;
  const time = name(v.time);
  const timeCol = t.columns[time];
  if (!(timeCol instanceof Float64Array)) throw new AnomalyUsageError(`--time: the file has no time column "${v.time}" with ISO times or epoch ms`);
  const numeric: Record<string, Float64Array> = {};
  for (const [k, c] of Object.entries(t.columns)) if (c instanceof Float64Array) numeric[k] = c;
  const columns = (list(v.columns) ?? Object.keys(numeric).filter((k) => k !== time)).map(name);
  for (const c of columns)
    if (!numeric[c]) throw new AnomalyUsageError(`--columns: the file has no numeric column "${c}" (columns: ${Object.keys(t.columns).join(', ')})`);
  const steps: number[] = [];
  for (let i = 1; i < Math.min(timeCol.length, 10_000); i++) steps.push(timeCol[i]! - timeCol[i - 1]!);
  steps.sort((a, b) => a - b);
  const step = steps[steps.length >> 1] ?? 60_000;
  const ordered = defineOrderedSpec({ version: '1.0.0', entity: 'stream', order: time, step, columns, windows, statistics: stats, raw: false, gaps: 'allow' });
  return {
    time,
    ordered,
    columns: { ...Object.fromEntries(columns.map((c) => [c, numeric[c]!])), [time]: timeCol },
    rowCount: t.rowCount,
    said: `${t.rowCount} rows of ${csv}`,
    source: null,
  };
}

async function fromSnapshot(v: Readonly<Record<string, unknown>>, ref: string, io: { stderr: NodeJS.WritableStream }): Promise<SensorData> {
  for (const flag of ['windows', 'stats', 'columns', 'delimiter'])
    if (v[flag] !== undefined)
      throw new AnomalyUsageError(
        `--${flag}: a snapshot fixes its features (dataops snapshot create --windows/--stats/--columns); drop --${flag}, or make a snapshot with the features you want`,
      );
  const dir = typeof v['snapshot-dir'] === 'string' ? v['snapshot-dir'] : (process.env.SNAPSHOT_DIR ?? './data/snapshots');
  let manifest = /[\\/]|\.json$|\.arrow$/.test(ref) ? ref : join(dir, `${ref}.manifest.json`);
  if (!existsSync(manifest) && UUID.test(ref)) {
    manifest = await snapshotFromDataops(ref, v as Record<string, string | boolean | undefined>, process.env);
    io.stderr.write(`snapshot ${ref}: from dataops, at ${manifest}\n`);
  }
  if (!existsSync(manifest)) throw new AnomalyUsageError(`--snapshot: no snapshot at ${ref} (give a dataops snapshot id or the path of its manifest)`);
  let s;
  try {
    s = loadSnapshot(manifest);
  } catch (e) {
    if (isDataopsError(e)) throw new AnomalyUsageError(`--snapshot: ${e.message}`);
    throw e;
  }
  const o = s.lineage.ordered;
  if (o === undefined)
    throw new AnomalyUsageError(
      `--snapshot: snapshot ${s.snapshotId} has no ordered features; the anomaly task reads sensor columns in time order: make one with \`dataops snapshot create --import <id> --order <time column> --windows …\``,
    );
  const orderSpec = s.schema.find((c) => c.name === o.order);
  if (orderSpec?.type !== 'timestamp')
    throw new AnomalyUsageError(
      `--probation: snapshot ${s.snapshotId} is ordered by "${o.order}", which holds step numbers, not times; the probation period is a time range: make the snapshot with --order <a time column>`,
    );
  if (typeof v.time === 'string' && v.time !== o.order)
    throw new AnomalyUsageError(`--time: snapshot ${s.snapshotId} is ordered by its time column "${o.order}", not "${v.time}" (leave --time out)`);
  const missing = o.columns.filter((c) => !(s.columns[c] instanceof Float64Array));
  if (missing.length > 0)
    throw new AnomalyUsageError(
      `--snapshot: snapshot ${s.snapshotId} does not hold the sensor values of ${missing.map((c) => `"${c}"`).join(', ')} (only their window statistics), which the detector recomputes its features from`,
    );
  const time = s.columns[o.order] as Float64Array;
  const unit = s.columns[o.entity] instanceof Float64Array ? (s.columns[o.entity] as Float64Array) : new Float64Array(s.rowCount);
  // Dataops lays rows out train | validation | test; the detector reads each unit in time order.
  const idx = Array.from({ length: s.rowCount }, (_, i) => i).sort((a, b) => unit[a]! - unit[b]! || time[a]! - time[b]!);
  const pick = (c: Float64Array) => Float64Array.from(idx, (i) => c[i]!);
  const columns: Record<string, Float64Array> = { [o.entity]: pick(unit), [o.order]: pick(time) };
  for (const c of o.columns) columns[c] = pick(s.columns[c] as Float64Array);
  const first = columns[o.order]![0],
    last = columns[o.order]![s.rowCount - 1];
  return {
    time: o.order,
    ordered: o,
    columns,
    rowCount: s.rowCount,
    said: `${s.rowCount} rows of snapshot ${s.snapshotId}${first === undefined ? '' : ` (${iso(first)} … ${iso(last!)})`}`,
    source: { snapshotId: s.snapshotId, contentHash: s.contentHash },
  };
}

export async function runAnomalyTraining(
  v: Readonly<Record<string, unknown>>,
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  if ((typeof v.csv === 'string') === (typeof v.snapshot === 'string'))
    throw new AnomalyUsageError('--csv/--snapshot: --task anomaly reads one sensor file (--csv <file>) or one dataops snapshot (--snapshot <id>)');
  const probation = typeof v.probation === 'string' ? v.probation.split('..') : [];
  if (probation.length !== 2) throw new AnomalyUsageError('--probation: give the normal period as <from>..<to> (ISO times)');
  const fromMs = isoMs(probation[0]!, '--probation'),
    toMs = isoMs(probation[1]!, '--probation');
  const d = typeof v.snapshot === 'string' ? await fromSnapshot(v, v.snapshot, io) : fromCsv(v, v.csv as string);
  const timeCol = d.columns[d.time]!;
  let lo = Infinity,
    hi = -Infinity;
  for (const t of timeCol)
    if (Number.isFinite(t)) {
      lo = Math.min(lo, t);
      hi = Math.max(hi, t);
    }
  if (d.rowCount > 0 && (toMs < lo || fromMs > hi))
    throw new AnomalyUsageError(`--probation: ${iso(fromMs)} … ${iso(toMs)} lies outside the data, which runs from ${iso(lo)} to ${iso(hi)}`);
  const threshold: ThresholdSpec =
    v.quantile !== undefined ? { quantile: Number(v.quantile) } : { falseAlarmsPerDay: v.budget === undefined ? 0.5 : Number(v.budget) };
  const incidents =
    typeof v.incidents === 'string'
      ? readFileSync(resolve(v.incidents), 'utf8')
          .split(/\r?\n/)
          .map((l) => l.split(',').map((s) => s.trim()))
          .filter((c) => c.length >= 2 && /^\d{4}-/.test(c[0]!))
          .map((c) => ({ fromMs: isoMs(c[0]!, '--incidents'), toMs: isoMs(c[1]!, '--incidents') }))
      : undefined;
  const detector =
    v.detector === undefined || v.detector === 'robust-z'
      ? { type: 'robust-z' as const }
      : v.detector === 'autoencoder'
        ? { type: 'autoencoder' as const }
        : null;
  if (detector === null) throw new AnomalyUsageError(`--detector: unknown detector "${String(v.detector)}"; allowed: robust-z, autoencoder`);
  const o = d.ordered;
  io.stderr.write(
    `fitting on ${probation[0]} … ${probation[1]} of ${d.said} (${o.columns.length} column(s), windows ${o.windows.join('/')} steps of ${o.step / 1000} s)\n`,
  );
  const r = trainAnomaly(
    {
      time: d.time,
      ordered: o,
      probation: { fromMs, toMs },
      threshold,
      onset: { consecutive: v.consecutive === undefined ? 3 : Number(v.consecutive), hysteresis: v.hysteresis === undefined ? 0.8 : Number(v.hysteresis) },
      detector,
      ...(incidents ? { windows: incidents } : {}),
      seed: Number(v.seed ?? 42),
    },
    createDataset(d.columns),
  );
  const cardJson = d.source === null ? r.card.json : { ...r.card.json, data: { ...(r.card.json.data as object), snapshot: d.source } };
  const cardMd =
    d.source === null
      ? r.card.markdown
      : r.card.markdown.replace(
          /\n- \*\*Detector:\*\*/,
          `\n- **Data:** dataops snapshot ${d.source.snapshotId} (content sha256 ${d.source.contentHash})\n- **Detector:**`,
        );
  const dir = resolve(typeof v.out === 'string' ? v.out : './training-out');
  mkdirSync(dir, { recursive: true });
  const files = { onnx: join(dir, 'model.onnx'), model: join(dir, 'model.json'), card: join(dir, 'model-card.md'), cardJson: join(dir, 'model-card.json') };
  writeFileSync(files.onnx, r.onnx);
  writeFileSync(files.model, serialiseModel(r.model));
  writeFileSync(files.card, cardMd);
  writeFileSync(files.cardJson, JSON.stringify(cardJson, null, 2));
  const e = r.evaluation;
  io.stdout.write(
    [
      `anomaly detector (${detector.type}) on ${d.said}`,
      `probation   ${r.probation.rows} rows, ${r.probation.days.toFixed(2)} days, ${r.probation.falseAlarms} alarms`,
      `threshold   ${r.alarm.threshold.toPrecision(6)}; alarm after ${r.alarm.consecutive} points, clears below ${(r.alarm.threshold * r.alarm.hysteresis).toPrecision(6)}`,
      `alarms      ${r.episodes.length} after probation`,
      e === null
        ? 'evaluation  no incident windows given'
        : `evaluation  ${e.windowsHit} of ${e.windows} incident windows hit, ${e.falsePerDay.toFixed(3)} false alarms per day`,
      '',
      `onnx        ${files.onnx}`,
      `            sha256 ${r.onnxSha256}`,
      `model card  ${files.card}`,
      `ts model    ${files.model}`,
      '',
    ].join('\n'),
  );
  return 0;
}
