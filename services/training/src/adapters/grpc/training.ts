// gRPC adapter of industrial.training.v1.TrainingService: edge validation of each request, the
// permission each method needs, and the mapping between the run state and the proto Run.
import { Permission, roleHasPermission } from '@industrial/access';
import { lineText, unsafeTextProblem } from '@industrial/contracts';
import { defineService, fromSchema, quoteValue, serverStream, trainingV1, unary, type CallContext } from '@industrial/grpc';
import { z } from 'zod';
import { coerceParam, type CostModelChoice, type TrainingSpecInput } from '../../domain/spec.ts';
import type { RunState, RunStatus } from '../../domain/run.ts';
import { causeOfCall, type Cause } from '@industrial/kernel';
import type { TrainingRuns } from '../../features/runs.ts';
import type { RetrainingView } from '../../domain/retraining.ts';
import { TrainingError, TrainingErrorCode } from '../../domain/errors.ts';

const { TrainingServiceService, RunStatus: ProtoStatus } = trainingV1;

const uuid = (what: string) => z.string().min(1, 'is required').uuid(`${what} must be a UUID`);
const nonNegative = z.number().finite().min(0, 'must be ≥ 0');

// Every string is bounded and free of control / bidirectional-override characters (lineText):
// they are recorded in TrainingRunStarted and echoed in refusals.
const choice = z.string().max(40).superRefine(lineText);
const PARAM_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
// Names are checked before anything names a field after them (the field trailer carries the name).
function hyperparameters(h: Record<string, string>, ctx: z.RefinementCtx): void {
  const entries = Object.entries(h);
  if (entries.length > 50) return void ctx.addIssue({ code: 'custom', message: `at most 50 hyperparameters (got ${entries.length})` });
  const bad = entries.find(([k]) => !PARAM_NAME.test(k));
  if (bad !== undefined)
    return void ctx.addIssue({ code: 'custom', message: `hyperparameter names are identifiers of at most 64 characters, not ${quoteValue(bad[0])}` });
  for (const [k, v] of entries) {
    const problem = v.length > 200 ? 'must be at most 200 characters' : unsafeTextProblem(v);
    if (problem !== null) return void ctx.addIssue({ code: 'custom', path: [k], message: problem });
  }
}
const specSchema = z.object({
  target: z.string().trim().min(1, 'is required').max(128).superRefine(lineText),
  features: z.array(z.string().trim().min(1, 'must not be empty').max(128).superRefine(lineText)).max(500, 'at most 500 features'),
  modelType: choice,
  hyperparameters: z.record(z.string(), z.string()).superRefine(hyperparameters),
  imbalance: choice,
  imputation: choice,
  costModel: z
    .object({
      useCaseId: z.string().uuid('must be a UUID').optional(),
      inline: z.object({ missedFailure: nonNegative, falseAlarm: nonNegative, inspection: nonNegative }).optional(),
    })
    .optional(),
  seed: z.number().int().min(0),
});

// snapshot_id is an id (a UUID, the contracts' format), never a path: the snapshot source reads
// `<snapshot dir>/<id>.manifest.json` only, and refuses anything else too (adapters/snapshots).
const startInput = fromSchema(
  z.object({
    snapshotId: uuid('snapshot_id'),
    useCaseId: uuid('use_case_id'),
    spec: specSchema.optional().refine((s) => s !== undefined, { message: 'is required' }),
    runId: z.union([z.literal(''), z.string().uuid('must be a UUID (or empty)')]),
  }),
);

const runIdInput = fromSchema(z.object({ runId: uuid('run_id') }));

const retrainInput = fromSchema(
  z.object({
    useCaseId: uuid('use_case_id'),
    modelVersionId: z.union([z.literal(''), z.string().uuid('must be a UUID (or empty)')]),
    requestId: uuid('request_id'),
  }),
);
const retrainingIdInput = fromSchema(z.object({ retrainingId: uuid('retraining_id') }));

function toProtoRetraining(v: RetrainingView): trainingV1.Retraining {
  const t = v.trigger;
  return {
    retrainingId: v.retrainingId,
    useCaseId: v.useCaseId,
    status: v.status,
    triggerKind: t?.kind ?? '',
    driftId: t?.driftId ?? '',
    scheduleTick: t?.scheduleTick ?? '',
    schedule: t?.schedule ?? '',
    requestedBy: t?.requestedBy ?? '',
    windowFrom: v.window?.from ?? '',
    windowTo: v.window?.to ?? '',
    snapshotId: v.snapshotId ?? '',
    runId: v.runId ?? '',
    modelVersionId: v.modelVersionId ?? '',
    modelVersion: v.version ?? 0,
    shadowApprovalRequestId: v.shadowApprovalRequestId ?? '',
    refusedStage: v.status === 'refused' ? (v.stage ?? '') : '',
    reason: v.reason ?? '',
  };
}

const STATUS_OF: Record<number, RunStatus | undefined> = {
  [ProtoStatus.RUN_STATUS_QUEUED]: 'queued',
  [ProtoStatus.RUN_STATUS_RUNNING]: 'running',
  [ProtoStatus.RUN_STATUS_COMPLETED]: 'completed',
  [ProtoStatus.RUN_STATUS_FAILED]: 'failed',
};

const listInput = fromSchema(
  z.object({
    useCaseId: z.union([z.literal(''), z.string().uuid('must be a UUID (or empty)')]),
    status: z
      .number()
      .int()
      .refine((s) => s === 0 || STATUS_OF[s] !== undefined, { message: 'is not a RunStatus' }),
    pageSize: z.number().int().min(0).max(500, 'must be at most 500'),
    pageToken: z.union([z.literal(''), z.string().max(16).regex(/^\d+$/, 'is not a token from a previous page')]),
  }),
);

function specInput(s: z.infer<typeof specSchema>): TrainingSpecInput {
  let costModel: CostModelChoice | null = null;
  if (s.costModel?.inline !== undefined) costModel = { source: 'inline', ...s.costModel.inline };
  else if (s.costModel?.useCaseId !== undefined) costModel = { source: 'charter', useCaseId: s.costModel.useCaseId };
  return {
    target: s.target,
    features: s.features,
    modelType: s.modelType,
    hyperparameters: Object.fromEntries(Object.entries(s.hyperparameters).map(([k, v]) => [k, coerceParam(v)])),
    imbalance: s.imbalance,
    imputation: s.imputation,
    costModel,
    seed: s.seed,
  };
}

const PROTO_STATUS: Record<RunStatus, trainingV1.RunStatus> = {
  none: ProtoStatus.RUN_STATUS_UNSPECIFIED,
  queued: ProtoStatus.RUN_STATUS_QUEUED,
  running: ProtoStatus.RUN_STATUS_RUNNING,
  completed: ProtoStatus.RUN_STATUS_COMPLETED,
  failed: ProtoStatus.RUN_STATUS_FAILED,
};

export function toProtoRun(r: RunState): trainingV1.Run {
  const s = r.started!;
  const cm = s.spec.costModel;
  return {
    runId: s.runId,
    useCaseId: s.useCaseId,
    datasetId: s.datasetId,
    snapshotId: s.snapshotId,
    snapshotHash: s.snapshotHash,
    status: PROTO_STATUS[r.status],
    stage: r.stage ?? '',
    progress: r.progress,
    spec: {
      target: s.spec.target,
      features: [...s.spec.features],
      modelType: s.spec.modelType,
      hyperparameters: Object.fromEntries(Object.entries(s.hyperparameters).map(([k, v]) => [k, String(v)])),
      imbalance: s.spec.imbalance,
      imputation: s.spec.imputation,
      costModel:
        cm === null
          ? undefined
          : cm.source === 'charter' && cm.useCaseId !== null
            ? { useCaseId: cm.useCaseId, inline: undefined }
            : { useCaseId: undefined, inline: { missedFailure: cm.missedFailure, falseAlarm: cm.falseAlarm, inspection: cm.inspection } },
      seed: s.seed,
    },
    codeVersion: s.codeVersion,
    trigger: s.trigger.kind,
    startedAt: s.startedAt,
    finishedAt: r.completed?.completedAt ?? r.failed?.failedAt ?? '',
    metrics: { ...r.metrics },
    artifactUri: r.registered?.artifactUri ?? r.completed?.artifactUri ?? '',
    onnxSha256: r.registered?.artifactHash ?? r.completed?.artifactHash ?? '',
    modelVersionId: r.registered?.modelVersionId ?? '',
    modelVersion: r.registered?.version ?? 0,
    modelCardUri: r.registered?.modelCard.markdown.uri ?? '',
    error: r.failed?.error ?? '',
    retryable: r.failed?.retryable ?? false,
  };
}

// The cause of a start: the caller, in the first of its roles that grants starting training.
const causeOf = (ctx: CallContext): Cause => ({
  ...causeOfCall(ctx, { service: 'training' }),
  role: ctx.principal.roles.find((r) => roleHasPermission(r, Permission.TrainingStart)) ?? ctx.principal.roles[0] ?? 'engineer',
});

/** StartTraining and RequestRetraining need `training.start`; GetRun, StreamRunProgress, ListRuns and GetRetraining `training.read`. */
export function trainingService(runs: TrainingRuns) {
  return defineService(TrainingServiceService, {
    startTraining: unary({
      permission: Permission.TrainingStart,
      input: startInput,
      async handle(q, ctx) {
        const run = await runs.start(
          { snapshotId: q.snapshotId, useCaseId: q.useCaseId, spec: specInput(q.spec!), ...(q.runId === '' ? {} : { runId: q.runId }) },
          causeOf(ctx),
        );
        return { run: toProtoRun(run) };
      },
    }),
    getRun: unary({
      permission: Permission.TrainingRead,
      input: runIdInput,
      async handle(q) {
        return { run: toProtoRun(runs.get(q.runId)) };
      },
    }),
    streamRunProgress: serverStream({
      permission: Permission.TrainingRead,
      input: runIdInput,
      handle: (q, ctx) => {
        runs.get(q.runId); // NOT_FOUND before the stream starts
        return (async function* () {
          for await (const r of runs.watch(q.runId, ctx.signal)) yield { run: toProtoRun(r) };
        })();
      },
    }),
    requestRetraining: unary({
      permission: Permission.TrainingStart,
      input: retrainInput,
      async handle(q, ctx) {
        const cause = causeOf(ctx);
        const v = await runs.retraining.trigger({
          useCaseId: q.useCaseId,
          modelVersionId: q.modelVersionId === '' ? null : q.modelVersionId,
          requestId: q.requestId,
          trigger: { kind: 'on-demand', driftId: null, retrainingRequestId: null, scheduleTick: null, schedule: null, requestedBy: cause.actor },
          actor: { subject: cause.actor, role: cause.role },
        });
        return { retraining: toProtoRetraining(v) };
      },
    }),
    getRetraining: unary({
      permission: Permission.TrainingRead,
      input: retrainingIdInput,
      async handle(q) {
        const v = await runs.retraining.get(q.retrainingId);
        if (v.status === 'none') throw new TrainingError(TrainingErrorCode.NotFound, 'retraining_id', `retraining ${q.retrainingId} does not exist`);
        return { retraining: toProtoRetraining(v) };
      },
    }),
    listRuns: unary({
      permission: Permission.TrainingRead,
      input: listInput,
      async handle(q) {
        const status = STATUS_OF[q.status];
        const all = runs.list({ ...(q.useCaseId === '' ? {} : { useCaseId: q.useCaseId }), ...(status === undefined ? {} : { status }) });
        const size = q.pageSize === 0 ? 50 : q.pageSize;
        const offset = q.pageToken === '' ? 0 : Number(q.pageToken);
        const page = all.slice(offset, offset + size);
        return { runs: page.map(toProtoRun), nextPageToken: offset + size < all.length ? String(offset + size) : '' };
      },
    }),
  });
}
