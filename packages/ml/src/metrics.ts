// Evaluation metrics on typed arrays. Scores are "higher = more likely positive".
// Ties are handled as scikit-learn does (one operating point per distinct score).

export interface Confusion {
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
}

export function confusion(y: ArrayLike<number>, scores: ArrayLike<number>, threshold: number): Confusion {
  let tp = 0,
    fp = 0,
    tn = 0,
    fn = 0;
  for (let i = 0; i < y.length; i++) {
    const pos = scores[i]! >= threshold;
    if (y[i] === 1) pos ? tp++ : fn++;
    else pos ? fp++ : tn++;
  }
  return { tp, fp, tn, fn };
}

export const precision = (c: Confusion): number => (c.tp + c.fp === 0 ? 0 : c.tp / (c.tp + c.fp));
export const recall = (c: Confusion): number => (c.tp + c.fn === 0 ? 0 : c.tp / (c.tp + c.fn));
export function f1(c: Confusion): number {
  const d = 2 * c.tp + c.fp + c.fn;
  return d === 0 ? 0 : (2 * c.tp) / d;
}

/** Indices sorted by descending score (stable). */
export function descending(scores: ArrayLike<number>): Int32Array {
  const idx = new Int32Array(scores.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return idx.sort((a, b) => scores[b]! - scores[a]! || a - b);
}

/** Average precision = Σ (R_k − R_{k−1}) · P_k over distinct thresholds (sklearn's PR-AUC). */
export function averagePrecision(y: ArrayLike<number>, scores: ArrayLike<number>): number {
  const order = descending(scores);
  let P = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === 1) P++;
  if (P === 0) return NaN;
  let tp = 0,
    fp = 0,
    ap = 0,
    prevRecall = 0;
  for (let r = 0; r < order.length; r++) {
    const i = order[r]!;
    if (y[i] === 1) tp++;
    else fp++;
    const next = order[r + 1];
    if (next !== undefined && scores[next] === scores[i]) continue;
    const rec = tp / P;
    ap += (rec - prevRecall) * (tp / (tp + fp));
    prevRecall = rec;
  }
  return ap;
}

export interface PrPoint {
  readonly threshold: number;
  readonly precision: number;
  readonly recall: number;
}

/**
 * The precision-recall curve at distinct score thresholds (highest threshold first), thinned to at
 * most `maxPoints` points spread evenly over recall (the first and last operating points kept), so
 * a model card carries it at a bounded size. Empty when there is no positive.
 */
export function prCurve(y: ArrayLike<number>, scores: ArrayLike<number>, maxPoints = 50): PrPoint[] {
  const order = descending(scores);
  let P = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === 1) P++;
  if (P === 0) return [];
  const all: PrPoint[] = [];
  let tp = 0,
    fp = 0;
  for (let r = 0; r < order.length; r++) {
    const i = order[r]!;
    if (y[i] === 1) tp++;
    else fp++;
    const next = order[r + 1];
    if (next !== undefined && scores[next] === scores[i]) continue;
    all.push({ threshold: scores[i]!, precision: tp / (tp + fp), recall: tp / P });
  }
  if (all.length <= maxPoints) return all;
  const out: PrPoint[] = [];
  const steps = Math.max(1, maxPoints - 1);
  let k = 0;
  for (let s = 0; s <= steps; s++) {
    const target = s / steps;
    while (k < all.length - 1 && all[k]!.recall < target) k++;
    if (out.at(-1) !== all[k]) out.push(all[k]!);
  }
  return out;
}

/** ROC-AUC via the rank-sum statistic with average ranks for ties. */
export function rocAuc(y: ArrayLike<number>, scores: ArrayLike<number>): number {
  const n = y.length;
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => scores[a]! - scores[b]!);
  let pos = 0,
    rankSum = 0;
  for (let r = 0; r < n;) {
    let e = r;
    while (e + 1 < n && scores[idx[e + 1]!] === scores[idx[r]!]) e++;
    const avg = (r + e) / 2 + 1;
    for (let t = r; t <= e; t++)
      if (y[idx[t]!] === 1) {
        pos++;
        rankSum += avg;
      }
    r = e + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

export function brier(y: ArrayLike<number>, p: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (p[i]! - y[i]!) ** 2;
  return s / Math.max(y.length, 1);
}

export interface ReliabilityBin {
  readonly lo: number;
  readonly hi: number;
  readonly count: number;
  readonly meanPredicted: number;
  readonly fractionPositive: number;
}

/** Equal-width reliability diagram; empty bins are omitted. */
export function reliability(y: ArrayLike<number>, p: ArrayLike<number>, bins = 10): ReliabilityBin[] {
  const cnt = new Float64Array(bins),
    sp = new Float64Array(bins),
    sy = new Float64Array(bins);
  for (let i = 0; i < y.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p[i]! * bins)));
    cnt[b]!++;
    sp[b]! += p[i]!;
    sy[b]! += y[i]!;
  }
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++)
    if (cnt[b]! > 0) out.push({ lo: b / bins, hi: (b + 1) / bins, count: cnt[b]!, meanPredicted: sp[b]! / cnt[b]!, fractionPositive: sy[b]! / cnt[b]! });
  return out;
}

export function rmse(y: ArrayLike<number>, p: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (p[i]! - y[i]!) ** 2;
  return Math.sqrt(s / Math.max(y.length, 1));
}

export function mae(y: ArrayLike<number>, p: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += Math.abs(p[i]! - y[i]!);
  return s / Math.max(y.length, 1);
}

export interface ClassificationMetrics {
  readonly rows: number;
  readonly positives: number;
  readonly threshold: number;
  readonly confusion: Confusion;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly prAuc: number;
  readonly rocAuc: number;
  /** The precision-recall curve, at most 50 points (for the model card and the engineer's screen). */
  readonly prCurve: readonly PrPoint[];
  /** Only for probabilistic scores. */
  readonly brier?: number;
  readonly reliability?: readonly ReliabilityBin[];
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

export function classificationMetrics(y: ArrayLike<number>, scores: ArrayLike<number>, threshold: number, probabilistic = true): ClassificationMetrics {
  const c = confusion(y, scores, threshold);
  let positives = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === 1) positives++;
  const m: ClassificationMetrics = {
    rows: y.length,
    positives,
    threshold,
    confusion: c,
    precision: precision(c),
    recall: recall(c),
    f1: f1(c),
    prAuc: averagePrecision(y, scores),
    rocAuc: rocAuc(y, scores),
    prCurve: prCurve(y, scores).map((p) => ({ threshold: round6(p.threshold), precision: round6(p.precision), recall: round6(p.recall) })),
  };
  return probabilistic ? { ...m, brier: brier(y, scores), reliability: reliability(y, scores) } : m;
}

export interface RegressionMetrics {
  readonly rows: number;
  readonly rmse: number;
  readonly mae: number;
}

export function regressionMetrics(y: ArrayLike<number>, p: ArrayLike<number>): RegressionMetrics {
  return { rows: y.length, rmse: rmse(y, p), mae: mae(y, p) };
}
