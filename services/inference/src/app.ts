// Composition root of the inference service: the store follower (model registry events → model
// host, inference events → projection and feed), the UNS consumer → scoring pipeline, the gRPC
// server and the HTTP gateway. Opens nothing itself: the caller (main.ts, the one-process
// launcher or a test) owns the store, the bus, the key set and telemetry, and closes them after stop().
import { createGuard, type KeySet } from '@industrial/access';
import type { Bus, ConsumerHandle } from '@industrial/bus';
import { unsAssetSubject, parseUnsAssetPath } from '@industrial/contracts';
import type { EventStore, RecordedEvent, Subscription } from '@industrial/eventstore';
import { createGrpcServer, type GrpcLogger, type GrpcServerHandle } from '@industrial/grpc';
import { trace } from '@industrial/telemetry/api';
import type { FastifyInstance } from 'fastify';
import { fileArtifacts, type ModelArtifacts } from './adapters/artifacts/files.ts';
import { appendEvent, readStreamOrEmpty, SERVICE_ACTOR, uuidFromKey, uuidv7 } from './adapters/eventstore/append.ts';
import { inferenceGrpcService } from './adapters/grpc/inference.ts';
import { createGateway } from './adapters/http/gateway.ts';
import type { MembershipChange, MembershipSource, MembershipStatus } from './adapters/nats/membership.ts';
import { consumeUns, type UnsReplaySource } from './adapters/nats/uns.ts';
import { createOnnxScorer, type OnnxScorer } from './adapters/onnx/scorer.ts';
import { HashRing, takenOver } from './domain/hashring.ts';
import type { MemberEventKind } from './domain/membership.ts';
import { DEFAULT_TRACK_CONFIG, type TrackConfig } from './domain/prompt-track.ts';
import { PUMP_BEARING_USE_CASE, inScope, type UseCaseSpec } from './domain/usecase.ts';
import { historyMs } from './service/pipeline.ts';
import { createCommands, type Commands } from './service/commands.ts';
import { createInferenceMetrics, observeDriftPsi, observeMembers } from './service/metrics.ts';
import { createModelHost, type ModelHost } from './service/models.ts';
import { createMonitor, DEFAULT_MONITOR_CONFIG, type Monitor, type MonitorConfig } from './service/monitor.ts';
import { createPipeline, type Pipeline } from './service/pipeline.ts';
import { inMemoryActionCatalogue, inMemoryCostModel, type ActionCatalogue, type CostModel } from './service/ports.ts';
import { createProjection, type Projection } from './service/projection.ts';

export const SERVICE_NAME = 'inference';

export interface InferenceAppConfig {
  grpc: { host: string; port: number } | null;
  http: { host: string; port: number } | null;
  access: { issuer: string; audience: string };
  /**
   * This replica's id and every replica's (assets are partitioned by consistent hashing). With a
   * live membership (deps.membership) `replicas` is ignored: the members heard at start are the ring.
   */
  replicaId: string;
  replicas: readonly string[];
  /** Durable UNS consumer name; default `inference-<replicaId>`. */
  unsDurable?: string;
  /** null: no UNS consumer (batches are fed with `ingest`). */
  unsSubject?: string | null;
  track?: Partial<TrackConfig>;
  monitor?: Partial<MonitorConfig>;
  fallbackOnSevereDrift?: boolean;
  shutdownGraceMs?: number;
}

export type InferenceLogger = GrpcLogger;

export interface InferenceAppDeps {
  store: EventStore;
  /** UNS intake (NATS JetStream in a cluster, the in-process bus standalone). */
  bus: Bus;
  keySet: KeySet | (() => KeySet);
  logger: InferenceLogger;
  config: InferenceAppConfig;
  useCases?: readonly UseCaseSpec[];
  artifacts?: ModelArtifacts;
  actions?: ActionCatalogue;
  costs?: CostModel;
  /** Rebuilds an asset's window from the UNS stream when this replica takes it over. */
  unsReplay?: UnsReplaySource | null;
  /**
   * Live replica membership (natsMembership): joined in start() before the UNS consumer starts,
   * each change applied with setReplicas over the assets seen so far, left in stop() once the
   * consumer has stopped. Absent: the static `config.replicas` (setReplicas by hand).
   */
  membership?: MembershipSource | null;
  createScorer?: (bytes: Uint8Array, inputs: number) => Promise<OnnxScorer>;
  /** Wall clock (ms). */
  now?: () => number;
}

export interface InferenceApp {
  readonly grpc: GrpcServerHandle | null;
  readonly http: FastifyInstance | null;
  readonly models: ModelHost;
  readonly projection: Projection;
  readonly pipeline: Pipeline;
  readonly monitor: Monitor;
  readonly commands: Commands;
  /** Catches up with the store (models loaded), starts the UNS consumer, binds gRPC and HTTP. */
  start(): Promise<{ grpcPort: number | null; httpPort: number | null }>;
  /** Feeds one UNS batch directly (embedding, tests). */
  ingest(batch: import('@industrial/contracts').UnsSampleBatch): Promise<void>;
  /** Replica membership changed: owned assets move; taken-over assets are rebuilt from the stream. Changes run one at a time. */
  setReplicas(replicas: readonly string[], knownAssets: readonly string[]): Promise<{ rebuilt: string[] }>;
  /** Every asset path a UNS batch arrived for (owned or not): what a membership change partitions. */
  knownAssets(): string[];
  /** The current ring's members and the recent membership changes (also in health().membership). */
  membership(): MembershipReport;
  /** Resolves once the follower applied everything up to the store's current head and queued loads finished. */
  settle(): Promise<void>;
  health(): Record<string, unknown>;
  stop(): Promise<void>;
}

/** One applied membership change: who, why, and which assets moved to or from this replica. */
export interface MembershipChangeRecord {
  readonly atMs: number;
  readonly members: readonly string[];
  readonly previous: readonly string[];
  /** `joined r2`, `left r3`, `expired r3`; `manual` when setReplicas was called directly. */
  readonly causes: readonly { kind: MemberEventKind | 'manual'; replicaId: string | null }[];
  readonly takenOver: readonly string[];
  readonly dropped: readonly string[];
  readonly rebuilt: readonly string[];
  readonly durationMs: number;
}

export interface MembershipReport {
  readonly source: 'static' | 'nats';
  readonly replica: string;
  readonly members: readonly string[];
  /** A change is being applied (taken-over windows rebuilding); `members` is already the new ring. */
  readonly applying: boolean;
  readonly changes: number;
  /** The last 20 changes, oldest first. */
  readonly recent: readonly MembershipChangeRecord[];
  readonly live: MembershipStatus | null;
  /** Owned assets whose window was rebuilt from JetStream at their first batch since start (restart, join). */
  readonly firstSightRebuilds: number;
}

const RECENT_CHANGES = 20;

const FOLLOWED = new Set([
  'ModelVersionRegistered', 'ModelPromoted', 'ModelRolledBack', 'ModelRefused',
  'RecommendationRaised', 'RecommendationAcknowledged', 'RecommendationAccepted', 'RecommendationRejected', 'RecommendationOverridden', 'OutcomeRecorded',
  'AssetModeChanged', 'ProblemReported',
]);

export function createInferenceApp(deps: InferenceAppDeps): InferenceApp {
  const { store, bus, logger, config } = deps;
  const now = deps.now ?? Date.now;
  const useCases = deps.useCases ?? [PUMP_BEARING_USE_CASE];
  const track: TrackConfig = { ...DEFAULT_TRACK_CONFIG, ...config.track };
  const monitor = createMonitor({ ...DEFAULT_MONITOR_CONFIG, ...config.monitor });
  const projection = createProjection();
  let ring = new HashRing(config.replicas.length === 0 ? [config.replicaId] : config.replicas);

  // OpenTelemetry instruments on the global meter: no-ops unless the entry point ran initTelemetry() first.
  const inferenceMetrics = createInferenceMetrics();
  const stopObservingDrift = observeDriftPsi(() => monitor.lastPsi());
  const stopObservingMembers = observeMembers(() => new Set(ring.replicas).size);

  const models = createModelHost({
    artifacts: deps.artifacts ?? fileArtifacts(),
    createScorer: deps.createScorer ?? ((b, n) => createOnnxScorer(b, n)),
    now,
    log: logger,
    recordRefusal: async (r) => {
      inferenceMetrics.error('model_refused', r.useCaseId);
      const id = uuidFromKey(`refused|${r.refused}|${r.causationId ?? ''}`);
      const kept = r.keptVersion === null ? (r.stage === 'production' ? 'The rule-based limits stay in use.' : 'No shadow candidate runs.') : `Version ${r.keptVersion} keeps serving.`;
      await appendEvent(store, 'ModelRefused', r.useCaseId, {
        useCaseId: r.useCaseId,
        modelVersionId: r.refused,
        version: r.version,
        stage: r.stage,
        check: r.check,
        reason: `Inference refused model version ${r.refused}: ${r.reason}. ${kept}`.slice(0, 2000),
        expectedSha256: r.expectedSha256,
        actualSha256: r.actualSha256,
        ...(r.scope === null ? {} : { scope: r.scope }),
        keptModelVersionId: r.keptVersion,
      }, SERVICE_ACTOR(id, null, r.causationId), { id });
    },
  });

  const pipeline = createPipeline({
    store, useCases, models, monitor, projection,
    actions: deps.actions ?? inMemoryActionCatalogue(),
    costs: deps.costs ?? inMemoryCostModel(),
    track,
    fallbackOnSevereDrift: config.fallbackOnSevereDrift ?? true,
    owns: (assetPath) => ring.ownerOf(assetPath) === config.replicaId,
    tracer: trace.getTracer('inference'),
    metrics: inferenceMetrics,
    wallNow: now,
    log: logger,
  });
  const commands = createCommands({ store, projection, models, monitor, useCases, now });

  const accessGuard = createGuard({
    keySet: deps.keySet,
    issuer: config.access.issuer,
    audience: config.access.audience,
    newId: () => uuidv7(),
    recordDenied: (stream, event) => store.append(stream, [event]),
    onRecordFailure: (error, event) => logger.error({ err: error, deniedEvent: event }, 'could not record AccessDenied'),
  });
  const grpc = config.grpc === null ? null : createGrpcServer({ services: [inferenceGrpcService(commands, projection)], accessGuard, serviceName: SERVICE_NAME, logger });

  let serving = false;
  const health = () => ({
    service: SERVICE_NAME,
    replica: config.replicaId,
    serving,
    position: projection.position,
    models: models.status(),
    pipeline: pipeline.counters(),
    drift: monitor.counters(),
    membership: membershipReport(),
    metrics:
      'OpenTelemetry meter industrial.inference (exported when the entry point initialises telemetry): ' +
      'inference.score.duration, inference.windows.scored, inference.recommendations.raised, inference.errors, ' +
      'inference.sample_to_score.latency, inference.drift.psi, inference.membership.changes, inference.membership.assets_moved, ' +
      'inference.membership.members; the counters here stay per replica',
  });
  const http = config.http === null ? null : createGateway({
    commands, projection, health, ready: () => serving,
    history: (id) => readStreamOrEmpty(store, `recommendation-${id}`),
    guard: {
      keySet: deps.keySet, issuer: config.access.issuer, audience: config.access.audience, newId: () => uuidv7(),
      recordDenied: (stream, event) => store.append(stream, [event]),
      onRecordFailure: (error) => logger.error({ err: error }, 'could not record AccessDenied'),
    },
  });

  const seenAssets = new Set<string>();
  let firstSightRebuilds = 0;
  const recentChanges: MembershipChangeRecord[] = [];
  let changeCount = 0;
  let applying = 0;
  /** Membership changes one at a time (a takeover's beginTakeover…endTakeover must not interleave with the next). */
  let changing: Promise<unknown> = Promise.resolve();
  function membershipReport(): MembershipReport {
    return {
      source: deps.membership ? 'nats' : 'static', replica: config.replicaId, members: [...ring.replicas].sort(), applying: applying > 0,
      changes: changeCount, recent: [...recentChanges], live: deps.membership?.status() ?? null, firstSightRebuilds,
    };
  }
  /** Rebuilds an asset's window from the UNS stream (JetStream), warming the pipeline; false when it cannot. */
  async function rebuildWindow(assetPath: string, why: string): Promise<boolean> {
    const windowMs = Math.max(...useCases.filter((u) => inScope(u, assetPath)).map((u) => historyMs(u, models.slotsFor(u.useCaseId, assetPath))), 0);
    if (!deps.unsReplay || windowMs === 0) return false;
    try {
      await deps.unsReplay.replay(unsAssetSubject(parseUnsAssetPath(assetPath)), now() - windowMs, (b) => pipeline.warm(b));
      return true;
    } catch (error) {
      logger.error({ err: error, assetPath }, `could not rebuild the window of ${why}; it starts cold`);
      return false;
    }
  }

  const intake = async (b: import('@industrial/contracts').UnsSampleBatch) => {
    const firstSight = !seenAssets.has(b.assetPath);
    seenAssets.add(b.assetPath);
    // First batch of an owned asset since this process started (a restart, a join, a deploy): its
    // history is in JetStream, so the window is rebuilt instead of starting cold (a full window
    // would otherwise take the window's length of plant time), and prompts this or another
    // replica left standing are adopted rather than raised again. Batches arriving meanwhile queue.
    if (firstSight && deps.unsReplay && ring.ownerOf(b.assetPath) === config.replicaId) {
      pipeline.beginTakeover(b.assetPath);
      await pipeline.ingest(b);
      try {
        if (await rebuildWindow(b.assetPath, 'an asset seen for the first time')) firstSightRebuilds++;
        await settle();
      } finally {
        await pipeline.endTakeover(b.assetPath);
      }
      return;
    }
    return pipeline.ingest(b);
  };

  async function changeMembership(replicas: readonly string[], knownAssets: readonly string[], causes: MembershipChangeRecord['causes']): Promise<{ rebuilt: string[] }> {
    const startedMs = now();
    const before = ring;
    ring = new HashRing(replicas.length === 0 ? [config.replicaId] : replicas);
    const mine = takenOver(knownAssets, before, ring, config.replicaId);
    const dropped: string[] = [];
    for (const a of knownAssets) {
      if (ring.ownerOf(a) === config.replicaId) continue;
      if (before.ownerOf(a) === config.replicaId) dropped.push(a);
      pipeline.dropAsset(a);
    }
    // Owned from now on; live batches of these wait until their windows are rebuilt.
    for (const a of mine) pipeline.beginTakeover(a);
    const rebuilt: string[] = [];
    try {
      for (const assetPath of mine) if (await rebuildWindow(assetPath, 'a taken-over asset')) rebuilt.push(assetPath);
      // The previous owner's prompts are in the projection before they are adopted.
      await settle();
    } finally {
      for (const a of mine) await pipeline.endTakeover(a);
    }
    const record: MembershipChangeRecord = {
      atMs: now(), members: [...ring.replicas].sort(), previous: [...before.replicas].sort(), causes,
      takenOver: mine, dropped, rebuilt, durationMs: now() - startedMs,
    };
    recentChanges.push(record);
    if (recentChanges.length > RECENT_CHANGES) recentChanges.shift();
    changeCount++;
    inferenceMetrics.membershipChanged(causes[0]?.kind ?? 'manual', mine.length, dropped.length);
    logger.info({ replicas, previous: record.previous, causes, takenOver: mine, dropped: dropped.length, rebuilt }, 'replica membership changed');
    return { rebuilt };
  }

  function enqueueChange(replicas: readonly string[], knownAssets: readonly string[], causes: MembershipChangeRecord['causes']): Promise<{ rebuilt: string[] }> {
    applying++;
    const run = changing.then(() => changeMembership(replicas, knownAssets, causes)).finally(() => applying--);
    changing = run.catch(() => undefined);
    return run;
  }

  let subscription: Subscription | null = null;
  let following: Promise<void> | null = null;
  let consumer: ConsumerHandle | null = null;

  function applyEvent(e: RecordedEvent): void {
    if (!FOLLOWED.has(e.type)) {
      projection.apply({ ...e, type: '__skip' });
      return;
    }
    if (e.type.startsWith('Model')) models.apply(e);
    projection.apply(e);
  }

  async function follow(): Promise<void> {
    subscription = store.subscribeToAll({ checkpoint: 0, batchSize: 500 });
    try {
      for await (const e of subscription) applyEvent(e);
    } catch (error) {
      if (serving) logger.error({ err: error }, 'store follower stopped');
    }
  }

  async function settle(): Promise<void> {
    const head = await store.headPosition();
    if (head > 0) await projection.waitFor(head, 30_000);
    await models.idle();
    // A refusal appends an event; let the follower apply it too.
    const after = await store.headPosition();
    if (after > head) await projection.waitFor(after, 30_000);
  }

  let stopping: Promise<void> | null = null;
  return {
    grpc, http, models, projection, pipeline, monitor, commands,
    async start() {
      following = follow();
      await settle();
      if (deps.membership) {
        // Nothing is owned yet (no windows): the members heard now are simply the ring.
        const members = await deps.membership.join();
        ring = new HashRing(members);
        logger.info({ replica: config.replicaId, members }, 'replica membership joined');
      }
      if (config.unsSubject !== null) {
        consumer = await consumeUns(bus, {
          durable: config.unsDurable ?? `inference-${config.replicaId}`,
          ...(config.unsSubject === undefined ? {} : { subject: config.unsSubject }),
          handle: intake,
          onInvalid: (error) => logger.warn({ err: error }, 'invalid UNS batch dead-lettered'),
        });
      }
      const grpcPort = grpc === null ? null : await grpc.listen(`${config.grpc!.host}:${config.grpc!.port}`);
      let httpPort: number | null = null;
      if (http !== null) {
        await http.listen({ host: config.http!.host, port: config.http!.port });
        const address = http.server.address();
        httpPort = typeof address === 'object' && address !== null ? address.port : config.http!.port;
      }
      deps.membership?.follow(async (change: MembershipChange) => {
        await enqueueChange(change.members, [...seenAssets], change.causes.map((e) => ({ kind: e.kind, replicaId: e.replicaId })));
      });
      serving = true;
      logger.info({ grpcPort, httpPort, replica: config.replicaId }, 'inference started');
      return { grpcPort, httpPort };
    },
    ingest: intake,
    setReplicas: (replicas, knownAssets) => enqueueChange(replicas, knownAssets, [{ kind: 'manual', replicaId: null }]),
    knownAssets: () => [...seenAssets],
    membership: membershipReport,
    settle,
    health,
    stop() {
      stopping ??= (async () => {
        serving = false;
        await consumer?.stop();
        // No batch is scored here any more: the survivors may take over at once.
        await deps.membership?.leave();
        await changing;
        if (grpc !== null) await grpc.shutdown({ graceMs: config.shutdownGraceMs ?? 10_000 });
        if (http !== null) await http.close();
        await subscription?.stop();
        await following;
        await models.close();
        stopObservingDrift();
        stopObservingMembers();
        logger.info({}, 'inference stopped');
      })();
      return stopping;
    },
  };
}
