// gRPC adapter of industrial.charter.v1.CharterService: edge validation of each request (field
// named in proto form), the permission per method, mapping between proto messages and the
// domain, and the calls to the ports. Rules live in domain/; this file only translates.
import { Permission, type Principal } from '@industrial/access';
import { IsoDateTime, UnsAssetPath, UnsToken, Unit, Uuid } from '@industrial/contracts';
import { charterV1, defineService, fromSchema, unary, type CallContext } from '@industrial/grpc';
import { z } from 'zod';
import { actionFor, promptFor, type CatalogAction } from '../../domain/actions.ts';
import type { CostModel } from '../../domain/costs.ts';
import { DEFAULT_THRESHOLDS, type FeasibilityAssessment } from '../../domain/feasibility.ts';
import { kpiValue, type LineKpis } from '../../domain/kpi.ts';
import type { CatalogReader, HistorianReader, OutcomeReader } from '../../domain/ports.ts';
import { managementReport, reportHtml } from '../../domain/report.ts';
import type { Drafted, Kpi, KpiMeasurement, UseCaseState } from '../../domain/usecase.ts';
import { CharterError } from '../../errors.ts';
import { feasibilityFacts, knownAssets, lineKpisFrom } from '../../facts.ts';
import type { Actor, UseCaseRepository } from '../eventstore/usecases.ts';

const { CharterServiceService } = charterV1;

export interface CharterServiceDeps {
  repo: UseCaseRepository;
  historian: HistorianReader | null;
  catalog: CatalogReader | null;
  outcomes: OutcomeReader | null;
  newId: () => string;
  now: () => number;
  /** IANA zone of the plant, for reports. */
  timeZone: string;
}

// --- edge validation ---------------------------------------------------------------------------
const text = (max: number) => z.string().min(1, 'is required').max(max, `must be at most ${max} characters`).regex(/\S/, 'must not be blank');
const optionalToken = z.string().transform((s, ctx) => {
  if (s === '') return undefined;
  const r = UnsToken.safeParse(s);
  if (!r.success) ctx.addIssue({ code: 'custom', message: r.error.issues[0]?.message ?? 'is invalid' });
  return s;
});
const optionalTime = z.union([z.literal('').transform(() => undefined), IsoDateTime]);
const required = { message: 'is required' };
const revision = z.number().int().min(-1).optional();
const useCaseId = z.string().min(1, 'is required').pipe(z.uuid({ message: 'must be a UUID' }));

const draftInput = fromSchema(
  z.object({
    useCaseId: z.union([z.literal(''), Uuid]),
    useCase: z.object(
      {
        title: text(120),
        problem: text(4000),
        scope: z.object({ enterprise: UnsToken, site: UnsToken, area: optionalToken, line: optionalToken }, required),
        assetPaths: z.array(UnsAssetPath).min(1, 'name at least one asset'),
        owner: text(200),
        kind: z.enum(['predictive-maintenance', 'quality-prediction', 'process-optimisation'], { message: 'must be predictive-maintenance, quality-prediction or process-optimisation' }),
        questions: z.object({ whatAreWeImproving: text(1000), whyDoesItMatter: text(1000), howWillWeKnow: text(1000) }, required),
        stakeholders: z.array(z.object({ subject: text(200), role: text(120) })).max(50),
        failureModes: z.array(z.object({ assetType: UnsToken, code: UnsToken, description: text(200) })).max(100),
        requiredTags: z.array(z.object({ assetPath: UnsAssetPath, tag: UnsToken })).max(500),
      },
      required,
    ),
  }),
);

const kpiKinds = ['oee', 'unplanned-downtime-hours', 'mtbf-hours', 'mttr-hours', 'defect-rate', 'scrap-rate', 'energy-per-unit', 'custom'] as const;
const objectivesInput = fromSchema(
  z.object({
    useCaseId,
    expectedRevision: revision,
    objectives: z.object(
      {
        statement: text(1000),
        kpis: z
          .array(
            z.object({
              kpiId: z.union([z.literal(''), Uuid]),
              name: text(120),
              unit: Unit,
              direction: z.enum(['increase', 'decrease'], { message: 'must be "increase" or "decrease"' }),
              baseline: z.number(),
              target: z.number(),
              measurementWindowDays: z.number().int().min(1, 'must be 1–366 days').max(366, 'must be 1–366 days'),
              kind: z.enum(kpiKinds, { message: `must be one of ${kpiKinds.join(', ')}` }),
              deadline: IsoDateTime,
            }),
          )
          .min(1, 'set at least one KPI')
          .max(20),
        minModelMetrics: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'metric names use lowercase letters, digits and "_"'), z.number()),
      },
      required,
    ),
  }),
);

const costModelInput = fromSchema(
  z.object({
    useCaseId,
    expectedRevision: revision,
    costModel: z.object(
      {
        currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code such as "EUR"'),
        falseAlarmCost: z.number(),
        missedEventCost: z.number(),
        interventionCost: z.number(),
        downtimeCostPerHour: z.number(),
        downtimeHoursPerFailure: z.number(),
        investment: z.number(),
        runningCostPerYear: z.number(),
        assumptions: text(2000),
      },
      required,
    ),
  }),
);

const actionInput = fromSchema(
  z.object({
    useCaseId,
    expectedRevision: revision,
    action: z.object(
      {
        actionId: z.union([z.literal(''), Uuid]),
        assetType: UnsToken,
        failureMode: UnsToken,
        label: text(80),
        instructions: text(2000),
        requiresManualMode: z.boolean(),
        maxResponseMinutes: z.number().int().min(1, 'must be 1–10080 minutes').max(10_080, 'must be 1–10080 minutes'),
      },
      required,
    ),
  }),
);

const feasibilityInput = fromSchema(
  z.object({
    useCaseId,
    expectedRevision: revision,
    minHistoryDays: z.number().int().min(0),
    minLabelledFailures: z.number().int().min(0),
    minGoodRatio: z.number().min(0).max(1, 'must be 0–1'),
    horizonYears: z.number().min(0).max(50),
  }),
);

const approveInput = fromSchema(
  z.object({ useCaseId, expectedRevision: revision, comment: z.string().max(2000), reviewBy: optionalTime }),
);
const byIdInput = fromSchema(z.object({ useCaseId }));
const listActionsInput = fromSchema(z.object({ useCaseId, assetType: optionalToken, failureMode: optionalToken }));

const window = {
  useCaseId,
  assetPath: z.union([z.literal(''), UnsAssetPath]),
  from: IsoDateTime,
  to: IsoDateTime,
  idealCycleTimeSeconds: z.number().min(0, 'must not be negative'),
};
const afterFrom = (w: { from: string; to: string }) => Date.parse(w.to) > Date.parse(w.from);
const computeInput = fromSchema(z.object(window).refine(afterFrom, { message: 'must be after from', path: ['to'] }));
const recordInput = fromSchema(
  z.object({ ...window, modelVersionId: z.union([z.literal(''), Uuid]), expectedRevision: revision }).refine(afterFrom, { message: 'must be after from', path: ['to'] }),
);
const reportInput = fromSchema(
  z
    .object({ useCaseId, assetPath: window.assetPath, goLiveAt: IsoDateTime, to: IsoDateTime, idealCycleTimeSeconds: window.idealCycleTimeSeconds })
    .refine((r) => Date.parse(r.to) > Date.parse(r.goLiveAt), { message: 'must be after go_live_at', path: ['to'] }),
);

// --- mapping -------------------------------------------------------------------------------------
const orUndefined = <T>(x: T | null | undefined): T | undefined => (x === null ? undefined : x);

function toProtoUseCase(d: Drafted): charterV1.UseCase {
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
function toProtoFeasibility(f: FeasibilityAssessment): charterV1.Feasibility {
  const { useCaseId: _, roi, historyFrom, historyTo, ...rest } = f;
  return { ...rest, historyFrom: historyFrom ?? '', historyTo: historyTo ?? '', roi: roi === null ? undefined : { ...roi, paybackMonths: orUndefined(roi.paybackMonths) } };
}
const toProtoMeasurement = (m: KpiMeasurement): charterV1.KpiMeasurement => ({ ...m, modelVersionId: m.modelVersionId ?? '' });
function toProtoLine(k: LineKpis): charterV1.LineKpis {
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

function actorOf(ctx: CallContext): Actor {
  const p: Principal = ctx.principal;
  return { actor: p.subject, role: p.roles[0] ?? 'service', correlationId: ctx.correlationId, traceparent: ctx.traceparent };
}

function mustExist(state: UseCaseState, id: string): Drafted {
  if (state.draft === null) throw new CharterError('NOT_FOUND', 'use_case_id', `use case ${id} does not exist`);
  return state.draft;
}

function needs<T>(port: T | null, what: string): T {
  if (port === null) throw new CharterError('FAILED_PRECONDITION', undefined, `no ${what} is connected to the charter service`);
  return port;
}

function assetOf(draft: Drafted, assetPath: string | ''): string {
  if (assetPath === '') return draft.assetPaths[0] as string;
  if (!draft.assetPaths.includes(assetPath)) throw new CharterError('INVALID_ARGUMENT', 'asset_path', `asset_path: "${assetPath}" is not one of the use case's assets`);
  return assetPath;
}

// --- the service ---------------------------------------------------------------------------------
export function charterService(deps: CharterServiceDeps) {
  const { repo } = deps;
  const idOr = (id: string) => (id === '' ? deps.newId() : id);

  return defineService(CharterServiceService, {
    draftUseCase: unary({
      permission: Permission.UsecaseWrite,
      input: draftInput,
      resource: (r) => ({ site: r.useCase.scope.site, ...(r.useCase.scope.area === undefined ? {} : { area: r.useCase.scope.area }), ...(r.useCase.scope.line === undefined ? {} : { line: r.useCase.scope.line }) }),
      async handle(r, ctx) {
        const id = idOr(r.useCaseId);
        const { scope, ...rest } = r.useCase;
        const data: Drafted = {
          ...rest,
          useCaseId: id,
          scope: { enterprise: scope.enterprise, site: scope.site, ...(scope.area === undefined ? {} : { area: scope.area }), ...(scope.line === undefined ? {} : { line: scope.line }) },
        };
        const known = deps.catalog === null ? null : await knownAssets(deps.catalog, data.assetPaths);
        const out = await repo.execute(id, { type: 'DraftUseCase', data, knownAssets: known }, { actor: actorOf(ctx), fieldPrefix: ['useCase'] });
        return { useCaseId: id, revision: out.revision };
      },
    }),
    setObjectives: unary({
      permission: Permission.UsecaseWrite,
      input: objectivesInput,
      async handle(r, ctx) {
        const kpis: Kpi[] = r.objectives.kpis.map((k) => ({ ...k, kpiId: idOr(k.kpiId) }));
        const out = await repo.execute(
          r.useCaseId,
          { type: 'SetObjectives', data: { statement: r.objectives.statement, kpis, minModelMetrics: r.objectives.minModelMetrics }, now: deps.now() },
          { actor: actorOf(ctx), expectedRevision: r.expectedRevision, fieldPrefix: ['objectives'] },
        );
        return { revision: out.revision, kpis };
      },
    }),
    setCostModel: unary({
      permission: Permission.UsecaseWrite,
      input: costModelInput,
      async handle(r, ctx) {
        const out = await repo.execute(r.useCaseId, { type: 'SetCostModel', data: r.costModel }, { actor: actorOf(ctx), expectedRevision: r.expectedRevision });
        return { revision: out.revision };
      },
    }),
    catalogueAction: unary({
      permission: Permission.UsecaseWrite,
      input: actionInput,
      async handle(r, ctx) {
        const action: CatalogAction = { ...r.action, actionId: idOr(r.action.actionId) };
        const out = await repo.execute(r.useCaseId, { type: 'CatalogueAction', data: action }, { actor: actorOf(ctx), expectedRevision: r.expectedRevision, fieldPrefix: ['action'] });
        return { revision: out.revision, action: toProtoAction(action) };
      },
    }),
    assessFeasibility: unary({
      permission: Permission.UsecaseWrite,
      input: feasibilityInput,
      async handle(r, ctx) {
        const { state } = await repo.load(r.useCaseId);
        const draft = mustExist(state, r.useCaseId);
        const facts = await feasibilityFacts(draft, needs(deps.catalog, 'catalog'), needs(deps.historian, 'historian'));
        const thresholds = {
          minHistoryDays: r.minHistoryDays || DEFAULT_THRESHOLDS.minHistoryDays,
          minLabelledFailures: r.minLabelledFailures || DEFAULT_THRESHOLDS.minLabelledFailures,
          minGoodRatio: r.minGoodRatio || DEFAULT_THRESHOLDS.minGoodRatio,
          horizonYears: r.horizonYears || DEFAULT_THRESHOLDS.horizonYears,
        };
        const out = await repo.execute(r.useCaseId, { type: 'AssessFeasibility', facts, thresholds, now: deps.now() }, { actor: actorOf(ctx), expectedRevision: r.expectedRevision });
        const assessed = out.state.feasibility as FeasibilityAssessment;
        return { revision: out.revision, feasibility: toProtoFeasibility(assessed) };
      },
    }),
    approveUseCase: unary({
      permission: Permission.UsecaseApprove,
      input: approveInput,
      async handle(r, ctx) {
        const out = await repo.execute(
          r.useCaseId,
          { type: 'ApproveUseCase', approver: ctx.principal.subject, now: deps.now(), ...(r.comment.trim() === '' ? {} : { comment: r.comment }), ...(r.reviewBy === undefined ? {} : { reviewBy: r.reviewBy }) },
          { actor: actorOf(ctx), expectedRevision: r.expectedRevision },
        );
        return { revision: out.revision };
      },
    }),
    getUseCase: unary({
      permission: Permission.UsecaseRead,
      input: byIdInput,
      async handle(r) {
        const { state, revision } = await repo.load(r.useCaseId);
        const draft = mustExist(state, r.useCaseId);
        return {
          useCase: toProtoUseCase(draft),
          objectives: state.objectives === null ? undefined : { statement: state.objectives.statement, kpis: state.objectives.kpis, minModelMetrics: state.objectives.minModelMetrics },
          costModel: state.costModel === null ? undefined : toProtoCostModel(state.costModel),
          actions: state.actions.map(toProtoAction),
          feasibility: state.feasibility === null ? undefined : toProtoFeasibility(state.feasibility),
          approval: state.approval === null ? undefined : { comment: state.approval.comment ?? '', reviewBy: state.approval.reviewBy ?? '' },
          measurements: state.measurements.map(toProtoMeasurement),
          status: state.approval === null ? 'draft' : 'approved',
          revision: revision ?? -1,
        };
      },
    }),
    getCostModel: unary({
      permission: Permission.UsecaseRead,
      input: byIdInput,
      async handle(r) {
        const { state, revision } = await repo.load(r.useCaseId);
        mustExist(state, r.useCaseId);
        if (state.costModel === null) throw new CharterError('NOT_FOUND', 'use_case_id', `use case ${r.useCaseId} has no cost model yet`);
        return { costModel: toProtoCostModel(state.costModel), revision: revision ?? -1 };
      },
    }),
    listActions: unary({
      permission: Permission.UsecaseRead,
      input: listActionsInput,
      async handle(r) {
        const { state } = await repo.load(r.useCaseId);
        mustExist(state, r.useCaseId);
        if (r.assetType === undefined && r.failureMode === undefined) return { actions: state.actions.map(toProtoAction) };
        if (r.assetType === undefined || r.failureMode === undefined) throw new CharterError('INVALID_ARGUMENT', r.assetType === undefined ? 'asset_type' : 'failure_mode', 'asset_type and failure_mode go together');
        const action = actionFor(state.actions, r.assetType, r.failureMode);
        if (action === undefined) throw new CharterError('NOT_FOUND', 'failure_mode', `no action is catalogued for ${r.failureMode} on ${r.assetType}`);
        return { actions: [toProtoAction(action)] };
      },
    }),
    computeKpis: unary({
      permission: Permission.UsecaseRead,
      input: computeInput,
      async handle(r) {
        const { state } = await repo.load(r.useCaseId);
        const draft = mustExist(state, r.useCaseId);
        const line = await lineKpisFrom(needs(deps.historian, 'historian'), assetOf(draft, r.assetPath), Date.parse(r.from), Date.parse(r.to), r.idealCycleTimeSeconds);
        const values = (state.objectives?.kpis ?? []).map((k) => ({ kpiId: k.kpiId, name: k.name, kind: k.kind, unit: k.unit, value: orUndefined(kpiValue(k.kind, line)) }));
        return { line: toProtoLine(line), values };
      },
    }),
    recordKpis: unary({
      permission: Permission.UsecaseWrite,
      input: recordInput,
      async handle(r, ctx) {
        const { state } = await repo.load(r.useCaseId);
        const draft = mustExist(state, r.useCaseId);
        const line = await lineKpisFrom(needs(deps.historian, 'historian'), assetOf(draft, r.assetPath), Date.parse(r.from), Date.parse(r.to), r.idealCycleTimeSeconds);
        const measurements = (state.objectives?.kpis ?? []).flatMap((k) => {
          const value = kpiValue(k.kind, line);
          return value === null
            ? []
            : [{ kpiId: k.kpiId, value, unit: k.unit, periodStart: r.from, periodEnd: r.to, source: 'computed' as const, modelVersionId: r.modelVersionId === '' ? null : r.modelVersionId }];
        });
        if (measurements.length === 0) throw new CharterError('FAILED_PRECONDITION', undefined, 'none of the use case KPIs can be computed from the historian over this window');
        const out = await repo.execute(r.useCaseId, { type: 'RecordKpis', measurements }, { actor: actorOf(ctx), expectedRevision: r.expectedRevision });
        return { revision: out.revision, measurements: measurements.map((m) => toProtoMeasurement({ useCaseId: r.useCaseId, ...m })) };
      },
    }),
    getReport: unary({
      permission: Permission.UsecaseRead,
      input: reportInput,
      async handle(r) {
        const { state } = await repo.load(r.useCaseId);
        const draft = mustExist(state, r.useCaseId);
        const historian = needs(deps.historian, 'historian');
        const asset = assetOf(draft, r.assetPath);
        const goLive = Date.parse(r.goLiveAt);
        const to = Date.parse(r.to);
        const [before, since, outcomes] = await Promise.all([
          lineKpisFrom(historian, asset, goLive - (to - goLive), goLive, r.idealCycleTimeSeconds),
          lineKpisFrom(historian, asset, goLive, to, r.idealCycleTimeSeconds),
          deps.outcomes === null ? Promise.resolve([]) : deps.outcomes.outcomes(r.useCaseId, goLive, to),
        ]);
        const report = managementReport({ state, goLiveAt: goLive, to, before, since, outcomes, timeZone: deps.timeZone, generatedAt: deps.now() });
        return { reportJson: JSON.stringify(report), html: reportHtml(report) };
      },
    }),
  });
}
