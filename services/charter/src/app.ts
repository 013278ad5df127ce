// Composition root of the charter service: the kernel over the event store, the use cases'
// context (ports injected by the caller), the CharterService gRPC adapter behind the access guard
// (denials recorded through the kernel), and the HTTP probes. Opens nothing itself: the caller
// owns the store, keys and telemetry and closes them after stop().
import { createGuard, type KeySet } from '@industrial/access';
import { Service } from '@industrial/contracts';
import { uuidv7 } from '@industrial/contracts/ids';
import type { EventStore } from '@industrial/eventstore';
import { createGrpcServer, serverSecurity, serviceEndpoints, type GrpcLogger, type GrpcServerHandle, type ServiceSecurity } from '@industrial/grpc';
import { createKernel, type Kernel } from '@industrial/kernel';
import type { FastifyInstance } from 'fastify';
import { charterService } from './adapters/grpc/charter.ts';
import { createRecordedOutcomes } from './adapters/outcomes/recorded-outcomes.ts';
import type { KpiSchedule } from './domain/kpi-schedule.ts';
import type { CharterContext } from './features/context.ts';
import { createKpiScheduler, type KpiScheduler } from './features/kpi-schedule.ts';
import type { CatalogReader, HistorianReader, OutcomeReader } from './ports.ts';

export const SERVICE_NAME = Service.Charter;

export interface CharterAppConfig extends ServiceSecurity {
  grpc: { host: string; port: number };
  http: { host: string; port: number };
  access: { issuer: string; audience: string };
  /** IANA time zone of the plant (reports in plant time). Default UTC. */
  plantTimeZone?: string;
  /** How long stop() waits for in-flight calls before cancelling them. Default 10 s. */
  shutdownGraceMs?: number;
  /** KPIs measured on a schedule (recorded as KpiMeasured); absent: only on request. */
  kpiSchedule?: { schedule: KpiSchedule; checkEveryMs: number; idealCycleTimeSeconds: number } | null;
}

export interface CharterAppDeps {
  /** The event store; the app writes through a kernel over it (or through `kernel`, when given). */
  store: EventStore;
  /** A kernel for service "charter" over `store` (default: one built here). */
  kernel?: Kernel;
  keySet: KeySet | (() => KeySet);
  logger: GrpcLogger;
  config: CharterAppConfig;
  /** Machine states, counts and labelled failures (dataops: `dataopsGrpcReader(...)`). Without it KPIs and feasibility are FAILED_PRECONDITION. */
  historian?: HistorianReader;
  /** Tags and their history (dataops: the same reader). Without it asset scopes are not checked and feasibility is FAILED_PRECONDITION. */
  catalog?: CatalogReader;
  /** Prompt outcomes, for the report's savings; default: inference's recorded outcomes read from `store`. */
  outcomes?: OutcomeReader;
  /** Clock, epoch ms; default Date.now. */
  now?: () => number;
  newId?: () => string;
}

export interface CharterApp {
  readonly grpc: GrpcServerHandle;
  readonly http: FastifyInstance;
  /** The KPI schedule (null when none is configured); started and stopped with the app. */
  readonly kpiScheduler: KpiScheduler | null;
  start(): Promise<{ grpcPort: number; httpPort: number }>;
  /** Stops accepting, drains in-flight calls, closes the HTTP server. Does not close the store. */
  stop(): Promise<void>;
}

export function createCharterApp(deps: CharterAppDeps): CharterApp {
  const { logger, config } = deps;
  const now = deps.now ?? Date.now;
  const newId = deps.newId ?? (() => uuidv7(now()));
  const kernel = deps.kernel ?? createKernel({ service: SERVICE_NAME, store: deps.store, newId });
  const context: CharterContext = {
    kernel,
    historian: deps.historian ?? null,
    catalog: deps.catalog ?? null,
    outcomes: deps.outcomes ?? createRecordedOutcomes(kernel),
    now,
    newId,
    timeZone: config.plantTimeZone ?? 'UTC',
  };
  const accessGuard = createGuard({
    keySet: deps.keySet,
    issuer: config.access.issuer,
    audience: config.access.audience,
    newId,
    recordDenied: async (stream, event) => {
      await kernel.appendPrepared(stream, [event]);
    },
    onRecordFailure: (error, event) => logger.error({ err: error, deniedEvent: event }, 'could not record AccessDenied in the event store'),
  });
  const grpc = createGrpcServer({ services: [charterService(context)], accessGuard, serviceName: SERVICE_NAME, logger, ...serverSecurity(config) });
  const endpoints = serviceEndpoints({
    grpc,
    storeAnswers: () => kernel.reader.headPosition(),
    grpcAddress: config.grpc,
    httpAddress: config.http,
    httpTls: config.tls?.http,
    shutdownGraceMs: config.shutdownGraceMs ?? 10_000,
    logger,
    name: SERVICE_NAME,
  });
  const kpiScheduler =
    config.kpiSchedule === undefined || config.kpiSchedule === null ? null : createKpiScheduler({ ctx: context, ...config.kpiSchedule, log: logger });
  return {
    grpc,
    http: endpoints.http,
    kpiScheduler,
    async start() {
      const listening = await endpoints.listen();
      kpiScheduler?.start();
      return listening;
    },
    async stop() {
      kpiScheduler?.stop();
      await endpoints.shutdown();
    },
  };
}
