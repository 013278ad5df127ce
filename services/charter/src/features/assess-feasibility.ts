// Use case "assess feasibility" (AssessFeasibility): the evidence the catalog and the historian
// hold for the use case (tags, their history, labelled failures) against the thresholds (zero
// means the default), the verdict and the ROI from the cost model, recorded as an event.
import type { Cause } from '@industrial/kernel';
import { DEFAULT_THRESHOLDS, type FeasibilityAssessment, type FeasibilityThresholds } from '../domain/feasibility.ts';
import { mustExist, needs, type CharterContext } from './context.ts';
import { feasibilityFacts } from './facts.ts';
import { loadUseCase, runCommand } from './use-case-stream.ts';

export interface AssessFeasibilityInput {
  readonly useCaseId: string;
  readonly expectedRevision?: number | undefined;
  /** 0 (or absent) takes the default of each. */
  readonly thresholds: Partial<FeasibilityThresholds>;
}

export async function assessFeasibility(
  ctx: CharterContext,
  input: AssessFeasibilityInput,
  cause: Cause,
): Promise<{ revision: number; feasibility: FeasibilityAssessment }> {
  const { state } = await loadUseCase(ctx.kernel, input.useCaseId);
  const draft = mustExist(state, input.useCaseId);
  const facts = await feasibilityFacts(draft, needs(ctx.catalog, 'catalog'), needs(ctx.historian, 'historian'));
  const t = input.thresholds;
  const thresholds: FeasibilityThresholds = {
    minHistoryDays: t.minHistoryDays || DEFAULT_THRESHOLDS.minHistoryDays,
    minLabelledFailures: t.minLabelledFailures || DEFAULT_THRESHOLDS.minLabelledFailures,
    minGoodRatio: t.minGoodRatio || DEFAULT_THRESHOLDS.minGoodRatio,
    horizonYears: t.horizonYears || DEFAULT_THRESHOLDS.horizonYears,
  };
  const out = await runCommand(ctx.kernel, input.useCaseId, { type: 'AssessFeasibility', facts, thresholds, now: ctx.now() }, cause, {
    expectedRevision: input.expectedRevision,
  });
  return { revision: out.revision, feasibility: out.state.feasibility as FeasibilityAssessment };
}
