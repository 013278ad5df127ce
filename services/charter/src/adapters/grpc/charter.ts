// gRPC adapter of industrial.charter.v1.CharterService: per method the permission, the resource
// (for location-scoped checks), the edge validation (requests.ts), one call to the use case in
// src/features/ and the mapping of its result to proto (mapping.ts). No rules live here.
import { Permission } from '@industrial/access';
import { Service } from '@industrial/contracts';
import { charterV1, defineService, unary, type CallContext } from '@industrial/grpc';
import { causeOfCall, resourceOfAssetPath, type Cause } from '@industrial/kernel';
import { catalogueAction, listActions } from '../../features/action-catalog.ts';
import { approveUseCase } from '../../features/approve-use-case.ts';
import { assessFeasibility } from '../../features/assess-feasibility.ts';
import type { CharterContext } from '../../features/context.ts';
import { getCostModel, setCostModel } from '../../features/cost-model.ts';
import { defineServingSpec } from '../../features/define-serving-spec.ts';
import { draftUseCase } from '../../features/draft-use-case.ts';
import { getUseCase } from '../../features/get-use-case.ts';
import { createUseCaseLister } from '../../features/list-use-cases.ts';
import { computeKpis, recordKpis } from '../../features/kpi-tracking.ts';
import { getReport } from '../../features/management-report.ts';
import { setObjectives } from '../../features/set-objectives.ts';
import { atEdge } from './errors.ts';
import {
  orUndefined,
  toProtoAction,
  toProtoCostModel,
  toProtoFeasibility,
  toProtoGetUseCase,
  toProtoLine,
  toProtoMeasurement,
  toProtoSummary,
} from './mapping.ts';
import {
  actionInput,
  approveInput,
  byIdInput,
  computeInput,
  costModelInput,
  draftInput,
  feasibilityInput,
  listActionsInput,
  listUseCasesInput,
  objectivesInput,
  recordInput,
  reportInput,
  servingSpecInput,
} from './requests.ts';

const { CharterServiceService } = charterV1;

const causeOf = (ctx: CallContext): Cause => causeOfCall(ctx, { service: Service.Charter });

export function charterService(uc: CharterContext) {
  const lister = createUseCaseLister();
  return defineService(CharterServiceService, {
    draftUseCase: unary({
      permission: Permission.UsecaseWrite,
      input: draftInput,
      resource: (r) =>
        resourceOfAssetPath(
          [r.useCase.scope.enterprise, r.useCase.scope.site, r.useCase.scope.area, r.useCase.scope.line].filter((l) => l !== undefined).join('.'),
        ),
      handle: (r, ctx) => atEdge(() => draftUseCase(uc, r, causeOf(ctx))),
    }),
    setObjectives: unary({
      permission: Permission.UsecaseWrite,
      input: objectivesInput,
      handle: (r, ctx) => atEdge(() => setObjectives(uc, r, causeOf(ctx))),
    }),
    setCostModel: unary({
      permission: Permission.UsecaseWrite,
      input: costModelInput,
      handle: (r, ctx) => atEdge(() => setCostModel(uc, r, causeOf(ctx))),
    }),
    catalogueAction: unary({
      permission: Permission.UsecaseWrite,
      input: actionInput,
      handle: (r, ctx) =>
        atEdge(async () => {
          const out = await catalogueAction(uc, r, causeOf(ctx));
          return { revision: out.revision, action: toProtoAction(out.action) };
        }),
    }),
    assessFeasibility: unary({
      permission: Permission.UsecaseWrite,
      input: feasibilityInput,
      handle: (r, ctx) =>
        atEdge(async () => {
          const { useCaseId, expectedRevision, ...thresholds } = r;
          const out = await assessFeasibility(uc, { useCaseId, expectedRevision, thresholds }, causeOf(ctx));
          return { revision: out.revision, feasibility: toProtoFeasibility(out.feasibility) };
        }),
    }),
    approveUseCase: unary({
      permission: Permission.UsecaseApprove,
      input: approveInput,
      handle: (r, ctx) => atEdge(() => approveUseCase(uc, r, causeOf(ctx))),
    }),
    getUseCase: unary({
      permission: Permission.UsecaseRead,
      input: byIdInput,
      handle: (r) => atEdge(async () => toProtoGetUseCase(await getUseCase(uc, r.useCaseId))),
    }),
    listUseCases: unary({
      permission: Permission.UsecaseRead,
      input: listUseCasesInput,
      handle: (r) => atEdge(async () => ({ useCases: (await lister.list(uc, r.pageSize === 0 ? 100 : r.pageSize)).map(toProtoSummary) })),
    }),
    getCostModel: unary({
      permission: Permission.UsecaseRead,
      input: byIdInput,
      handle: (r) =>
        atEdge(async () => {
          const out = await getCostModel(uc, r.useCaseId);
          return { costModel: toProtoCostModel(out.costModel), revision: out.revision };
        }),
    }),
    listActions: unary({
      permission: Permission.UsecaseRead,
      input: listActionsInput,
      handle: (r) =>
        atEdge(async () => {
          const filter = r.assetType === undefined || r.failureMode === undefined ? undefined : { assetType: r.assetType, failureMode: r.failureMode };
          return { actions: (await listActions(uc, r.useCaseId, filter)).map(toProtoAction) };
        }),
    }),
    computeKpis: unary({
      permission: Permission.UsecaseRead,
      input: computeInput,
      handle: (r) =>
        atEdge(async () => {
          const out = await computeKpis(uc, r);
          return { line: toProtoLine(out.line), values: out.values.map((v) => ({ ...v, value: orUndefined(v.value) })) };
        }),
    }),
    recordKpis: unary({
      permission: Permission.UsecaseWrite,
      input: recordInput,
      handle: (r, ctx) =>
        atEdge(async () => {
          const out = await recordKpis(uc, r, causeOf(ctx));
          return { revision: out.revision, measurements: out.measurements.map(toProtoMeasurement) };
        }),
    }),
    defineServingSpec: unary({
      permission: Permission.UsecaseWrite,
      input: servingSpecInput,
      handle: (r, ctx) => atEdge(() => defineServingSpec(uc, r, causeOf(ctx))),
    }),
    getReport: unary({
      permission: Permission.UsecaseRead,
      input: reportInput,
      handle: (r) =>
        atEdge(async () => {
          const out = await getReport(uc, r);
          return { reportJson: JSON.stringify(out.report), html: out.html };
        }),
    }),
  });
}
