// The use-case aggregate: commands, the events of stream `usecase-<id>`, decide and evolve.
// Pure: the clock (`now`), ids and the facts read from ports arrive in the commands, so a replay
// decides the same. Refusals are values naming the field (request field names, camelCase path).
import type { EventData } from '@industrial/contracts';
import type { CatalogAction } from './actions.ts';
import type { CostModel } from './costs.ts';
import { assessFeasibility, type FeasibilityFacts, type FeasibilityThresholds } from './feasibility.ts';
import { sameSpec, servingSpecProblem, type CatalogEntry, type ServingSpec } from './serving-spec.ts';

export type Drafted = EventData<'UseCaseDrafted'>;
export type Objectives = EventData<'ObjectiveSet'>;
export type Kpi = Objectives['kpis'][number];
export type Feasibility = EventData<'FeasibilityAssessed'>;
export type Approval = EventData<'UseCaseApproved'>;
export type KpiMeasurement = EventData<'KpiMeasured'>;
export type ServingSpecDefined = EventData<'UseCaseServingSpecDefined'>;

export type CharterEvent =
  | { type: 'UseCaseDrafted'; data: Drafted }
  | { type: 'ObjectiveSet'; data: Objectives }
  | { type: 'CostModelSet'; data: EventData<'CostModelSet'> }
  | { type: 'ActionCatalogued'; data: EventData<'ActionCatalogued'> }
  | { type: 'FeasibilityAssessed'; data: Feasibility }
  | { type: 'UseCaseApproved'; data: Approval }
  | { type: 'KpiMeasured'; data: KpiMeasurement }
  | { type: 'UseCaseServingSpecDefined'; data: ServingSpecDefined };
export type CharterEventType = CharterEvent['type'];
export const CHARTER_EVENT_TYPES: readonly CharterEventType[] = [
  'UseCaseDrafted',
  'ObjectiveSet',
  'CostModelSet',
  'ActionCatalogued',
  'FeasibilityAssessed',
  'UseCaseApproved',
  'KpiMeasured',
  'UseCaseServingSpecDefined',
];

export type CharterCommand =
  | { type: 'DraftUseCase'; data: Drafted; /** Assets the catalog knows; null = no catalog to check against. */ knownAssets: readonly string[] | null }
  | { type: 'SetObjectives'; data: Omit<Objectives, 'useCaseId'>; now: number }
  | { type: 'SetCostModel'; data: CostModel }
  | { type: 'CatalogueAction'; data: CatalogAction }
  | { type: 'AssessFeasibility'; facts: FeasibilityFacts; thresholds: FeasibilityThresholds; now: number }
  | { type: 'ApproveUseCase'; comment?: string; reviewBy?: string; approver: string; now: number }
  | { type: 'RecordKpis'; measurements: readonly Omit<KpiMeasurement, 'useCaseId'>[] }
  | {
      type: 'DefineServingSpec';
      spec: ServingSpec;
      /** Catalogued tags under the spec's prefix; null = no catalog connected (only the spec's own consistency is checked). */
      catalog: readonly CatalogEntry[] | null;
    };

export interface UseCaseState {
  useCaseId: string | null;
  draft: Drafted | null;
  /** The authenticated subject that drafted the use case (the UseCaseDrafted event's actor); null when unknown. */
  draftedBy: string | null;
  objectives: Objectives | null;
  costModel: CostModel | null;
  actions: CatalogAction[];
  feasibility: Feasibility | null;
  approval: Approval | null;
  measurements: KpiMeasurement[];
  /** How the use case is served (the latest UseCaseServingSpecDefined), null until defined. */
  serving: Omit<ServingSpecDefined, 'useCaseId'> | null;
}

export const initialState = (): UseCaseState => ({
  useCaseId: null,
  draft: null,
  draftedBy: null,
  objectives: null,
  costModel: null,
  actions: [],
  feasibility: null,
  approval: null,
  measurements: [],
  serving: null,
});

/** Why a command was refused: a stable code (mapped to a gRPC status by the adapter), the field and the reason. */
export interface Refusal {
  code: 'INVALID_ARGUMENT' | 'NOT_FOUND' | 'ALREADY_EXISTS' | 'FAILED_PRECONDITION' | 'FOUR_EYES_VIOLATION';
  /** Path of the offending request field, e.g. ['kpis', 0, 'target']; empty for the request as a whole. */
  path: (string | number)[];
  reason: string;
}
export type Decision = { ok: true; events: CharterEvent[] } | { ok: false; refusal: Refusal };

/**
 * Four eyes compares who people are, not how a name was typed: trimmed, Unicode-normalised (NFKC),
 * case-insensitive, and with a `user:` prefix ignored, so `Alice`, `alice ` and `user:alice` are one person.
 */
export function sameSubject(a: string, b: string): boolean {
  const norm = (s: string) =>
    s
      .normalize('NFKC')
      .trim()
      .toLowerCase()
      .replace(/^user:/, '');
  return norm(a) === norm(b);
}

const refuse = (code: Refusal['code'], path: Refusal['path'], reason: string): Decision => ({ ok: false, refusal: { code, path, reason } });
const accept = (...events: CharterEvent[]): Decision => ({ ok: true, events });

function checkDraft(d: Drafted, knownAssets: readonly string[] | null): Decision | null {
  const scope = [d.scope.enterprise, d.scope.site, d.scope.area, d.scope.line];
  for (const [i, path] of d.assetPaths.entries()) {
    const levels = path.split('.');
    for (let l = 0; l < scope.length; l++) {
      const want = scope[l];
      if (want !== undefined && levels[l] !== want)
        return refuse('INVALID_ARGUMENT', ['assetPaths', i], `asset "${path}" is outside the scope ${scope.filter((s) => s !== undefined).join('.')}`);
    }
    if (knownAssets !== null && !knownAssets.includes(path))
      return refuse('INVALID_ARGUMENT', ['assetPaths', i], `asset "${path}" is not known to the catalog`);
  }
  const seen = new Set<string>();
  for (const [i, fm] of d.failureModes.entries()) {
    const key = `${fm.assetType}/${fm.code}`;
    if (seen.has(key)) return refuse('INVALID_ARGUMENT', ['failureModes', i, 'code'], `failure mode "${fm.code}" of "${fm.assetType}" is declared twice`);
    seen.add(key);
  }
  for (const [i, t] of d.requiredTags.entries()) {
    if (!d.assetPaths.includes(t.assetPath))
      return refuse('INVALID_ARGUMENT', ['requiredTags', i, 'assetPath'], `asset "${t.assetPath}" is not one of the use case's assets`);
  }
  return null;
}

function checkObjectives(o: Omit<Objectives, 'useCaseId'>, now: number): Decision | null {
  const ids = new Set<string>();
  for (const [i, k] of o.kpis.entries()) {
    if (!Number.isFinite(k.baseline)) return refuse('INVALID_ARGUMENT', ['kpis', i, 'baseline'], 'must be a finite number');
    if (!Number.isFinite(k.target)) return refuse('INVALID_ARGUMENT', ['kpis', i, 'target'], 'must be a finite number');
    const better = k.direction === 'increase' ? k.target > k.baseline : k.target < k.baseline;
    if (!better) {
      return refuse(
        'INVALID_ARGUMENT',
        ['kpis', i, 'target'],
        `must be ${k.direction === 'increase' ? 'above' : 'below'} the baseline ${k.baseline} (${k.name} should ${k.direction})`,
      );
    }
    const deadline = Date.parse(k.deadline);
    if (!Number.isFinite(deadline)) return refuse('INVALID_ARGUMENT', ['kpis', i, 'deadline'], 'must be an ISO-8601 date-time with an offset');
    if (deadline <= now) return refuse('INVALID_ARGUMENT', ['kpis', i, 'deadline'], `is in the past (${k.deadline})`);
    if (ids.has(k.kpiId)) return refuse('INVALID_ARGUMENT', ['kpis', i, 'kpiId'], 'is used twice');
    ids.add(k.kpiId);
    const ratio = k.kind === 'oee' || k.kind === 'defect-rate' || k.kind === 'scrap-rate';
    if (ratio && (k.target < 0 || k.target > 1)) return refuse('INVALID_ARGUMENT', ['kpis', i, 'target'], `${k.kind} is a ratio: must be 0–1`);
    if (k.target < 0 && k.kind !== 'custom') return refuse('INVALID_ARGUMENT', ['kpis', i, 'target'], 'must not be negative');
  }
  for (const [name, value] of Object.entries(o.minModelMetrics)) {
    if (!Number.isFinite(value) || value < 0 || value > 1) return refuse('INVALID_ARGUMENT', ['minModelMetrics', name], 'must be a number 0–1');
  }
  return null;
}

const COSTS = [
  'falseAlarmCost',
  'missedEventCost',
  'interventionCost',
  'downtimeCostPerHour',
  'downtimeHoursPerFailure',
  'investment',
  'runningCostPerYear',
] as const;

export function decide(command: CharterCommand, state: UseCaseState): Decision {
  if (command.type === 'DraftUseCase') {
    if (state.draft !== null) return refuse('ALREADY_EXISTS', ['useCaseId'], `use case ${state.draft.useCaseId} already exists`);
    return checkDraft(command.data, command.knownAssets) ?? accept({ type: 'UseCaseDrafted', data: command.data });
  }
  const draft = state.draft;
  if (draft === null) return refuse('NOT_FOUND', ['useCaseId'], 'no such use case: draft it first');
  const useCaseId = draft.useCaseId;
  switch (command.type) {
    case 'SetObjectives':
      return checkObjectives(command.data, command.now) ?? accept({ type: 'ObjectiveSet', data: { useCaseId, ...command.data } });
    case 'SetCostModel': {
      for (const field of COSTS) {
        const v = command.data[field];
        if (!Number.isFinite(v)) return refuse('INVALID_ARGUMENT', ['costModel', field], 'must be a finite number');
        if (v < 0) return refuse('INVALID_ARGUMENT', ['costModel', field], `must not be negative (got ${v})`);
      }
      return accept({ type: 'CostModelSet', data: { useCaseId, ...command.data } });
    }
    case 'CatalogueAction': {
      const a = command.data;
      const types = new Set(draft.failureModes.map((f) => f.assetType));
      if (!types.has(a.assetType))
        return refuse(
          'INVALID_ARGUMENT',
          ['assetType'],
          `asset type "${a.assetType}" has no declared failure modes (known: ${[...types].join(', ') || 'none'})`,
        );
      const modes = draft.failureModes.filter((f) => f.assetType === a.assetType).map((f) => f.code);
      if (!modes.includes(a.failureMode))
        return refuse('INVALID_ARGUMENT', ['failureMode'], `unknown failure mode "${a.failureMode}" for ${a.assetType} (known: ${modes.join(', ')})`);
      if (!Number.isInteger(a.maxResponseMinutes) || a.maxResponseMinutes < 1)
        return refuse('INVALID_ARGUMENT', ['maxResponseMinutes'], 'must be a whole number of minutes ≥ 1');
      return accept({ type: 'ActionCatalogued', data: { useCaseId, ...a } });
    }
    case 'AssessFeasibility':
      return accept({
        type: 'FeasibilityAssessed',
        data: assessFeasibility({
          useCaseId,
          facts: command.facts,
          thresholds: command.thresholds,
          costModel: state.costModel,
          minModelMetrics: state.objectives?.minModelMetrics ?? null,
          declaredFailureModes: draft.failureModes.map((f) => f.code),
          now: command.now,
        }),
      });
    case 'ApproveUseCase': {
      if (state.approval !== null) return refuse('FAILED_PRECONDITION', [], 'the use case is already approved');
      if (state.objectives === null) return refuse('FAILED_PRECONDITION', [], 'set the objectives and KPIs before approving');
      if (state.costModel === null) return refuse('FAILED_PRECONDITION', [], 'set the cost model before approving');
      if (state.feasibility === null) return refuse('FAILED_PRECONDITION', [], 'assess feasibility before approving');
      if (state.feasibility.verdict === 'not-feasible')
        return refuse('FAILED_PRECONDITION', [], `the use case is not feasible: ${state.feasibility.redFlags.join(' ')}`);
      if (state.draftedBy !== null && sameSubject(command.approver, state.draftedBy))
        return refuse('FOUR_EYES_VIOLATION', [], `${state.draftedBy} drafted this use case and cannot approve it`);
      if (sameSubject(command.approver, draft.owner)) return refuse('FOUR_EYES_VIOLATION', [], `the owner ${draft.owner} cannot approve their own use case`);
      if (command.reviewBy !== undefined && !(Date.parse(command.reviewBy) > command.now))
        return refuse('INVALID_ARGUMENT', ['reviewBy'], 'must be in the future');
      return accept({
        type: 'UseCaseApproved',
        data: {
          useCaseId,
          ...(command.comment === undefined ? {} : { comment: command.comment }),
          ...(command.reviewBy === undefined ? {} : { reviewBy: command.reviewBy }),
        },
      });
    }
    case 'RecordKpis': {
      const kpis = state.objectives?.kpis ?? [];
      for (const [i, m] of command.measurements.entries()) {
        if (!kpis.some((k) => k.kpiId === m.kpiId)) return refuse('INVALID_ARGUMENT', ['measurements', i, 'kpiId'], 'is not a KPI of this use case');
        if (!(Date.parse(m.periodEnd) > Date.parse(m.periodStart)))
          return refuse('INVALID_ARGUMENT', ['measurements', i, 'periodEnd'], 'must be after periodStart');
      }
      return accept(...command.measurements.map((m): CharterEvent => ({ type: 'KpiMeasured', data: { useCaseId, ...m } })));
    }
    case 'DefineServingSpec': {
      const problem = servingSpecProblem(command.spec, command.catalog);
      if (problem !== null) return refuse('INVALID_ARGUMENT', ['specJson', ...problem.path], problem.reason);
      // The same content again records nothing: loading the demo's data files at every start is idempotent.
      if (state.serving !== null && sameSpec(state.serving.spec, command.spec)) return accept();
      return accept({
        type: 'UseCaseServingSpecDefined',
        data: { useCaseId, specVersion: (state.serving?.specVersion ?? 0) + 1, spec: command.spec },
      });
    }
    default: {
      const never: never = command;
      return refuse('INVALID_ARGUMENT', [], `unknown command ${(never as { type: string }).type}`);
    }
  }
}

const without = <T extends { useCaseId: string }>(data: T): Omit<T, 'useCaseId'> => {
  const { useCaseId: _, ...rest } = data;
  return rest;
};

/** One event folded in; `metadata.actor` (who recorded it, from the token) is kept for the drafter. */
export function evolve(state: UseCaseState, event: CharterEvent & { readonly metadata?: { readonly actor: string } }): UseCaseState {
  switch (event.type) {
    case 'UseCaseDrafted':
      return { ...state, useCaseId: event.data.useCaseId, draft: event.data, draftedBy: event.metadata?.actor ?? null };
    case 'ObjectiveSet':
      return { ...state, objectives: event.data };
    case 'CostModelSet':
      return { ...state, costModel: without(event.data) };
    case 'ActionCatalogued':
      return { ...state, actions: [...state.actions.filter((a) => a.actionId !== event.data.actionId), without(event.data)] };
    case 'FeasibilityAssessed':
      return { ...state, feasibility: event.data };
    case 'UseCaseApproved':
      return { ...state, approval: event.data };
    case 'KpiMeasured':
      return { ...state, measurements: [...state.measurements, event.data] };
    case 'UseCaseServingSpecDefined':
      return { ...state, serving: without(event.data) };
    default: {
      const never: never = event;
      return never;
    }
  }
}

export const fold = (events: readonly CharterEvent[], from: UseCaseState = initialState()): UseCaseState => events.reduce(evolve, from);

export const streamOf = (useCaseId: string): string => `usecase-${useCaseId}`;
