// gRPC adapter of the model registry (industrial.governance.v1.ModelRegistryService): edge
// validation (zod, proto field names), the permission each method needs and the location it
// touches (the request's scope, when it names one), the four-eyes and shadow-only refusals recorded as
// AccessDenied like the guard's denials, and domain views → proto messages. The rules live in
// domain/registry.ts; reading and appending in adapters/eventstore/model-stream.ts.
import {
  FourEyesViolationError,
  Permission,
  PermissionDeniedError,
  accessDeniedEvent,
  authorize,
  resourceOfAssetPath,
  roleHasPermission,
  type AccessDeniedEvent,
  type Principal,
  type Resource,
} from '@industrial/access';
import { UnsScope, eventValidator, latestVersion, multilineText } from '@industrial/contracts';
import { uuidv7 } from '@industrial/contracts/ids';
import { defineService, fromSchema, governanceRegistryV1 as pb, InvalidRequestError, unary, type CallContext } from '@industrial/grpc';
import { causeOfCall, type Cause } from '@industrial/kernel';
import { z } from 'zod';
import {
  FourEyesError,
  deploymentsOf,
  isBreakGlass,
  stagesOf,
  versionOf,
  type ApprovalRequestView,
  type DeploymentStage,
  type RegisterCommand,
  type RegistryState,
  type VersionStage,
} from '../../domain/registry.ts';
import { ShadowOnlyError } from '../../domain/request-authority.ts';
import type { RegistryFeatures } from '../../features/registry.ts';

const { ModelRegistryServiceService, ModelStage, ApprovalStatus } = pb;

export interface ModelRegistryDeps {
  registry: RegistryFeatures;
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
    ctx.addIssue({
      code: 'custom',
      message: `must be an ISA-95 path prefix such as acme.plant-1.utilities.cooling-water, or empty (got ${JSON.stringify(v.slice(0, 100))})`,
    });
    return z.NEVER;
  }
  return v;
});
const text = (max: number) =>
  z
    .string()
    .transform((v) => v.trim())
    .pipe(z.string().min(1, 'is required').max(max, `must be at most ${max} characters`).superRefine(multilineText));
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
      .pipe(z.string().max(2000, 'must be at most 2000 characters').superRefine(multilineText))
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

/**
 * The plant location a deployment scope touches, for the access check; none for a use-case-wide
 * deployment. A scope is an ISA-95 path prefix (`enterprise.site.area.line…`), so it maps like any
 * asset path (the one mapping, resourceOfAssetPath).
 */
export function resourceOfScope(s: string | null): Resource | undefined {
  return s === null ? undefined : resourceOfAssetPath(s);
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
    version: versionOf(s, r.modelVersionId)?.version ?? 0,
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

/** The recorded ModelVersionRegistered data as JSON (without the registry's own registeredAt). */
function registrationJson(v: RegisteredVersionView): string {
  const { registeredAt: _at, ...data } = v;
  return JSON.stringify(data);
}
type RegisteredVersionView = NonNullable<ReturnType<typeof versionOf>>;

export function toVersion(s: RegistryState, modelVersionId: string): pb.ModelVersion | undefined {
  return toListResponse(s).versions.find((v) => v.modelVersionId === modelVersionId);
}

export function toListResponse(s: RegistryState): pb.ListModelVersionsResponse {
  const requests = [...s.requests.values()];
  const versions = [...s.deployments.registered.values()].sort((a, b) => a.version - b.version);
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
      registrationJson: registrationJson(v),
    })),
    deployments: deploymentsOf(s).map((d) => ({ stage: STAGE[d.stage], scope: d.scope ?? '', modelVersionId: d.modelVersionId ?? '' })),
    rollbackProposals: [...s.proposals.values()].map((p) => ({
      proposalId: p.proposalId,
      modelVersionId: p.modelVersionId,
      scope: p.scope ?? '',
      trigger: p.trigger,
      toModelVersionId: p.toModelVersionId ?? '',
      measure: p.measure,
      value: p.value,
      limit: p.limit,
      basis: p.basis,
      reason: p.reason,
      proposedAt: p.proposedAt,
      standing: p.standing,
    })),
  };
}

// ── service ─────────────────────────────────────────────────────────────────────────────────

/** The cause of a call: the caller, in the first of its roles that grants the permission. */
function causeOf(ctx: CallContext, permission: Permission): Cause {
  const role = ctx.principal.roles.find((r) => roleHasPermission(r, permission)) ?? ctx.principal.roles[0] ?? 'none';
  return { ...causeOfCall(ctx, { service: 'governance' }), role };
}

const requestOf = (state: RegistryState, requestId: string): pb.ApprovalRequest => toProtoRequest(state, state.requests.get(requestId)!);

/** A registration as training sends it: JSON of the contract data without `version`, validated by the contract. */
const registerInput = (r: pb.RegisterModelVersionRequest): RegisterCommand => {
  let data: unknown;
  try {
    data = JSON.parse(r.registrationJson);
  } catch {
    throw new InvalidRequestError('registration_json', 'must be JSON of a ModelVersionRegistered without version');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new InvalidRequestError('registration_json', 'must be a JSON object');
  if ('version' in data) throw new InvalidRequestError('registration_json.version', 'is assigned by governance; leave it out');
  const problem = eventValidator.validate('ModelVersionRegistered', latestVersion('ModelVersionRegistered'), { ...data, version: 1 });
  if (problem !== null) throw new InvalidRequestError(`registration_json${problem.path === '' ? '' : `.${problem.path}`}`, problem.reason);
  return data as RegisterCommand;
};

const breakGlassInput = fromSchema(
  z.object({
    useCaseId: uuid,
    modelVersionId: uuid,
    stage: targetStage,
    scope,
    reason: text(2000),
    expectedPreviousModelVersionId: optionalUuid,
    expectNone: z.boolean(),
  }),
);

const metricName = z.string().regex(/^[a-z][a-z0-9_]*$/, 'metric names use lowercase letters, digits and "_"');
const metricLimits = z.record(metricName, z.number().refine(Number.isFinite, 'must be a finite number'));
const stressLimit = z.object({ maxDrop: z.number().nonnegative('must be ≥ 0') }).optional();
const defineGatesInput = fromSchema(
  z.object({
    useCaseId: uuid,
    minMetrics: metricLimits,
    maxMetrics: metricLimits,
    noise: stressLimit,
    dropout: stressLimit,
    snapshot: z.object({ minRows: z.number().int().nonnegative(), minLabels: z.number().int().nonnegative() }).optional(),
    shadow: z.object({ minWindows: z.number().int().min(1, 'must be ≥ 1'), minAgreement: z.number().min(0, 'must be 0–1').max(1, 'must be 0–1') }).optional(),
    skipSavingsGate: z.boolean(),
    minLiveOutcomes: z.number().int().nonnegative(),
  }),
);
const checkGatesInput = fromSchema(z.object({ useCaseId: uuid, requestId: uuid }));

/** The ModelRegistryService methods and the permission each needs (packages/access/PERMISSIONS.md). */
export function modelRegistryService(deps: ModelRegistryDeps) {
  const { registry } = deps;
  const now = deps.now ?? (() => new Date());

  /** Records a four-eyes refusal as AccessDenied (reason missing-permission, the four-eyes text as detail). */
  const recordFourEyes = (error: FourEyesViolationError, principal: Principal, resource: Resource | undefined, ctx: CallContext): Promise<void> =>
    recordRefusal(Permission.ModelApprove, error.reason, principal, resource, ctx);

  /** Records a refusal the handler makes itself as AccessDenied, like the guard's (reason missing-permission, `detail` says why). */
  async function recordRefusal(permission: Permission, detail: string, principal: Principal, resource: Resource | undefined, ctx: CallContext): Promise<void> {
    const { stream, event } = accessDeniedEvent({
      principal,
      permission,
      resource,
      service: 'governance',
      method: ctx.method,
      cause: { missing: 'role', detail },
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
    resourceOfScope(await registry.requestScope(q.useCaseId, q.requestId));

  return defineService(ModelRegistryServiceService, {
    listModelVersions: unary({
      permission: Permission.ModelRead,
      input: listInput,
      async handle(q) {
        return toListResponse(await registry.list(q.useCaseId));
      },
    }),
    requestApproval: unary({
      // At the door the shadow request (engineers and service accounts); past it, model.propose for
      // anything but a service's own candidate in shadow (domain/request-authority.ts).
      permission: Permission.ModelProposeShadow,
      input: requestApprovalInput,
      resource: (q) => resourceOfScope(q.scope),
      async handle(q, ctx) {
        const resource = resourceOfScope(q.scope);
        const shadowOnly = !authorize(ctx.principal, Permission.ModelPropose, resource).allowed;
        const used = shadowOnly ? Permission.ModelProposeShadow : Permission.ModelPropose;
        try {
          const { state, requestId } = await registry.requestApproval({ ...q, requester: { subject: ctx.principal.subject, shadowOnly } }, causeOf(ctx, used));
          return { request: requestOf(state, requestId) };
        } catch (error) {
          // Refused by the decision (model.propose_shadow only): nothing was appended to the model stream; the refusal is recorded like the guard's.
          if (!(error instanceof ShadowOnlyError)) throw error;
          await recordRefusal(Permission.ModelPropose, error.detail, ctx.principal, resource, ctx);
          throw new PermissionDeniedError(Permission.ModelPropose, resource, error.detail);
        }
      },
    }),
    approve: unary({
      permission: Permission.ModelApprove,
      input: approveInput,
      resource: requestResource,
      async handle(q, ctx) {
        try {
          const state = await registry.approve(q, causeOf(ctx, Permission.ModelApprove));
          return { request: requestOf(state, q.requestId) };
        } catch (error) {
          // Four eyes refused: nothing was appended to the model stream; the refusal is recorded like the guard's.
          if (!(error instanceof FourEyesError)) throw error;
          const refusal = new FourEyesViolationError(error.subject);
          await recordFourEyes(refusal, ctx.principal, await requestResource(q), ctx);
          throw refusal;
        }
      },
    }),
    reject: unary({
      permission: Permission.ModelApprove,
      input: rejectInput,
      resource: requestResource,
      async handle(q, ctx) {
        return { request: requestOf(await registry.reject(q, causeOf(ctx, Permission.ModelApprove)), q.requestId) };
      },
    }),
    promote: unary({
      permission: Permission.ModelPromote,
      input: promoteInput,
      resource: requestResource,
      async handle(q, ctx) {
        const { state, previousModelVersionId } = await registry.promote(q, causeOf(ctx, Permission.ModelPromote));
        return { request: requestOf(state, q.requestId), previousModelVersionId: previousModelVersionId ?? '' };
      },
    }),
    rollback: unary({
      permission: Permission.ModelRollback,
      input: rollbackInput,
      resource: (q) => resourceOfScope(q.scope),
      async handle(q, ctx) {
        const { stage, production } = await registry.rollback(q, causeOf(ctx, Permission.ModelRollback));
        return { stage: STAGE[stage], productionModelVersionId: production ?? '' };
      },
    }),
    registerModelVersion: unary({
      permission: Permission.ModelRegister,
      input: registerInput,
      async handle(q, ctx) {
        const { state, registered, alreadyRegistered } = await registry.register(q, causeOf(ctx, Permission.ModelRegister));
        return { version: toVersion(state, registered.modelVersionId), alreadyRegistered };
      },
    }),
    defineGates: unary({
      permission: Permission.ModelApprove,
      input: defineGatesInput,
      async handle(q, ctx) {
        const state = await registry.defineGates(
          q.useCaseId,
          {
            minMetrics: q.minMetrics,
            maxMetrics: q.maxMetrics,
            maxNoiseDrop: q.noise?.maxDrop ?? null,
            maxDropoutDrop: q.dropout?.maxDrop ?? null,
            snapshot: q.snapshot ?? null,
            shadow: q.shadow ?? null,
            savingsAtLeastProduction: !q.skipSavingsGate,
            minLiveOutcomes: q.minLiveOutcomes === 0 ? 10 : q.minLiveOutcomes,
          },
          causeOf(ctx, Permission.ModelApprove),
        );
        return { minMetrics: { ...(await registry.minMetricsInForce(state, q.useCaseId)) } };
      },
    }),
    checkGates: unary({
      permission: Permission.ModelRead,
      input: checkGatesInput,
      async handle(q) {
        const results = await registry.gateResults(q.useCaseId, q.requestId);
        return { results: results.map((r) => ({ gate: r.gate, passed: r.passed, detail: r.detail })), passed: results.every((r) => r.passed) };
      },
    }),
    breakGlassPromote: unary({
      permission: Permission.ModelBreakGlass,
      input: breakGlassInput,
      resource: (q) => resourceOfScope(q.scope),
      async handle(q, ctx) {
        const expectedPrevious = q.expectNone ? null : (q.expectedPreviousModelVersionId ?? undefined);
        const { state, requestId, previousModelVersionId } = await registry.breakGlassPromote(
          {
            useCaseId: q.useCaseId,
            modelVersionId: q.modelVersionId,
            stage: q.stage,
            scope: q.scope,
            reason: q.reason,
            ...(expectedPrevious === undefined ? {} : { expectedPrevious }),
          },
          causeOf(ctx, Permission.ModelBreakGlass),
        );
        const request = state.requests.get(requestId)!;
        if (!isBreakGlass(request)) throw new Error(`request ${requestId} was not recorded as break-glass`);
        return { request: toProtoRequest(state, request), previousModelVersionId: previousModelVersionId ?? '' };
      },
    }),
  });
}
