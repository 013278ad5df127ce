// Mapping between the charter's domain values and the CharterService proto messages (absent
// optional values are '' or unset in proto).
import type { charterV1 } from '@industrial/grpc';
import { promptFor, type CatalogAction } from '../../domain/actions.ts';
import type { CostModel } from '../../domain/costs.ts';
import type { FeasibilityAssessment } from '../../domain/feasibility.ts';
import type { LineKpis } from '../../domain/kpi.ts';
import type { Drafted, KpiMeasurement } from '../../domain/usecase.ts';
import type { UseCaseView } from '../../features/get-use-case.ts';
import type { UseCaseSummaryView } from '../../features/list-use-cases.ts';

export const orUndefined = <T>(x: T | null | undefined): T | undefined => (x === null ? undefined : x);

export function toProtoUseCase(d: Drafted): charterV1.UseCase {
  return {
    useCaseId: d.useCaseId,
    title: d.title,
    problem: d.problem,
    scope: { enterprise: d.scope.enterprise, site: d.scope.site, area: d.scope.area ?? '', line: d.scope.line ?? '' },
    assetPaths: d.assetPaths,
    owner: d.owner,
    kind: d.kind,
    questions: d.questions,
    stakeholders: d.stakeholders,
    failureModes: d.failureModes,
    requiredTags: d.requiredTags,
  };
}

export const toProtoCostModel = (m: CostModel): charterV1.CostModel => ({ ...m });
export const toProtoAction = (a: CatalogAction): charterV1.Action => ({ ...a, prompt: promptFor(a) });

export function toProtoFeasibility(f: FeasibilityAssessment): charterV1.Feasibility {
  const { useCaseId: _, roi, historyFrom, historyTo, ...rest } = f;
  return {
    ...rest,
    historyFrom: historyFrom ?? '',
    historyTo: historyTo ?? '',
    roi: roi === null ? undefined : { ...roi, paybackMonths: orUndefined(roi.paybackMonths) },
  };
}

export const toProtoMeasurement = (m: KpiMeasurement): charterV1.KpiMeasurement => ({ ...m, modelVersionId: m.modelVersionId ?? '' });

export function toProtoLine(k: LineKpis): charterV1.LineKpis {
  return {
    ...k,
    availability: orUndefined(k.availability),
    performance: orUndefined(k.performance),
    quality: orUndefined(k.quality),
    oee: orUndefined(k.oee),
    mtbfHours: orUndefined(k.mtbfHours),
    mttrHours: orUndefined(k.mttrHours),
    defectRate: orUndefined(k.defectRate),
    scrapRate: orUndefined(k.scrapRate),
    energyPerUnitKwh: orUndefined(k.energyPerUnitKwh),
  };
}

export function toProtoSummary(v: UseCaseSummaryView): charterV1.UseCaseSummary {
  const u = toProtoUseCase(v.draft);
  return {
    useCaseId: u.useCaseId,
    title: u.title,
    kind: u.kind,
    scope: u.scope,
    assetPaths: u.assetPaths,
    status: v.status,
    revision: v.revision,
    servingSpecVersion: v.servingSpecVersion,
  };
}

export function toProtoGetUseCase(v: UseCaseView): charterV1.GetUseCaseResponse {
  const { state } = v;
  return {
    useCase: toProtoUseCase(v.draft),
    objectives:
      state.objectives === null
        ? undefined
        : { statement: state.objectives.statement, kpis: state.objectives.kpis, minModelMetrics: state.objectives.minModelMetrics },
    costModel: state.costModel === null ? undefined : toProtoCostModel(state.costModel),
    actions: state.actions.map(toProtoAction),
    feasibility: state.feasibility === null ? undefined : toProtoFeasibility(state.feasibility),
    approval: state.approval === null ? undefined : { comment: state.approval.comment ?? '', reviewBy: state.approval.reviewBy ?? '' },
    measurements: state.measurements.map(toProtoMeasurement),
    status: v.status,
    revision: v.revision,
    servingSpecJson: state.serving === null ? '' : JSON.stringify(state.serving.spec),
    servingSpecVersion: state.serving?.specVersion ?? 0,
  };
}
