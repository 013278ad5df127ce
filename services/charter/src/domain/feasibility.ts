// Feasibility of a use case: can it be solved with the data there is (required tags recorded,
// enough history, enough labelled failures, good enough quality), and is it worth it (ROI:
// value at stake against investment and running cost, payback). Verdict, numbers and red flags
// in plain words. Pure: the facts are gathered from the catalog and historian by the caller.
import type { EventData } from '@industrial/contracts';
import { failureCost, type CostModel } from './costs.ts';

export type FeasibilityAssessment = EventData<'FeasibilityAssessed'>;

/** What the catalog knows about one series' history. */
export interface TagHistory {
  firstAt: number;
  lastAt: number;
  /** Samples (rows) recorded. */
  samples: number;
  /** Share of the samples with Good quality, 0..1. */
  goodRatio: number;
}

export interface TagEvidence {
  assetPath: string;
  tag: string;
  inCatalog: boolean;
  history: TagHistory | null;
}

export interface FeasibilityFacts {
  /** One entry per required tag. */
  tags: readonly TagEvidence[];
  /** Tags the catalog lists under the use case's assets. */
  tagsAvailable: number;
  /** Labelled failures over the common history span, all assets. */
  labelledFailures: number;
  failuresByMode: Readonly<Record<string, number>>;
}

export interface FeasibilityThresholds {
  minHistoryDays: number;
  minLabelledFailures: number;
  minGoodRatio: number;
  /** Years over which the investment must pay back. */
  horizonYears: number;
}

export const DEFAULT_THRESHOLDS: FeasibilityThresholds = { minHistoryDays: 90, minLabelledFailures: 30, minGoodRatio: 0.95, horizonYears: 3 };

/** Recall and precision assumed for ROI when the objectives set no model gate. */
export const ASSUMED_RECALL = 0.5;
export const ASSUMED_PRECISION = 0.5;

const DAY = 86_400_000;
const YEAR = 365.25 * DAY;

const pct = (x: number) => `${Math.round(x * 1000) / 10} %`;
const money = (x: number, currency: string) => `${Math.round(x).toLocaleString('en-US')} ${currency}`;
const iso = (ms: number) => new Date(ms).toISOString();

export interface RoiInput {
  costModel: CostModel;
  failuresPerYear: number;
  recall: number;
  precision: number;
  horizonYears: number;
}

/**
 * ROI of catching failures with a model of the given recall and precision: every caught failure
 * saves its cost minus an intervention, every false alarm costs `falseAlarmCost`
 * (false alarms = caught × (1 − precision) / precision).
 */
export function roiOf(input: RoiInput): NonNullable<FeasibilityAssessment['roi']> {
  const { costModel: m, failuresPerYear, recall, precision, horizonYears } = input;
  const perFailure = failureCost(m);
  const valueAtStakePerYear = failuresPerYear * perFailure;
  const caught = failuresPerYear * recall;
  const falseAlarms = precision > 0 ? (caught * (1 - precision)) / precision : 0;
  const expectedSavingsPerYear = caught * (perFailure - m.interventionCost) - falseAlarms * m.falseAlarmCost;
  const netPerYear = expectedSavingsPerYear - m.runningCostPerYear;
  return {
    currency: m.currency,
    failuresPerYear,
    valueAtStakePerYear,
    expectedSavingsPerYear,
    investment: m.investment,
    runningCostPerYear: m.runningCostPerYear,
    horizonYears,
    netValueOverHorizon: netPerYear * horizonYears - m.investment,
    paybackMonths: netPerYear > 0 ? (m.investment / netPerYear) * 12 : null,
  };
}

export interface AssessInput {
  useCaseId: string;
  facts: FeasibilityFacts;
  thresholds: FeasibilityThresholds;
  costModel: CostModel | null;
  minModelMetrics: Readonly<Record<string, number>> | null;
  declaredFailureModes: readonly string[];
  now: number;
}

export function assessFeasibility(input: AssessInput): FeasibilityAssessment {
  const { facts, thresholds: th } = input;
  const redFlags: string[] = [];
  const conditions: string[] = [];
  const risks: string[] = [];
  let dataVerdict: 'feasible' | 'feasible-with-conditions' | 'not-feasible' = 'feasible';
  const downgrade = (to: 'feasible-with-conditions' | 'not-feasible') => {
    if (dataVerdict === 'not-feasible') return;
    if (to === 'not-feasible' || dataVerdict === 'feasible') dataVerdict = to;
  };

  if (facts.tags.length === 0) {
    redFlags.push('The use case names no tags, so there is nothing to learn from: list the signals the model needs.');
    downgrade('not-feasible');
  }
  const missingTags: string[] = [];
  const recorded: TagHistory[] = [];
  for (const t of facts.tags) {
    const name = `${t.assetPath}/${t.tag}`;
    if (!t.inCatalog) {
      missingTags.push(name);
      redFlags.push(`Tag "${t.tag}" of ${t.assetPath} is not in the catalog: nothing records it yet.`);
      downgrade('not-feasible');
    } else if (t.history === null || t.history.samples === 0) {
      missingTags.push(name);
      redFlags.push(`Tag "${t.tag}" of ${t.assetPath} is in the catalog but has no history: it has never been recorded.`);
      downgrade('not-feasible');
    } else {
      recorded.push(t.history);
      if (t.history.goodRatio < th.minGoodRatio) {
        redFlags.push(
          `Only ${pct(t.history.goodRatio)} of the samples of "${t.tag}" on ${t.assetPath} have Good quality; at least ${pct(th.minGoodRatio)} are needed.`,
        );
        conditions.push(`Fix the data quality of "${t.tag}" on ${t.assetPath} (sensor, connection or mapping) before training.`);
        downgrade('feasible-with-conditions');
      }
    }
  }

  // The history every required tag shares: from the latest first sample to the earliest last one.
  const from = recorded.length > 0 ? Math.max(...recorded.map((h) => h.firstAt)) : null;
  const to = recorded.length > 0 ? Math.min(...recorded.map((h) => h.lastAt)) : null;
  const spanMs = from !== null && to !== null && to > from ? to - from : 0;
  const historyDays = Math.floor(spanMs / DAY);
  const rows = recorded.reduce((max, h) => Math.max(max, h.samples), 0);
  if (recorded.length > 0 && historyDays < th.minHistoryDays) {
    redFlags.push(
      `Only ${historyDays} days of history are shared by the required tags; at least ${th.minHistoryDays} are needed to see wear and seasonal patterns.`,
    );
    downgrade('not-feasible');
  }
  if (facts.labelledFailures < th.minLabelledFailures) {
    redFlags.push(`Only ${facts.labelledFailures} labelled failures in the history; at least ${th.minLabelledFailures} are needed to train and test a model.`);
    conditions.push('Label past failures (maintenance logs, CMMS work orders) or collect more history.');
    downgrade('not-feasible');
  }
  for (const mode of input.declaredFailureModes) {
    const n = facts.failuresByMode[mode] ?? 0;
    if (n < Math.ceil(th.minLabelledFailures / 3))
      risks.push(`Failure mode "${mode}" has only ${n} labelled examples: the model may not learn to warn about it.`);
  }
  const dataCoverage =
    facts.tags.length === 0 ? 0 : facts.tags.reduce((s, t) => s + (t.history === null || !t.inCatalog ? 0 : t.history.goodRatio), 0) / facts.tags.length;

  let roi: FeasibilityAssessment['roi'] = null;
  if (input.costModel === null) {
    risks.push('No cost model is set, so the value at stake is unknown.');
  } else if (spanMs > 0) {
    const recall = input.minModelMetrics?.['recall'] ?? ASSUMED_RECALL;
    const precision = input.minModelMetrics?.['precision'] ?? ASSUMED_PRECISION;
    if (input.minModelMetrics?.['recall'] === undefined || input.minModelMetrics?.['precision'] === undefined) {
      risks.push(`The ROI assumes a model with recall ${recall} and precision ${precision}; set minimum model metrics to make it yours.`);
    }
    roi = roiOf({ costModel: input.costModel, failuresPerYear: (facts.labelledFailures / spanMs) * YEAR, recall, precision, horizonYears: th.horizonYears });
    if (roi.netValueOverHorizon < 0) {
      const returned = roi.netValueOverHorizon + roi.investment;
      redFlags.push(
        `Over ${th.horizonYears} years the use case returns ${money(returned, roi.currency)} after running costs, less than the investment of ${money(roi.investment, roi.currency)}: it does not pay back.`,
      );
      conditions.push('Lower the investment or running cost, or pick a problem with more value at stake.');
      downgrade('feasible-with-conditions');
    }
  }

  return {
    useCaseId: input.useCaseId,
    verdict: dataVerdict,
    historyDays,
    labelledEvents: facts.labelledFailures,
    tagsAvailable: facts.tagsAvailable,
    dataCoverage: Math.min(1, Math.max(0, dataCoverage)),
    conditions,
    risks,
    rows,
    historyFrom: from === null || spanMs === 0 ? null : iso(from),
    historyTo: to === null || spanMs === 0 ? null : iso(to),
    missingTags,
    roi,
    redFlags,
    assessedAt: iso(input.now),
  };
}
