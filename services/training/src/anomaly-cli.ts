// `train --task anomaly`: an unsupervised detector from a sensor file with no labels. Ordered
// features per window (the shared @industrial/ml function), fitted on a probation period, the
// threshold from a false-alarm budget or a score quantile, the alarm onset rule; optional incident
// windows (from,to CSV) only evaluate. Writes model.onnx, model.json (ordered spec, alarm rule),
// model-card.md/.json to --out.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createDataset, defineOrderedSpec, serialiseModel, trainAnomaly, ORDERED_STATISTICS, type OrderedStatistic, type ThresholdSpec } from '@industrial/ml';
import { readCsvColumns } from './csv-table.ts';

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

export function runAnomalyTraining(v: Readonly<Record<string, unknown>>, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): number {
  if (typeof v.csv !== 'string') throw new AnomalyUsageError('--csv: --task anomaly reads a sensor file (--csv <file>)');
  if (typeof v.time !== 'string') throw new AnomalyUsageError('--time: name the time column');
  const probation = typeof v.probation === 'string' ? v.probation.split('..') : [];
  if (probation.length !== 2) throw new AnomalyUsageError('--probation: give the normal period as <from>..<to> (ISO times)');
  const fromMs = isoMs(probation[0]!, '--probation'),
    toMs = isoMs(probation[1]!, '--probation');
  const windows = (list(v.windows) ?? ['15', '240']).map(Number);
  if (windows.some((w) => !(Number.isInteger(w) && w >= 1))) throw new AnomalyUsageError('--windows: window lengths are whole numbers of steps ≥ 1');
  const stats = (list(v.stats) ?? ['mean', 'std']) as OrderedStatistic[];
  for (const s of stats)
    if (!(ORDERED_STATISTICS as readonly string[]).includes(s))
      throw new AnomalyUsageError(`--stats: unknown statistic "${s}"; allowed: ${ORDERED_STATISTICS.join(', ')}`);
  const t = readCsvColumns(resolve(v.csv), typeof v.delimiter === 'string' ? { delimiter: v.delimiter } : {});
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
  const ordered = defineOrderedSpec({ version: '1.0.0', entity: 'stream', order: time, step, columns, windows, statistics: stats, raw: false, gaps: 'allow' });
  io.stderr.write(`fitting on ${probation[0]} … ${probation[1]} (${columns.length} column(s), windows ${windows.join('/')} steps of ${step / 1000} s)\n`);
  const r = trainAnomaly(
    {
      time,
      ordered,
      probation: { fromMs, toMs },
      threshold,
      onset: { consecutive: v.consecutive === undefined ? 3 : Number(v.consecutive), hysteresis: v.hysteresis === undefined ? 0.8 : Number(v.hysteresis) },
      detector,
      ...(incidents ? { windows: incidents } : {}),
      seed: Number(v.seed ?? 42),
    },
    createDataset({ ...Object.fromEntries(columns.map((c) => [c, numeric[c]!])), [time]: timeCol }),
  );
  const dir = resolve(typeof v.out === 'string' ? v.out : './training-out');
  mkdirSync(dir, { recursive: true });
  const files = { onnx: join(dir, 'model.onnx'), model: join(dir, 'model.json'), card: join(dir, 'model-card.md'), cardJson: join(dir, 'model-card.json') };
  writeFileSync(files.onnx, r.onnx);
  writeFileSync(files.model, serialiseModel(r.model));
  writeFileSync(files.card, r.card.markdown);
  writeFileSync(files.cardJson, JSON.stringify(r.card.json, null, 2));
  const e = r.evaluation;
  io.stdout.write(
    [
      `anomaly detector (${detector.type}) on ${t.rowCount} rows`,
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
