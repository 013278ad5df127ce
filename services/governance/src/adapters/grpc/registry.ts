// gRPC adapter of the model registry (industrial.governance.v1.ModelRegistryService): edge
// validation (zod, proto field names), the permission each method needs and the location it
// touches (the request's scope, when it names one), the four-eyes refusal recorded as
// AccessDenied like the guard's denials, and domain views → proto messages. The rules live in
// domain/registry.ts; reading and appending in adapters/eventstore/model-stream.ts.
import { FourEyesViolationError, Permission, accessDeniedEvent, roleHasPermission, type AccessDeniedEvent, type Principal, type Resource } from '@industrial/access';
import { UnsScope } from '@industrial/contracts';
import type { EventStore } from '@industrial/eventstore';
import { defineService, fromSchema, governanceRegistryV1 as pb, unary, type CallContext } from '@industrial/grpc';
import { z } from 'zod';
import {
  decideApprove,
  decidePromote,
  decideReject,
  decideRequestApproval,
  decideRollback,
  deploymentsOf,
  stagesOf,
  type ApprovalRequestView,
  type DeploymentStage,
  type RegistryState,
  type VersionStage,
} from '../../domain/registry.ts';
import { uuidv7 } from '../eventstore/access-denied.ts';
import { decideAndAppend, foldRegistry, readModelStream, type Actor } from '../eventstore/model-stream.ts';

const { ModelRegistryServiceService, ModelStage, ApprovalStatus } = pb;

export interface ModelRegistryDeps {
  store: EventStore;
  /** Appends a refusal the handler makes itself (four eyes) to `access-<date>`, as the guard does. */
  recordDenied: (stream: string, event: AccessDeniedEvent) => Promise<unknown>;
  /** Called when that recording fails; the call is still refused. */
  onRecordFailure?: (error: unknown, event: AccessDeniedEvent) => void;
  now?: () => Date;
}

// ── edge validation ─────────────────────────────────────────────────────────────────────────

const uuid = z.uuid({ error: 'must be a UUID' });
const optionalUuid = z.string().transform((v, ctx) => {
  if (v === '') return null;
  if (!uuid.safeParse(v).success) {
    ctx.addIssue({ code: 'custom', message: 'must be a UUID or empty' });
    return z.NEVER;
  }
  return v;
});
const scope = z.string().transform((v, ctx) => {
  if (v === '') return null;
  const r = UnsScope.safeParse(v);
  if (!r.success) {
    ctx.addIssue({ code: 'custom', message: `must be an ISA-95 path prefix such as acme.plant-1.utilities.cooling-water, or empty (got ${JSON.stringify(v.slice(0, 100))})` });
    return z.NEVER;
  }
  return v;
});
const text = (max: number) =>
  z
    .string()
    .transform((v) => v.trim())
    .pipe(z.string().min(1, 'is required').max(max, `must be at most ${max} characters`));
const targetStage = z.number().transform((n, ctx): DeploymentStage => {
  if (n === ModelStage.MODEL_STAGE_SHADOW) return 'shadow';
  if (n === ModelStage.MODEL_STAGE_PRODUCTION) return 'production';
  ctx.addIssue({ code: 'custom', message: 'must be MODEL_STAGE_SHADOW or MODEL_STAGE_PRODUCTION' });
  return z.NEVER;
});

const listInput = fromSchema(z.object({ useCaseId: uuid }));
const requestApprovalInput = fromSchema(z.object({ useCaseId: uuid, modelVersionId: uuid, targetStage, justification: text(2000), scope }));
const approveInput = fromSchema(
  z.object({
    useCaseId: uuid,
    requestId: uuid,
    conditions: z.array(text(500)).max(50, 'at most 50 conditions'),
    comment: z
      .string()
      .transform((v) => v.trim())
      .pipe(z.string().max(2000, 'must be at most 2000 characters'))
      .transform((v) => (v === '' ? null : v)),
  }),
);
const rejectInput = fromSchema(z.object({ useCaseId: uuid, requestId: uuid, reason: text(2000) }));
const promoteInput = fromSchema(z.object({ useCaseId: uuid, requestId: uuid }));
const rollbackInput = fromSchema(
  z
    .object({ useCaseId: uuid, fromModelVersionId: uuid, toModelVersionId: optionalUuid, reason: text(2000), scope })
    .refine((r) => r.toModelVersionId !== r.fromModelVersionId, { message: 'must differ from from_model_version_id', path: ['toModelVersionId'] }),
);

/** The plant location a scope names (`enterprise.site.area.line…` → site/area/line); none for a use-case-wide deployment. */
export function resourceOfScope(s: string | null): Resource | undefined {
  if (s === null) return undefined;
  const [, site, area, line] = s.split('.');
  if (site === undefined) return undefined;
  return { site, ...(area === undefined ? {} : { area }), ...(line === undefined ? {} : { line }) };
}

// ── views → proto ───────────────────────────────────────────────────────────────────────────

const STAGE: Record<VersionStage, pb.ModelStage> = {
  candidate: ModelStage.MODEL_STAGE_CANDIDATE,
  shadow: ModelStage.MODEL_STAGE_SHADOW,
  production: ModelStage.MODEL_STAGE_PRODUCTION,
  retired: ModelStage.MODEL_STAGE_RETIRED,
  refused: ModelStage.MODEL_STAGE_REFUSED,
};
const STATUS: Record<ApprovalRequestView['status'], pb.ApprovalStatus> = {
  pending: ApprovalStatus.APPROVAL_STATUS_PENDING,
  approved: ApprovalStatus.APPROVAL_STATUS_APPROVED,
  rejected: ApprovalStatus.APPROVAL_STATUS_REJECTED,
  promoted: ApprovalStatus.APPROVAL_STATUS_PROMOTED,
};

export function toProtoRequest(s: RegistryState, r: ApprovalRequestView): pb.ApprovalRequest {
  return {
    requestId: r.requestId,
    modelVersionId: r.modelVersionId,
    version: s.versions.get(r.modelVersionId)?.version ?? 0,
    targetStage: STAGE[r.targetStage],
    scope: r.scope ?? '',
    justification: r.justification,
    status: STATUS[r.status],
    requestedBy: r.requestedBy,
    requestedAt: r.requestedAt,
    metrics: { ...r.metrics },
    comparedToModelVersionId: r.comparedToModelVersionId ?? '',
    comparedToMetrics: { ...(r.comparedToMetrics ?? {}) },
    decidedBy: r.decidedBy ?? '',
    decidedAt: r.decidedAt ?? '',
    conditions: [...r.conditions],
    comment: r.comment ?? '',
    rejectionReason: r.rejectionReason ?? '',
    promotedBy: r.promotedBy ?? '',
    promotedAt: r.promotedAt ?? '',
  };
}

export function toListResponse(s: RegistryState): pb.ListModelVersionsResponse {
  const requests = [...s.requests.values()];
  const versions = [...s.versions.values()].sort((a, b) => a.version - b.version);
  return {
    versions: versions.map((v) => ({
      modelVersionId: v.modelVersionId,
      version: v.version,
      runId: v.runId,
      metrics: { ...v.metrics },
      artifactUri: v.artifactUri,
      artifactHash: v.artifactHash,
      datasetId: v.datasetId,
      snapshotId: v.snapshotId,
      snapshotHash: v.snapshotHash,
      featureSetVersion: v.featureSetVersion,
      codeVersion: v.codeVersion,
      registeredAt: v.registeredAt,
      stages: stagesOf(s, v.modelVersionId).map((st) => ({ stage: STAGE[st.stage], scope: st.scope ?? '', detail: st.detail })),
      approvalRequests: requests.filter((r) => r.modelVersionId === v.modelVersionId).map((r) => toProtoRequest(s, r)),
    })),
    deployments: deploymentsOf(s).map((d) => ({ stage: STAGE[d.stage], scope: d.scope ?? '', modelVersionId: d.modelVersionId ?? '' })),
  };
}

// ── service ─────────────────────────────────────────────────────────────────────────────────

/** Who acts: the caller, in the first of its roles that grants the permission. */
function actorOf(ctx: CallContext, permission: Permission): Actor {
  const role = ctx.principal.roles.find((r) => roleHasPermission(r, permission)) ?? ctx.principal.roles[0] ?? 'none';
  return { actor: ctx.principal.subject, role, correlationId: ctx.correlationId, traceparent: ctx.traceparent };
}

const requestOf = (state: RegistryState, requestId: string): pb.ApprovalRequest => toProtoRequest(state, state.requests.get(requestId)!);

/** The ModelRegistryService methods and the permission each needs (packages/access/PERMISSIONS.md). */
export function modelRegistryService(deps: ModelRegistryDeps) {
  const { store } = deps;
  const now = deps.now ?? (() => new Date());

  /** Records a four-eyes refusal as AccessDenied (reason missing-permission, the four-eyes text as detail). */
  async function recordFourEyes(error: FourEyesViolationError, principal: Principal, resource: Resource | undefined, ctx: CallContext): Promise<void> {
    const { stream, event } = accessDeniedEvent({
      principal,
      permission: Permission.ModelApprove,
      resource,
      service: 'governance',
      method: ctx.method,
      cause: { missing: 'role', detail: error.reason },
      transport: 'grpc',
      correlationId: ctx.correlationId,
      traceparent: ctx.traceparent,
      now: now(),
      id: uuidv7(),
    });
    try {
      await deps.recordDenied(stream, event);
    } catch (recordError) {
      if (deps.onRecordFailure === undefined) throw recordError;
      deps.onRecordFailure(recordError, event);
    }
  }

  /** The plant location a stored request touches (its scope), for line-scoped approvers; none when unknown. */
  const requestResource = async (q: { useCaseId: string; requestId: string }): Promise<Resource | undefined> =>
    resourceOfScope(foldRegistry(await readModelStream(store, q.useCaseId)).requests.get(q.requestId)?.scope ?? null);

  return defineService(ModelRegistryServiceService, {
    listModelVersions: unary({
      permission: Permission.ModelRead,
      input: listInput,
      async handle(q) {
        return toListResponse(foldRegistry(await readModelStream(store, q.useCaseId)));
      },
    }),
    requestApproval: unary({
      permission: Permission.ModelPropose,
      input: requestApprovalInput,
      resource: (q) => resourceOfScope(q.scope),
      async handle(q, ctx) {
        const requestId = uuidv7();
        const { state } = await decideAndAppend(store, q.useCaseId, actorOf(ctx, Permission.ModelPropose), (s) => decideRequestApproval(s, { ...q, requestId }));
        return { request: requestOf(state, requestId) };
      },
    }),
    approve: unary({
      permission: Permission.ModelApprove,
      input: approveInput,
      resource: requestResource,
      async handle(q, ctx) {
        let decidedOn: RegistryState | null = null;
        try {
          const { state } = await decideAndAppend(store, q.useCaseId, actorOf(ctx, Permission.ModelApprove), (s) => {
            decidedOn = s;
            return decideApprove(s, { ...q, approver: ctx.principal.subject });
          });
          return { request: requestOf(state, q.requestId) };
        } catch (error) {
          // Four eyes refused: nothing was appended to the model stream; the refusal is recorded like the guard's.
          if (error instanceof FourEyesViolationError) {
            const requestScope = (decidedOn as RegistryState | null)?.requests.get(q.requestId)?.scope ?? null;
            await recordFourEyes(error, ctx.principal, resourceOfScope(requestScope), ctx);
          }
          throw error;
        }
      },
    }),
    reject: unary({
      permission: Permission.ModelApprove,
      input: rejectInput,
      resource: requestResource,
      async handle(q, ctx) {
        const { state } = await decideAndAppend(store, q.useCaseId, actorOf(ctx, Permission.ModelApprove), (s) => decideReject(s, q));
        return { request: requestOf(state, q.requestId) };
      },
    }),
    promote: unary({
      permission: Permission.ModelPromote,
      input: promoteInput,
      resource: requestResource,
      async handle(q, ctx) {
        const { state, decision } = await decideAndAppend(store, q.useCaseId, actorOf(ctx, Permission.ModelPromote), (s) => decidePromote(s, q));
        return { request: requestOf(state, q.requestId), previousModelVersionId: (decision.data.previousModelVersionId as string | null) ?? '' };
      },
    }),
    rollback: unary({
      permission: Permission.ModelRollback,
      input: rollbackInput,
      resource: (q) => resourceOfScope(q.scope),
      async handle(q, ctx) {
        const { state, decision } = await decideAndAppend(store, q.useCaseId, actorOf(ctx, Permission.ModelRollback), (s) => decideRollback(s, q));
        return { stage: STAGE[decision.stage], productionModelVersionId: state.production.get(q.scope ?? '') ?? '' };
      },
    }),
  });
}
