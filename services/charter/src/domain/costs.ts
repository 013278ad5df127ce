// The cost model of a use case and what one decision costs under it. Training uses it to pick a
// decision threshold (minimise expectedCost over a confusion matrix), inference to rank prompts,
// feasibility to value the use case. Pure: numbers in, numbers out.
import type { EventData } from '@industrial/contracts';

/** The cost model as recorded in CostModelSet (money in `currency`, hours in hours). */
export type CostModel = Omit<EventData<'CostModelSet'>, 'useCaseId'>;

/** The serving spec's cost model (UseCaseServingSpecDefined). */
export type ServingCostModel = EventData<'UseCaseServingSpecDefined'>['spec']['costModel'];

/** The serving spec's cost model in the charter's terms (it names no downtime per failure, investment or running cost: 0). */
export function costModelFromServing(c: ServingCostModel): CostModel {
  return {
    currency: c.currency,
    falseAlarmCost: c.falseAlarm,
    missedEventCost: c.failure,
    interventionCost: c.inspection,
    downtimeCostPerHour: c.downtimeHour,
    downtimeHoursPerFailure: 0,
    investment: 0,
    runningCostPerYear: 0,
    assumptions: 'From the serving spec.',
  };
}

/**
 * One decision and what followed: whether a prompt was raised, and whether a failure was coming.
 * - alarm, failure followed → the intervention that prevented it (`interventionCost`, an inspection);
 * - alarm, no failure → a false alarm (`falseAlarmCost`);
 * - no alarm, failure → a missed failure: its cost plus its downtime (`downtimeHours`, default the model's);
 * - no alarm, no failure → nothing.
 */
export interface Decision {
  alarm: boolean;
  failureFollowed: boolean;
  /** Downtime the missed failure caused; defaults to `downtimeHoursPerFailure`. */
  downtimeHours?: number;
}

/** Cost of one unprevented failure: repair and scrap plus its downtime. */
export function failureCost(model: CostModel, downtimeHours: number = model.downtimeHoursPerFailure): number {
  return model.missedEventCost + downtimeHours * model.downtimeCostPerHour;
}

/** What one decision costs under the cost model (never negative). */
export function costOf(model: CostModel, decision: Decision): number {
  if (decision.alarm) return decision.failureFollowed ? model.interventionCost : model.falseAlarmCost;
  return decision.failureFollowed ? failureCost(model, decision.downtimeHours) : 0;
}

export interface ConfusionCounts {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  trueNegatives: number;
}

/** Total cost of a confusion matrix: what a threshold costs on a validation set. */
export function expectedCost(model: CostModel, c: ConfusionCounts): number {
  return (
    c.truePositives * costOf(model, { alarm: true, failureFollowed: true }) +
    c.falsePositives * costOf(model, { alarm: true, failureFollowed: false }) +
    c.falseNegatives * costOf(model, { alarm: false, failureFollowed: true })
  );
}

/** Value of acting on one prompt before a failure: the failure avoided minus the intervention. */
export function valueOfCaughtFailure(model: CostModel): number {
  return failureCost(model) - model.interventionCost;
}
