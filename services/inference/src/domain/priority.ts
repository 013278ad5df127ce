// Priority from the use case's cost model and the likelihood (ADR 0016), so that not everything is
// urgent: how bad it is if nothing is done (the failure and its downtime against what acting costs
// — an inspection, or a false alarm) crossed with how likely the failure is (a band, never a
// probability shown). Urgency (how soon to act) comes from the action's deadline. Pure.
import type { ServingCostModel } from './usecase.ts';
import type { Likelihood } from './wording.ts';

export type Urgency = 'info' | 'soon' | 'now';
export type Consequence = 'minor' | 'moderate' | 'severe';
export type Priority = 'low' | 'medium' | 'high';

/** Minutes the operator has to act → urgency: ≤ 60 now, ≤ 8 h soon, else info. */
export function urgencyOf(deadlineMinutes: number): Urgency {
  return deadlineMinutes <= 60 ? 'now' : deadlineMinutes <= 480 ? 'soon' : 'info';
}

/** Hours a missed failure is assumed to stop the asset (valued at the cost model's downtime hour). */
export const DOWNTIME_HOURS_PER_FAILURE = 1;

/**
 * What is at stake against what acting costs: (failure + an hour of downtime) / (inspection + false
 * alarm). ≥ 50 severe, ≥ 5 moderate, else minor (acting costs about as much as the failure).
 */
export function consequenceOf(cost: ServingCostModel): Consequence {
  const stake = cost.failure + cost.downtimeHour * DOWNTIME_HOURS_PER_FAILURE;
  const acting = Math.max(1, cost.inspection + cost.falseAlarm);
  const ratio = stake / acting;
  return ratio >= 50 ? 'severe' : ratio >= 5 ? 'moderate' : 'minor';
}

/** High only when the failure is very likely and severe; a possible failure is never high. */
const MATRIX: Record<Likelihood, Record<Consequence, Priority>> = {
  high: { severe: 'high', moderate: 'medium', minor: 'low' },
  medium: { severe: 'medium', moderate: 'medium', minor: 'low' },
  low: { severe: 'medium', moderate: 'low', minor: 'low' },
};

const RANK: Record<Priority, number> = { low: 0, medium: 1, high: 2 };
export const priorityRank = (p: Priority): number => RANK[p];

/** The prompt's priority; the action's hint (when the plant gives one) is a floor. */
export function priorityOf(likelihood: Likelihood, cost: ServingCostModel, hint?: Priority): Priority {
  const p = MATRIX[likelihood][consequenceOf(cost)];
  return hint !== undefined && RANK[hint] > RANK[p] ? hint : p;
}
