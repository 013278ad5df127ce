// Use case "keep inference's own projection" (ADR 0003): the projection follows the event store
// from a checkpoint, not from position 1. At start the saved snapshot (recommendations, modes,
// outcome counts, the deployment events) is restored — if the store still holds the event it was
// taken at — and the subscription resumes after its position; every `checkpointEveryMs` (and at
// stop) what changed is saved with the new position, atomically. Without a checkpoint store, or
// with a snapshot the store does not match (a wiped or different store), it rebuilds from 0.
import type { Kernel } from '@industrial/kernel';
import { DEPLOYMENT_EVENT_TYPES, type ModelHost } from './models.ts';
import type { Log, ProjectionCheckpoints } from './ports.ts';
import { PROJECTED_TYPES, type Projection } from './projection.ts';
import { USE_CASE_EVENT_TYPES, type UseCaseRegistry } from './usecases.ts';

/** A recorded event as the store delivers it. */
type Recorded = Parameters<Kernel['parse']>[0];

export interface FollowerDeps {
  kernel: Kernel;
  projection: Projection;
  models: ModelHost;
  /** The served use cases: the charter's serving specs are kept with the deployment events. */
  useCases: UseCaseRegistry;
  /** null: no checkpoint (the store is read from position 1 at every start). */
  checkpoints: ProjectionCheckpoints | null;
  /** How often changes are saved while following (default 1 s). */
  checkpointEveryMs?: number;
  log: Log;
  now: () => number;
}

export interface FollowerStatus {
  /** The checkpoint position restored at start (0: none, rebuilt from the beginning). */
  readonly resumedFrom: number;
  /** Position of the first event read from the store since start (null: none yet). */
  readonly firstPositionRead: number | null;
  readonly eventsRead: number;
  readonly savedPosition: number;
  readonly checkpoint: 'none' | 'restored' | 'rebuilt';
}

export interface Follower {
  /** Restores the checkpoint and starts following (returns at once; settle() waits for the head). */
  start(): Promise<void>;
  /** Resolves once everything up to the store's current head is applied and queued model loads finished. */
  settle(): Promise<void>;
  /** Saves what changed now (also done periodically and at stop). */
  save(): void;
  status(): FollowerStatus;
  stop(): Promise<void>;
}

export function createFollower(deps: FollowerDeps): Follower {
  const { kernel, projection, models, checkpoints } = deps;
  const everyMs = deps.checkpointEveryMs ?? 1_000;
  let subscription: { stop(): Promise<void> } | null = null;
  let following: Promise<void> | null = null;
  let running = false;
  let resumedFrom = 0;
  let firstPositionRead: number | null = null;
  let eventsRead = 0;
  let savedPosition = 0;
  let lastSaveMs = 0;
  let checkpoint: FollowerStatus['checkpoint'] = 'none';

  /** After a failed save the file may hold a mix: the next save writes the whole state afresh. */
  let writeWhole = false;
  function save(): void {
    if (checkpoints === null) return;
    lastSaveMs = deps.now();
    const delta = projection.takeDelta();
    if (delta === null && !writeWhole) return;
    const toWrite = writeWhole ? projection.snapshot() : delta!;
    try {
      if (writeWhole) checkpoints.clear();
      checkpoints.save(toWrite);
      writeWhole = false;
      savedPosition = toWrite.position;
    } catch (error) {
      writeWhole = true;
      deps.log.error({ err: error }, 'could not save the projection checkpoint; the next save writes it whole');
    }
  }

  /** The snapshot, if the store still holds the event it was taken at. */
  async function restorable() {
    const snapshot = checkpoints?.load() ?? null;
    if (snapshot === null || snapshot.position === 0) return null;
    const at = await kernel.reader.readAll({ fromPosition: snapshot.position, maxCount: 1 }).catch(() => []);
    if (at[0]?.id === snapshot.eventId) return snapshot;
    deps.log.warn({ position: snapshot.position }, 'the projection checkpoint does not match the event store; rebuilding from the beginning');
    checkpoints!.clear();
    return null;
  }

  function applyPage(page: readonly Recorded[]): void {
    for (const recorded of page) {
      firstPositionRead ??= recorded.position;
      eventsRead++;
      const projected = PROJECTED_TYPES.has(recorded.type);
      if (!projected && !DEPLOYMENT_EVENT_TYPES.has(recorded.type) && !USE_CASE_EVENT_TYPES.has(recorded.type)) {
        projection.skip(recorded.position, recorded.id);
        continue;
      }
      let e;
      try {
        e = kernel.parse(recorded);
      } catch (error) {
        deps.log.error({ err: error, position: recorded.position, type: recorded.type }, 'event not readable by this release; skipped by the projection');
        projection.skip(recorded.position, recorded.id);
        continue;
      }
      if (projected) projection.apply(e);
      else {
        route(e);
        projection.keepModelEvent({
          id: e.id,
          type: e.type,
          stream: e.stream,
          revision: e.revision,
          position: e.position,
          data: e.data,
          metadata: { ...e.metadata },
        });
      }
    }
    if (deps.now() - lastSaveMs >= everyMs) save();
  }

  /** A kept event to whoever folds it: a serving spec to the use cases, a deployment event to the models. */
  function route(e: { id: string; type: string; data: unknown }): void {
    if (USE_CASE_EVENT_TYPES.has(e.type)) deps.useCases.apply(e);
    else models.apply(e);
  }

  async function follow(from: number): Promise<void> {
    const pages = kernel.reader.subscribeToAllPages({ checkpoint: from, batchSize: 500 });
    subscription = pages;
    try {
      for await (const page of pages) applyPage(page);
    } catch (error) {
      if (running) deps.log.error({ err: error }, 'store follower stopped');
    }
  }

  async function settle(): Promise<void> {
    const head = await kernel.reader.headPosition();
    if (head > 0) await projection.waitFor(head, 30_000);
    await models.idle();
    // A refusal appends an event; let the follower apply it too.
    const after = await kernel.reader.headPosition();
    if (after > head) await projection.waitFor(after, 30_000);
  }

  return {
    async start() {
      const snapshot = await restorable();
      if (snapshot !== null) {
        projection.restore(snapshot);
        for (const e of snapshot.modelEvents) route(e as never);
        resumedFrom = savedPosition = snapshot.position;
        checkpoint = 'restored';
        deps.log.info({ position: snapshot.position, recommendations: snapshot.recommendations.length }, 'projection restored from its checkpoint');
      } else if (checkpoints !== null) checkpoint = 'rebuilt';
      lastSaveMs = deps.now();
      running = true;
      following = follow(resumedFrom);
    },
    settle,
    save,
    status: () => ({ resumedFrom, firstPositionRead, eventsRead, savedPosition, checkpoint }),
    async stop() {
      running = false;
      await subscription?.stop();
      await following;
      save();
    },
  };
}
