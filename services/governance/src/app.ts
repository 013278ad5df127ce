// Composition root of the governance service: builds the gRPC server (AuditService,
// ModelRegistryService, health, reflection, access guard recording denials in the store) and the
// HTTP probes from injected dependencies. Opens nothing itself: the caller (main.ts or the
// one-process launcher) owns the store, the key set and telemetry, and closes them after stop().
import { createGuard, type KeySet } from '@industrial/access';
import type { EventStore } from '@industrial/eventstore';
import { createGrpcServer, type GrpcLogger, type GrpcServerHandle } from '@industrial/grpc';
import type { FastifyInstance } from 'fastify';
import { auditService } from './adapters/grpc/audit.ts';
import { modelRegistryService } from './adapters/grpc/registry.ts';
import { recordDeniedIn, uuidv7 } from './adapters/eventstore/access-denied.ts';
import { serviceEndpoints } from '@industrial/grpc';

export const SERVICE_NAME = 'governance';

export interface GovernanceAppConfig {
  grpc: { host: string; port: number };
  http: { host: string; port: number };
  access: { issuer: string; audience: string };
  /** Default 4 MiB. */
  maxReceiveMessageLength?: number;
  maxSendMessageLength?: number;
  /** How long stop() waits for in-flight calls before cancelling them. Default 10 s. */
  shutdownGraceMs?: number;
}

export interface GovernanceAppDeps {
  store: EventStore;
  /** The access key set, or a getter (picks up a rotated key set without a restart). */
  keySet: KeySet | (() => KeySet);
  logger: GrpcLogger;
  config: GovernanceAppConfig;
}

export interface GovernanceApp {
  readonly grpc: GrpcServerHandle;
  readonly http: FastifyInstance;
  /** Binds gRPC and HTTP; resolves the bound ports (useful with port 0). */
  start(): Promise<{ grpcPort: number; httpPort: number }>;
  /** Stops accepting, drains in-flight calls, closes the HTTP server. Does not close the store. */
  stop(): Promise<void>;
}

export function createGovernanceApp(deps: GovernanceAppDeps): GovernanceApp {
  const { store, logger, config } = deps;
  const recordDenied = recordDeniedIn(store);
  // The call is still refused; an unrecordable denial is logged loudly rather than turned into INTERNAL.
  const onRecordFailure = (error: unknown, event: unknown) => logger.error({ err: error, deniedEvent: event }, 'could not record AccessDenied in the event store');
  const accessGuard = createGuard({
    keySet: deps.keySet,
    issuer: config.access.issuer,
    audience: config.access.audience,
    newId: () => uuidv7(),
    recordDenied,
    onRecordFailure,
  });
  const grpc = createGrpcServer({
    services: [auditService(store), modelRegistryService({ store, recordDenied, onRecordFailure })],
    accessGuard,
    serviceName: SERVICE_NAME,
    logger,
    ...(config.maxReceiveMessageLength === undefined ? {} : { maxReceiveMessageLength: config.maxReceiveMessageLength }),
    ...(config.maxSendMessageLength === undefined ? {} : { maxSendMessageLength: config.maxSendMessageLength }),
  });
  const endpoints = serviceEndpoints({
    grpc, storeAnswers: () => store.headPosition(), grpcAddress: config.grpc, httpAddress: config.http,
    shutdownGraceMs: config.shutdownGraceMs ?? 10_000, logger, name: 'governance',
  });
  return {
    grpc,
    http: endpoints.http,
    start: () => endpoints.listen(),
    stop: () => endpoints.shutdown(),
  };
}
