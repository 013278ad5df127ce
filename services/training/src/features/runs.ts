// The training runs use cases: start a run (validate against the snapshot before anything is
// recorded, record TrainingRunStarted, queue it), run commands on a run (its own `training-run-`
// stream through the kernel; the registration through governance's registry), read runs from the
// projection (get, watch, list), open (catch up on training's own streams, close interrupted runs,
// follow live) and close (finish or cancel). Training reads only its own streams: snapshots and
// retraining requests arrive as integration events (onSnapshotCreated, onRetrainingRequested).
import type { EventData } from '@industrial/contracts';
import { uuidFromKey, uuidv7 } from '@industrial/contracts/ids';
import { serviceCause, type Aggregate, type Cause, type Kernel } from '@industrial/kernel';
import { toTrainingTable } from '../domain/dataset.ts';
import { CostModelNotFoundError, RunNotFoundError, TrainingError } from '../domain/errors.ts';
import { RunProjection, type ListFilter } from '../domain/projection.ts';
import { decide, evolve, initialRunState, isTerminal, type RunCommand, type RunEvent, type RunState, type StartedData } from '../domain/run.ts';
import { resolveSpec, type ResolvedSpec, type TrainingSpecInput } from '../domain/spec.ts';
import type { ArtifactStore, CostModel, CostModelSource, FreshSnapshots, ModelRegistry, SnapshotData, SnapshotSource, Trainer } from '../ports.ts';
import type { Job, RunsContext, RunsLogger, StartRunRequest } from './context.ts';
import { executeRun } from './execution.ts';
import { JobQueue } from './queue.ts';
import { backfillRegistrations, registerModel } from './registration.ts';
import { startRetraining } from './retraining.ts';
import { createFreshRetraining } from './fresh-retraining.ts';
import { createRetrainingScheduler } from './retraining-schedule.ts';
import { DEFAULT_RETRAINING_LIMITS, type RetrainingLimits } from '../domain/retraining.ts';
import { DEFAULT_SCHEDULE, describeTick, parseSchedule, type RetrainingSchedule } from '../domain/schedule.ts';

export type { RunsLogger, StartRunRequest };

/** Who asks: a kernel Cause, or (launcher scripts) a subject and role. */
export type Requester = Cause | { subject: string; role: string; correlationId?: string; traceparent?: string | null };

export interface TrainingRunsDeps {
  /** Training's kernel: its appends (training-run- streams only) and its reads. */
  kernel: Kernel;
  artifacts: ArtifactStore;
  snapshots: SnapshotSource;
  costModels: CostModelSource;
  trainer: Trainer;
  /** Governance's model registry (gRPC in a cluster, in process standalone). */
  registry: ModelRegistry;
  logger: RunsLogger;
  codeVersion: string;
  concurrency?: number;
  now?: () => Date;
  /** Permutation-importance repeats (fewer = faster; ml default 5). */
  importanceRepeats?: number;
  /** Fail runs left unfinished by a previous process at start (single training instance). Default true. */
  recoverInterrupted?: boolean;
  /** dataops' gRPC API for the fresh snapshots of retrainings; absent: retrainings are refused at the snapshot step. */
  freshSnapshots?: FreshSnapshots | null;
  /** Retraining on fresh data: limits, the plant time zone and schedules (per use case, else the default, weekly). */
  retraining?: RetrainingOptions;
}

export interface RetrainingOptions {
  readonly limits?: Partial<RetrainingLimits>;
  /** IANA zone of the plant (schedules are plant time). Default UTC. */
  readonly timeZone?: string;
  /** Schedule text per use case id ("weekly mon 06:00", "daily 02:30", "off"). */
  readonly schedules?: Readonly<Record<string, string>>;
  /** For use cases without their own; default "weekly mon 06:00". */
  readonly defaultSchedule?: string;
  /** Run the schedule timer (default false: tests and scripts trigger by hand). */
  readonly scheduler?: boolean;
  readonly checkEveryMs?: number;
}

export const RUN_STREAM_PREFIX = 'training-run-';
const runStream = (runId: string) => `${RUN_STREAM_PREFIX}${runId}`;
const RUN_TYPES = ['TrainingRunStarted', 'TrainingRunProgressed', 'TrainingRunCompleted', 'TrainingRunFailed'] as const;

/** One run's stream folded by the run decider's evolve. */
const runAggregate: Aggregate<RunState, (typeof RUN_TYPES)[number]> = {
  types: RUN_TYPES,
  initial: () => initialRunState,
  evolve: (s, e) => evolve(s, { type: e.type, data: e.data } as RunEvent),
};

const causeOf = (who: Requester, correlationId: string): Cause =>
  'actor' in who
    ? who
    : { actor: who.subject, role: who.role, correlationId: who.correlationId ?? correlationId, causationId: null, traceparent: who.traceparent ?? null };

export function createTrainingRuns(deps: TrainingRunsDeps) {
  const { kernel, snapshots, costModels, trainer, logger, registry } = deps;
  const now = deps.now ?? (() => new Date());
  const projection = new RunProjection();
  const snapshotHashes = new Map<string, string>();
  const listeners = new Set<() => void>();
  const jobs = new Map<string, Job>();
  let subscription: { stop(): Promise<void> } | null = null;
  const unfinishedRetrainings = new Map<string, string>();
  let live = false;

  const notify = (): void => {
    for (const l of [...listeners]) l();
  };

  /** Resolves once the projection has seen `position`. */
  function caughtUp(position: number): Promise<void> {
    if (projection.position >= position) return Promise.resolve();
    return new Promise((resolve) => {
      const l = () => {
        if (projection.position >= position) {
          listeners.delete(l);
          resolve();
        }
      };
      listeners.add(l);
    });
  }

  /** One recorded event of the global order: folded when it is one of training's own streams, else only passed. */
  function apply(e: Parameters<Kernel['parse']>[0]): void {
    if (e.stream.startsWith('retraining-')) {
      // Retrainings not finished yet (closed as interrupted at start when a previous process left them).
      const d = e.data as { retrainingId: string; useCaseId: string };
      if (e.type === 'RetrainingTriggered') unfinishedRetrainings.set(d.retrainingId, d.useCaseId);
      else if (e.type === 'RetrainingCandidateRegistered' || e.type === 'RetrainingRefused') unfinishedRetrainings.delete(d.retrainingId);
    }
    if (!e.stream.startsWith(RUN_STREAM_PREFIX)) {
      projection.apply({ type: '', data: null, position: e.position });
      return;
    }
    const typed = kernel.parse(e);
    projection.apply({ type: typed.type, data: typed.data, position: typed.position });
  }

  /** Runs one command: run-stream commands through the kernel (read → decide → append at that revision); RegisterModel through the registry. */
  async function command(runId: string, cmd: RunCommand, cause: Cause): Promise<RunState> {
    const registered = projection.get(runId)?.registered ?? null;
    const withRegistration = (s: RunState): RunState => (registered !== null && s.registered === null ? { ...s, registered } : s);
    if (cmd.type === 'RegisterModel') {
      const state = withRegistration((await kernel.load(runStream(runId), runAggregate)).state);
      const [decided] = decide(cmd, state);
      if (decided?.type !== 'ModelVersionRegistered') return state;
      await registerModel(registry, projection, decided.data, cause);
      notify();
      return projection.get(runId) ?? state;
    }
    const done = await kernel.execute(runStream(runId), runAggregate, (s) => decide(cmd, withRegistration(s)), cause);
    if (done.eventIds.length > 0) await caughtUp(await kernel.reader.headPosition());
    return projection.get(runId) ?? withRegistration(done.state);
  }

  const ctx: RunsContext = { kernel, artifacts: deps.artifacts, trainer, registry, logger, codeVersion: deps.codeVersion, projection, now, command };

  const queue = new JobQueue<Job>({
    concurrency: deps.concurrency ?? 1,
    work: async (job, signal) => {
      try {
        await executeRun(ctx, job, signal);
      } finally {
        jobs.delete(job.runId);
      }
    },
    onError: (id, e) => logger.error({ err: e, runId: id }, 'training run crashed outside its own error handling'),
  });

  async function loadSnapshot(snapshotId: string): Promise<SnapshotData> {
    const expectedHash = snapshotHashes.get(snapshotId);
    return snapshots.load(snapshotId, expectedHash === undefined ? {} : { expectedHash });
  }

  async function resolveCost(spec: TrainingSpecInput): Promise<CostModel | null> {
    const c = spec.costModel;
    if (c === null) return null;
    if (c.source === 'inline') return { missedFailure: c.missedFailure, falseAlarm: c.falseAlarm, inspection: c.inspection };
    const found = await costModels.get(c.useCaseId);
    if (found === null) throw new CostModelNotFoundError(c.useCaseId);
    return found;
  }

  /** Everything that can refuse the request, before a run exists. */
  async function prepare(req: StartRunRequest): Promise<{ snapshot: SnapshotData; resolved: ResolvedSpec; columns: Record<string, Float64Array> }> {
    const snapshot = await loadSnapshot(req.snapshotId);
    const costModel = await resolveCost(req.spec);
    const table = toTrainingTable(snapshot.columns);
    const range = (r: { start: number; end: number }) => Int32Array.from({ length: Math.max(0, r.end - r.start) }, (_, i) => r.start + i);
    const resolved = resolveSpec(req.spec, {
      table,
      split: { kind: 'indices', train: range(snapshot.splits.train), validation: range(snapshot.splits.validation), test: range(snapshot.splits.test) },
      costModel,
      defaultFeatures: snapshot.featureColumns,
      card: { name: `${req.spec.modelType || 'gbdt'}-${req.spec.target}`, version: '0.0.0' },
      window: snapshot.window,
      ordered: snapshot.ordered ?? null,
      ...(deps.importanceRepeats === undefined ? {} : { importanceRepeats: deps.importanceRepeats }),
    });
    const needed = new Set<string>([req.spec.target]);
    for (const f of resolved.features) for (const i of f.inputs) needed.add(i);
    const columns: Record<string, Float64Array> = {};
    for (const n of needed) columns[n] = table.dataset.columns[n]!;
    return { snapshot, resolved, columns };
  }

  async function start(req: StartRunRequest, who: Requester): Promise<RunState> {
    if (queue.closed) throw new TrainingError('UNAVAILABLE', '', 'the training service is shutting down; no new runs are accepted');
    const { snapshot, resolved, columns } = await prepare(req);
    const runId = req.runId ?? uuidv7(now().getTime());
    const cause = causeOf(who, runId);
    const started: StartedData = {
      runId,
      useCaseId: req.useCaseId,
      datasetId: snapshot.datasetId,
      snapshotId: snapshot.snapshotId,
      snapshotHash: snapshot.contentHash,
      algorithm: resolved.algorithm,
      hyperparameters: resolved.hyperparameters,
      featureSetVersion: snapshot.featureSetVersion,
      codeVersion: deps.codeVersion,
      seed: req.spec.seed,
      spec: resolved.record,
      trigger: req.trigger ?? { kind: 'manual', retrainingRequestId: null },
      startedAt: now().toISOString(),
    };
    // Recorded once (a fixed event id); the same request again (a retry, or a concurrent duplicate)
    // decides nothing and is answered with what is recorded; another request under the same run id is refused.
    const done = await kernel.execute(
      runStream(runId),
      runAggregate,
      (s) => decide({ type: 'StartRun', data: started }, s).map((e) => ({ ...e, id: uuidFromKey(`started:${runId}`) })) as ReturnType<typeof decide>,
      cause,
    );
    await caughtUp(await kernel.reader.headPosition());
    if (done.eventIds.length === 0) return projection.get(runId) ?? done.state;
    jobs.set(runId, { runId, useCaseId: req.useCaseId, snapshot, resolved, columns, cause });
    queue.enqueue(runId, jobs.get(runId)!);
    logger.info({ runId, snapshotId: snapshot.snapshotId, model: resolved.algorithm }, 'training run queued');
    return projection.get(runId) ?? done.state;
  }

  function get(runId: string): RunState {
    const r = projection.get(runId);
    if (r === undefined) throw new RunNotFoundError(runId);
    return r;
  }

  /** The run now, then on every change, until it is completed or failed (or `signal` aborts). */
  async function* watch(runId: string, signal: AbortSignal): AsyncGenerator<RunState> {
    let last: RunState | null = null;
    for (;;) {
      const current = get(runId);
      if (current !== last) {
        last = current;
        yield current;
      }
      if (isTerminal(current) || signal.aborted) return;
      await new Promise<void>((resolve) => {
        const l = () => {
          if (projection.get(runId) !== last || signal.aborted) done();
        };
        const done = () => {
          listeners.delete(l);
          signal.removeEventListener('abort', done);
          resolve();
        };
        listeners.add(l);
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }

  const ro = deps.retraining ?? {};
  const timeZone = ro.timeZone ?? 'UTC';
  // Parsed when the service is built: a schedule that cannot be parsed stops it, naming the setting.
  const defaultSchedule = parseSchedule(ro.defaultSchedule ?? DEFAULT_SCHEDULE, timeZone, 'retraining.default_schedule', 'retraining.time_zone');
  const schedules = new Map<string, RetrainingSchedule>(
    Object.entries(ro.schedules ?? {}).map(([u, text]) => [u, parseSchedule(text, timeZone, `retraining.schedules.${u}`, 'retraining.time_zone')]),
  );
  const retraining = createFreshRetraining({
    kernel,
    projection,
    snapshots,
    freshSnapshots: deps.freshSnapshots ?? null,
    registry,
    logger,
    limits: { ...DEFAULT_RETRAINING_LIMITS, ...ro.limits },
    now,
    describeTick: (ms) => describeTick(ms, timeZone),
    start,
    watch: (runId, signal) => watch(runId, signal),
  });
  const scheduler = createRetrainingScheduler({
    retraining,
    schedules,
    defaultSchedule,
    logger,
    now,
    ...(ro.checkEveryMs === undefined ? {} : { checkEveryMs: ro.checkEveryMs }),
  });

  /** inference's RetrainingRequested: naming a drift → retraining on fresh data (one per drift); otherwise the request's model retrained on the latest snapshot. */
  const onRetrainingRequested = async (data: EventData<'RetrainingRequested'>, causationId: string | null): Promise<string | null> => {
    if (data.trigger === 'drift' && data.driftId !== null) {
      const v = await retraining.trigger({
        useCaseId: data.useCaseId,
        modelVersionId: data.modelVersionId,
        trigger: { kind: 'drift', driftId: data.driftId, retrainingRequestId: data.requestId, scheduleTick: null, schedule: null, requestedBy: null },
        causationId,
      });
      return v.retrainingId;
    }
    return startRetraining({ projection, logger, start }, data, causationId);
  };

  /** inference's DriftDetected: critical drift of a model → retraining on fresh data (warnings are only watched). */
  const onDriftDetected = async (data: EventData<'DriftDetected'>, causationId: string | null): Promise<string | null> => {
    if (data.severity !== 'critical') return null;
    const v = await retraining.trigger({
      useCaseId: data.useCaseId,
      modelVersionId: data.modelVersionId,
      trigger: { kind: 'drift', driftId: data.driftId, retrainingRequestId: null, scheduleTick: null, schedule: null, requestedBy: null },
      causationId,
    });
    return v.retrainingId;
  };

  /** Runs a previous process left queued or running: completed from their registration (asked of the registry), else failed as interrupted. */
  async function recover(): Promise<void> {
    const svc = serviceCause('training', uuidv7());
    for (const r of projection.unfinished()) {
      const runId = r.started!.runId;
      if (jobs.has(runId)) continue;
      try {
        const reg = r.registered ?? (r.stage === 'registration' ? await registry.registrationOf(r.started!.useCaseId, runId, svc) : null);
        if (reg) {
          projection.registered(reg);
          await command(
            runId,
            { type: 'CompleteRun', runId, now: now().toISOString(), metrics: reg.metrics, artifactUri: reg.artifactUri, artifactHash: reg.artifactHash },
            svc,
          );
        } else {
          await command(
            runId,
            {
              type: 'FailRun',
              runId,
              now: now().toISOString(),
              stage: r.stage ?? 'data-loading',
              error: 'interrupted: the training service stopped before the run finished',
              retryable: true,
            },
            svc,
          );
        }
      } catch (e) {
        logger.error({ err: e, runId }, 'could not close an interrupted run');
      }
    }
  }

  return {
    projection,
    queue,
    start,
    get,
    watch,
    list: (filter: ListFilter = {}) => projection.list(filter),
    onRetrainingRequested,
    onDriftDetected,
    /** Retraining on fresh data: trigger (drift, schedule, on demand), get, settled. */
    retraining,
    scheduler,
    /** dataops' DatasetSnapshotCreated (integration event): the latest snapshot per use case, and its hash to check on load. */
    onSnapshotCreated(data: EventData<'DatasetSnapshotCreated'>): void {
      snapshotHashes.set(data.snapshotId, data.contentHash);
      projection.snapshotCreated(data);
    },
    /** Catches up on training's own streams, closes interrupted runs, then follows live. */
    async open(): Promise<void> {
      const head = await kernel.reader.headPosition();
      let from = 1;
      while (from <= head) {
        const page = await kernel.reader.readAll({ fromPosition: from, maxCount: 1000 });
        if (page.length === 0) break;
        for (const e of page) apply(e);
        from = page.at(-1)!.position + 1;
      }
      notify();
      const svc = serviceCause('training', uuidv7());
      if (deps.recoverInterrupted ?? true) {
        await recover();
        await retraining.closeInterrupted([...unfinishedRetrainings]);
      }
      void backfillRegistrations(registry, projection, svc, logger).then(notify);
      const sub = kernel.reader.subscribeToAll({ checkpoint: projection.position });
      subscription = sub;
      live = true;
      if (ro.scheduler === true) scheduler.start();
      void (async () => {
        try {
          for await (const e of sub) {
            apply(e);
            notify();
          }
        } catch (e) {
          if (live) logger.error({ err: e }, 'training projection subscription ended');
        }
      })();
    },
    /** Stops accepting runs; `finish` waits for queued and running runs (up to graceMs), `cancel` records them as cancelled. */
    async close(options: { mode: 'finish' | 'cancel'; graceMs?: number }): Promise<void> {
      await scheduler.stop();
      let dropped: string[] = [];
      if (options.mode === 'finish') {
        const grace = options.graceMs ?? 60_000;
        const finished = queue.close('finish').then(() => true);
        const timedOut = new Promise<boolean>((r) => setTimeout(() => r(false), grace).unref());
        if (!(await Promise.race([finished, timedOut]))) dropped = (await queue.close('cancel')).dropped;
      } else dropped = (await queue.close('cancel')).dropped;
      const svc = serviceCause('training', uuidv7());
      for (const runId of dropped) {
        try {
          await command(
            runId,
            {
              type: 'FailRun',
              runId,
              now: now().toISOString(),
              stage: 'data-loading',
              error: 'cancelled: the training service stopped before the run was picked up',
              retryable: true,
            },
            svc,
          );
        } catch (e) {
          logger.error({ err: e, runId }, 'could not record a dropped run');
        }
      }
      live = false;
      await subscription?.stop();
      await trainer.close?.();
    },
  };
}

export type TrainingRuns = ReturnType<typeof createTrainingRuns>;
