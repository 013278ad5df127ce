// Use case "retrain on fresh data" (issue 16): a trigger — critical drift (inference's DriftDetected,
// or its RetrainingRequested naming a drift), a schedule tick in plant time, or an on-demand request
// (gRPC) — becomes one retraining, recorded in its own `retraining-<id>` stream with the retraining
// id as the correlation id of every step:
//   RetrainingTriggered (the trigger, the base run, the rolling window)
//   → dataops' CreateDatasetSnapshot over the window (DatasetSnapshotCreated, dataops' event)
//   → the fresh-data check → RetrainingSnapshotTaken
//   → a training run with the base run's spec, hyperparameters and seed on the fresh snapshot
//     (TrainingRunStarted … its trigger names the retraining id; ModelVersionRegistered by governance)
//   → the candidate's shadow period asked of governance (ModelApprovalRequested, stage shadow)
//   → RetrainingCandidateRegistered (fresh snapshot, run, model version, shadow request).
// Any step that fails records RetrainingRefused with the stage and the reason, and nothing after it
// happens: no run without a fresh snapshot, no candidate without a run. One retraining per trigger
// (its id is derived from it) and one at a time per use case.
import { uuidFromKey } from '@industrial/contracts/ids';
import type { Aggregate, Cause, Kernel } from '@industrial/kernel';
import type { RunProjection } from '../domain/projection.ts';
import {
  RETRAINING_TYPES,
  describeTrigger,
  emptyRetraining,
  evolveRetraining,
  freshDataShortfall,
  freshSnapshotPlan,
  positivesOf,
  retrainingIdOf,
  retrainingStream,
  rollingWindow,
  type RetrainingEvent,
  type RetrainingLimits,
  type RetrainingTrigger,
  type RetrainingView,
} from '../domain/retraining.ts';
import type { RunState } from '../domain/run.ts';
import { specInputOf } from '../domain/spec.ts';
import type { FreshSnapshots, ModelRegistry, SnapshotData, SnapshotSource } from '../ports.ts';
import type { RunsLogger, StartRunRequest } from './context.ts';

export interface FreshRetrainingDeps {
  readonly kernel: Kernel;
  readonly projection: RunProjection;
  readonly snapshots: SnapshotSource;
  /** dataops over gRPC; absent: every retraining is refused at the snapshot step (not configured). */
  readonly freshSnapshots: FreshSnapshots | null;
  readonly registry: ModelRegistry;
  readonly logger: RunsLogger;
  readonly limits: RetrainingLimits;
  readonly now: () => Date;
  /** The plant's time zone (schedule ticks in plant words). */
  readonly describeTick: (ms: number) => string;
  start(req: StartRunRequest, cause: Cause): Promise<RunState>;
  /** The run now, then on every change until it is terminal. */
  watch(runId: string, signal: AbortSignal): AsyncGenerator<RunState>;
}

export interface TriggerRequest {
  readonly useCaseId: string;
  readonly trigger: RetrainingTrigger;
  /** The model to retrain (drift: the drifting model); null: the latest model trained for the use case. */
  readonly modelVersionId: string | null;
  /** On demand: the caller's request id (idempotent retries). */
  readonly requestId?: string | null;
  /** The event that caused it (DriftDetected / RetrainingRequested id), for the causation chain. */
  readonly causationId?: string | null;
  readonly actor?: { subject: string; role: string } | null;
}

const aggregate: Aggregate<RetrainingView, (typeof RETRAINING_TYPES)[number]> = {
  types: RETRAINING_TYPES,
  initial: () => emptyRetraining(''),
  evolve: (s, e) => evolveRetraining(s, { type: e.type, data: e.data } as RetrainingEvent),
};

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e)).slice(0, 1900);

export function createFreshRetraining(deps: FreshRetrainingDeps) {
  const { kernel, projection, logger } = deps;
  /** In flight per use case: the retraining id and its continuation. */
  const inFlight = new Map<string, { retrainingId: string; done: Promise<RetrainingView> }>();
  const settled = new Map<string, Promise<RetrainingView>>();

  const load = async (retrainingId: string): Promise<RetrainingView> => {
    const { state } = await kernel.load(retrainingStream(retrainingId), aggregate);
    return { ...state, retrainingId };
  };

  async function append(retrainingId: string, event: RetrainingEvent, cause: Cause): Promise<void> {
    await kernel.append(
      retrainingStream(retrainingId),
      [{ ...event, id: uuidFromKey(`${event.type}:${retrainingId}`) } as Parameters<Kernel['append']>[1][number]],
      cause,
    );
  }

  async function refuse(
    id: string,
    useCaseId: string,
    stage: 'trigger' | 'snapshot' | 'fresh-data' | 'training' | 'registration' | 'shadow',
    reason: string,
    ids: { snapshotId?: string | null; runId?: string | null },
    cause: Cause,
  ): Promise<RetrainingView> {
    logger.warn({ retrainingId: id, useCaseId, stage, reason }, 'retraining refused');
    await append(
      id,
      {
        type: 'RetrainingRefused',
        data: { retrainingId: id, useCaseId, stage, reason, snapshotId: ids.snapshotId ?? null, runId: ids.runId ?? null, refusedAt: deps.now().toISOString() },
      },
      cause,
    );
    return load(id);
  }

  /** The run the retraining reuses: the drifting model's, else the newest completed run of the use case with a registered model. */
  function baseRun(useCaseId: string, modelVersionId: string | null): RunState | undefined {
    if (modelVersionId !== null) {
      const r = projection.runOfModel(modelVersionId);
      if (r?.started != null) return r;
    }
    return projection.list({ useCaseId, status: 'completed' }).find((r) => r.started !== null && r.registered !== null);
  }

  /** Records the trigger (or answers the retraining it already started); the rest runs on (see `settled`). */
  async function trigger(req: TriggerRequest): Promise<RetrainingView> {
    const id = retrainingIdOf(req.useCaseId, req.trigger, req.requestId ?? null);
    const existing = await load(id);
    if (existing.status !== 'none') return existing;
    const cause: Cause = {
      actor: req.actor?.subject ?? 'svc:training',
      role: req.actor?.role ?? 'service',
      correlationId: id,
      causationId: req.causationId ?? null,
      traceparent: null,
    };
    const busy = inFlight.get(req.useCaseId);
    if (busy !== undefined)
      return refuse(id, req.useCaseId, 'trigger', `retraining ${busy.retrainingId} of this use case is still under way; one retraining at a time`, {}, cause);
    const base = baseRun(req.useCaseId, req.modelVersionId);
    if (base?.started == null)
      return refuse(
        id,
        req.useCaseId,
        'trigger',
        req.modelVersionId === null
          ? 'no model has been trained for this use case yet: a retraining reuses the spec of a trained model'
          : `model version ${req.modelVersionId} was not trained by this service and no other model of the use case was: a retraining reuses the spec of a trained model`,
        {},
        cause,
      );
    const now = deps.now();
    const window = rollingWindow(now.getTime(), deps.limits.windowDays);
    // Claimed before the first await: a trigger arriving meanwhile sees this one under way.
    let release!: (v: RetrainingView) => void;
    inFlight.set(req.useCaseId, { retrainingId: id, done: new Promise<RetrainingView>((r) => (release = r)) });
    try {
      await kernel.append(
        retrainingStream(id),
        [
          {
            type: 'RetrainingTriggered',
            id: uuidFromKey(`RetrainingTriggered:${id}`),
            data: {
              retrainingId: id,
              useCaseId: req.useCaseId,
              trigger: req.trigger,
              baseModelVersionId: base.registered?.modelVersionId ?? null,
              baseRunId: base.started.runId,
              window,
              triggeredAt: now.toISOString(),
            },
          },
        ],
        cause,
        { expectedRevision: 'no-stream' },
      );
    } catch (e) {
      inFlight.delete(req.useCaseId);
      release(existing);
      throw e;
    }
    logger.info({ retrainingId: id, useCaseId: req.useCaseId, trigger: req.trigger.kind, window }, 'retraining on fresh data triggered');
    const done = proceed(id, req, base, window, { ...cause, causationId: uuidFromKey(`RetrainingTriggered:${id}`) })
      .catch(async (e: unknown) => {
        logger.error({ err: e, retrainingId: id }, 'retraining failed outside its steps');
        const v = await load(id).catch(() => null);
        if (v !== null && v.status !== 'candidate' && v.status !== 'refused') return refuse(id, req.useCaseId, 'training', message(e), {}, cause);
        return v ?? emptyRetraining(id);
      })
      .finally(() => {
        if (inFlight.get(req.useCaseId)?.retrainingId === id) inFlight.delete(req.useCaseId);
      });
    inFlight.set(req.useCaseId, { retrainingId: id, done });
    void done.then(release);
    settled.set(id, done);
    return load(id);
  }

  async function proceed(id: string, req: TriggerRequest, base: RunState, window: { from: string; to: string }, cause: Cause): Promise<RetrainingView> {
    const useCaseId = req.useCaseId;
    const p = base.started!;
    // 1. the fresh snapshot, defined like the base snapshot, over the rolling window
    let baseSnap: SnapshotData;
    try {
      baseSnap = await deps.snapshots.load(p.snapshotId);
    } catch (e) {
      return refuse(id, useCaseId, 'snapshot', `the base snapshot ${p.snapshotId} could not be read: ${message(e)}`, {}, cause);
    }
    const plan = freshSnapshotPlan(useCaseId, { ...baseSnap, source: baseSnap.source ?? null, window: baseSnap.window }, window);
    if (!plan.ok) return refuse(id, useCaseId, 'snapshot', plan.reason, {}, cause);
    if (deps.freshSnapshots === null)
      return refuse(id, useCaseId, 'snapshot', "dataops' gRPC API is not configured for training (no fresh snapshots)", {}, cause);
    let fresh: SnapshotData;
    try {
      const created = await deps.freshSnapshots.create(plan.request, cause);
      fresh = await deps.snapshots.load(created.snapshotId, { expectedHash: created.contentHash });
    } catch (e) {
      return refuse(id, useCaseId, 'snapshot', message(e), {}, cause);
    }
    // 2. enough fresh rows and positive labels
    const target = p.spec.target;
    const col = fresh.columns[target];
    const positives = positivesOf(col === undefined || Array.isArray(col) ? undefined : (col as ArrayLike<number>), p.spec.task);
    const shortfall = freshDataShortfall({ rowCount: fresh.rowCount, positives, target, windowDays: deps.limits.windowDays }, deps.limits);
    if (shortfall !== null) return refuse(id, useCaseId, 'fresh-data', shortfall, { snapshotId: fresh.snapshotId }, cause);
    await append(
      id,
      {
        type: 'RetrainingSnapshotTaken',
        data: {
          retrainingId: id,
          useCaseId,
          datasetId: fresh.datasetId,
          snapshotId: fresh.snapshotId,
          snapshotHash: fresh.contentHash,
          window,
          rowCount: fresh.rowCount,
          positives,
        },
      },
      cause,
    );
    // 3. train with the use case's spec (the base run's), on the fresh snapshot
    const runId = uuidFromKey(`retraining-run:${id}`);
    try {
      await deps.start(
        {
          snapshotId: fresh.snapshotId,
          useCaseId,
          spec: specInputOf(p.spec, p.hyperparameters, p.seed),
          runId,
          trigger: { kind: 'retraining', retrainingRequestId: id },
        },
        cause,
      );
    } catch (e) {
      return refuse(id, useCaseId, 'training', `the run could not start on the fresh snapshot: ${message(e)}`, { snapshotId: fresh.snapshotId }, cause);
    }
    let run: RunState | undefined;
    for await (const r of deps.watch(runId, new AbortController().signal)) run = r;
    if (run?.status !== 'completed' || run.registered === null) {
      const stage = run?.failed?.stage === 'registration' ? 'registration' : 'training';
      return refuse(
        id,
        useCaseId,
        stage,
        `run ${runId} ${run?.failed === null || run === undefined ? 'did not complete' : `failed: ${run.failed.error}`}`,
        { snapshotId: fresh.snapshotId, runId },
        cause,
      );
    }
    const reg = run.registered;
    // 4. the candidate's shadow period (a quality lead approves it in governance)
    let shadowRequestId: string | null = null;
    if (deps.registry.requestShadow !== undefined) {
      try {
        shadowRequestId = await deps.registry.requestShadow(
          {
            useCaseId,
            modelVersionId: reg.modelVersionId,
            justification: `Retrained on fresh data (${window.from} – ${window.to}, snapshot ${fresh.snapshotId}) after ${describeTrigger(req.trigger, req.trigger.scheduleTick === null ? null : deps.describeTick(Date.parse(req.trigger.scheduleTick)))}; retraining ${id}. Shadow before any production decision.`,
          },
          cause,
        );
      } catch (e) {
        logger.warn({ err: e, retrainingId: id, modelVersionId: reg.modelVersionId }, 'the shadow period of the candidate could not be requested');
      }
    }
    await append(
      id,
      {
        type: 'RetrainingCandidateRegistered',
        data: {
          retrainingId: id,
          useCaseId,
          snapshotId: fresh.snapshotId,
          runId,
          modelVersionId: reg.modelVersionId,
          version: reg.version,
          shadowApprovalRequestId: shadowRequestId,
          registeredAt: deps.now().toISOString(),
        },
      },
      cause,
    );
    logger.info({ retrainingId: id, modelVersionId: reg.modelVersionId, snapshotId: fresh.snapshotId }, 'retraining registered a candidate');
    return load(id);
  }

  return {
    trigger,
    get: load,
    /** Resolves when the retraining has registered its candidate or was refused (retrainings this process started). */
    settled: async (retrainingId: string): Promise<RetrainingView> => (await settled.get(retrainingId)) ?? load(retrainingId),
    /** Use cases with a model trained here (the schedule's candidates). */
    trainedUseCases: (): string[] => [
      ...new Set(
        projection
          .list({ status: 'completed' })
          .map((r) => r.started?.useCaseId)
          .filter((u): u is string => u !== undefined),
      ),
    ],
    /** Retrainings a previous process left unfinished: refused as interrupted (nothing after the step they reached happens). */
    async closeInterrupted(open: readonly (readonly [string, string])[]): Promise<void> {
      for (const [id, useCaseId] of open) {
        if ([...inFlight.values()].some((f) => f.retrainingId === id)) continue;
        const cause: Cause = { actor: 'svc:training', role: 'service', correlationId: id, causationId: null, traceparent: null };
        try {
          const v = await load(id);
          const runId = uuidFromKey(`retraining-run:${id}`);
          const run = projection.get(runId);
          if (v.status === 'training' && v.snapshotId !== null && run?.status === 'completed' && run.registered !== null) {
            // The candidate was registered before the stop: recorded as such (its shadow period was not requested).
            await append(
              id,
              {
                type: 'RetrainingCandidateRegistered',
                data: {
                  retrainingId: id,
                  useCaseId,
                  snapshotId: v.snapshotId,
                  runId,
                  modelVersionId: run.registered.modelVersionId,
                  version: run.registered.version,
                  shadowApprovalRequestId: null,
                  registeredAt: deps.now().toISOString(),
                },
              },
              cause,
            );
          } else if (v.status === 'triggered' || v.status === 'training')
            await refuse(
              id,
              useCaseId,
              v.status === 'triggered' ? 'snapshot' : 'training',
              'interrupted: the training service stopped before the retraining finished; trigger it again (on demand, or the next drift or schedule tick)',
              { snapshotId: v.snapshotId },
              cause,
            );
        } catch (e) {
          logger.error({ err: e, retrainingId: id }, 'could not close an interrupted retraining');
        }
      }
    },
    /** Waits for the retrainings in flight (shutdown). */
    async drain(): Promise<void> {
      await Promise.allSettled([...inFlight.values()].map((f) => f.done));
    },
  };
}

export type FreshRetraining = ReturnType<typeof createFreshRetraining>;
