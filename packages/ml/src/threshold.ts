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

/**
 * Sweeps every distinct score as a threshold (predict positive when score ≥ t) and returns
 * the best one. Ties in the objective keep the higher threshold (fewer alarms).
 */
export function pickThreshold(y: ArrayLike<number>, scores: ArrayLike<number>, rule: ThresholdRule): number {
  const order = descending(scores);
  let P = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === 1) P++;
  const N = y.length - P;
  let tp = 0,
    fp = 0;
  // "no alarms at all" as the starting point: threshold above every score
  let bestT = order.length ? scores[order[0]!]! + 1 : 0.5;
  let best = rule.kind === 'cost' ? costOf({ tp: 0, fp: 0, tn: N, fn: P }, rule.cost) : 0;
  for (let r = 0; r < order.length; r++) {
    const i = order[r]!;
    if (y[i] === 1) tp++;
    else fp++;
    const next = order[r + 1];
    if (next !== undefined && scores[next] === scores[i]) continue;
    const c = { tp, fp, tn: N - fp, fn: P - tp };
    if (rule.kind === 'cost') {
      const v = costOf(c, rule.cost);
      if (v < best) {
        best = v;
        bestT = between(scores, i, next);
      }
    } else {
      const d = 2 * tp + fp + (P - tp);
      const v = d === 0 ? 0 : (2 * tp) / d;
      if (v > best) {
        best = v;
        bestT = between(scores, i, next);
      }
    }
  }
  return bestT;
}

/** Midway to the next lower score, so scores a rounding step away keep their side. */
function between(scores: ArrayLike<number>, i: number, next: number | undefined): number {
  return next === undefined ? scores[i]! : (scores[i]! + scores[next]!) / 2;
}
