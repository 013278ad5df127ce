// Priority = urgency × consequence, as in an ISA-18.2 alarm priority matrix: how soon the
// operator must act (from the action's deadline) against how bad it is if nothing is done (from
// the cost model). Pure.

export type Urgency = 'info' | 'soon' | 'now';
export type Consequence = 'minor' | 'moderate' | 'severe';
export type Priority = 'low' | 'medium' | 'high' | 'critical';

/** Minutes the operator has to act → urgency: ≤ 60 now, ≤ 8 h soon, else info. */
export function urgencyOf(maxResponseMinutes: number): Urgency {
  return maxResponseMinutes <= 60 ? 'now' : maxResponseMinutes <= 480 ? 'soon' : 'info';
}

/** Cost of the failure if missed, in the use case's currency → consequence (bands are configurable). */
export function consequenceOf(missedFailureCost: number, bands: { moderate: number; severe: number } = { moderate: 1_000, severe: 10_000 }): Consequence {
  return missedFailureCost >= bands.severe ? 'severe' : missedFailureCost >= bands.moderate ? 'moderate' : 'minor';
}

const MATRIX: Record<Urgency, Record<Consequence, Priority>> = {
  now: { minor: 'medium', moderate: 'high', severe: 'critical' },
  soon: { minor: 'low', moderate: 'medium', severe: 'high' },
  info: { minor: 'low', moderate: 'low', severe: 'medium' },
};

export function priorityOf(urgency: Urgency, consequence: Consequence): Priority {
  return MATRIX[urgency][consequence];
}

const RANK: Record<Priority, number> = { low: 0, medium: 1, high: 2, critical: 3 };
export const priorityRank = (p: Priority): number => RANK[p];
