// Composition root of the charter service: the CharterService over the event store, the access
// guard recording denials, the HTTP probes, and the ports (historian, catalog, prompt outcomes)
// injected by the caller. Opens nothing itself: the caller owns the store, keys and telemetry and
// closes them after stop().
import { createGuard, type AccessDeniedEvent, type KeySet } from '@industrial/access';
import { uuidv7 } from '@industrial/contracts/ids';
import type { EventStore } from '@industrial/eventstore';
import { createGrpcServer, type GrpcLogger, type GrpcServerHandle } from '@industrial/grpc';
import type { FastifyInstance } from 'fastify';
import { useCaseRepository } from './adapters/eventstore/usecases.ts';
import { charterService } from './adapters/grpc/charter.ts';
import { serviceEndpoints } from '@industrial/grpc';
import type { CatalogReader, HistorianReader, OutcomeReader } from './domain/ports.ts';

export const SERVICE_NAME = 'charter';

export interface CharterAppConfig {
  grpc: { host: string; port: number };
  http: { host: string; port: number };
  access: { issuer: string; audience: string };
  /** IANA time zone of the plant (reports in plant time). Default UTC. */
  plantTimeZone?: string;
  /** How long stop() waits for in-flight calls before cancelling them. Default 10 s. */
  shutdownGraceMs?: number;
}

export interface CharterAppDeps {
  store: EventStore;
  keySet: KeySet | (() => KeySet);
  logger: GrpcLogger;
  config: CharterAppConfig;
  /** Machine states, counts and labelled failures (dataops: `dataopsReader(...)`). Without it KPIs and feasibility are FAILED_PRECONDITION. */
  historian?: HistorianReader;
  /** Tags and their history (dataops: the same `dataopsReader(...)`). Without it asset scopes are not checked and feasibility is FAILED_PRECONDITION. */
  catalog?: CatalogReader;
  /** Prompt outcomes (inference), for the report's attribution. */
  outcomes?: OutcomeReader;
  /** Clock, epoch ms; default Date.now. */
  now?: () => number;
  newId?: () => string;
}

export interface CharterApp {
  readonly grpc: GrpcServerHandle;
  readonly http: FastifyInstance;
  start(): Promise<{ grpcPort: number; httpPort: number }>;
  /** Stops accepting, drains in-flight calls, closes the HTTP server. Does not close the store. */
  stop(): Promise<void>;
}

export { uuidv7 } from '@industrial/contracts/ids';

export function createCharterApp(deps: CharterAppDeps): CharterApp {
  const { store, logger, config } = deps;
  const now = deps.now ?? Date.now;
  const newId = deps.newId ?? (() => uuidv7(now()));
  const accessGuard = createGuard({
    keySet: deps.keySet,
    issuer: config.access.issuer,
    audience: config.access.audience,
    newId,
    recordDenied: async (stream: string, event: AccessDeniedEvent) => {
      await store.append(stream, [event]);
    },
    onRecordFailure: (error, event) => logger.error({ err: error, deniedEvent: event }, 'could not record AccessDenied in the event store'),
  });
  const grpc = createGrpcServer({
    services: [
      charterService({
        repo: useCaseRepository(store, newId),
        historian: deps.historian ?? null,
        catalog: deps.catalog ?? null,
        outcomes: deps.outcomes ?? null,
        newId,
        now,
        timeZone: config.plantTimeZone ?? 'UTC',
      }),
    ],
    accessGuard,
    serviceName: SERVICE_NAME,
    logger,
  });
  const endpoints = serviceEndpoints({
    grpc, storeAnswers: () => store.headPosition(), grpcAddress: config.grpc, httpAddress: config.http,
    shutdownGraceMs: config.shutdownGraceMs ?? 10_000, logger, name: 'charter',
  });
  return {
    grpc,
    http: endpoints.http,
    start: () => endpoints.listen(),
    stop: () => endpoints.shutdown(),
  };
}
