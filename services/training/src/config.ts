// Configuration of the standalone training process, read from the environment once (main.ts) into
// a typed object. Nothing below main.ts reads process.env. The variables every service shares
// (event store, ledger key, access, telemetry) come from @industrial/eventstore/config.
import { z } from 'zod';
import { natsEnvConfig, type NatsEnvSettings } from '@industrial/bus';
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
import { TrainingError } from './domain/errors.ts';
import { DEFAULT_SCHEDULE, parseSchedule } from './domain/schedule.ts';

const EnvSchema = z
  .object({
    TRAINING_GRPC_HOST: nonEmpty.default('127.0.0.1'),
    TRAINING_GRPC_PORT: port(50054),
    TRAINING_HTTP_HOST: nonEmpty.default('127.0.0.1'),
    TRAINING_HTTP_PORT: port(8084),
    TRAINING_ARTIFACT_DIR: nonEmpty.default('./data/artifacts'),
    TRAINING_ARTIFACT_STORE: z.enum(['fs', 's3'], { message: 'must be "fs" or "s3"' }).default('fs'),
    TRAINING_S3_ENDPOINT: z.url({ message: 'must be an http(s) URL' }).optional(),
    TRAINING_S3_BUCKET: nonEmpty.optional(),
    SNAPSHOT_DIR: nonEmpty.default('./data/snapshots'),
    TRAINING_CONCURRENCY: z.coerce.number({ message: 'must be a number' }).int('must be an integer').min(1, 'must be ≥ 1').max(8, 'must be ≤ 8').default(1),
    TRAINING_SHUTDOWN: z.enum(['finish', 'cancel'], { message: 'must be "finish" or "cancel"' }).default('finish'),
    TRAINING_CODE_VERSION: z
      .string()
      .regex(/^([0-9a-f]{7,40}|\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?)$/, 'must be a git sha or a package version')
      .optional(),
    ...eventStoreEnv,
    NATS_URL: nonEmpty.optional(),
    TRAINING_GOVERNANCE_ADDRESS: z
      .string()
      .regex(
        /^[A-Za-z0-9.-]+:\d{1,5}$/,
        "must be host:port of governance's gRPC server (training registers models there: governance is the model stream's one writer)",
      ),
    TRAINING_GOVERNANCE_TOKEN_FILE: nonEmpty.optional(),
    // Retraining on fresh data (#16): dataops' gRPC API for the fresh snapshots, the plant's time
    // zone, schedules per use case ("<use case id>=weekly mon 06:00;<id>=off"), the rolling window
    // and the fresh-data minimums.
    TRAINING_DATAOPS_ADDRESS: z
      .string()
      .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, "must be host:port of dataops' gRPC server (fresh snapshots for retrainings)")
      .optional(),
    TRAINING_DATAOPS_TOKEN_FILE: nonEmpty.optional(),
    PLANT_TIMEZONE: nonEmpty.default('UTC'),
    TRAINING_RETRAINING_SCHEDULE: nonEmpty.default(DEFAULT_SCHEDULE),
    TRAINING_RETRAINING_SCHEDULES: z.string().default(''),
    TRAINING_RETRAINING_WINDOW_DAYS: z.coerce.number({ message: 'must be a number' }).positive('must be > 0').max(366, 'must be ≤ 366').default(7),
    TRAINING_RETRAINING_MIN_ROWS: z.coerce.number({ message: 'must be a number' }).int('must be an integer').min(1, 'must be ≥ 1').default(200),
    TRAINING_RETRAINING_MIN_POSITIVES: z.coerce.number({ message: 'must be a number' }).int('must be an integer').min(0, 'must be ≥ 0').default(5),
    ...accessEnv,
    ...telemetryEnv,
    ...tlsEnv,
    ...grpcRateEnv,
    ...shutdownEnv(60_000),
  })
  .superRefine((env, ctx) => {
    checkTlsEnv(env, ctx);
    const schedule = (variable: string, text: string) => {
      try {
        parseSchedule(text, env.PLANT_TIMEZONE, variable, 'PLANT_TIMEZONE');
      } catch (e) {
        const field = e instanceof TrainingError ? e.field : variable;
        ctx.addIssue({ code: 'custom', path: [field.split('.')[0] ?? variable], message: e instanceof Error ? e.message : String(e) });
      }
    };
    schedule('TRAINING_RETRAINING_SCHEDULE', env.TRAINING_RETRAINING_SCHEDULE);
    for (const [u, text] of Object.entries(schedulesOf(env.TRAINING_RETRAINING_SCHEDULES))) {
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(u))
        ctx.addIssue({
          code: 'custom',
          path: ['TRAINING_RETRAINING_SCHEDULES'],
          message: `"${u}" is not a use case id (expected "<use case id>=<schedule>;…")`,
        });
      else schedule('TRAINING_RETRAINING_SCHEDULES', text);
    }
    checkEventStoreEnv(env, ctx);
    if (env.TRAINING_ARTIFACT_STORE === 's3' && (env.TRAINING_S3_ENDPOINT === undefined || env.TRAINING_S3_BUCKET === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['TRAINING_S3_BUCKET'],
        message: 'TRAINING_S3_ENDPOINT and TRAINING_S3_BUCKET are required when TRAINING_ARTIFACT_STORE=s3',
      });
    if (env.TRAINING_GOVERNANCE_TOKEN_FILE === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['TRAINING_GOVERNANCE_TOKEN_FILE'],
        message:
          'is required with TRAINING_GOVERNANCE_ADDRESS (a file holding a service-account token with model.register and model.propose_shadow: role service)',
      });
  });

/** "<use case id>=<schedule>;<id>=<schedule>" → by use case id. */
export function schedulesOf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(';')) {
    if (part.trim() === '') continue;
    const i = part.indexOf('=');
    out[(i < 0 ? part : part.slice(0, i)).trim()] = i < 0 ? '' : part.slice(i + 1).trim();
  }
  return out;
}

export interface TrainingConfig {
  grpc: { host: string; port: number };
  http: { host: string; port: number };
  artifacts: { kind: 'fs'; dir: string } | { kind: 's3'; endpoint: string; bucket: string };
  snapshotDir: string;
  concurrency: number;
  shutdownMode: 'finish' | 'cancel';
  /** null: main.ts asks git, then falls back to the package version. */
  codeVersion: string | null;
  eventStore: EventStoreConfig;
  natsUrl: string | null;
  /** NATS_PREFIX and credentials (NATS_NKEY_SEED_FILE | NATS_CREDS_FILE | NATS_USER + NATS_PASSWORD_FILE). */
  nats: NatsEnvSettings;
  /** Governance's model registry over gRPC: the training process registers every model version there. */
  governance: { address: string; tokenFile: string };
  /** dataops' gRPC API for the fresh snapshots of retrainings (null: retrainings are refused at the snapshot step); its token file (default: governance's). */
  dataops: { address: string; tokenFile: string } | null;
  /** Retraining on fresh data: plant time zone, schedules, rolling window, fresh-data minimums. */
  retraining: {
    timeZone: string;
    defaultSchedule: string;
    schedules: Record<string, string>;
    limits: { windowDays: number; minRows: number; minPositives: number };
  };
  ledgerKeyFile: string;
  access: AccessConfig;
  telemetry: TelemetryConfig;
  /** TLS files of the gRPC server, its clients and the HTTP endpoints (README "TLS"). */
  tls: TlsConfig;
  /** Per-address and per-token limits of the gRPC server (GRPC_RATE_PER_SOURCE, GRPC_RATE_PER_TOKEN). */
  grpcRateLimit: GrpcRateConfig;
  logLevel: LogLevel;
  shutdownGraceMs: number;
}

export type ConfigResult = { ok: true; config: TrainingConfig } | { ok: false; message: string };

/** Parses the environment; on failure one message naming each bad variable. Empty strings count as unset. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): ConfigResult {
  const parsed = parseEnv(EnvSchema, env);
  if (!parsed.ok) return parsed;
  const nats = natsEnvConfig(env);
  if (!nats.ok) return nats;
  const e = parsed.data;
  return {
    ok: true,
    config: {
      grpc: { host: e.TRAINING_GRPC_HOST, port: e.TRAINING_GRPC_PORT },
      http: { host: e.TRAINING_HTTP_HOST, port: e.TRAINING_HTTP_PORT },
      artifacts:
        e.TRAINING_ARTIFACT_STORE === 's3'
          ? { kind: 's3', endpoint: e.TRAINING_S3_ENDPOINT ?? '', bucket: e.TRAINING_S3_BUCKET ?? '' }
          : { kind: 'fs', dir: e.TRAINING_ARTIFACT_DIR },
      snapshotDir: e.SNAPSHOT_DIR,
      concurrency: e.TRAINING_CONCURRENCY,
      shutdownMode: e.TRAINING_SHUTDOWN,
      codeVersion: e.TRAINING_CODE_VERSION ?? null,
      eventStore: eventStoreConfig(e),
      natsUrl: e.NATS_URL ?? null,
      nats: nats.nats,
      governance: { address: e.TRAINING_GOVERNANCE_ADDRESS, tokenFile: e.TRAINING_GOVERNANCE_TOKEN_FILE ?? '' },
      dataops:
        e.TRAINING_DATAOPS_ADDRESS === undefined
          ? null
          : { address: e.TRAINING_DATAOPS_ADDRESS, tokenFile: e.TRAINING_DATAOPS_TOKEN_FILE ?? e.TRAINING_GOVERNANCE_TOKEN_FILE ?? '' },
      retraining: {
        timeZone: e.PLANT_TIMEZONE,
        defaultSchedule: e.TRAINING_RETRAINING_SCHEDULE,
        schedules: schedulesOf(e.TRAINING_RETRAINING_SCHEDULES),
        limits: { windowDays: e.TRAINING_RETRAINING_WINDOW_DAYS, minRows: e.TRAINING_RETRAINING_MIN_ROWS, minPositives: e.TRAINING_RETRAINING_MIN_POSITIVES },
      },
      ledgerKeyFile: e.LEDGER_KEY_FILE,
      access: accessConfig(e),
      telemetry: telemetryConfig(e),
      tls: tlsConfig(e),
      grpcRateLimit: grpcRateConfig(e),
      logLevel: e.LOG_LEVEL,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    },
  };
}
