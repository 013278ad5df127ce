// Composition root of the training service: training's kernel over the store, the run use cases
// (queue + worker-thread trainer, artifact store, snapshots, cost models, governance's model
// registry, projection of training's own streams), the gRPC server (TrainingService, health,
// reflection, access guard recording denials through the kernel), the HTTP probes, and the bus
// consumers of the integration events training acts on (inference's RetrainingRequested and DriftDetected, dataops'
// DatasetSnapshotCreated). Opens nothing itself: the caller owns the store, the key set, the bus and telemetry.
import { createGuard, type KeySet } from '@industrial/access';
import type { Bus, ConsumerHandle } from '@industrial/bus';
import { parseIntegrationEvent, type EventData } from '@industrial/contracts';
import { uuidv7 } from '@industrial/contracts/ids';
import type { EventStore } from '@industrial/eventstore';
import { createGrpcServer, serverSecurity, serviceEndpoints, type GrpcLogger, type GrpcServerHandle, type ServiceSecurity } from '@industrial/grpc';
import { createKernel } from '@industrial/kernel';
import type { FastifyInstance } from 'fastify';
import { createFsArtifactStore } from './adapters/artifacts/fs.ts';
import { createCharterStoreCostModels } from './adapters/costmodels/charter-store.ts';
import { trainingService } from './adapters/grpc/training.ts';
import { createInProcessModelRegistry } from './adapters/registry/in-process.ts';
import { createDataopsSnapshotSource } from './adapters/snapshots/dataops.ts';
import { createInlineTrainer, createWorkerTrainer } from './adapters/worker/trainer.ts';
import { createTrainingRuns, type RetrainingOptions, type TrainingRuns } from './features/runs.ts';
import type { ArtifactStore, CostModelSource, FreshSnapshots, ModelRegistry, SnapshotSource, Trainer } from './ports.ts';

export const SERVICE_NAME = 'training';

export interface TrainingAppConfig extends ServiceSecurity {
  grpc: { host: string; port: number };
  http: { host: string; port: number };
  access: { issuer: string; audience: string };
  /** Root of the filesystem artifact store (used when no `artifacts` dependency is given). */
  artifactDir: string;
  /** dataops snapshot directory (used when no `snapshots` dependency is given). */
  snapshotDir: string;
  /** Git commit or package version recorded with every run. */
  codeVersion: string;
  /** Runs trained at once (default 1). */
  concurrency?: number;
  /** SIGTERM: `finish` the running job (up to shutdownGraceMs, then cancel) or `cancel` it at once. */
  shutdownMode?: 'finish' | 'cancel';
  shutdownGraceMs?: number;
  /** Permutation-importance repeats (default: the ML library's 5). */
  importanceRepeats?: number;
  /** Bus stream and durable of the RetrainingRequested consumer (default EVENTS / training-retraining; snapshots: `<durable>-snapshots`); null: none. */
  retrainingConsumer?: { stream: string; durable: string } | null;
  /** Train in a worker thread (default) or inline. */
  trainer?: 'worker' | 'inline';
  /** Retraining on fresh data (#16): limits, plant time zone, schedules, the schedule timer. */
  retraining?: RetrainingOptions;
}

export interface TrainingAppDeps {
  store: EventStore;
  keySet: KeySet | (() => KeySet);
  logger: GrpcLogger;
  config: TrainingAppConfig;
  artifacts?: ArtifactStore;
  snapshots?: SnapshotSource;
  /** Cost models by use case; default: the charter's records (CostModelSet, else the serving spec's) read from `store`. */
  costModels?: CostModelSource;
  /** Governance's model registry; default: governance's registry use cases in process, over `store`. */
  registry?: ModelRegistry;
  /** Integration events (RetrainingRequested, DatasetSnapshotCreated); without it, retraining is only started by hand. */
  bus?: Bus;
  trainer?: Trainer;
  /** dataops' gRPC API making the fresh snapshots of retrainings; absent: retrainings are refused at the snapshot step. */
  freshSnapshots?: FreshSnapshots;
  now?: () => Date;
}

export interface TrainingApp {
  readonly grpc: GrpcServerHandle;
  readonly http: FastifyInstance;
  readonly runs: TrainingRuns;
  readonly artifacts: ArtifactStore;
  start(): Promise<{ grpcPort: number; httpPort: number }>;
  /** Stops accepting, finishes or cancels the running job, drains calls, closes HTTP. Does not close the store. */
  stop(options?: { mode?: 'finish' | 'cancel' }): Promise<void>;
}

export function createTrainingApp(deps: TrainingAppDeps): TrainingApp {
  const { store, logger, config } = deps;
  const kernel = createKernel({ service: SERVICE_NAME, store });
  const artifacts = deps.artifacts ?? createFsArtifactStore(config.artifactDir);
  const runs = createTrainingRuns({
    kernel,
    artifacts,
    snapshots: deps.snapshots ?? createDataopsSnapshotSource(config.snapshotDir),
    costModels: deps.costModels ?? createCharterStoreCostModels(kernel),
    trainer: deps.trainer ?? (config.trainer === 'inline' ? createInlineTrainer() : createWorkerTrainer()),
    registry: deps.registry ?? createInProcessModelRegistry(store),
    logger: { info: (f, m) => logger.info(f, m), warn: (f, m) => logger.warn(f, m), error: (f, m) => logger.error(f, m) },
    codeVersion: config.codeVersion,
    ...(config.concurrency === undefined ? {} : { concurrency: config.concurrency }),
    ...(config.importanceRepeats === undefined ? {} : { importanceRepeats: config.importanceRepeats }),
    ...(deps.now === undefined ? {} : { now: deps.now }),
    ...(deps.freshSnapshots === undefined ? {} : { freshSnapshots: deps.freshSnapshots }),
    ...(config.retraining === undefined ? {} : { retraining: config.retraining }),
  });
  const accessGuard = createGuard({
    keySet: deps.keySet,
    issuer: config.access.issuer,
    audience: config.access.audience,
    newId: () => uuidv7(),
    recordDenied: async (stream, event) => {
      await kernel.appendPrepared(stream, [event]);
    },
    onRecordFailure: (error, event) => logger.error({ err: error, deniedEvent: event }, 'could not record AccessDenied in the event store'),
  });
  const grpc = createGrpcServer({ services: [trainingService(runs)], accessGuard, serviceName: SERVICE_NAME, logger, ...serverSecurity(config) });
  const endpoints = serviceEndpoints({
    grpc,
    storeAnswers: () => store.headPosition(),
    grpcAddress: config.grpc,
    httpAddress: config.http,
    httpTls: config.tls?.http,
    shutdownGraceMs: Math.min(config.shutdownGraceMs ?? 10_000, 10_000),
    logger,
    name: 'training',
  });
  const consumers: ConsumerHandle[] = [];
  let stopping: Promise<void> | null = null;

  /** The integration events training acts on (ADR 0003: never another service's streams). */
  async function consume(bus: Bus, c: { stream: string; durable: string }): Promise<void> {
    consumers.push(
      await bus.consume({
        stream: c.stream,
        durable: c.durable,
        filterSubject: 'evt.v1.inference.RetrainingRequested',
        maxDeliver: 5,
        handler: async (msg) => {
          const event = parseIntegrationEvent(msg.json());
          if (event.type === 'RetrainingRequested') await runs.onRetrainingRequested(event.data as EventData<'RetrainingRequested'>, event.id);
        },
      }),
      await bus.consume({
        stream: c.stream,
        durable: `${c.durable}-drift`,
        filterSubject: 'evt.v1.inference.DriftDetected',
        maxDeliver: 5,
        handler: async (msg) => {
          const event = parseIntegrationEvent(msg.json());
          if (event.type === 'DriftDetected') await runs.onDriftDetected(event.data as EventData<'DriftDetected'>, event.id);
        },
      }),
      await bus.consume({
        stream: c.stream,
        durable: `${c.durable}-snapshots`,
        filterSubject: 'evt.v1.dataops.DatasetSnapshotCreated',
        maxDeliver: 5,
        handler: async (msg) => {
          const event = parseIntegrationEvent(msg.json());
          if (event.type === 'DatasetSnapshotCreated') runs.onSnapshotCreated(event.data as EventData<'DatasetSnapshotCreated'>);
        },
      }),
    );
  }

  return {
    grpc,
    http: endpoints.http,
    runs,
    artifacts,
    async start() {
      await runs.open();
      if (deps.bus !== undefined && config.retrainingConsumer !== null)
        await consume(deps.bus, config.retrainingConsumer ?? { stream: 'EVENTS', durable: 'training-retraining' });
      return endpoints.listen();
    },
    stop(options = {}) {
      stopping ??= (async () => {
        endpoints.notReady();
        for (const c of consumers.splice(0)) await c.stop();
        await runs.close({ mode: options.mode ?? config.shutdownMode ?? 'finish', graceMs: config.shutdownGraceMs ?? 60_000 });
        await endpoints.shutdown();
      })();
      return stopping;
    },
  };
}
