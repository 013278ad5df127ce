// The state of one use case's model stream (`model-<useCase>`) as the registry sees it: the
// deployments — registered versions, who serves production and shadow per scope, which versions
// served where, refusals — folded by the one fold governance shares with inference
// (`@industrial/contracts/folds`), plus the approval requests (governance's own events).
// Pure: no I/O, no clock; actors and times come in with the events.
import {
  deploymentKey,
  emptyModelDeployments,
  holderOf as holderIn,
  modelDeploymentsFold,
  parseDeploymentKey,
  type DeploymentStage,
  type ModelDeployments,
  type Refusal,
  type RegisteredVersionData,
} from '@industrial/contracts/folds';
import type { GateSettings } from './gates.ts';

export type { DeploymentStage, Refusal };
export type RequestStatus = 'pending' | 'approved' | 'rejected' | 'promoted';
export type Metrics = Readonly<Record<string, number>>;

/** An event as the registry reads it: type, payload, who recorded it and when. */
export interface RegistryEvent {
  readonly type: string;
  readonly data: unknown;
  readonly actor: string;
  readonly recordedAt: string;
}

/** A registration as recorded, with the time the store recorded it. */
export type RegisteredVersion = RegisteredVersionData & { readonly registeredAt: string };

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

/** A rollback proposal of live monitoring; standing until its version leaves production of that deployment. */
export interface ProposalView {
  readonly proposalId: string;
  readonly modelVersionId: string;
  readonly scope: string | null;
  readonly trigger: 'gate-breach' | 'kpi-miss';
  readonly toModelVersionId: string | null;
  readonly measure: string;
  readonly value: number;
  readonly limit: number;
  readonly basis: number;
  readonly reason: string;
  readonly proposedAt: string;
  readonly standing: boolean;
}

export interface RegistryState {
  /** The shared fold: registered versions, production/shadow per deployment key, refusals, served. */
  readonly deployments: ModelDeployments<RegisteredVersion>;
  readonly requests: ReadonlyMap<string, ApprovalRequestView>;
  /** The latest ModelGatesSet of the use case (null: the defaults, domain/gates.ts). */
  readonly gates: GateSettings | null;
  readonly proposals: ReadonlyMap<string, ProposalView>;
  /** `<deployment key>|<version>` → the version that held production before it was promoted there (null: the rules). */
  readonly promotedFrom: ReadonlyMap<string, string | null>;
  /** Version id → the subject that registered it (the actor of its ModelVersionRegistered), for the shadow-request check. */
  readonly registeredBy: ReadonlyMap<string, string>;
}

export const emptyRegistry = (): RegistryState => ({
  deployments: emptyModelDeployments<RegisteredVersion>(),
  requests: new Map(),
  gates: null,
  proposals: new Map(),
  promotedFrom: new Map(),
  registeredBy: new Map(),
});

/** Proposals of `versionId` in deployment `scope` stop standing (it left production there). */
function closeProposals(s: RegistryState, versionId: string | null, scope: string | null): RegistryState {
  if (versionId === null) return s;
  let proposals: Map<string, ProposalView> | null = null;
  for (const p of s.proposals.values()) {
    if (p.standing && p.modelVersionId === versionId && p.scope === scope) (proposals ??= new Map(s.proposals)).set(p.proposalId, { ...p, standing: false });
  }
  return proposals === null ? s : { ...s, proposals };
}

const evolveDeployments = modelDeploymentsFold<RegisteredVersion>((d, e) => ({ ...d, registeredAt: e.metadata?.recordedAt ?? '' }));

export { deploymentKey, parseDeploymentKey };

export class RegistryError extends Error {
  readonly code: 'NOT_FOUND' | 'FAILED_PRECONDITION';
  constructor(code: 'NOT_FOUND' | 'FAILED_PRECONDITION', message: string) {
    super(message);
    this.name = 'RegistryError';
    this.code = code;
  }
}

/** The requester tried to approve their own request (four eyes). The edge records and refuses it as PERMISSION_DENIED. */
export class FourEyesError extends Error {
  readonly code = 'FOUR_EYES_VIOLATION' as const;
  readonly subject: string;
  constructor(subject: string) {
    super(`"${subject}" proposed this and cannot also approve it: a second person must approve (four eyes)`);
    this.name = 'FourEyesError';
    this.subject = subject;
  }
}

/** Four eyes: proposer and approver differ (subjects compared case- and width-insensitively). */
export function assertFourEyes(proposer: string, approver: string): void {
  const norm = (s: string) => s.normalize('NFKC').trim().toLowerCase();
  if (norm(proposer) === '' || norm(approver) === '' || norm(proposer) === norm(approver)) throw new FourEyesError(approver);
}

function updateRequest(s: RegistryState, requestId: string, change: Partial<ApprovalRequestView>): RegistryState {
  const r = s.requests.get(requestId);
  return r === undefined ? s : { ...s, requests: new Map(s.requests).set(requestId, { ...r, ...change }) };
}

export function evolveRegistry(s0: RegistryState, e: RegistryEvent): RegistryState {
  const s: RegistryState = { ...s0, deployments: evolveDeployments(s0.deployments, { type: e.type, data: e.data, metadata: { recordedAt: e.recordedAt } }) };
  const d = e.data as Record<string, unknown>;
  switch (e.type) {
    case 'ModelVersionRegistered': {
      const id = d.modelVersionId as string;
      return s.registeredBy.has(id) ? s : { ...s, registeredBy: new Map(s.registeredBy).set(id, e.actor) };
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
      // A promotion without a known request changes the deployments only.
      let t = updateRequest(s, d.approvalRequestId as string, { status: 'promoted', promotedBy: e.actor, promotedAt: e.recordedAt });
      if (d.stage === 'production') {
        const scope = (d.scope as string | undefined) ?? null;
        const previous = d.previousModelVersionId as string | null;
        t = closeProposals(t, previous, scope);
        t = { ...t, promotedFrom: new Map(t.promotedFrom).set(`${deploymentKey(d.useCaseId as string, scope)}|${d.modelVersionId as string}`, previous) };
      }
      return t;
    }
    case 'ModelRolledBack':
      return closeProposals(s, d.fromModelVersionId as string, (d.scope as string | undefined) ?? null);
    case 'ModelGatesSet': {
      const { useCaseId: _u, ...settings } = d as unknown as GateSettings & { useCaseId: string };
      return { ...s, gates: settings };
    }
    case 'ModelRollbackProposed': {
      const p: ProposalView = {
        proposalId: d.proposalId as string,
        modelVersionId: d.modelVersionId as string,
        scope: (d.scope as string | undefined) ?? null,
        trigger: d.trigger as ProposalView['trigger'],
        toModelVersionId: d.toModelVersionId as string | null,
        measure: d.measure as string,
        value: d.value as number,
        limit: d.limit as number,
        basis: d.basis as number,
        reason: d.reason as string,
        proposedAt: e.recordedAt,
        standing: true,
      };
      return { ...s, proposals: new Map(s.proposals).set(p.proposalId, p) };
    }
    default:
      return s;
  }
}

export const versionOf = (s: RegistryState, versionId: string): RegisteredVersion | undefined => s.deployments.registered.get(versionId);
export const isRefused = (s: RegistryState, versionId: string): boolean => s.deployments.refused.has(versionId);
export const holderOf = (s: RegistryState, stage: DeploymentStage, useCaseId: string, scope: string | null): string | null =>
  holderIn(s.deployments, stage, deploymentKey(useCaseId, scope));
/** Whether a deployment (use case, scope) was ever promoted to. */
export const deployed = (s: RegistryState, useCaseId: string, scope: string | null): boolean =>
  s.deployments.production.has(deploymentKey(useCaseId, scope)) || s.deployments.shadow.has(deploymentKey(useCaseId, scope));

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
  const { production, shadow: shadows, served, refusals } = s.deployments;
  for (const key of [...(served.get(versionId) ?? [])].sort()) {
    const scope = parseDeploymentKey(key).scope;
    const inProduction = (production.get(key) ?? null) === versionId,
      inShadow = shadows.get(key) === versionId;
    if (inProduction) out.push({ stage: 'production', scope, detail: '' });
    if (inShadow) out.push({ stage: 'shadow', scope, detail: '' });
    if (!inProduction && !inShadow) out.push({ stage: 'retired', scope, detail: '' });
  }
  for (const r of refusals.get(versionId) ?? []) out.push({ stage: 'refused', scope: r.scope, detail: `${r.check}: ${r.reason}` });
  return out.length === 0 ? [{ stage: 'candidate', scope: null, detail: '' }] : out;
}

export interface DeploymentView {
  readonly stage: DeploymentStage;
  readonly scope: string | null;
  readonly modelVersionId: string | null;
}

/** Who holds production and shadow in every scope ever deployed (use-case-wide first). */
export function deploymentsOf(s: RegistryState): DeploymentView[] {
  const { production, shadow } = s.deployments;
  const out: DeploymentView[] = [];
  for (const key of [...new Set([...production.keys(), ...shadow.keys()])].sort()) {
    const scope = parseDeploymentKey(key).scope;
    if (production.has(key)) out.push({ stage: 'production', scope, modelVersionId: production.get(key) ?? null });
    if (shadow.has(key)) out.push({ stage: 'shadow', scope, modelVersionId: shadow.get(key) ?? null });
  }
  return out;
}
