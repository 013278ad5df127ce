// Composition root of the governance service: builds the kernel over the given store, the feature
// layer (registry, audit), the gRPC server (AuditService, ModelRegistryService, health, reflection,
// access guard recording denials through the kernel) and the HTTP probes. Opens nothing itself: the
// caller (main.ts or the one-process launcher) owns the store, the key set and telemetry, and closes
// them after stop().
import { createGuard, type KeySet } from '@industrial/access';
import { uuidv7 } from '@industrial/contracts/ids';
import type { EventStore } from '@industrial/eventstore';
import { createGrpcServer, serverSecurity, serviceEndpoints, type GrpcLogger, type GrpcServerHandle, type ServiceSecurity } from '@industrial/grpc';
import { createKernel, type Kernel } from '@industrial/kernel';
import type { FastifyInstance } from 'fastify';
import { createFileModelCards } from './adapters/artifacts/model-card.ts';
import { recordDeniedIn } from './adapters/eventstore/access-denied.ts';
import { auditService } from './adapters/grpc/audit.ts';
import { modelRegistryService } from './adapters/grpc/registry.ts';
import { createAuditFeatures, DEFAULT_REPLAY_LIMITS, type ReplayLimits } from './features/audit.ts';
import { createGateFeatures } from './features/gates.ts';
import { createLiveMonitor, type LiveMonitor } from './features/live-monitor.ts';
import { createRegistryFeatures, type RegistryFeatures } from './features/registry.ts';
import type { ModelCardReader } from './ports.ts';

export const SERVICE_NAME = 'governance';

export interface GovernanceAppConfig extends ServiceSecurity {
  grpc: { host: string; port: number };
  http: { host: string; port: number };
  access: { issuer: string; audience: string };
  /** Default 4 MiB. */
  maxReceiveMessageLength?: number;
  maxSendMessageLength?: number;
  /** How long stop() waits for in-flight calls before cancelling them. Default 10 s. */
  shutdownGraceMs?: number;
  /** ReplayTo bounds (default DEFAULT_REPLAY_LIMITS: 4 at once, pages of 500 events). */
  replay?: Partial<ReplayLimits>;
  /** Live monitoring's check every this many ms after start (default 60 000; 0 = only when called). */
  liveMonitor?: { intervalMs: number };
}

export interface GovernanceAppDeps {
  store: EventStore;
  /** The access key set, or a getter (picks up a rotated key set without a restart). */
  keySet: KeySet | (() => KeySet);
  logger: GrpcLogger;
  config: GovernanceAppConfig;
  /** Reads the model card's stress results (default: file:// artifacts, sha256 checked). */
  modelCards?: ModelCardReader;
}

export interface GovernanceApp {
  readonly grpc: GrpcServerHandle;
  readonly http: FastifyInstance;
  /** The registry's use cases, in process (what the gRPC API calls). */
  readonly registry: RegistryFeatures;
  /** Live monitoring: check() compares production models with their gates and records rollback proposals (also run every `liveMonitor.intervalMs`). */
  readonly monitor: LiveMonitor;
  /** Binds gRPC and HTTP; resolves the bound ports (useful with port 0). */
  start(): Promise<{ grpcPort: number; httpPort: number }>;
  /** Stops accepting, drains in-flight calls, closes the HTTP server. Does not close the store. */
  stop(): Promise<void>;
}

/** Governance's kernel over a store: every append of governance goes through it. */
export const governanceKernel = (store: EventStore): Kernel => createKernel({ service: SERVICE_NAME, store });

/** The registry's use cases with the gates before production (charter, card, snapshot, shadow, savings), and live monitoring. */
function gatedRegistry(kernel: Kernel, cards: ModelCardReader = createFileModelCards()): { registry: RegistryFeatures; monitor: LiveMonitor } {
  const gates = createGateFeatures({ kernel, cards });
  const registry = createRegistryFeatures({ kernel, gates });
  const monitor = createLiveMonitor({
    kernel,
    state: registry.list,
    policy: async (s, useCaseId) => (await gates.policy(s, useCaseId)).policy,
    propose: registry.propose,
  });
  return { registry, monitor };
}

/**
 * The model registry's use cases over a store, without a server: the in-process way to register a
 * trained version or promote (the one-process launcher, training's standalone adapter, tests).
 * Permissions are the caller's business here; over gRPC the edge checks them. Gated like the server.
 */
export function createModelRegistry(store: EventStore): RegistryFeatures {
  return gatedRegistry(governanceKernel(store)).registry;
}

export function createGovernanceApp(deps: GovernanceAppDeps): GovernanceApp {
  const { store, logger, config } = deps;
  const kernel = governanceKernel(store);
  const { registry, monitor } = gatedRegistry(kernel, deps.modelCards);
  const recordDenied = recordDeniedIn(kernel);
  // The call is still refused; an unrecordable denial is logged loudly rather than turned into INTERNAL.
  const onRecordFailure = (error: unknown, event: unknown) =>
    logger.error({ err: error, deniedEvent: event }, 'could not record AccessDenied in the event store');
  const accessGuard = createGuard({
    keySet: deps.keySet,
    issuer: config.access.issuer,
    audience: config.access.audience,
    newId: () => uuidv7(),
    recordDenied,
    onRecordFailure,
  });
  const grpc = createGrpcServer({
    services: [
      auditService(createAuditFeatures(kernel.reader, { ...DEFAULT_REPLAY_LIMITS, ...config.replay })),
      modelRegistryService({ registry, recordDenied, onRecordFailure }),
    ],
    accessGuard,
    serviceName: SERVICE_NAME,
    logger,
    ...serverSecurity(config),
    ...(config.maxReceiveMessageLength === undefined ? {} : { maxReceiveMessageLength: config.maxReceiveMessageLength }),
    ...(config.maxSendMessageLength === undefined ? {} : { maxSendMessageLength: config.maxSendMessageLength }),
  });
  const endpoints = serviceEndpoints({
    grpc,
    storeAnswers: () => store.headPosition(),
    grpcAddress: config.grpc,
    httpAddress: config.http,
    httpTls: config.tls?.http,
    shutdownGraceMs: config.shutdownGraceMs ?? 10_000,
    logger,
    name: 'governance',
  });
  // One check at a time; a failing check is logged and tried again at the next tick; stop() waits for one in flight.
  const intervalMs = config.liveMonitor?.intervalMs ?? 60_000;
  let timer: NodeJS.Timeout | null = null;
  let inFlight: Promise<void> | null = null;
  const tick = () => {
    if (inFlight !== null) return;
    inFlight = monitor
      .check()
      .then(() => undefined)
      .catch((error: unknown) => logger.error({ err: error }, 'live monitoring check failed'))
      .finally(() => (inFlight = null));
  };
  return {
    grpc,
    http: endpoints.http,
    registry,
    monitor,
    async start() {
      const ports = await endpoints.listen();
      if (intervalMs > 0 && timer === null) (timer = setInterval(tick, intervalMs)).unref();
      return ports;
    },
    async stop() {
      if (timer !== null) clearInterval(timer);
      timer = null;
      await inFlight;
      await endpoints.shutdown();
    },
  };
}
