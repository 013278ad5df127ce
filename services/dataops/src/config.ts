// Configuration of dataops: the app's settings with their defaults (DataopsConfig, DEFAULT_CONFIG:
// what a launcher embedding the app overrides), and the process's, read from the environment once
// (main.ts) into a typed object. A bad value yields one message naming the variable; nothing below
// reads process.env. The variables every service shares come from @industrial/eventstore/config:
// EVENTSTORE, PG_URL, PG_SCHEMA, SQLITE_PATH, LEDGER_KEY_FILE, ACCESS_*, OTEL_*, LOG_LEVEL and
// SHUTDOWN_GRACE_MS. Before, dataops
// had names of its own, still read as deprecated aliases (a warning at start):
//   EVENTSTORE_PG_SCHEMA → PG_SCHEMA, EVENTSTORE_SQLITE_PATH → SQLITE_PATH,
// and EVENTSTORE, when unset, follows DATAOPS_STORE (which picked both stores before).
import { z } from 'zod';
import { natsEnvConfig, type NatsEnvSettings } from '@industrial/bus';
import { UNS_PREFIX, UNS_STREAM } from '@industrial/contracts';
import {
  accessConfig,
  accessEnv,
  eventStoreConfig,
  eventStoreEnv,
  nonEmpty,
  parseEnv,
  shutdownEnv,
  sqlIdentifier,
  storeKind,
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
import type { AdaptiveLimitsConfig, QualityRules } from './domain/quality.ts';

export interface DataopsConfig {
  /**
   * UNS consumers. `concurrency` handlers run at once; batches they receive within `lingerMs` are
   * written in one transaction (group commit) and acknowledged after it commits. `prefetch` is
   * the messages buffered per consumer.
   */
  uns: {
    stream: string;
    subjects: string[];
    durable: string;
    filterSubject: string;
    concurrency: number;
    ensureStream: boolean;
    lingerMs?: number;
    prefetch?: number;
  };
  /** Integration events (FaultLabelled, OutcomeRecorded, ProblemReported, TagMapped); null disables the consumer. */
  events: { stream: string; durable: string; filterSubject: string } | null;
  quality: Partial<QualityRules>;
  /** Adaptive (rolling) limits rules per tag (DATAOPS_QUALITY_ADAPTIVE); absent: none. */
  qualityAdaptive?: AdaptiveLimitsConfig[];
  /** Raw samples older than this (plant time) are dropped; their statistics stay in the 1-minute rollup. */
  rawRetentionMs: number;
  /** How often retention runs; 0 = only when called. */
  retentionEveryMs: number;
  snapshotDir: string;
  codeVersion: string;
  access: { issuer: string; audience: string };
  /** Size limits of one CSV import: past one, RESOURCE_EXHAUSTED naming it and nothing written. Default DEFAULT_CONFIG's. */
  importLimits?: { maxBytes: number; maxRows: number };
  /** Visual inspection (#22): the content-addressed image store; operator verdicts on its images become labels. Absent/null: none. */
  imageStoreDir?: string | null;
}

export const DEFAULT_CONFIG: DataopsConfig = {
  uns: {
    stream: UNS_STREAM.name,
    subjects: [...UNS_STREAM.subjects],
    durable: 'dataops-historian',
    filterSubject: `${UNS_PREFIX}.>`,
    concurrency: 8,
    ensureStream: true,
    lingerMs: 3,
    prefetch: 16,
  },
  events: { stream: 'EVENTS', durable: 'dataops-events', filterSubject: 'evt.v1.>' },
  quality: {},
  rawRetentionMs: 30 * 86_400_000,
  retentionEveryMs: 0,
  snapshotDir: './data/snapshots',
  codeVersion: '0.0.0-dev',
  access: { issuer: 'industrial-access', audience: 'industrial-platform' },
  importLimits: { maxBytes: 64 * 1024 * 1024, maxRows: 2_000_000 },
};

/** Deprecated name → the shared name that replaced it. */
export const DEPRECATED_ALIASES = { EVENTSTORE_PG_SCHEMA: 'PG_SCHEMA', EVENTSTORE_SQLITE_PATH: 'SQLITE_PATH' } as const;
const positiveInt = (fallback: number) => z.coerce.number({ message: 'must be a number' }).int('must be an integer').min(0, 'must be ≥ 0').default(fallback);

const adaptiveRule = z.strictObject({
  tag: z.string().min(1, 'tag: name the tag'),
  assetPath: z.string().min(1).optional(),
  windowMs: z.number().int().positive('windowMs: must be > 0 ms'),
  k: z.number().positive('k: must be > 0 (standard deviations)'),
  minPoints: z.number().int().min(2, 'minPoints: at least 2').optional(),
  raiseAfterMs: z.number().int().min(0).optional(),
  clearAfterMs: z.number().int().min(0).optional(),
});
/** JSON list of adaptive-limits rules; a bad document names the rule and field. */
const adaptiveRulesEnv = z
  .string()
  .optional()
  .transform((text, ctx): AdaptiveLimitsConfig[] => {
    if (text === undefined || text.trim() === '') return [];
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: `is not JSON: ${e instanceof Error ? e.message : String(e)}` });
      return z.NEVER;
    }
    const r = z.array(adaptiveRule).safeParse(doc);
    if (!r.success) {
      const i = r.error.issues[0];
      ctx.addIssue({ code: 'custom', message: `rule ${i?.path.join('.') ?? ''}: ${i?.message ?? 'invalid'}` });
      return z.NEVER;
    }
    return r.data.map((x) => Object.fromEntries(Object.entries(x).filter(([, v]) => v !== undefined)) as unknown as AdaptiveLimitsConfig);
  });

const EnvSchema = z
  .object({
    NATS_URL: nonEmpty.default('127.0.0.1:4222'),
    DATAOPS_GRPC_HOST: nonEmpty.default('127.0.0.1'),
    DATAOPS_GRPC_PORT: z.coerce.number({ message: 'must be a number' }).int('must be an integer').min(0).max(65535, 'must be a TCP port').default(50053),
    // Health probes (GET /healthz, /readyz): served only when DATAOPS_HTTP_PORT is set.
    DATAOPS_HTTP_HOST: nonEmpty.default('127.0.0.1'),
    DATAOPS_HTTP_PORT: z.coerce.number({ message: 'must be a number' }).int('must be an integer').min(0).max(65535, 'must be a TCP port').optional(),
    /** Historian and metadata storage; also the event store's kind when EVENTSTORE is unset. */
    DATAOPS_STORE: storeKind.default('sqlite'),
    DATAOPS_PG_SCHEMA: sqlIdentifier.default('dataops'),
    DATAOPS_SQLITE_PATH: nonEmpty.default('./data/dataops.db'),
    ...eventStoreEnv,
    /** No default here: unset follows DATAOPS_STORE. */
    EVENTSTORE: storeKind.optional(),
    ...accessEnv,
    ...telemetryEnv,
    ...tlsEnv,
    ...grpcRateEnv,
    DATAOPS_REFINED_INTERVAL_MS: positiveInt(1000),
    DATAOPS_RAW_RETENTION_DAYS: positiveInt(30),
    DATAOPS_RETENTION_EVERY_MS: positiveInt(3_600_000),
    DATAOPS_SNAPSHOT_DIR: nonEmpty.default('./data/snapshots'),
    DATAOPS_IMAGE_STORE_DIR: nonEmpty.optional(),
    /** Size limits of one CSV import (bytes of the file, data rows). */
    DATAOPS_IMPORT_MAX_BYTES: positiveInt(64 * 1024 * 1024),
    DATAOPS_IMPORT_MAX_ROWS: positiveInt(2_000_000),
    DATAOPS_CONSUMERS: positiveInt(8),
    DATAOPS_FLATLINE_WINDOW_MS: positiveInt(600_000),
    /** Shortest silence / lateness (plant time) that can become a stale issue; also the default clear window. */
    DATAOPS_QUALITY_MIN_WINDOW_MS: positiveInt(60_000),
    /** Sources send a value only when it changed (OPC UA subscriptions): a silent tag is not missing. */
    DATAOPS_REPORT_BY_EXCEPTION: z.enum(['true', 'false'], { message: 'must be "true" or "false"' }).default('true'),
    /** Adaptive (rolling) limits per tag, as JSON: [{"tag":"pressure","assetPath":"acme.plant-1","windowMs":86400000,"k":4,…}]. */
    DATAOPS_QUALITY_ADAPTIVE: adaptiveRulesEnv,
    CODE_VERSION: nonEmpty.default('0.0.0-dev'),
    ...shutdownEnv(10_000),
  })
  .superRefine((env, ctx) => {
    checkTlsEnv(env, ctx);
    if (env.PG_URL === undefined) {
      const needs = [env.DATAOPS_STORE === 'postgres' ? 'DATAOPS_STORE=postgres' : null, env.EVENTSTORE === 'postgres' ? 'EVENTSTORE=postgres' : null].filter(
        (x) => x !== null,
      );
      if (needs.length > 0) ctx.addIssue({ code: 'custom', path: ['PG_URL'], message: `is required when ${needs.join(' or ')}` });
    }
    if (env.DATAOPS_REFINED_INTERVAL_MS < 1) ctx.addIssue({ code: 'custom', path: ['DATAOPS_REFINED_INTERVAL_MS'], message: 'must be ≥ 1' });
  });

export interface DataopsProcessConfig {
  natsUrl: string;
  /** NATS_PREFIX and credentials (NATS_NKEY_SEED_FILE | NATS_CREDS_FILE | NATS_USER + NATS_PASSWORD_FILE). */
  nats: NatsEnvSettings;
  grpc: { host: string; port: number };
  /** Health probes; null: none (DATAOPS_HTTP_PORT unset). */
  http: { host: string; port: number } | null;
  /** Historian and metadata storage (DATAOPS_STORE). */
  storage: { kind: 'postgres'; url: string; schema: string } | { kind: 'sqlite'; path: string };
  /** The shared event store (EVENTSTORE, or DATAOPS_STORE when unset). */
  eventStore: EventStoreConfig;
  refinedIntervalMs: number;
  ledgerKeyFile: string;
  access: AccessConfig;
  telemetry: TelemetryConfig;
  /** TLS files of the gRPC server, its clients and the HTTP endpoints (README "TLS"). */
  tls: TlsConfig;
  /** Per-address and per-token limits of the gRPC server (GRPC_RATE_PER_SOURCE, GRPC_RATE_PER_TOKEN). */
  grpcRateLimit: GrpcRateConfig;
  logLevel: LogLevel;
  shutdownGraceMs: number;
  app: DataopsConfig;
}

/** warnings: deprecated variables still in use (main prints them). */
export type ConfigResult = { ok: true; config: DataopsProcessConfig; warnings: string[] } | { ok: false; message: string };

export function loadConfig(env: Readonly<Record<string, string | undefined>>): ConfigResult {
  const parsed = parseEnv(EnvSchema, env, { aliases: DEPRECATED_ALIASES });
  if (!parsed.ok) return parsed;
  const nats = natsEnvConfig(env);
  if (!nats.ok) return nats;
  const e = parsed.data;
  return {
    ok: true,
    warnings: parsed.warnings,
    config: {
      natsUrl: e.NATS_URL,
      nats: nats.nats,
      grpc: { host: e.DATAOPS_GRPC_HOST, port: e.DATAOPS_GRPC_PORT },
      http: e.DATAOPS_HTTP_PORT === undefined ? null : { host: e.DATAOPS_HTTP_HOST, port: e.DATAOPS_HTTP_PORT },
      storage:
        e.DATAOPS_STORE === 'postgres'
          ? { kind: 'postgres', url: e.PG_URL ?? '', schema: e.DATAOPS_PG_SCHEMA }
          : { kind: 'sqlite', path: e.DATAOPS_SQLITE_PATH },
      eventStore: eventStoreConfig({ ...e, EVENTSTORE: e.EVENTSTORE ?? e.DATAOPS_STORE }),
      refinedIntervalMs: e.DATAOPS_REFINED_INTERVAL_MS,
      ledgerKeyFile: e.LEDGER_KEY_FILE,
      access: accessConfig(e),
      telemetry: telemetryConfig(e),
      tls: tlsConfig(e),
      grpcRateLimit: grpcRateConfig(e),
      logLevel: e.LOG_LEVEL,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
      app: {
        ...DEFAULT_CONFIG,
        uns: { ...DEFAULT_CONFIG.uns, concurrency: Math.max(1, e.DATAOPS_CONSUMERS) },
        quality: {
          flatlineWindowMs: e.DATAOPS_FLATLINE_WINDOW_MS,
          minWindowMs: e.DATAOPS_QUALITY_MIN_WINDOW_MS,
          reportByException: e.DATAOPS_REPORT_BY_EXCEPTION === 'true',
        },
        qualityAdaptive: e.DATAOPS_QUALITY_ADAPTIVE,
        rawRetentionMs: e.DATAOPS_RAW_RETENTION_DAYS * 86_400_000,
        retentionEveryMs: e.DATAOPS_RETENTION_EVERY_MS,
        snapshotDir: e.DATAOPS_SNAPSHOT_DIR,
        imageStoreDir: e.DATAOPS_IMAGE_STORE_DIR ?? null,
        importLimits: { maxBytes: e.DATAOPS_IMPORT_MAX_BYTES, maxRows: e.DATAOPS_IMPORT_MAX_ROWS },
        codeVersion: e.CODE_VERSION,
        access: { issuer: e.ACCESS_ISSUER, audience: e.ACCESS_AUDIENCE },
      },
    },
  };
}
