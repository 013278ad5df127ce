// Configuration of the charter process, read from the environment once (runService, main.ts) into
// a typed object. Nothing below main.ts reads process.env. The variables every service shares (event store,
// ledger key, access, telemetry) come from @industrial/eventstore/config.
import { z } from 'zod';
import { parseKpiSchedule, type KpiSchedule } from './domain/kpi-schedule.ts';
import {
  accessConfig,
  accessEnv,
  checkEventStoreEnv,
  eventStoreConfig,
  eventStoreEnv,
  nonEmpty,
  parseEnv,
  port,
  shutdownEnv,
  telemetryConfig,
  telemetryEnv,
  checkTlsEnv,
  tlsConfig,
  tlsEnv,
  type TlsConfig,
  grpcRateConfig,
  grpcRateEnv,
  type GrpcRateConfig,
  type AccessConfig,
  type EventStoreConfig,
  type LogLevel,
  type TelemetryConfig,
} from '@industrial/eventstore/config';

const timeZone = nonEmpty.refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be an IANA time zone such as "Europe/Berlin"' },
);

const EnvSchema = z
  .object({
    CHARTER_GRPC_HOST: nonEmpty.default('127.0.0.1'),
    CHARTER_GRPC_PORT: port(50052),
    CHARTER_HTTP_HOST: nonEmpty.default('127.0.0.1'),
    CHARTER_HTTP_PORT: port(8082),
    PLANT_TIMEZONE: timeZone.default('UTC'),
    ...eventStoreEnv,
    ...accessEnv,
    /** Optional: serve the AI4I file as catalog and failure history (until dataops serves them). */
    CHARTER_AI4I_CSV: nonEmpty.optional(),
    CHARTER_AI4I_ASSET: z
      .string()
      .regex(/^[a-z0-9_-]+(\.[a-z0-9_-]+){4}$/, 'must be an asset path enterprise.site.area.line.asset')
      .default('ai4i.plant1.machining.line-1.mill-1'),
    /** Optional: read states, counts and the catalog from dataops' gRPC API (host:port), labels from its LabelRecorded events. */
    CHARTER_DATAOPS_GRPC_URL: z
      .string()
      .regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):\d{1,5}$/, 'must be host:port of dataops\' gRPC server, e.g. "127.0.0.1:50053"')
      .refine((a) => Number(a.slice(a.lastIndexOf(':') + 1)) <= 65_535, 'must end in a port number 1–65535')
      .optional(),
    /** File holding the bearer token (a service-account JWT with data.read) the charter presents to dataops; re-read when it changes. */
    CHARTER_DATAOPS_TOKEN_FILE: nonEmpty.optional(),
    /** Optional: measure every approved use case's KPIs on a schedule, "every <n><m|h|d|w>" (e.g. "every 1d"). */
    CHARTER_KPI_SCHEDULE: nonEmpty.optional(),
    /** The schedule's clock: plant (the historian's newest sample of the use case's asset) or wall. */
    CHARTER_KPI_CLOCK: z.enum(['plant', 'wall']).default('plant'),
    /** Wall ms between looks at the schedule. */
    CHARTER_KPI_CHECK_MS: z.coerce.number().int().min(1000, 'must be at least 1000 (ms)').max(86_400_000).default(60_000),
    /** Ideal cycle time (s) for the performance and OEE KPIs of scheduled measurements; 0: those are not computed. */
    CHARTER_KPI_IDEAL_CYCLE_TIME_S: z.coerce.number().min(0).max(86_400).default(0),
    /** Removed: the charter no longer reads dataops' database (ADR 0003). Set, it is refused with what to set instead. */
    CHARTER_DATAOPS_PG_SCHEMA: z.string().optional(),
    ...telemetryEnv,
    ...tlsEnv,
    ...grpcRateEnv,
    ...shutdownEnv(10_000),
  })
  .superRefine((env, ctx) => {
    checkTlsEnv(env, ctx);
    checkEventStoreEnv(env, ctx);
    if (env.CHARTER_DATAOPS_PG_SCHEMA !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['CHARTER_DATAOPS_PG_SCHEMA'],
        message: 'is no longer read: the charter reads dataops over gRPC (set CHARTER_DATAOPS_GRPC_URL and CHARTER_DATAOPS_TOKEN_FILE)',
      });
    }
    if (env.CHARTER_KPI_SCHEDULE !== undefined) {
      const parsed = parseKpiSchedule(env.CHARTER_KPI_SCHEDULE);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', path: ['CHARTER_KPI_SCHEDULE'], message: parsed.reason });
    }
    if (env.CHARTER_DATAOPS_GRPC_URL !== undefined && env.CHARTER_DATAOPS_TOKEN_FILE === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['CHARTER_DATAOPS_TOKEN_FILE'],
        message: 'is required when CHARTER_DATAOPS_GRPC_URL is set (dataops only answers an authenticated caller)',
      });
    }
  });

export interface CharterConfig {
  grpc: { host: string; port: number };
  http: { host: string; port: number };
  plantTimeZone: string;
  eventStore: EventStoreConfig;
  ledgerKeyFile: string;
  access: AccessConfig;
  ai4i: { path: string; assetPath: string } | null;
  /** dataops' gRPC API (states, counts, catalog) and the token file of the charter's service account; null: not read. */
  dataops: { grpcAddress: string; tokenFile: string } | null;
  /** KPIs measured on a schedule; null: only on request (RecordKpis). */
  kpiSchedule: { schedule: KpiSchedule; checkEveryMs: number; idealCycleTimeSeconds: number } | null;
  telemetry: TelemetryConfig;
  /** TLS files of the gRPC server, its clients and the HTTP endpoints (README "TLS"). */
  tls: TlsConfig;
  /** Per-address and per-token limits of the gRPC server (GRPC_RATE_PER_SOURCE, GRPC_RATE_PER_TOKEN). */
  grpcRateLimit: GrpcRateConfig;
  logLevel: LogLevel;
  shutdownGraceMs: number;
}

export type ConfigResult = { ok: true; config: CharterConfig } | { ok: false; message: string };

function kpiScheduleOf(e: z.infer<typeof EnvSchema>): CharterConfig['kpiSchedule'] {
  if (e.CHARTER_KPI_SCHEDULE === undefined) return null;
  const parsed = parseKpiSchedule(e.CHARTER_KPI_SCHEDULE);
  if (!parsed.ok) return null; // refused above
  return {
    schedule: { text: e.CHARTER_KPI_SCHEDULE, everyMs: parsed.everyMs, clock: e.CHARTER_KPI_CLOCK },
    checkEveryMs: e.CHARTER_KPI_CHECK_MS,
    idealCycleTimeSeconds: e.CHARTER_KPI_IDEAL_CYCLE_TIME_S,
  };
}

/** Parses the environment; on failure one message naming each bad variable. Empty strings count as unset. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): ConfigResult {
  const parsed = parseEnv(EnvSchema, env);
  if (!parsed.ok) return parsed;
  const e = parsed.data;
  return {
    ok: true,
    config: {
      grpc: { host: e.CHARTER_GRPC_HOST, port: e.CHARTER_GRPC_PORT },
      http: { host: e.CHARTER_HTTP_HOST, port: e.CHARTER_HTTP_PORT },
      plantTimeZone: e.PLANT_TIMEZONE,
      eventStore: eventStoreConfig(e),
      ledgerKeyFile: e.LEDGER_KEY_FILE,
      access: accessConfig(e),
      ai4i: e.CHARTER_AI4I_CSV === undefined ? null : { path: e.CHARTER_AI4I_CSV, assetPath: e.CHARTER_AI4I_ASSET },
      dataops: e.CHARTER_DATAOPS_GRPC_URL === undefined ? null : { grpcAddress: e.CHARTER_DATAOPS_GRPC_URL, tokenFile: e.CHARTER_DATAOPS_TOKEN_FILE ?? '' },
      kpiSchedule: kpiScheduleOf(e),
      telemetry: telemetryConfig(e),
      tls: tlsConfig(e),
      grpcRateLimit: grpcRateConfig(e),
      logLevel: e.LOG_LEVEL,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    },
  };
}
