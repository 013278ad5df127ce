// Use case "cost model" (SetCostModel, GetCostModel): what a false alarm, a missed event, an
// intervention and an hour of downtime cost, the investment and the running cost, with assumptions.
import type { Cause } from '@industrial/kernel';
import type { CostModel } from '../domain/costs.ts';
import { mustExist, type CharterContext } from './context.ts';
import { CharterError } from './errors.ts';
import { loadUseCase, runCommand } from './use-case-stream.ts';

export interface SetCostModelInput {
  readonly useCaseId: string;
  readonly expectedRevision?: number | undefined;
  readonly costModel: CostModel;
}

export async function setCostModel(ctx: CharterContext, input: SetCostModelInput, cause: Cause): Promise<{ revision: number }> {
  const out = await runCommand(ctx.kernel, input.useCaseId, { type: 'SetCostModel', data: input.costModel }, cause, {
    expectedRevision: input.expectedRevision,
  });
  return { revision: out.revision };
}

export async function getCostModel(ctx: CharterContext, useCaseId: string): Promise<{ costModel: CostModel; revision: number }> {
  const { state, revision } = await loadUseCase(ctx.kernel, useCaseId);
  mustExist(state, useCaseId);
  if (state.costModel === null) throw new CharterError('NOT_FOUND', ['useCaseId'], `use case ${useCaseId} has no cost model yet`);
  return { costModel: state.costModel, revision: revision ?? -1 };
}
