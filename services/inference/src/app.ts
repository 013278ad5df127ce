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
import { appendEvent, nameUuid, readStreamOrEmpty, SERVICE_ACTOR, uuidv7 } from './adapters/eventstore/append.ts';
import { inferenceGrpcService } from './adapters/grpc/inference.ts';
import { createGateway } from './adapters/http/gateway.ts';
import { consumeUns, type UnsReplaySource } from './adapters/nats/uns.ts';
import { createOnnxScorer, type OnnxScorer } from './adapters/onnx/scorer.ts';
import { HashRing, takenOver } from './domain/hashring.ts';
import { DEFAULT_TRACK_CONFIG, type TrackConfig } from './domain/prompt-track.ts';
import { PUMP_BEARING_USE_CASE, inScope, type UseCaseSpec } from './domain/usecase.ts';
import { historyMs } from './service/pipeline.ts';
import { createCommands, type Commands } from './service/commands.ts';
import { createInferenceMetrics, observeDriftPsi } from './service/metrics.ts';
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
  /** This replica's id and every replica's (assets are partitioned by consistent hashing). */
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
  /** Replica membership changed: owned assets move; taken-over assets are rebuilt from the stream. */
  setReplicas(replicas: readonly string[], knownAssets: readonly string[]): Promise<{ rebuilt: string[] }>;
  /** Resolves once the follower applied everything up to the store's current head and queued loads finished. */
  settle(): Promise<void>;
  health(): Record<string, unknown>;
  stop(): Promise<void>;
}

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

  const models = createModelHost({
    artifacts: deps.artifacts ?? fileArtifacts(),
    createScorer: deps.createScorer ?? ((b, n) => createOnnxScorer(b, n)),
    now,
    log: logger,
    recordRefusal: async (r) => {
      inferenceMetrics.error('model_refused', r.useCaseId);
      const id = await nameUuid(`refused|${r.refused}|${r.causationId ?? ''}`);
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
    metrics:
      'OpenTelemetry meter industrial.inference (exported when the entry point initialises telemetry): ' +
      'inference.score.duration, inference.windows.scored, inference.recommendations.raised, inference.errors, ' +
      'inference.sample_to_score.latency, inference.drift.psi; the counters here stay per replica',
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
      if (config.unsSubject !== null) {
        consumer = await consumeUns(bus, {
          durable: config.unsDurable ?? `inference-${config.replicaId}`,
          ...(config.unsSubject === undefined ? {} : { subject: config.unsSubject }),
          handle: (b) => pipeline.ingest(b),
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
      serving = true;
      logger.info({ grpcPort, httpPort, replica: config.replicaId }, 'inference started');
      return { grpcPort, httpPort };
    },
    ingest: (b) => pipeline.ingest(b),
    async setReplicas(replicas, knownAssets) {
      const before = ring;
      ring = new HashRing(replicas.length === 0 ? [config.replicaId] : replicas);
      const mine = takenOver(knownAssets, before, ring, config.replicaId);
      for (const a of knownAssets) if (ring.ownerOf(a) !== config.replicaId) pipeline.dropAsset(a);
      // Owned from now on; live batches of these wait until their windows are rebuilt.
      for (const a of mine) pipeline.beginTakeover(a);
      const rebuilt: string[] = [];
      try {
        for (const assetPath of mine) {
          const windowMs = Math.max(...useCases.filter((u) => inScope(u, assetPath)).map((u) => historyMs(u, models.slots(u.useCaseId))), 0);
          if (!deps.unsReplay || windowMs === 0) continue;
          try {
            await deps.unsReplay.replay(unsAssetSubject(parseUnsAssetPath(assetPath)), now() - windowMs, (b) => pipeline.warm(b));
            rebuilt.push(assetPath);
          } catch (error) {
            logger.error({ err: error, assetPath }, 'could not rebuild the window of a taken-over asset; it starts cold');
          }
        }
        // The previous owner's prompts are in the projection before they are adopted.
        await settle();
      } finally {
        for (const a of mine) await pipeline.endTakeover(a);
      }
      logger.info({ replicas, takenOver: mine, rebuilt }, 'replica membership changed');
      return { rebuilt };
    },
    settle,
    health,
    stop() {
      stopping ??= (async () => {
        serving = false;
        await consumer?.stop();
        if (grpc !== null) await grpc.shutdown({ graceMs: config.shutdownGraceMs ?? 10_000 });
        if (http !== null) await http.close();
        await subscription?.stop();
        await following;
        await models.close();
        stopObservingDrift();
        logger.info({}, 'inference stopped');
      })();
      return stopping;
    },
  };
}
