// Use case "management report" (GetReport): the line before go-live against the same span since,
// prompt outcomes from inference, downtime avoided and savings from the cost model, as JSON and as
// HTML in the plant's time zone.
import { managementReport, reportHtml, type ManagementReport } from '../domain/report.ts';
import { assetOf, mustExist, needs, type CharterContext } from './context.ts';
import { lineKpisFrom } from './facts.ts';
import { loadUseCase } from './use-case-stream.ts';

export interface GetReportInput {
  readonly useCaseId: string;
  readonly assetPath?: string | undefined;
  /** ISO-8601: go-live, and the end of the span since (the span before is as long). */
  readonly goLiveAt: string;
  readonly to: string;
  readonly idealCycleTimeSeconds: number;
}

export async function getReport(ctx: CharterContext, input: GetReportInput): Promise<{ report: ManagementReport; html: string }> {
  const { state } = await loadUseCase(ctx.kernel, input.useCaseId);
  const draft = mustExist(state, input.useCaseId);
  const historian = needs(ctx.historian, 'historian');
  const asset = assetOf(draft, input.assetPath);
  const goLive = Date.parse(input.goLiveAt);
  const to = Date.parse(input.to);
  const [before, since, outcomes] = await Promise.all([
    lineKpisFrom(historian, asset, goLive - (to - goLive), goLive, input.idealCycleTimeSeconds),
    lineKpisFrom(historian, asset, goLive, to, input.idealCycleTimeSeconds),
    ctx.outcomes === null ? Promise.resolve([]) : ctx.outcomes.outcomes(input.useCaseId, goLive, to),
  ]);
  const report = managementReport({ state, goLiveAt: goLive, to, before, since, outcomes, timeZone: ctx.timeZone, generatedAt: ctx.now() });
  return { report, html: reportHtml(report) };
}
