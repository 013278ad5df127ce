// Use case "set objectives and KPIs" (SetObjectives): the statement, the KPIs with baseline,
// target, window and deadline, and the minimum model metrics. KPIs without an id get a new one.
import type { Cause } from '@industrial/kernel';
import type { Kpi, Objectives } from '../domain/usecase.ts';
import type { CharterContext } from './context.ts';
import { runCommand } from './use-case-stream.ts';

export interface SetObjectivesInput {
  readonly useCaseId: string;
  readonly expectedRevision?: number | undefined;
  readonly objectives: {
    readonly statement: string;
    readonly kpis: readonly (Omit<Kpi, 'kpiId'> & { readonly kpiId?: string | undefined })[];
    readonly minModelMetrics: Objectives['minModelMetrics'];
  };
}

export async function setObjectives(ctx: CharterContext, input: SetObjectivesInput, cause: Cause): Promise<{ revision: number; kpis: Kpi[] }> {
  const kpis: Kpi[] = input.objectives.kpis.map(({ kpiId, ...k }) => ({ ...k, kpiId: kpiId ?? ctx.newId() }));
  const out = await runCommand(
    ctx.kernel,
    input.useCaseId,
    { type: 'SetObjectives', data: { statement: input.objectives.statement, kpis, minModelMetrics: input.objectives.minModelMetrics }, now: ctx.now() },
    cause,
    { expectedRevision: input.expectedRevision, fieldPrefix: ['objectives'] },
  );
  return { revision: out.revision, kpis };
}
