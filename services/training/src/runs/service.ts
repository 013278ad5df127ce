// The training use cases: start a run (validate against the snapshot before anything is recorded,
// record TrainingRunStarted, queue it), execute queued runs on the trainer (worker thread), record
// progress, store artifacts, register the model as a candidate, complete or fail; read runs from
// the projection; follow RetrainingRequested. I/O goes through the ports and the event store.
import { latestVersion, parseEvent, type EventData, type EventType } from '@industrial/contracts';
import type { EventStore, RecordedEvent } from '@industrial/eventstore';
import type { CostModel } from '@industrial/ml';
import { uuidFromKey, uuidv7 } from '../adapters/eventstore/ids.ts';
import { toTrainingTable } from '../domain/dataset.ts';
import { CostModelNotFoundError, InvalidTrainingRequestError, RunCancelledError, RunNotFoundError, TrainingError } from '../domain/errors.ts';
import { RunProjection, type ListFilter } from '../domain/projection.ts';
import { decide, evolve, initialRunState, isTerminal, type RunCommand, type RunEvent, type RunState, type Stage, type StartedData } from '../domain/run.ts';
import { resolveSpec, specInputOf, type ResolvedSpec, type TrainingSpecInput } from '../domain/spec.ts';
import type { ArtifactStore, CostModelSource, SnapshotData, SnapshotSource, Trainer } from '../ports.ts';
import { JobQueue } from './queue.ts';

export interface Actor {
  subject: string;
  role: string;
  correlationId?: string;
  causationId?: string | null;
  traceparent?: string | null;
}

export interface RunsLogger {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

export interface StartRunRequest {
  snapshotId: string;
  useCaseId: string;
  spec: TrainingSpecInput;
  /** Client-chosen run id → idempotent retries. */
  runId?: string;
  trigger?: { kind: 'manual' | 'retraining'; retrainingRequestId: string | null };
}

export interface TrainingRunsDeps {
  store: EventStore;
  artifacts: ArtifactStore;
  snapshots: SnapshotSource;
  costModels: CostModelSource;
  trainer: Trainer;
  logger: RunsLogger;
  codeVersion: string;
  concurrency?: number;
  now?: () => Date;
  /** Permutation-importance repeats (fewer = faster; ml default 5). */
  importanceRepeats?: number;
  /** Fail runs left unfinished by a previous process at start (single training instance). Default true. */
  recoverInterrupted?: boolean;
}

interface Job {
  runId: string;
  useCaseId: string;
  snapshot: SnapshotData;
  resolved: ResolvedSpec;
  columns: Record<string, Float64Array>;
  actor: Actor;
}

export const SERVICE_ACTOR: Actor = { subject: 'svc:training', role: 'service' };

const runStream = (runId: string) => `training-run-${runId}`;
const modelStream = (useCaseId: string) => `model-${useCaseId}`;
const token = (s: string) => s.toLowerCase().replace(/[^a-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 64) || 'x';

export function createTrainingRuns(deps: TrainingRunsDeps) {
  const { store, artifacts, snapshots, costModels, trainer, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const projection = new RunProjection();
  const snapshotHashes = new Map<string, string>();
  const listeners = new Set<() => void>();
  const jobs = new Map<string, Job>();
  let subscription: { stop(): Promise<void> } | null = null;
  let live = false;

  const queue = new JobQueue<Job>({
    concurrency: deps.concurrency ?? 1,
    work: (job, signal) => execute(job, signal),
    onError: (id, e) => logger.error({ err: e, runId: id }, 'training run crashed outside its own error handling'),
  });

  function notify(): void {
    for (const l of [...listeners]) l();
  }

  function applyRecorded(e: RecordedEvent): RecordedEvent {
    let data: unknown = e.data;
    try {
      data = parseEvent(e.type as EventType, e.metadata.schemaVersion, e.data);
    } catch {
      // Not a platform contract (or another service's local event): keep it as recorded.
    }
    if (e.type === 'DatasetSnapshotCreated') {
      const d = data as EventData<'DatasetSnapshotCreated'>;
      snapshotHashes.set(d.snapshotId, d.contentHash);
    }
    projection.apply({ type: e.type, data, position: e.position });
    return { ...e, data };
  }

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

  async function append(stream: string, event: RunEvent, actor: Actor, expectedRevision: number | 'no-stream' | 'any', id = uuidv7(now().getTime())): Promise<number> {
    const r = await store.append(stream, [{
      id,
      type: event.type,
      data: event.data,
      metadata: {
        actor: actor.subject, role: actor.role, correlationId: actor.correlationId ?? id, causationId: actor.causationId ?? null,
        traceparent: actor.traceparent ?? null, schemaVersion: latestVersion(event.type),
      },
    }], { expectedRevision });
    return r.position;
  }

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
      ...(deps.importanceRepeats === undefined ? {} : { importanceRepeats: deps.importanceRepeats }),
    });
    const needed = new Set<string>([req.spec.target]);
    for (const f of resolved.features) for (const i of f.inputs) needed.add(i);
    const columns: Record<string, Float64Array> = {};
    for (const n of needed) columns[n] = table.dataset.columns[n]!;
    return { snapshot, resolved, columns };
  }

  async function start(req: StartRunRequest, actor: Actor): Promise<RunState> {
    if (queue.closed) throw new TrainingError('UNAVAILABLE', '', 'the training service is shutting down; no new runs are accepted');
    const { snapshot, resolved, columns } = await prepare(req);
    const runId = req.runId ?? uuidv7(now().getTime());
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
    const current = projection.get(runId) ?? initialRunState;
    const events = decide({ type: 'StartRun', data: started }, current);
    if (events.length === 0) return current; // the same request again
    let position: number;
    try {
      position = await append(runStream(runId), events[0]!, actor, 'no-stream', uuidFromKey(`started:${runId}`));
    } catch (e) {
      if ((e as { code?: string }).code === 'WRONG_EXPECTED_REVISION') {
        // Another request (or a retry) recorded this run meanwhile: answer with what is recorded.
        await caughtUp(await store.headPosition());
        const existing = projection.get(runId);
        if (existing !== undefined) {
          decide({ type: 'StartRun', data: started }, existing);
          return existing;
        }
      }
      throw e;
    }
    await caughtUp(position);
    jobs.set(runId, { runId, useCaseId: req.useCaseId, snapshot, resolved, columns, actor });
    queue.enqueue(runId, jobs.get(runId)!);
    logger.info({ runId, snapshotId: snapshot.snapshotId, model: resolved.algorithm }, 'training run queued');
    return projection.get(runId)!;
  }

  /** Runs one command against the run's state and appends the result (run stream or model stream). */
  async function command(runId: string, cmd: RunCommand, actor: Actor): Promise<RunState> {
    const events = (await readRun(runId)).events;
    const state = events.reduce(evolve, initialRunState);
    const out = decide(cmd, state);
    let next = state;
    for (const e of out) {
      let position: number;
      if (e.type === 'ModelVersionRegistered') position = await registerIn(e, actor);
      else position = await append(runStream(runId), e, actor, events.filter((x) => x.type !== 'ModelVersionRegistered').length - 1);
      await caughtUp(position);
      next = evolve(next, e);
    }
    return next;
  }

  /** The run's events: its own stream plus its registration in the model stream (by run id). */
  async function readRun(runId: string): Promise<{ events: RunEvent[] }> {
    const recorded = await store.readStream(runStream(runId)).catch((e: unknown) => {
      if ((e as { code?: string }).code === 'STREAM_NOT_FOUND') return [];
      throw e;
    });
    const events: RunEvent[] = recorded.map((r) => ({ type: r.type, data: parseEvent(r.type as EventType, r.metadata.schemaVersion, r.data) }) as RunEvent);
    const reg = projection.get(runId)?.registered;
    if (reg) {
      // Registration sits between the last progress and completion.
      const i = events.findIndex((e) => e.type === 'TrainingRunCompleted');
      events.splice(i < 0 ? events.length : i, 0, { type: 'ModelVersionRegistered', data: reg });
    }
    return { events };
  }

  /** Appends ModelVersionRegistered to `model-<useCase>` with the next version number (optimistic, retried). */
  async function registerIn(e: Extract<RunEvent, { type: 'ModelVersionRegistered' }>, actor: Actor): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const recorded = await store.readStream(modelStream(e.data.useCaseId)).catch((err: unknown) => {
        if ((err as { code?: string }).code === 'STREAM_NOT_FOUND') return [];
        throw err;
      });
      const already = recorded.find((r) => r.type === 'ModelVersionRegistered' && (r.data as { runId?: string }).runId === e.data.runId);
      if (already) return already.position;
      const version = recorded.filter((r) => r.type === 'ModelVersionRegistered').length + 1;
      try {
        return await append(modelStream(e.data.useCaseId), { type: 'ModelVersionRegistered', data: { ...e.data, version } }, actor, recorded.length === 0 ? 'no-stream' : recorded.at(-1)!.revision, uuidFromKey(`registered:${e.data.runId}`));
      } catch (err) {
        if ((err as { code?: string }).code !== 'WRONG_EXPECTED_REVISION' || attempt >= 5) throw err;
      }
    }
  }

  async function execute(job: Job, signal: AbortSignal): Promise<void> {
    const { runId, actor } = job;
    const svc: Actor = { ...SERVICE_ACTOR, correlationId: actor.correlationId ?? runId, causationId: null };
    let stage: Stage = 'data-loading';
    const progress = async (s: Stage, metrics: Record<string, number> = {}) => {
      stage = s;
      await command(runId, { type: 'ReportProgress', runId, stage: s, metrics }, svc);
    };
    try {
      await progress('data-loading');
      if (signal.aborted) throw new RunCancelledError();
      await progress('training');
      const out = await deps.trainer.train({ spec: job.resolved.trainSpec, columns: job.columns }, signal);
      await progress('evaluation', out.metrics);
      if (signal.aborted) throw new RunCancelledError();
      await progress('export');
      const onnx = await artifacts.put(out.onnx);
      if (onnx.sha256 !== out.onnxSha256) throw new Error(`artifact store hashed the ONNX file as ${onnx.sha256}, the trainer as ${out.onnxSha256}`);
      const enc = new TextEncoder();
      const [cardMd, cardJson, explainer, reference] = await Promise.all([
        artifacts.put(enc.encode(out.cardMarkdown)), artifacts.put(enc.encode(out.cardJson)), artifacts.put(enc.encode(out.modelJson)), artifacts.put(enc.encode(out.referenceJson)),
      ]);
      if (signal.aborted) throw new RunCancelledError();
      await progress('registration');
      const s = job.snapshot;
      const outputName = out.task === 'classification' ? 'probability' : out.task === 'regression' ? 'prediction' : 'anomaly_score';
      await command(runId, {
        type: 'RegisterModel',
        data: {
          modelVersionId: uuidFromKey(`model:${runId}`),
          useCaseId: job.useCaseId,
          runId,
          version: 1, // set from the model stream when appended
          stage: 'candidate',
          format: 'onnx',
          artifactUri: onnx.uri,
          artifactHash: onnx.sha256,
          datasetId: s.datasetId,
          snapshotId: s.snapshotId,
          snapshotHash: s.contentHash,
          featureSetVersion: s.featureSetVersion,
          codeVersion: deps.codeVersion,
          seed: job.resolved.trainSpec.seed,
          spec: job.resolved.record,
          inputs: out.inputs.map((name) => {
            const unit = s.units[name];
            return unit !== undefined && /^\S{1,32}$/.test(unit) ? { name: token(name), unit } : { name: token(name) };
          }),
          windowSeconds: s.windowSeconds,
          outputs: [{ name: token(`${job.resolved.record.target}_${outputName}`) }],
          metrics: out.metrics,
          decisionThreshold: out.threshold,
          modelCard: { markdown: { uri: cardMd.uri, sha256: cardMd.sha256 }, json: { uri: cardJson.uri, sha256: cardJson.sha256 } },
          explainer: { uri: explainer.uri, sha256: explainer.sha256 },
          reference: { uri: reference.uri, sha256: reference.sha256 },
        },
      }, svc);
      await command(runId, { type: 'CompleteRun', runId, now: now().toISOString(), metrics: out.metrics, artifactUri: onnx.uri, artifactHash: onnx.sha256 }, svc);
      logger.info({ runId, onnxSha256: onnx.sha256 }, 'training run completed; model registered as candidate');
    } catch (e) {
      const cancelled = e instanceof RunCancelledError || signal.aborted;
      const message = cancelled ? 'cancelled: the training service stopped before the run finished' : e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      logger[cancelled ? 'warn' : 'error']({ err: e, runId, stage }, cancelled ? 'training run cancelled' : 'training run failed');
      try {
        const state = projection.get(runId);
        if (state?.registered) await command(runId, { type: 'CompleteRun', runId, now: now().toISOString(), metrics: state.registered.metrics, artifactUri: state.registered.artifactUri, artifactHash: state.registered.artifactHash }, svc);
        else await command(runId, { type: 'FailRun', runId, now: now().toISOString(), stage, error: message, retryable: cancelled || !(e instanceof InvalidTrainingRequestError) }, svc);
      } catch (recordError) {
        logger.error({ err: recordError, runId }, 'could not record the end of a training run');
      }
    } finally {
      jobs.delete(runId);
    }
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

  /** Starts a run for a RetrainingRequested event; the model arrives as a candidate. Idempotent per request. */
  async function onRetrainingRequested(data: EventData<'RetrainingRequested'>, causationId: string | null): Promise<string | null> {
    const runId = uuidFromKey(`retraining:${data.requestId}`);
    if (projection.get(runId) !== undefined) return runId;
    const prior = projection.runOfModel(data.modelVersionId);
    if (prior?.started == null) {
      logger.warn({ requestId: data.requestId, modelVersionId: data.modelVersionId }, 'retraining requested for a model this service did not train; ignored');
      return null;
    }
    const p = prior.started;
    const snap = projection.latestSnapshot(data.useCaseId);
    try {
      await start(
        {
          snapshotId: snap?.snapshotId ?? p.snapshotId,
          useCaseId: data.useCaseId,
          spec: specInputOf(p.spec, p.hyperparameters, p.seed),
          runId,
          trigger: { kind: 'retraining', retrainingRequestId: data.requestId },
        },
        { ...SERVICE_ACTOR, correlationId: data.requestId, causationId },
      );
      return runId;
    } catch (e) {
      logger.error({ err: e, requestId: data.requestId }, 'retraining run could not start');
      return null;
    }
  }

  async function recover(): Promise<void> {
    for (const r of projection.unfinished()) {
      const runId = r.started!.runId;
      if (jobs.has(runId)) continue;
      try {
        if (r.registered) await command(runId, { type: 'CompleteRun', runId, now: now().toISOString(), metrics: r.registered.metrics, artifactUri: r.registered.artifactUri, artifactHash: r.registered.artifactHash }, SERVICE_ACTOR);
        else await command(runId, { type: 'FailRun', runId, now: now().toISOString(), stage: r.stage ?? 'data-loading', error: 'interrupted: the training service stopped before the run finished', retryable: true }, SERVICE_ACTOR);
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
    /** Catches up with the store, closes interrupted runs, starts pending retrainings, then follows live. */
    async open(): Promise<void> {
      const head = await store.headPosition();
      const pending: { data: EventData<'RetrainingRequested'>; id: string }[] = [];
      let from = 1;
      while (from <= head) {
        const page = await store.readAll({ fromPosition: from, maxCount: 1000 });
        if (page.length === 0) break;
        for (const e of page) {
          const r = applyRecorded(e);
          if (r.type === 'RetrainingRequested') pending.push({ data: r.data as EventData<'RetrainingRequested'>, id: r.id });
        }
        from = page.at(-1)!.position + 1;
      }
      notify();
      if (deps.recoverInterrupted ?? true) await recover();
      const sub = store.subscribeToAll({ checkpoint: projection.position });
      subscription = sub;
      live = true;
      void (async () => {
        try {
          for await (const e of sub) {
            const r = applyRecorded(e);
            notify();
            if (r.type === 'RetrainingRequested') void onRetrainingRequested(r.data as EventData<'RetrainingRequested'>, r.id);
          }
        } catch (e) {
          if (live) logger.error({ err: e }, 'training projection subscription ended');
        }
      })();
      for (const p of pending) await onRetrainingRequested(p.data, p.id);
    },
    /** Stops accepting runs; `finish` waits for queued and running runs (up to graceMs), `cancel` records them as cancelled. */
    async close(options: { mode: 'finish' | 'cancel'; graceMs?: number }): Promise<void> {
      let dropped: string[] = [];
      if (options.mode === 'finish') {
        const grace = options.graceMs ?? 60_000;
        const finished = queue.close('finish').then(() => true);
        const timedOut = new Promise<boolean>((r) => setTimeout(() => r(false), grace).unref());
        if (!(await Promise.race([finished, timedOut]))) dropped = (await queue.close('cancel')).dropped;
      } else dropped = (await queue.close('cancel')).dropped;
      for (const runId of dropped) {
        try {
          await command(runId, { type: 'FailRun', runId, now: now().toISOString(), stage: 'data-loading', error: 'cancelled: the training service stopped before the run was picked up', retryable: true }, SERVICE_ACTOR);
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
