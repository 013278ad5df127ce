// Model registry rules: the state of one use case's model stream (`model-<useCase>`) folded from
// its events — versions registered by training, refusals by inference, approval requests,
// decisions, promotions and rollbacks by governance — and the decisions that append to it.
// Deployments (who serves a stage in a scope) fold exactly as the inference runtime folds them
// (services/inference/src/domain/deployments.ts): the key is the use case plus an optional scope
// (an ISA-95 path prefix), production → the promoted version clears its own shadow, a rollback
// empties or replaces the stage, a refusal hands the stage back to the kept version.
// Pure: no I/O, no clock; ids and actors come in as data. A decision returns the one event to
// append, or throws a RegistryError (NOT_FOUND / FAILED_PRECONDITION) or FourEyesViolationError.
import { assertFourEyes } from '@industrial/access';

export type DeploymentStage = 'shadow' | 'production';
export type RequestStatus = 'pending' | 'approved' | 'rejected' | 'promoted';
export type Metrics = Readonly<Record<string, number>>;

/** An event as the registry reads it: type, payload, who recorded it and when. */
export interface RegistryEvent {
  readonly type: string;
  readonly data: unknown;
  readonly actor: string;
  readonly recordedAt: string;
}

export interface RegisteredVersion {
  readonly modelVersionId: string;
  readonly useCaseId: string;
  readonly version: number;
  readonly runId: string;
  readonly metrics: Metrics;
  readonly artifactUri: string;
  readonly artifactHash: string;
  readonly datasetId: string;
  readonly snapshotId: string;
  readonly snapshotHash: string;
  readonly featureSetVersion: string;
  readonly codeVersion: string;
  readonly registeredAt: string;
}

export interface Refusal {
  readonly stage: DeploymentStage;
  readonly scope: string | null;
  readonly check: string;
  readonly reason: string;
}

export interface ApprovalRequestView {
  readonly requestId: string;
  readonly modelVersionId: string;
  readonly targetStage: DeploymentStage;
  readonly scope: string | null;
  readonly justification: string;
  readonly metrics: Metrics;
  readonly comparedToModelVersionId: string | null;
  readonly comparedToMetrics: Metrics | null;
  readonly status: RequestStatus;
  readonly requestedBy: string;
  readonly requestedAt: string;
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  readonly conditions: readonly string[];
  readonly comment: string | null;
  readonly rejectionReason: string | null;
  readonly promotedBy: string | null;
  readonly promotedAt: string | null;
}

export interface RegistryState {
  readonly versions: ReadonlyMap<string, RegisteredVersion>;
  readonly requests: ReadonlyMap<string, ApprovalRequestView>;
  /** deploymentKey → production version (null = the rule-based limits). */
  readonly production: ReadonlyMap<string, string | null>;
  /** deploymentKey → shadow version (null = none). */
  readonly shadow: ReadonlyMap<string, string | null>;
  /** versionId → every deploymentKey it ever held production or shadow of. */
  readonly served: ReadonlyMap<string, ReadonlySet<string>>;
  readonly refusals: ReadonlyMap<string, readonly Refusal[]>;
}

export const emptyRegistry = (): RegistryState => ({ versions: new Map(), requests: new Map(), production: new Map(), shadow: new Map(), served: new Map(), refusals: new Map() });

/** `<useCaseId>` or `<useCaseId>@<scope>`, as the inference runtime keys deployments. One stream = one use case, so the key is the scope alone here. */
export const scopeKey = (scope: string | null | undefined): string => scope ?? '';
const scopeOf = (key: string): string | null => (key === '' ? null : key);

export class RegistryError extends Error {
  readonly code: 'NOT_FOUND' | 'FAILED_PRECONDITION';
  constructor(code: 'NOT_FOUND' | 'FAILED_PRECONDITION', message: string) {
    super(message);
    this.name = 'RegistryError';
    this.code = code;
  }
}

const notFound = (message: string) => new RegistryError('NOT_FOUND', message);
const precondition = (message: string) => new RegistryError('FAILED_PRECONDITION', message);

function withServed(s: RegistryState, versionId: string, key: string): ReadonlyMap<string, ReadonlySet<string>> {
  return new Map(s.served).set(versionId, new Set(s.served.get(versionId) ?? []).add(key));
}

function updateRequest(s: RegistryState, requestId: string, change: Partial<ApprovalRequestView>): RegistryState {
  const r = s.requests.get(requestId);
  return r === undefined ? s : { ...s, requests: new Map(s.requests).set(requestId, { ...r, ...change }) };
}

export function evolveRegistry(s: RegistryState, e: RegistryEvent): RegistryState {
  const d = e.data as Record<string, unknown>;
  switch (e.type) {
    case 'ModelVersionRegistered': {
      const v: RegisteredVersion = {
        modelVersionId: d.modelVersionId as string,
        useCaseId: d.useCaseId as string,
        version: d.version as number,
        runId: d.runId as string,
        metrics: (d.metrics as Metrics | undefined) ?? {},
        artifactUri: d.artifactUri as string,
        artifactHash: d.artifactHash as string,
        datasetId: d.datasetId as string,
        snapshotId: d.snapshotId as string,
        snapshotHash: d.snapshotHash as string,
        featureSetVersion: d.featureSetVersion as string,
        codeVersion: d.codeVersion as string,
        registeredAt: e.recordedAt,
      };
      return { ...s, versions: new Map(s.versions).set(v.modelVersionId, v) };
    }
    case 'ModelApprovalRequested': {
      const r: ApprovalRequestView = {
        requestId: d.requestId as string,
        modelVersionId: d.modelVersionId as string,
        targetStage: d.targetStage as DeploymentStage,
        scope: (d.scope as string | undefined) ?? null,
        justification: d.justification as string,
        metrics: d.metrics as Metrics,
        comparedToModelVersionId: d.comparedToModelVersionId as string | null,
        comparedToMetrics: d.comparedToMetrics as Metrics | null,
        status: 'pending',
        requestedBy: e.actor,
        requestedAt: e.recordedAt,
        decidedBy: null,
        decidedAt: null,
        conditions: [],
        comment: null,
        rejectionReason: null,
        promotedBy: null,
        promotedAt: null,
      };
      return { ...s, requests: new Map(s.requests).set(r.requestId, r) };
    }
    case 'ModelApproved':
      return updateRequest(s, d.requestId as string, {
        status: 'approved',
        decidedBy: e.actor,
        decidedAt: e.recordedAt,
        conditions: d.conditions as string[],
        comment: (d.comment as string | undefined) ?? null,
      });
    case 'ModelRejected':
      return updateRequest(s, d.requestId as string, { status: 'rejected', decidedBy: e.actor, decidedAt: e.recordedAt, rejectionReason: d.reason as string });
    case 'ModelPromoted': {
      const key = scopeKey(d.scope as string | undefined), version = d.modelVersionId as string;
      // A promotion without a known request (the inference CLI's) changes the deployments only.
      const next = updateRequest(s, d.approvalRequestId as string, { status: 'promoted', promotedBy: e.actor, promotedAt: e.recordedAt });
      const served = withServed(s, version, key);
      if (d.stage === 'production') {
        const shadow = new Map(s.shadow);
        if (shadow.get(key) === version) shadow.set(key, null);
        return { ...next, production: new Map(s.production).set(key, version), shadow, served };
      }
      return { ...next, shadow: new Map(s.shadow).set(key, version), served };
    }
    case 'ModelRolledBack': {
      const key = scopeKey(d.scope as string | undefined), from = d.fromModelVersionId as string, to = (d.toModelVersionId as string | null) ?? null;
      const production = new Map(s.production);
      let served = s.served;
      if ((production.get(key) ?? null) === from) {
        production.set(key, to);
        if (to !== null) served = withServed(s, to, key);
      }
      const shadow = new Map(s.shadow);
      if (shadow.get(key) === from) shadow.set(key, null);
      const refusals = d.trigger === 'gate-breach' ? addRefusal(s, from, { stage: 'production', scope: scopeOf(key), check: 'gate-breach', reason: d.reason as string }) : s.refusals;
      return { ...s, production, shadow, served, refusals };
    }
    case 'ModelRefused': {
      const key = scopeKey(d.scope as string | undefined), refusedId = d.modelVersionId as string, kept = (d.keptModelVersionId as string | null) ?? null;
      const production = new Map(s.production);
      if (d.stage === 'production' && (production.get(key) ?? null) === refusedId) production.set(key, kept);
      const shadow = new Map(s.shadow);
      if (d.stage === 'shadow' && shadow.get(key) === refusedId) shadow.set(key, kept);
      const refusals = addRefusal(s, refusedId, { stage: d.stage as DeploymentStage, scope: scopeOf(key), check: d.check as string, reason: d.reason as string });
      return { ...s, production, shadow, refusals };
    }
    default:
      return s;
  }
}

function addRefusal(s: RegistryState, versionId: string, r: Refusal): ReadonlyMap<string, readonly Refusal[]> {
  return new Map(s.refusals).set(versionId, [...(s.refusals.get(versionId) ?? []), r]);
}

export const isRefused = (s: RegistryState, versionId: string): boolean => (s.refusals.get(versionId)?.length ?? 0) > 0;

const holderOf = (s: RegistryState, stage: DeploymentStage, key: string): string | null => (stage === 'production' ? s.production : s.shadow).get(key) ?? null;

const where = (scope: string | null): string => (scope === null ? 'the use-case-wide deployment' : `scope ${scope}`);
const holderText = (id: string | null, stage: DeploymentStage): string => id ?? (stage === 'production' ? 'no model (the rule-based limits)' : 'none');

// ── views ────────────────────────────────────────────────────────────────────────────────────

export type VersionStage = 'candidate' | 'shadow' | 'production' | 'retired' | 'refused';
export interface StageView {
  readonly stage: VersionStage;
  readonly scope: string | null;
  readonly detail: string;
}

/** The stages a version holds per scope: serving ones, retired ones, refusals; `candidate` when none. */
export function stagesOf(s: RegistryState, versionId: string): StageView[] {
  const out: StageView[] = [];
  const served = [...(s.served.get(versionId) ?? [])].sort();
  for (const key of served) {
    const production = (s.production.get(key) ?? null) === versionId, shadow = s.shadow.get(key) === versionId;
    if (production) out.push({ stage: 'production', scope: scopeOf(key), detail: '' });
    if (shadow) out.push({ stage: 'shadow', scope: scopeOf(key), detail: '' });
    if (!production && !shadow) out.push({ stage: 'retired', scope: scopeOf(key), detail: '' });
  }
  for (const r of s.refusals.get(versionId) ?? []) out.push({ stage: 'refused', scope: r.scope, detail: `${r.check}: ${r.reason}` });
  return out.length === 0 ? [{ stage: 'candidate', scope: null, detail: '' }] : out;
}

export interface DeploymentView {
  readonly stage: DeploymentStage;
  readonly scope: string | null;
  readonly modelVersionId: string | null;
}

/** Who holds production and shadow in every scope ever deployed (use-case-wide first). */
export function deploymentsOf(s: RegistryState): DeploymentView[] {
  const out: DeploymentView[] = [];
  for (const key of [...new Set([...s.production.keys(), ...s.shadow.keys()])].sort()) {
    if (s.production.has(key)) out.push({ stage: 'production', scope: scopeOf(key), modelVersionId: s.production.get(key) ?? null });
    if (s.shadow.has(key)) out.push({ stage: 'shadow', scope: scopeOf(key), modelVersionId: s.shadow.get(key) ?? null });
  }
  return out;
}

// ── decisions ────────────────────────────────────────────────────────────────────────────────

export interface Decision {
  readonly type: 'ModelApprovalRequested' | 'ModelApproved' | 'ModelRejected' | 'ModelPromoted' | 'ModelRolledBack';
  readonly data: Record<string, unknown>;
}

const scoped = (scope: string | null) => (scope === null ? {} : { scope });

function usableVersion(s: RegistryState, useCaseId: string, versionId: string, what: string): RegisteredVersion {
  const v = s.versions.get(versionId);
  if (v === undefined || v.useCaseId !== useCaseId) throw notFound(`${what} ${versionId} is not a registered model version of use case ${useCaseId}`);
  if (isRefused(s, versionId)) {
    const r = s.refusals.get(versionId)![0]!;
    throw precondition(`${what} ${versionId} (version ${v.version}) is refused (${r.check}: ${r.reason}) and cannot serve`);
  }
  return v;
}

function pendingRequest(s: RegistryState, requestId: string): ApprovalRequestView {
  const r = request(s, requestId);
  if (r.status !== 'pending') throw precondition(`approval request ${requestId} is ${r.status}${decidedBy(r)}, not pending`);
  return r;
}

function request(s: RegistryState, requestId: string): ApprovalRequestView {
  const r = s.requests.get(requestId);
  if (r === undefined) throw notFound(`approval request ${requestId} does not exist for this use case`);
  return r;
}

const decidedBy = (r: ApprovalRequestView): string =>
  r.status === 'promoted' ? ` (promoted by ${r.promotedBy} at ${r.promotedAt})` : r.decidedBy === null ? '' : ` (by ${r.decidedBy} at ${r.decidedAt})`;

export interface RequestApprovalCommand {
  readonly useCaseId: string;
  readonly requestId: string;
  readonly modelVersionId: string;
  readonly targetStage: DeploymentStage;
  readonly justification: string;
  readonly scope: string | null;
}

/**
 * ModelApprovalRequested, with the evidence an approver compares: the version's metrics and those
 * of the version it would replace — the holder of the stage in that scope, or, for a scope never
 * deployed, the use-case-wide holder (which serves those assets until then).
 */
export function decideRequestApproval(s: RegistryState, c: RequestApprovalCommand): Decision {
  const v = usableVersion(s, c.useCaseId, c.modelVersionId, 'model version');
  const key = scopeKey(c.scope);
  if (holderOf(s, c.targetStage, key) === c.modelVersionId) throw precondition(`model version ${c.modelVersionId} (version ${v.version}) already holds ${c.targetStage} of ${where(c.scope)}`);
  for (const r of s.requests.values()) {
    if (r.status === 'pending' && r.modelVersionId === c.modelVersionId && r.targetStage === c.targetStage && scopeKey(r.scope) === key) {
      throw precondition(`approval request ${r.requestId} for version ${v.version} → ${c.targetStage} of ${where(c.scope)} is already pending (requested by ${r.requestedBy} at ${r.requestedAt})`);
    }
  }
  const deployed = s.production.has(key) || s.shadow.has(key);
  const comparedTo = holderOf(s, c.targetStage, deployed ? key : '');
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
      comparedToMetrics: comparedTo === null ? null : { ...(s.versions.get(comparedTo)?.metrics ?? {}) },
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
export function decideApprove(s: RegistryState, c: ApproveCommand): Decision {
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
export function decideReject(s: RegistryState, c: { useCaseId: string; requestId: string; reason: string }): Decision {
  const r = pendingRequest(s, c.requestId);
  return { type: 'ModelRejected', data: { requestId: r.requestId, useCaseId: c.useCaseId, modelVersionId: r.modelVersionId, targetStage: r.targetStage, reason: c.reason } };
}

/** ModelPromoted for an approved request not yet promoted; previous = the holder of that stage and scope now. */
export function decidePromote(s: RegistryState, c: { useCaseId: string; requestId: string }): Decision {
  const r = request(s, c.requestId);
  if (r.status !== 'approved') {
    const hint = r.status === 'pending' ? ': it needs a quality lead\'s approval first' : '';
    throw precondition(`approval request ${r.requestId} is ${r.status}${decidedBy(r)}, not approved${hint}`);
  }
  const v = usableVersion(s, c.useCaseId, r.modelVersionId, 'the requested model version');
  const previous = holderOf(s, r.targetStage, scopeKey(r.scope));
  if (previous === r.modelVersionId) throw precondition(`model version ${r.modelVersionId} (version ${v.version}) already holds ${r.targetStage} of ${where(r.scope)}`);
  return {
    type: 'ModelPromoted',
    data: { useCaseId: c.useCaseId, modelVersionId: r.modelVersionId, stage: r.targetStage, approvalRequestId: r.requestId, previousModelVersionId: previous, ...scoped(r.scope) },
  };
}

export interface RollbackCommand {
  readonly useCaseId: string;
  readonly fromModelVersionId: string;
  readonly toModelVersionId: string | null;
  readonly reason: string;
  readonly scope: string | null;
}

/** ModelRolledBack (trigger manual) from the version serving production or shadow of the scope. */
export function decideRollback(s: RegistryState, c: RollbackCommand): Decision & { stage: DeploymentStage } {
  const key = scopeKey(c.scope);
  const production = holderOf(s, 'production', key), shadow = holderOf(s, 'shadow', key);
  if (!s.versions.has(c.fromModelVersionId)) throw notFound(`model version ${c.fromModelVersionId} is not a registered model version of use case ${c.useCaseId}`);
  if (c.fromModelVersionId !== production && c.fromModelVersionId !== shadow) {
    throw precondition(`model version ${c.fromModelVersionId} is not serving ${where(c.scope)} (production: ${holderText(production, 'production')}; shadow: ${holderText(shadow, 'shadow')})`);
  }
  const stage: DeploymentStage = c.fromModelVersionId === production ? 'production' : 'shadow';
  if (c.toModelVersionId !== null) {
    if (stage !== 'production') throw precondition(`model version ${c.fromModelVersionId} is the shadow of ${where(c.scope)}; rolling it back removes it, so to_model_version_id does not apply`);
    if (c.toModelVersionId === c.fromModelVersionId) throw precondition('to_model_version_id must differ from from_model_version_id');
    usableVersion(s, c.useCaseId, c.toModelVersionId, 'model version');
  }
  return {
    type: 'ModelRolledBack',
    stage,
    data: { useCaseId: c.useCaseId, fromModelVersionId: c.fromModelVersionId, toModelVersionId: c.toModelVersionId, trigger: 'manual', reason: c.reason, ...scoped(c.scope) },
  };
}
