// Model registry decisions on the state of one use case's model stream (registry-state.ts):
// register a trained version (governance assigns the version number), request approval, approve
// (four eyes) or reject, promote an approved request, roll back, and the break-glass promotion that
// skips the approval workflow but records it. Pure: no I/O, no clock; ids and actors come in as data.
// A decision returns the events to append (none = already done), or throws a RegistryError
// (NOT_FOUND / FAILED_PRECONDITION), FourEyesError or ShadowOnlyError.
import type { EventData, PlatformEvent } from '@industrial/contracts';
import { productionHolderFor } from './production-gates.ts';
import { ShadowOnlyError, shadowOnlyRefusal, type Requester } from './request-authority.ts';
import {
  RegistryError,
  assertFourEyes,
  deployed,
  holderOf,
  isRefused,
  versionOf,
  type ApprovalRequestView,
  type DeploymentStage,
  type RegisteredVersion,
  type RegistryState,
} from './registry-state.ts';

export * from './registry-state.ts';

export type DecisionType =
  | 'ModelVersionRegistered'
  | 'ModelApprovalRequested'
  | 'ModelApproved'
  | 'ModelRejected'
  | 'ModelPromoted'
  | 'ModelRolledBack'
  | 'ModelGatesSet'
  | 'ModelRollbackProposed';
/** One event to append (a contract event of governance's model stream). */
export type Decision<T extends DecisionType = DecisionType> = Extract<PlatformEvent, { type: T }>;

const notFound = (message: string) => new RegistryError('NOT_FOUND', message);
const precondition = (message: string) => new RegistryError('FAILED_PRECONDITION', message);
const scoped = (scope: string | null) => (scope === null ? {} : { scope });
const where = (scope: string | null): string => (scope === null ? 'the use-case-wide deployment' : `scope ${scope}`);
const holderText = (id: string | null, stage: DeploymentStage): string => id ?? (stage === 'production' ? 'no model (the rule-based limits)' : 'none');

function usableVersion(s: RegistryState, useCaseId: string, versionId: string, what: string): RegisteredVersion {
  const v = versionOf(s, versionId);
  if (v === undefined || v.useCaseId !== useCaseId) throw notFound(`${what} ${versionId} is not a registered model version of use case ${useCaseId}`);
  if (isRefused(s, versionId)) {
    const r = s.deployments.refusals.get(versionId)?.[0];
    throw precondition(`${what} ${versionId} (version ${v.version}) is refused (${r === undefined ? 'refused' : `${r.check}: ${r.reason}`}) and cannot serve`);
  }
  return v;
}

function request(s: RegistryState, requestId: string): ApprovalRequestView {
  const r = s.requests.get(requestId);
  if (r === undefined) throw notFound(`approval request ${requestId} does not exist for this use case`);
  return r;
}

const decidedBy = (r: ApprovalRequestView): string =>
  r.status === 'promoted' ? ` (promoted by ${r.promotedBy} at ${r.promotedAt})` : r.decidedBy === null ? '' : ` (by ${r.decidedBy} at ${r.decidedAt})`;

function pendingRequest(s: RegistryState, requestId: string): ApprovalRequestView {
  const r = request(s, requestId);
  if (r.status !== 'pending') throw precondition(`approval request ${requestId} is ${r.status}${decidedBy(r)}, not pending`);
  return r;
}

// ── register ─────────────────────────────────────────────────────────────────────────────────

/** What training asks to register: the registration without its version number (governance assigns it). */
export type RegisterCommand = Omit<EventData<'ModelVersionRegistered'>, 'version'>;

/**
 * ModelVersionRegistered with the next version number of the use case (1, 2, …). Idempotent per
 * run: the same run registered again returns [] (its registration stands); a model version id
 * already taken by another run is refused.
 */
export function decideRegister(s: RegistryState, c: RegisterCommand): Decision<'ModelVersionRegistered'>[] {
  const all = [...s.deployments.registered.values()];
  const sameRun = all.find((v) => v.runId === c.runId && v.useCaseId === c.useCaseId);
  if (sameRun !== undefined) {
    if (sameRun.artifactHash !== c.artifactHash || sameRun.modelVersionId !== c.modelVersionId) {
      throw precondition(
        `run ${c.runId} already registered model version ${sameRun.modelVersionId} (version ${sameRun.version}, artifact ${sameRun.artifactHash}); a run registers one model`,
      );
    }
    return [];
  }
  const taken = versionOf(s, c.modelVersionId);
  if (taken !== undefined) throw precondition(`model version id ${c.modelVersionId} is already version ${taken.version} of run ${taken.runId}`);
  const version = all.filter((v) => v.useCaseId === c.useCaseId).reduce((n, v) => Math.max(n, v.version), 0) + 1;
  return [{ type: 'ModelVersionRegistered', data: { ...c, version } }];
}

/** The registration of a run, if any. */
export const registrationOfRun = (s: RegistryState, useCaseId: string, runId: string): RegisteredVersion | undefined =>
  [...s.deployments.registered.values()].find((v) => v.runId === runId && v.useCaseId === useCaseId);

// ── four-eyes path ───────────────────────────────────────────────────────────────────────────

export interface RequestApprovalCommand {
  readonly useCaseId: string;
  readonly requestId: string;
  readonly modelVersionId: string;
  readonly targetStage: DeploymentStage;
  readonly justification: string;
  readonly scope: string | null;
  /** Who asks (the edge's caller); absent: a caller of the platform's own process, with model.propose. */
  readonly requester?: Requester;
}

/**
 * ModelApprovalRequested, with the evidence an approver compares: the version's metrics and those
 * of the version it would replace — the holder of the stage in that scope, or, for a scope never
 * deployed, the use-case-wide holder (which serves those assets until then). For production it is
 * the version the savings gate compares with (productionHolderFor): a pilot with only a shadow
 * deployment compares with the use-case-wide production model. A requester with model.propose_shadow
 * only is refused first (ShadowOnlyError): production, or a version another subject registered
 * (request-authority.ts); an unknown version is left to NOT_FOUND.
 */
export function decideRequestApproval(s: RegistryState, c: RequestApprovalCommand): Decision<'ModelApprovalRequested'> {
  if (c.requester?.shadowOnly === true) {
    const { subject } = c.requester;
    const refusal = shadowOnlyRefusal({
      subject,
      targetStage: c.targetStage,
      modelVersionId: c.modelVersionId,
      registeredBy: s.registeredBy.get(c.modelVersionId) ?? null,
    });
    if (refusal !== null) throw new ShadowOnlyError(subject, refusal);
  }
  const v = usableVersion(s, c.useCaseId, c.modelVersionId, 'model version');
  if (holderOf(s, c.targetStage, c.useCaseId, c.scope) === c.modelVersionId) {
    throw precondition(`model version ${c.modelVersionId} (version ${v.version}) already holds ${c.targetStage} of ${where(c.scope)}`);
  }
  for (const r of s.requests.values()) {
    if (r.status === 'pending' && r.modelVersionId === c.modelVersionId && r.targetStage === c.targetStage && r.scope === c.scope) {
      throw precondition(
        `approval request ${r.requestId} for version ${v.version} → ${c.targetStage} of ${where(c.scope)} is already pending (requested by ${r.requestedBy} at ${r.requestedAt})`,
      );
    }
  }
  return approvalRequested(s, c, v);
}

function approvalRequested(s: RegistryState, c: RequestApprovalCommand, v: RegisteredVersion): Decision<'ModelApprovalRequested'> {
  const comparedTo =
    c.targetStage === 'production'
      ? productionHolderFor(s, c.useCaseId, c.scope)
      : holderOf(s, c.targetStage, c.useCaseId, deployed(s, c.useCaseId, c.scope) ? c.scope : null);
  return {
    type: 'ModelApprovalRequested',
    data: {
      requestId: c.requestId,
      useCaseId: c.useCaseId,
      modelVersionId: c.modelVersionId,
      targetStage: c.targetStage,
      justification: c.justification,
      metrics: { ...v.metrics },
      comparedToModelVersionId: comparedTo,
      comparedToMetrics: comparedTo === null ? null : { ...(versionOf(s, comparedTo)?.metrics ?? {}) },
      ...scoped(c.scope),
    },
  };
}

export interface ApproveCommand {
  readonly useCaseId: string;
  readonly requestId: string;
  readonly approver: string;
  readonly conditions: readonly string[];
  readonly comment: string | null;
}

/** ModelApproved for a pending request, by someone other than its requester (four eyes). */
export function decideApprove(s: RegistryState, c: ApproveCommand): Decision<'ModelApproved'> {
  const r = pendingRequest(s, c.requestId);
  assertFourEyes(r.requestedBy, c.approver);
  usableVersion(s, c.useCaseId, r.modelVersionId, 'the requested model version');
  return {
    type: 'ModelApproved',
    data: {
      requestId: r.requestId,
      useCaseId: c.useCaseId,
      modelVersionId: r.modelVersionId,
      targetStage: r.targetStage,
      conditions: [...c.conditions],
      ...(c.comment === null ? {} : { comment: c.comment }),
      ...scoped(r.scope),
    },
  };
}

/** ModelRejected for a pending request. */
export function decideReject(s: RegistryState, c: { useCaseId: string; requestId: string; reason: string }): Decision<'ModelRejected'> {
  const r = pendingRequest(s, c.requestId);
  return {
    type: 'ModelRejected',
    data: { requestId: r.requestId, useCaseId: c.useCaseId, modelVersionId: r.modelVersionId, targetStage: r.targetStage, reason: c.reason },
  };
}

/** ModelPromoted for an approved request not yet promoted; previous = the holder of that stage and scope now. */
export function decidePromote(s: RegistryState, c: { useCaseId: string; requestId: string }): Decision<'ModelPromoted'> {
  const r = request(s, c.requestId);
  if (r.status !== 'approved') {
    const hint = r.status === 'pending' ? ": it needs a quality lead's approval first" : '';
    throw precondition(`approval request ${r.requestId} is ${r.status}${decidedBy(r)}, not approved${hint}`);
  }
  const v = usableVersion(s, c.useCaseId, r.modelVersionId, 'the requested model version');
  const previous = holderOf(s, r.targetStage, c.useCaseId, r.scope);
  if (previous === r.modelVersionId)
    throw precondition(`model version ${r.modelVersionId} (version ${v.version}) already holds ${r.targetStage} of ${where(r.scope)}`);
  return {
    type: 'ModelPromoted',
    data: {
      useCaseId: c.useCaseId,
      modelVersionId: r.modelVersionId,
      stage: r.targetStage,
      approvalRequestId: r.requestId,
      previousModelVersionId: previous,
      ...scoped(r.scope),
    },
  };
}

export interface RollbackCommand {
  readonly useCaseId: string;
  readonly fromModelVersionId: string;
  readonly toModelVersionId: string | null;
  readonly reason: string;
  readonly scope: string | null;
}

/**
 * ModelRolledBack from the version serving production or shadow of the scope: trigger manual, or,
 * when live monitoring's proposal stands for that version in production there, the proposal's
 * trigger (gate-breach, kpi-miss) with the proposal named in the reason — the quality lead's
 * rollback is how a proposal is accepted.
 */
export function decideRollback(s: RegistryState, c: RollbackCommand): Decision<'ModelRolledBack'> & { stage: DeploymentStage } {
  const production = holderOf(s, 'production', c.useCaseId, c.scope),
    shadow = holderOf(s, 'shadow', c.useCaseId, c.scope);
  if (versionOf(s, c.fromModelVersionId) === undefined)
    throw notFound(`model version ${c.fromModelVersionId} is not a registered model version of use case ${c.useCaseId}`);
  if (c.fromModelVersionId !== production && c.fromModelVersionId !== shadow) {
    throw precondition(
      `model version ${c.fromModelVersionId} is not serving ${where(c.scope)} (production: ${holderText(production, 'production')}; shadow: ${holderText(shadow, 'shadow')})`,
    );
  }
  const stage: DeploymentStage = c.fromModelVersionId === production ? 'production' : 'shadow';
  if (c.toModelVersionId !== null) {
    if (stage !== 'production')
      throw precondition(
        `model version ${c.fromModelVersionId} is the shadow of ${where(c.scope)}; rolling it back removes it, so to_model_version_id does not apply`,
      );
    if (c.toModelVersionId === c.fromModelVersionId) throw precondition('to_model_version_id must differ from from_model_version_id');
    usableVersion(s, c.useCaseId, c.toModelVersionId, 'model version');
  }
  const proposal =
    stage === 'production' ? [...s.proposals.values()].find((p) => p.standing && p.modelVersionId === c.fromModelVersionId && p.scope === c.scope) : undefined;
  return {
    type: 'ModelRolledBack',
    stage,
    data: {
      useCaseId: c.useCaseId,
      fromModelVersionId: c.fromModelVersionId,
      toModelVersionId: c.toModelVersionId,
      trigger: proposal?.trigger ?? 'manual',
      reason: proposal === undefined ? c.reason : `${c.reason} (accepting rollback proposal ${proposal.proposalId}: ${proposal.reason})`.slice(0, 2000),
      ...scoped(c.scope),
    },
  };
}

// ── break glass ──────────────────────────────────────────────────────────────────────────────

export interface BreakGlassPromoteCommand {
  readonly useCaseId: string;
  readonly requestId: string;
  readonly modelVersionId: string;
  readonly stage: DeploymentStage;
  readonly scope: string | null;
  /** Why the approval workflow is skipped (recorded as the justification and the approval comment). */
  readonly reason: string;
  /** The version the caller believes holds the stage now; undefined = not checked. */
  readonly expectedPrevious?: string | null;
  /** Who breaks the glass (recorded in the approval's condition, besides the events' actor). */
  readonly actor: string;
}

export const BREAK_GLASS_CONDITION = 'break-glass: the four-eyes approval workflow was bypassed';

/**
 * The break-glass promotion: the approval workflow is skipped, but not silently. One atomic append
 * of three events by the same actor — ModelApprovalRequested (justification "BREAK GLASS: <reason>"),
 * ModelApproved (condition `break-glass: …`, comment = reason) and ModelPromoted — so the audit
 * trail and ListModelVersions show a request requested, approved and promoted by one person with
 * the break-glass condition, who did it and why.
 */
export function decideBreakGlassPromote(
  s: RegistryState,
  c: BreakGlassPromoteCommand,
): [Decision<'ModelApprovalRequested'>, Decision<'ModelApproved'>, Decision<'ModelPromoted'>] {
  const v = usableVersion(s, c.useCaseId, c.modelVersionId, 'model version');
  const previous = holderOf(s, c.stage, c.useCaseId, c.scope);
  if (previous === c.modelVersionId)
    throw precondition(`model version ${c.modelVersionId} (version ${v.version}) already holds ${c.stage} of ${where(c.scope)}`);
  if (c.expectedPrevious !== undefined && c.expectedPrevious !== previous) {
    throw precondition(
      `expected ${holderText(c.expectedPrevious, c.stage)} to hold ${c.stage} of ${where(c.scope)}, but ${holderText(previous, c.stage)} does`,
    );
  }
  // No pending-request check: a pending request for the same version stays pending beside this one.
  const requested = approvalRequested(
    s,
    {
      useCaseId: c.useCaseId,
      requestId: c.requestId,
      modelVersionId: c.modelVersionId,
      targetStage: c.stage,
      justification: `BREAK GLASS: ${c.reason}`.slice(0, 2000),
      scope: c.scope,
    },
    v,
  );
  const approved: Decision<'ModelApproved'> = {
    type: 'ModelApproved',
    data: {
      requestId: c.requestId,
      useCaseId: c.useCaseId,
      modelVersionId: c.modelVersionId,
      targetStage: c.stage,
      conditions: [`${BREAK_GLASS_CONDITION} by ${c.actor}`.slice(0, 500)],
      comment: c.reason,
      ...scoped(c.scope),
    },
  };
  const promoted: Decision<'ModelPromoted'> = {
    type: 'ModelPromoted',
    data: {
      useCaseId: c.useCaseId,
      modelVersionId: c.modelVersionId,
      stage: c.stage,
      approvalRequestId: c.requestId,
      previousModelVersionId: previous,
      ...scoped(c.scope),
    },
  };
  return [requested, approved, promoted];
}

/** Whether an approval request was a break-glass one (its approval carries the break-glass condition). */
export const isBreakGlass = (r: ApprovalRequestView): boolean => r.conditions.some((c) => c.startsWith(BREAK_GLASS_CONDITION));
