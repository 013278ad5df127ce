// Operating threshold chosen on the validation part: minimum expected cost under a cost
// model, or maximum F1. Savings are measured against running without a model (every
// failure missed, no inspections).

import { confusion, descending, type Confusion } from './metrics.ts';

export interface CostModel {
  /** Cost of a failure that was not flagged. */
  readonly missedFailure: number;
  /** Cost of an alarm on a healthy machine (on top of its inspection). */
  readonly falseAlarm: number;
  /** Cost of inspecting after any alarm. */
  readonly inspection: number;
}

export type ThresholdRule = { readonly kind: 'cost'; readonly cost: CostModel } | { readonly kind: 'max-f1' };

export function costOf(c: Confusion, cm: CostModel): number {
  return cm.missedFailure * c.fn + cm.falseAlarm * c.fp + cm.inspection * (c.tp + c.fp);
}

export interface CostReport {
  readonly threshold: number;
  readonly cost: number;
  readonly costWithoutModel: number;
  readonly savings: number;
  readonly savingsPerRow: number;
  readonly savingsFraction: number;
}

export function costReport(y: ArrayLike<number>, scores: ArrayLike<number>, threshold: number, cm: CostModel): CostReport {
  const c = confusion(y, scores, threshold);
  const cost = costOf(c, cm);
  const none = cm.missedFailure * (c.tp + c.fn);
  return {
    threshold,
    cost,
    costWithoutModel: none,
    savings: none - cost,
    savingsPerRow: (none - cost) / Math.max(y.length, 1),
    savingsFraction: none > 0 ? (none - cost) / none : 0,
  };
}

/** How a threshold was placed (returned with it, so a model card can say why it sits where it does). */
export type ThresholdBasis =
  /** The validation optimum stands clear of its neighbours: midway between its lowest flagged score and the next lower one. */
  | 'optimum'
  /** Neighbouring operating points the validation set cannot tell from the optimum: the middle of their score range. */
  | 'plateau'
  /** Fewer than `minPositives` validation positives: the optimum as is (exact ties to the middle of their run). */
  | 'few-positives'
  /** No validation positive: no alarms (a threshold above every score). */
  | 'no-positives';

export interface ThresholdOptions {
  /**
   * Operating points next to the optimum whose objective is within this many standard errors of it
   * count as equal (default 1, the one-standard-error rule). The standard error of the difference
   * between two operating points counts the rows between them as Poisson: √(Δtp·a² + Δfp·b²), with
   * a and b what one more caught positive and one more flagged negative change the objective by
   * (F1 linearised at the optimum). So a single row, and above all a single positive, never
   * decides the threshold on its own.
   */
  readonly tolerance?: number;
  /** Below this many validation positives no plateau is estimated (default 10): the optimum is taken as is. */
  readonly minPositives?: number;
}

export interface ThresholdChoice {
  /** Predict positive when score ≥ threshold. */
  readonly threshold: number;
  readonly basis: ThresholdBasis;
  /** Validation positives the choice rests on. */
  readonly positives: number;
  /** The objective (expected cost, or F1) at the threshold, and the best on the sweep. */
  readonly value: number;
  readonly best: number;
  /** Scores spanned by the operating points counted as equal to the best (`points` 1: the optimum alone). */
  readonly plateau: { readonly low: number; readonly high: number; readonly points: number };
}

export const DEFAULT_THRESHOLD_OPTIONS: Required<ThresholdOptions> = { tolerance: 1, minPositives: 10 };

/**
 * The decision threshold for a rule on the validation part. Every distinct score is an operating
 * point (predict positive when score ≥ t). On a small validation set the objective is a noisy step
 * curve whose optimum alone can sit next to one stray row, far from where the next sample puts it:
 * - the operating points next to the optimum within `tolerance` standard errors of it form a
 *   plateau, and the threshold goes to the middle of its score range, placed midway between the two
 *   adjacent distinct scores there (a score a rounding step away keeps its side);
 * - with fewer than `minPositives` positives that noise spans nearly every point, so the optimum is
 *   taken as is, exact ties to the middle of their run, and the basis says so;
 * - without positives: no alarms.
 */
export function chooseThreshold(y: ArrayLike<number>, scores: ArrayLike<number>, rule: ThresholdRule, options: ThresholdOptions = {}): ThresholdChoice {
  const { tolerance, minPositives } = { ...DEFAULT_THRESHOLD_OPTIONS, ...options };
  const order = descending(scores);
  let P = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === 1) P++;
  const N = y.length - P;
  // Operating point j = 0 flags nothing; point j ≥ 1 flags the j highest distinct scores u[1..j].
  const u: number[] = [Infinity],
    tps: number[] = [0],
    fps: number[] = [0];
  let tp = 0,
    fp = 0;
  for (let r = 0; r < order.length; r++) {
    const i = order[r]!;
    if (y[i] === 1) tp++;
    else fp++;
    const next = order[r + 1];
    if (next !== undefined && scores[next] === scores[i]) continue;
    u.push(scores[i]!);
    tps.push(tp);
    fps.push(fp);
  }
  const K = u.length - 1;
  const thresholdAt = (j: number): number => (K === 0 ? 0.5 : j === 0 ? u[1]! + 1 : j === K ? u[K]! : (u[j]! + u[j + 1]!) / 2);
  // the objective as a loss, lower is better
  const loss = (j: number): number => {
    const c = { tp: tps[j]!, fp: fps[j]!, tn: N - fps[j]!, fn: P - tps[j]! };
    if (rule.kind === 'cost') return costOf(c, rule.cost);
    const d = 2 * c.tp + c.fp + c.fn;
    return d === 0 ? 0 : -(2 * c.tp) / d;
  };
  const shown = (l: number): number => (rule.kind === 'cost' ? l : l === 0 ? 0 : -l);
  let jBest = 0;
  for (let j = 1; j <= K; j++) if (loss(j) < loss(jBest)) jBest = j;
  const best = loss(jBest);
  if (P === 0 || K === 0) {
    const t = thresholdAt(0);
    return { threshold: t, basis: 'no-positives', positives: P, value: shown(loss(0)), best: shown(best), plateau: { low: t, high: t, points: 1 } };
  }
  // what one more caught positive (a) and one more flagged negative (b) move the loss by
  let a: number, b: number;
  if (rule.kind === 'cost') {
    a = Math.abs(rule.cost.missedFailure - rule.cost.inspection);
    b = rule.cost.falseAlarm + rule.cost.inspection;
  } else {
    // F1 = 2tp / (tp + fp + P)
    const d = tps[jBest]! + fps[jBest]! + P;
    a = (2 * (fps[jBest]! + P)) / (d * d);
    b = (2 * tps[jBest]!) / (d * d);
  }
  const few = P < minPositives;
  const scale = Math.max(Math.abs(best), a, b);
  const equal = (j: number): boolean => {
    const gap = loss(j) - best;
    if (gap <= 1e-12 * scale) return true; // a tie up to rounding
    if (few) return false;
    const dtp = Math.abs(tps[j]! - tps[jBest]!),
      dfp = Math.abs(fps[j]! - fps[jBest]!);
    return gap <= tolerance * Math.sqrt(dtp * a * a + dfp * b * b);
  };
  let ja = jBest,
    jb = jBest;
  while (ja > 0 && equal(ja - 1)) ja--;
  while (jb < K && equal(jb + 1)) jb++;
  // the plateau's score range: "no alarms" adds nothing above the top score, "flag all" nothing below the lowest
  const high = u[Math.max(ja, 1)]!,
    low = jb < K ? u[jb + 1]! : u[K]!;
  let j = jBest;
  if (jb > ja) {
    const mid = (high + low) / 2;
    j = Math.max(ja, 1);
    while (j < jb && u[j + 1]! >= mid) j++;
  }
  return {
    threshold: thresholdAt(j),
    basis: few ? 'few-positives' : jb > ja ? 'plateau' : 'optimum',
    positives: P,
    value: shown(loss(j)),
    best: shown(best),
    plateau: { low, high, points: jb - ja + 1 },
  };
}

/** The threshold of {@link chooseThreshold} alone. */
export function pickThreshold(y: ArrayLike<number>, scores: ArrayLike<number>, rule: ThresholdRule, options?: ThresholdOptions): number {
  return chooseThreshold(y, scores, rule, options).threshold;
}

/** One sentence for a model card: how the threshold was placed and what it rests on. */
export function thresholdNote(c: ThresholdChoice): string {
  const t = c.threshold.toPrecision(4);
  switch (c.basis) {
    case 'no-positives':
      return `Threshold ${t}: no positive in the validation part, so no alarms; it was not chosen on data.`;
    case 'few-positives':
      return `Threshold ${t}: only ${c.positives} validation positives (fewer than ${DEFAULT_THRESHOLD_OPTIONS.minPositives}), so the validation optimum is taken as is; expect it to move when retrained on other data.`;
    case 'plateau':
      return `Threshold ${t}: the middle of ${c.plateau.points} operating points (scores ${c.plateau.low.toPrecision(4)}–${c.plateau.high.toPrecision(4)}) within one standard error of the best on ${c.positives} validation positives.`;
    case 'optimum':
      return `Threshold ${t}: the validation optimum on ${c.positives} positives, clear of its neighbours.`;
  }
}
