// Composition root of the inference service: builds the kernel over the store, the adapters (ONNX
// loader, telemetry, gRPC, HTTP, NATS UNS consumer) and the features (features/: projection and its
// checkpointed follower, models, scoring, shadow, drift, prompting, predict, replicas) and wires
// them together. Opens nothing itself: the caller (main.ts, a launcher or a test) owns the store,
// the bus, the key set, the checkpoint file and telemetry, and closes them after stop().
import { createGuard, type KeySet } from '@industrial/access';
import type { Bus, ConsumerHandle } from '@industrial/bus';
import type { UnsSampleBatch } from '@industrial/contracts';
import { uuidv7 } from '@industrial/contracts/ids';
import type { EventStore } from '@industrial/eventstore';
import { createGrpcServer, serverSecurity, type GrpcLogger, type GrpcServerHandle, type ServiceSecurity } from '@industrial/grpc';
import { createKernel, type Kernel } from '@industrial/kernel';
import type { RegionStage } from '@industrial/vision';
import type { FastifyInstance } from 'fastify';
import { fileArtifacts, type ModelArtifacts } from './adapters/artifacts/files.ts';
import { inferenceGrpcService } from './adapters/grpc/inference.ts';
import { createGateway } from './adapters/http/gateway.ts';
import type { RateLimitConfig } from './adapters/http/rate-limit.ts';
import { mlModelLoader } from './adapters/ml/loader.ts';
import { objectStoreModels } from './adapters/models/cached-loader.ts';
import type { ModelObjects } from './adapters/models/nats-objects.ts';
import { boardImagesAt } from './adapters/vision/images.ts';
import { loaderByUseCase, visualModelLoader } from './adapters/vision/visual-loader.ts';
import { isVisual } from './domain/visual.ts';
import { createVisualInspection, type VisualInspection } from './features/visual.ts';
import { consumeUns } from './adapters/nats/uns.ts';
import { createOnnxScorer } from './adapters/onnx/scorer.ts';
import { createInferenceMetrics, observeDriftPsi, observeMembers, promptDecisions } from './adapters/telemetry/metrics.ts';
import { otelTracing } from './adapters/telemetry/tracing.ts';
import { DEFAULT_TRACK_CONFIG, type TrackConfig } from './domain/prompt-track.ts';
import type { UseCaseSpec } from './domain/usecase.ts';
import type { Commands } from './features/commands.ts';
import { createAssetStates, type AssetStates } from './features/asset-states.ts';
import { createDriftExclusion, createDriftRecorder, createDriftReporting } from './features/drift.ts';
import { createDriftHistory, withDriftHistory, type DriftHistory } from './features/drift-history.ts';
import { createEvidenceBands } from './features/evidence-bands.ts';
import { createFollower, type FollowerStatus } from './features/following.ts';
import { createModelHost, type ModelHost } from './features/models.ts';
import { createMonitor, DEFAULT_MONITOR_CONFIG, type Monitor, type MonitorConfig } from './features/monitoring.ts';
import type { AssetCatalog, HistorianSource, MembershipSource, ProjectionCheckpoints, Scorer, UnsReplaySource } from './features/ports.ts';
import { createPredicting } from './features/predict.ts';
import { createProjection, type Projection } from './features/projection.ts';
import { createPrompting } from './features/prompting.ts';
import { createReplicas, type MembershipReport } from './features/replicas.ts';
import { createScoring, type Pipeline } from './features/scoring.ts';
import { createShadowScoring } from './features/shadow.ts';
import { createShadowViewing } from './features/shadow-view.ts';
import { createShelving } from './features/shelving.ts';
import { createUseCaseRegistry, type UseCaseRegistry } from './features/usecases.ts';
import { historianReplay, observedReplay, tagsOfAsset } from './features/warmup.ts';

export type { MembershipChangeRecord, MembershipReport } from './features/replicas.ts';

export const SERVICE_NAME = 'inference';

export interface InferenceAppConfig extends ServiceSecurity {
  grpc: { host: string; port: number } | null;
  /**
   * `rateLimit`: the gateway's per-source and per-token limits (default DEFAULT_RATE_LIMITS; null: none);
   * `trustProxy`: proxies (the HMI server) whose X-Forwarded-For names the caller (default none).
   */
  http: { host: string; port: number; rateLimit?: RateLimitConfig | null; trustProxy?: readonly string[] } | null;
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
  /** How often the projection checkpoint is saved while following (default 1 s). */
  checkpointEveryMs?: number;
  /** Visual inspection (#22): the content-addressed image store connectivity writes; null/absent = part images are not scored. */
  images?: { storeDir: string; driftEvery?: number; driftBoards?: number } | null;
  /** Shift changes (minutes after local midnight in `timeZone`) for shelving "until the end of the shift"; default 06:00, 14:00, 22:00 UTC. */
  shifts?: { changes: readonly number[]; timeZone: string };
}

export type InferenceLogger = GrpcLogger;

export interface InferenceAppDeps {
  store: EventStore;
  /** The kernel inference writes through (default: one built over `store`). */
  kernel?: Kernel;
  /** UNS intake (NATS JetStream in a cluster, the in-process bus standalone). */
  bus: Bus;
  keySet: KeySet | (() => KeySet);
  logger: InferenceLogger;
  config: InferenceAppConfig;
  /** Use cases served from the start (tests); the charter's UseCaseServingSpecDefined events add and revise the rest. */
  useCases?: readonly UseCaseSpec[];
  artifacts?: ModelArtifacts;
  /**
   * An edge site (#21): models from the centre's JetStream object store (adapters/models: each
   * artifact checked against its registered sha256, cached in `cacheDir`) instead of the registered
   * file:// artifacts. Absent/null: `artifacts` (default the file system).
   */
  modelStore?: { objects: ModelObjects; cacheDir: string; waitMs?: number } | null;
  /** Rebuilds an asset's window from the UNS stream when this replica takes it over. */
  unsReplay?: UnsReplaySource | null;
  /**
   * Live replica membership (natsMembership): joined in start() before the UNS consumer starts,
   * each change applied with setReplicas over the assets seen so far, left in stop() once the
   * consumer has stopped. Absent: the static `config.replicas` (setReplicas by hand).
   */
  membership?: MembershipSource | null;
  /** The projection's checkpoint (sqliteProjectionCheckpoints); absent: the store is read from position 1 at start. */
  checkpoints?: ProjectionCheckpoints | null;
  createScorer?: (bytes: Uint8Array, inputs: number) => Promise<Scorer>;
  /** The plant's assets (dataops catalog): every one is listed by GET /api/v1/assets with its monitoring state. */
  catalog?: AssetCatalog | null;
  /** The historian (dataops): without a UNS stream replay, windows are rebuilt from it at first sight and on takeover. */
  historian?: HistorianSource | null;
  /** An active labelled fault on the asset (left out of the drift comparison); absent: open prompts and modes only. */
  activeFault?: (assetPath: string, atMs: number) => boolean;
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
  /** The served use cases (from the charter's serving specs). */
  readonly useCases: UseCaseRegistry;
  /** Per asset and use case: warming up, monitored, stale data, manual, rules (GET /api/v1/assets). */
  readonly assetStates: AssetStates;
  /** Board prompts of visual-inspection use cases (null: no image store configured). */
  readonly visual: VisualInspection | null;
  /** Every drift evaluation per use case, bounded (GET /api/v1/drift/history). */
  readonly driftHistory: DriftHistory;
  /** Catches up with the store (from the checkpoint; models loaded), starts the UNS consumer, binds gRPC and HTTP. */
  start(): Promise<{ grpcPort: number | null; httpPort: number | null }>;
  /** Feeds one UNS batch directly (embedding, tests). */
  ingest(batch: UnsSampleBatch): Promise<void>;
  /** Replica membership changed: owned assets move; taken-over assets are rebuilt from the stream. Changes run one at a time. */
  setReplicas(replicas: readonly string[], knownAssets: readonly string[]): Promise<{ rebuilt: string[] }>;
  /** Every asset path a UNS batch arrived for (owned or not): what a membership change partitions. */
  knownAssets(): string[];
  /** The current ring's members and the recent membership changes (also in health().membership). */
  membership(): MembershipReport;
  /** Where the projection resumed from and what it has read since start (also in health().projection). */
  projectionStatus(): FollowerStatus;
  /** Resolves once the follower applied everything up to the store's current head and queued loads finished. */
  settle(): Promise<void>;
  health(): Record<string, unknown>;
  stop(): Promise<void>;
}

export function createInferenceApp(deps: InferenceAppDeps): InferenceApp {
  const { store, bus, logger, config } = deps;
  const kernel = deps.kernel ?? createKernel({ service: 'inference', store });
  const now = deps.now ?? Date.now;
  // The served use cases: the charter's serving specs, followed from the store (one live list).
  const useCaseRegistry = createUseCaseRegistry({ log: logger, initial: deps.useCases ?? [] });
  const useCases = useCaseRegistry.list;
  const track: TrackConfig = { ...DEFAULT_TRACK_CONFIG, ...config.track };
  const projection = createProjection();
  const monitor = createMonitor(
    { ...DEFAULT_MONITOR_CONFIG, ...config.monitor },
    { excluded: createDriftExclusion({ projection, now, ...(deps.activeFault ? { activeFault: deps.activeFault } : {}) }) },
  );
  // OpenTelemetry instruments on the global meter: no-ops unless the entry point ran initTelemetry() first.
  const metrics = createInferenceMetrics();
  const tracing = otelTracing();

  const loaderOptions = {
    artifacts: deps.artifacts ?? fileArtifacts(),
    createScorer: deps.createScorer ?? ((b: Uint8Array, n: number) => createOnnxScorer(b, n)),
    now,
  };
  // Visual-inspection use cases' models read images (adapters/vision); their fit is checked by that loader.
  const regionStages = new Map<string, RegionStage>();
  const byUseCase = loaderByUseCase(
    (id) => isVisual(useCaseRegistry.get(id)),
    visualModelLoader({ ...loaderOptions, stages: regionStages }),
    mlModelLoader(loaderOptions),
  );
  const storeLoader = deps.modelStore ? objectStoreModels(byUseCase, { ...deps.modelStore, log: logger }) : null;
  const loader = storeLoader ?? byUseCase;
  const models = createModelHost({
    loader,
    kernel,
    metrics,
    log: logger,
    specOf: (id) => {
      const spec = useCaseRegistry.get(id);
      return isVisual(spec) ? undefined : spec;
    },
  });
  const visual = config.images
    ? createVisualInspection({
        kernel,
        useCases: () => useCases,
        models,
        modes: () => projection.modes(),
        images: boardImagesAt(config.images.storeDir, regionStages),
        now,
        log: logger,
        ...(config.images.driftEvery ? { driftEvery: config.images.driftEvery } : {}),
        ...(config.images.driftBoards ? { driftBoards: config.images.driftBoards } : {}),
      })
    : null;
  // A revised use case may no longer fit the model serving it: checked (and refused) while running.
  useCaseRegistry.onChange((spec) => models.recheck(spec.useCaseId, null));
  const follower = createFollower({
    kernel,
    projection,
    models,
    useCases: useCaseRegistry,
    checkpoints: deps.checkpoints ?? null,
    ...(config.checkpointEveryMs === undefined ? {} : { checkpointEveryMs: config.checkpointEveryMs }),
    log: logger,
    now,
  });
  const assetStates = createAssetStates({
    useCases: () => useCases,
    models,
    projection,
    pauseState: (key) => monitor.pauseState(key),
    owns: (assetPath) => replicas.owns(assetPath),
    catalog: deps.catalog ?? null,
    now,
  });
  // A window is rebuilt from the UNS stream where there is one, else from the historian; the asset states see the readings either way.
  const replaySource =
    deps.unsReplay ??
    (deps.historian ? historianReplay({ historian: deps.historian, tags: (assetPath) => tagsOfAsset(useCases, models, assetPath), now }) : null);
  const replicas = createReplicas({
    replicaId: config.replicaId,
    replicas: config.replicas,
    useCases,
    models,
    unsReplay: replaySource === null ? null : observedReplay(replaySource, assetStates, now),
    membership: deps.membership ?? null,
    settle: () => follower.settle(),
    metrics,
    log: logger,
    now,
  });
  const driftHistory = createDriftHistory();
  const shadow = createShadowScoring({ kernel, monitor, track, tracing, metrics, wallNow: now, log: logger });
  const pipeline = createScoring({
    kernel,
    useCases,
    models,
    monitor,
    drift: withDriftHistory(createDriftRecorder({ kernel, now }), driftHistory),
    shadow,
    projection,
    track,
    fallbackOnSevereDrift: config.fallbackOnSevereDrift ?? true,
    owns: replicas.owns,
    tracing,
    metrics,
    wallNow: now,
    log: logger,
  });
  replicas.attach(pipeline);
  pipeline.onScored((scored) => assetStates.scored(scored));
  const intake = (b: UnsSampleBatch) => {
    assetStates.observe(b, now());
    return replicas.intake(b);
  };
  const commands: Commands = {
    ...createPrompting({ kernel, projection, useCases, now, decided: promptDecisions() }),
    ...createPredicting({ models, useCases }),
    ...createDriftReporting({ models, monitor, projection, useCases, now }),
    ...createShadowViewing({ kernel }),
    ...createShelving({ kernel, projection, now, shifts: config.shifts ?? { changes: [360, 840, 1320], timeZone: 'UTC' } }),
  };
  const stopObservingDrift = observeDriftPsi(() => monitor.lastPsi());
  const stopObservingMembers = observeMembers(() => replicas.replicaCount());

  const guardOptions = {
    keySet: deps.keySet,
    issuer: config.access.issuer,
    audience: config.access.audience,
    newId: () => uuidv7(),
    recordDenied: (stream: string, event: Parameters<Kernel['appendPrepared']>[1][number]) => kernel.appendPrepared(stream, [event]),
    onRecordFailure: (error: unknown, event?: unknown) => logger.error({ err: error, deniedEvent: event }, 'could not record AccessDenied'),
  };
  const grpc =
    config.grpc === null
      ? null
      : createGrpcServer({
          services: [inferenceGrpcService(commands, projection)],
          accessGuard: createGuard(guardOptions),
          serviceName: SERVICE_NAME,
          logger,
          ...serverSecurity(config),
        });

  let serving = false;
  const health = () => ({
    service: SERVICE_NAME,
    replica: config.replicaId,
    serving,
    position: projection.position,
    projection: follower.status(),
    models: models.status(),
    pipeline: pipeline.counters(),
    drift: monitor.counters(),
    membership: replicas.report(),
    metrics:
      'OpenTelemetry meter industrial.inference (exported when the entry point initialises telemetry): ' +
      'inference.score.duration, inference.windows.scored, inference.recommendations.raised, inference.errors, ' +
      'inference.sample_to_score.latency, inference.drift.psi, inference.membership.changes, inference.membership.assets_moved, ' +
      'inference.membership.members; the counters here stay per replica',
  });
  const http =
    config.http === null
      ? null
      : createGateway({
          commands,
          projection,
          health,
          ready: () => serving,
          guard: guardOptions,
          history: (id) => kernel.read(`recommendation-${id}`),
          assets: () => assetStates.list(),
          visual,
          driftHistory: (useCaseId) => driftHistory.list(useCaseId),
          evidenceBands: createEvidenceBands({ models, useCases: () => useCases }),
          ...(config.http.rateLimit === undefined ? {} : { rateLimit: config.http.rateLimit }),
          ...(config.http.trustProxy === undefined ? {} : { trustProxy: config.http.trustProxy }),
          ...(config.tls?.http ? { tls: config.tls.http } : {}),
        });

  let consumer: ConsumerHandle | null = null;
  let stopping: Promise<void> | null = null;
  return {
    grpc,
    http,
    models,
    projection,
    pipeline,
    monitor,
    commands,
    useCases: useCaseRegistry,
    assetStates,
    visual,
    driftHistory,
    async start() {
      await follower.start();
      await follower.settle();
      await visual?.start();
      await replicas.join();
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
      replicas.follow();
      assetStates.started(now());
      serving = true;
      logger.info({ grpcPort, httpPort, replica: config.replicaId, projection: follower.status() }, 'inference started');
      return { grpcPort, httpPort };
    },
    ingest: intake,
    setReplicas: (members, knownAssets) => replicas.setReplicas(members, knownAssets),
    knownAssets: () => replicas.knownAssets(),
    membership: () => replicas.report(),
    projectionStatus: () => follower.status(),
    settle: () => follower.settle(),
    health,
    stop() {
      stopping ??= (async () => {
        serving = false;
        await consumer?.stop();
        // No batch is scored here any more: the survivors may take over at once.
        await replicas.leave();
        if (grpc !== null) await grpc.shutdown({ graceMs: config.shutdownGraceMs ?? 10_000 });
        if (http !== null) await http.close();
        // a load waiting for an object the store does not have yet ends now, and is not recorded as a refusal
        models.stopLoading();
        storeLoader?.close();
        await models.idle();
        await shadow.flush().catch((error: unknown) => logger.warn({ err: error }, 'shadow window counts not recorded'));
        await visual?.stop();
        await follower.stop();
        await models.close();
        stopObservingDrift();
        stopObservingMembers();
        logger.info({}, 'inference stopped');
      })();
      return stopping;
    },
  };
}
