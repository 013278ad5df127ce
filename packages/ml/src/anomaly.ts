// Unsupervised anomaly detection as a task: no labels. The detector is fitted on a probation
// period (a time range the user vouches for as normal); the threshold comes from a false-alarm
// budget (alarms per day on probation, after the onset rule) or a quantile of probation scores;
// an alarm starts after `consecutive` points at or above the threshold and clears when the score
// falls below `threshold × hysteresis`. When labelled incident windows exist, the alarms are
// evaluated as windows hit and false alarms per day. The inputs are ordered features (ordered.ts,
// the shared function), so scoring a live stream computes exactly what fitting computed; the model
// exports to ONNX (score output) with a card. Also: adaptive rolling limits for single-tag
// data-quality rules. Pure.

import { createDataset, rowMajor, type Dataset } from './dataset.ts';
import { InvalidSpecError, TooFewRowsError } from './errors.ts';
import { featureJson, normaliseFeatures, type FeatureDef } from './features.ts';
import { computeOrderedFeatures, type OrderedSpec } from './ordered.ts';
import { fitPipeline, transform, quantileSorted } from './preprocess.ts';
import { fitRobustZ } from './models/robust-z.ts';
import { fitAutoencoder, type AutoencoderParams } from './models/autoencoder.ts';
import { MODEL_FORMAT, scoreOf, explain, type AlarmRule, type Estimator, type Explanation, type InputRow, type Model } from './model.ts';
import { exportOnnx, sha256Hex, ONNX_ML_OPSET, ONNX_OPSET } from './onnx/export.ts';
import { datasetSha256 } from './card.ts';
import { defaultIntendedUse } from './train.ts';

const DAY_MS = 86_400_000;

export type { AlarmRule };

export interface AlarmEpisode {
  /** Index of the onset (the point that completed the consecutive run) and of the last active point. */
  readonly onset: number;
  readonly end: number;
}

/** Alarm episodes of a score series under the onset rule (NaN scores count as below). */
export function alarmEpisodes(scores: ArrayLike<number>, rule: AlarmRule): AlarmEpisode[] {
  const out: AlarmEpisode[] = [];
  const clear = rule.threshold * rule.hysteresis;
  let run = 0,
    onset = -1;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (onset >= 0) {
      if (!(s >= clear)) {
        out.push({ onset, end: i - 1 });
        onset = -1;
        run = 0;
      }
      continue;
    }
    run = s >= rule.threshold ? run + 1 : 0;
    if (run >= rule.consecutive) onset = i;
  }
  if (onset >= 0) out.push({ onset, end: scores.length - 1 });
  return out;
}

export interface IncidentWindow {
  readonly fromMs: number;
  readonly toMs: number;
}

export interface AlarmEvaluation {
  readonly windows: number;
  readonly windowsHit: number;
  readonly recall: number;
  readonly falseAlarms: number;
  /** False alarms per day of the evaluated time outside the incident windows. */
  readonly falsePerDay: number;
  readonly days: number;
}

/**
 * A window is hit when an alarm is active at some point inside it; an onset outside every window
 * (and not within `graceMs` after one) is a false alarm.
 */
export function evaluateAlarms(
  episodes: readonly AlarmEpisode[],
  timesMs: ArrayLike<number>,
  windows: readonly IncidentWindow[],
  graceMs = 0,
): AlarmEvaluation {
  let hit = 0;
  for (const w of windows) if (episodes.some((e) => timesMs[e.onset]! <= w.toMs && timesMs[e.end]! >= w.fromMs)) hit++;
  let fa = 0;
  for (const e of episodes) {
    const t = timesMs[e.onset]!;
    if (!windows.some((w) => t >= w.fromMs && t <= w.toMs + graceMs)) fa++;
  }
  const n = timesMs.length;
  const span = n > 1 ? timesMs[n - 1]! - timesMs[0]! : 0;
  const inside = windows.reduce((s, w) => s + Math.max(0, Math.min(w.toMs, timesMs[n - 1]!) - Math.max(w.fromMs, timesMs[0]!)), 0);
  const days = Math.max(span - inside, 0) / DAY_MS;
  return {
    windows: windows.length,
    windowsHit: hit,
    recall: windows.length ? hit / windows.length : 0,
    falseAlarms: fa,
    falsePerDay: days > 0 ? fa / days : 0,
    days,
  };
}

export type ThresholdSpec = { readonly falseAlarmsPerDay: number } | { readonly quantile: number };

/**
 * The lowest threshold whose alarms on the (normal) probation scores stay within the budget, or
 * the probation score quantile. Scores are assumed evenly spaced over `days`.
 */
export function thresholdFromProbation(scores: ArrayLike<number>, days: number, t: ThresholdSpec, onset: Omit<AlarmRule, 'threshold'>): number {
  const sorted = Float64Array.from(scores)
    .filter((v) => !Number.isNaN(v))
    .sort();
  if (sorted.length === 0) throw new TooFewRowsError('probation', 'the probation period has no scored rows');
  if ('quantile' in t) {
    if (!(t.quantile > 0 && t.quantile < 1)) throw new InvalidSpecError('threshold.quantile', 'the quantile must be between 0 and 1');
    return quantileSorted(sorted, t.quantile);
  }
  if (!(t.falseAlarmsPerDay >= 0)) throw new InvalidSpecError('threshold.falseAlarmsPerDay', 'the false-alarm budget must be ≥ 0 alarms per day');
  const allowed = Math.floor(t.falseAlarmsPerDay * days + 1e-9);
  const count = (th: number) => alarmEpisodes(scores, { ...onset, threshold: th }).length;
  // Alarm counts are not monotone far down (a low threshold merges everything into one long
  // alarm), so walk down from the top and stop before the first threshold over budget.
  const distinct: number[] = [];
  for (let i = sorted.length - 1; i >= 0; i--) if (distinct.length === 0 || sorted[i]! < distinct[distinct.length - 1]!) distinct.push(sorted[i]!);
  const candidates = distinct.length <= 1000 ? distinct : distinct.filter((_, k) => k < 500 || k % Math.ceil(distinct.length / 500) === 0);
  let best = sorted[sorted.length - 1]! * (1 + 1e-6) + 1e-9;
  for (const th of candidates) {
    if (count(th) > allowed) break;
    best = th;
  }
  return best;
}

export interface AnomalySpec {
  /** Time column (epoch ms) — also the spec's order column. */
  readonly time: string;
  /** Ordered features of the sensor(s); a stream without the entity column is one unit. */
  readonly ordered: OrderedSpec;
  /** Detector inputs: names of ordered features or expressions over them (default: every ordered feature). */
  readonly features?: readonly (string | FeatureDef)[];
  readonly probation: { readonly fromMs: number; readonly toMs: number };
  readonly detector?: { readonly type: 'robust-z' } | { readonly type: 'autoencoder'; readonly params?: Partial<Omit<AutoencoderParams, 'seed'>> };
  readonly threshold: ThresholdSpec;
  readonly onset?: { readonly consecutive?: number; readonly hysteresis?: number };
  /** Labelled incident windows, for evaluation only (never for fitting). */
  readonly windows?: readonly IncidentWindow[];
  readonly seed?: number;
  readonly card?: { readonly name?: string; readonly version?: string };
}

export interface AnomalyResult {
  readonly model: Model;
  readonly alarm: AlarmRule;
  /** Scores and times of every row (in time order), and the alarm episodes after probation. */
  readonly scores: Float64Array;
  readonly timesMs: Float64Array;
  readonly episodes: readonly AlarmEpisode[];
  readonly evaluation: AlarmEvaluation | null;
  readonly probation: { readonly rows: number; readonly days: number; readonly falseAlarms: number };
  readonly explain: (row: InputRow) => Explanation;
  readonly card: { readonly json: Record<string, unknown>; readonly markdown: string };
  readonly onnx: Uint8Array;
  readonly onnxSha256: string;
}

export const MIN_PROBATION_ROWS = 50;

/** Fits the detector on the probation period, sets the threshold, scores the whole stream. */
export function trainAnomaly(spec: AnomalySpec, data: Dataset): AnomalyResult {
  if (!data.columns[spec.time]) throw new InvalidSpecError('time', `the data has no time column "${spec.time}"`);
  if (spec.ordered.order !== spec.time) throw new InvalidSpecError('ordered.order', `the ordered features must be ordered by the time column "${spec.time}"`);
  const ds = data.columns[spec.ordered.entity] ? data : createDataset({ ...data.columns, [spec.ordered.entity]: new Float64Array(data.nRows) });
  const { fromMs, toMs } = spec.probation;
  if (!(toMs > fromMs)) throw new InvalidSpecError('probation', 'the probation period must end after it starts');
  const rows = computeOrderedFeatures(spec.ordered, ds);
  const od = rows.dataset;
  const times = od.columns[spec.time]!;
  const features = normaliseFeatures(spec.features ?? rows.features);
  const fitRows: number[] = [];
  for (let i = 0; i < od.nRows; i++) if (times[i]! >= fromMs && times[i]! <= toMs && od.columns.partial![i] === 0) fitRows.push(i);
  if (fitRows.length < MIN_PROBATION_ROWS)
    throw new TooFewRowsError(
      'probation',
      `the probation period ${new Date(fromMs).toISOString()} … ${new Date(toMs).toISOString()} holds ${fitRows.length} complete rows; the detector needs at least ${MIN_PROBATION_ROWS} (lengthen the period or shorten the windows)`,
    );
  for (const f of features)
    for (const inp of f.inputs)
      if (!od.columns[inp]) throw new InvalidSpecError('features', `feature "${f.name}" reads "${inp}", which the ordered spec does not produce`);
  const inputs = [...new Set(features.flatMap((f) => f.inputs))];
  const raw = rowMajor(od, inputs, fitRows);
  const det = spec.detector ?? { type: 'robust-z' as const };
  const pipeline = fitPipeline(features, raw, fitRows.length, { imputation: 'median', scaling: 'robust' });
  const xFit = transform(pipeline, raw, fitRows.length);
  const estimator: Estimator =
    det.type === 'robust-z'
      ? fitRobustZ(features.length)
      : fitAutoencoder({ x: xFit, n: fitRows.length, p: features.length }, { ...det.params, seed: spec.seed ?? 1 });
  const all = transform(pipeline, rowMajor(od, inputs), od.nRows);
  const scores = scoreOf(estimator, all, od.nRows);
  const consecutive = spec.onset?.consecutive ?? 3;
  const hysteresis = spec.onset?.hysteresis ?? 0.8;
  if (!(Number.isInteger(consecutive) && consecutive >= 1)) throw new InvalidSpecError('onset.consecutive', 'consecutive must be a whole number ≥ 1');
  if (!(hysteresis > 0 && hysteresis <= 1)) throw new InvalidSpecError('onset.hysteresis', 'hysteresis must be in (0, 1]');
  const probScores = Float64Array.from(fitRows, (i) => scores[i]!);
  const probDays = (times[fitRows[fitRows.length - 1]!]! - times[fitRows[0]!]!) / DAY_MS;
  const threshold = Math.fround(thresholdFromProbation(probScores, probDays, spec.threshold, { consecutive, hysteresis }));
  const alarm: AlarmRule = { threshold, consecutive, hysteresis };
  const after: number[] = [];
  for (let i = 0; i < od.nRows; i++) if (times[i]! > toMs) after.push(i);
  const afterScores = Float64Array.from(after, (i) => scores[i]!);
  const afterTimes = Float64Array.from(after, (i) => times[i]!);
  const episodes = alarmEpisodes(afterScores, alarm);
  const evaluation = spec.windows && spec.windows.length > 0 && after.length > 1 ? evaluateAlarms(episodes, afterTimes, spec.windows) : null;
  const model: Model = {
    format: MODEL_FORMAT,
    target: 'anomaly',
    task: 'anomaly',
    pipeline,
    estimator,
    threshold,
    ordered: spec.ordered,
    alarm,
  };
  const onnx = exportOnnx(model);
  const onnxSha256 = sha256Hex(onnx);
  const probFalse = alarmEpisodes(probScores, alarm).length;
  const json: Record<string, unknown> = {
    name: spec.card?.name ?? `${det.type}-anomaly`,
    version: spec.card?.version ?? '0.0.0',
    intendedUse: defaultIntendedUse('anomaly', 'anomaly'),
    modelType: det.type,
    task: 'anomaly',
    target: null,
    data: { rows: od.nRows, sha256: datasetSha256(od, [spec.time, ...inputs]), columns: inputs },
    probation: { fromMs, toMs, rows: fitRows.length, days: probDays, falseAlarms: probFalse },
    features: features.map((f) => ({ ...featureJson(f), inputs: f.inputs })),
    preprocessing: { imputation: 'median', scaling: 'robust (median / inter-quartile range of the probation period)' },
    threshold: { rule: spec.threshold, value: threshold },
    alarm,
    evaluation,
    onnx: { sha256: onnxSha256, opset: ONNX_OPSET, mlOpset: ONNX_ML_OPSET, bytes: onnx.length },
    limitations: [
      'Fitted without labels: anything present during the probation period counts as normal.',
      evaluation === null
        ? 'No labelled incident windows were given: recall is unknown.'
        : `Evaluated on ${evaluation.windows} labelled incident windows over ${evaluation.days.toFixed(1)} days; one window more or less moves recall by ${(100 / Math.max(evaluation.windows, 1)).toFixed(0)} points.`,
    ],
  };
  const md = [
    `# Model card: ${String(json.name)} (${String(json.version)})`,
    '',
    `- **Intended use:** ${String(json.intendedUse)}`,
    `- **Detector:** ${det.type}, fitted on ${fitRows.length} probation rows (${probDays.toFixed(2)} days, ${new Date(fromMs).toISOString()} … ${new Date(toMs).toISOString()})`,
    `- **Threshold:** ${threshold.toPrecision(6)} from ${'quantile' in spec.threshold ? `the ${spec.threshold.quantile} quantile of probation scores` : `a budget of ${spec.threshold.falseAlarmsPerDay} false alarms per day`}; ${probFalse} alarms on probation`,
    `- **Onset rule:** ${consecutive} consecutive points at or above the threshold; clears below ${(threshold * hysteresis).toPrecision(6)} (hysteresis ${hysteresis})`,
    evaluation === null
      ? '- **Evaluation:** no labelled windows'
      : `- **Evaluation:** ${evaluation.windowsHit} of ${evaluation.windows} incident windows hit, ${evaluation.falseAlarms} false alarms (${evaluation.falsePerDay.toFixed(3)} per day)`,
    `- **ONNX:** sha256 \`${onnxSha256}\`, output \`score\``,
    '',
    '## Features',
    '',
    '| name | inputs | description |',
    '|---|---|---|',
    ...features.map((f) => `| ${f.name} | ${f.inputs.join(', ')} | ${f.description} |`),
    '',
    '## Limitations',
    '',
    ...(json.limitations as string[]).map((l) => `- ${l}`),
    '',
  ].join('\n');
  return {
    model,
    alarm,
    scores,
    timesMs: Float64Array.from(times),
    episodes,
    evaluation,
    probation: { rows: fitRows.length, days: probDays, falseAlarms: probFalse },
    explain: (row) => explain(model, row),
    card: { json, markdown: md },
    onnx,
    onnxSha256,
  };
}

export interface RollingLimits {
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** 1 where the value lies outside the limits computed from the trailing window before it. */
  readonly outside: Uint8Array;
}

/**
 * Adaptive limits for a single-tag data-quality rule: mean ± k·σ over the trailing `windowMs`
 * before each sample (the sample itself excluded), NaN limits until `minPoints` samples exist.
 * Also the rolling z-score baseline (1 day, 4σ).
 */
export function rollingLimits(
  timesMs: ArrayLike<number>,
  values: ArrayLike<number>,
  o: { readonly windowMs: number; readonly k: number; readonly minPoints?: number },
): RollingLimits {
  const n = values.length;
  const lower = new Float64Array(n).fill(NaN),
    upper = new Float64Array(n).fill(NaN),
    outside = new Uint8Array(n);
  const minPoints = o.minPoints ?? 10;
  let s = 0,
    sq = 0,
    cnt = 0,
    head = 0;
  for (let i = 0; i < n; i++) {
    while (head < i && timesMs[head]! < timesMs[i]! - o.windowMs) {
      const v = values[head]!;
      if (!Number.isNaN(v)) {
        s -= v;
        sq -= v * v;
        cnt--;
      }
      head++;
    }
    if (cnt >= minPoints) {
      const m = s / cnt;
      const sd = Math.sqrt(Math.max(0, (sq - cnt * m * m) / (cnt - 1)));
      lower[i] = m - o.k * sd;
      upper[i] = m + o.k * sd;
      const v = values[i]!;
      if (!Number.isNaN(v) && (v < lower[i]! || v > upper[i]!)) outside[i] = 1;
    }
    const v = values[i]!;
    if (!Number.isNaN(v)) {
      s += v;
      sq += v * v;
      cnt++;
    }
  }
  return { lower, upper, outside };
}
