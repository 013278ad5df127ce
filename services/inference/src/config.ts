// Configuration of the inference process, read from the environment once (main.ts). The variables
// every service shares (event store, ledger key, access, telemetry, shutdown) come from
// @industrial/eventstore/config; the replica membership and the projection checkpoint are inference's.
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
import { DEFAULT_RATE_LIMITS, type BucketLimit, type RateLimitConfig } from './adapters/http/rate-limit.ts';
import { parseShiftChanges } from './domain/shelving.ts';

const replicaId = z.string().regex(/^[a-z0-9_-]+$/, 'must be lowercase letters, digits, "_" or "-"');
const msUpTo = (max: number) => z.coerce.number({ message: 'must be a number of ms' }).int('must be an integer number of ms').max(max, `must be ≤ ${max}`);

/** `<burst>/<per second>` (e.g. `200/100`), or `off`. */
const bucket = z
  .string()
  .regex(/^(off|[1-9][0-9]{0,6}\/[1-9][0-9]{0,6})$/, 'must be <burst>/<per second> (e.g. 200/100) or off')
  .transform((t): BucketLimit | null => (t === 'off' ? null : { burst: Number(t.split('/')[0]), perSecond: Number(t.split('/')[1]) }));

const EnvSchema = z
  .object({
    INFERENCE_GRPC_HOST: nonEmpty.default('127.0.0.1'),
    INFERENCE_GRPC_PORT: port(50055),
    INFERENCE_HTTP_HOST: nonEmpty.default('127.0.0.1'),
    INFERENCE_HTTP_PORT: port(8085),
    /** The gateway's rate limit per source address (every /api/ request) and per token; `off` for none. */
    INFERENCE_HTTP_RATE_PER_SOURCE: bucket.default(DEFAULT_RATE_LIMITS.perSource),
    INFERENCE_HTTP_RATE_PER_TOKEN: bucket.default(DEFAULT_RATE_LIMITS.perToken),
    /** Proxies in front (the HMI server): comma-separated addresses or CIDRs whose X-Forwarded-For is believed. */
    INFERENCE_HTTP_TRUST_PROXY: z
      .string()
      .regex(/^[0-9a-fA-F.:/]+(,[0-9a-fA-F.:/]+)*$/, 'must be a comma-separated list of IP addresses or CIDRs (e.g. 10.0.0.5,127.0.0.1)')
      .optional(),
    INFERENCE_REPLICA_ID: replicaId.default('inference-0'),
    INFERENCE_REPLICAS: z
      .string()
      .regex(/^[a-z0-9_-]+(,[a-z0-9_-]+)*$/, 'must be a comma-separated list of replica ids')
      .optional(),
    /** static: INFERENCE_REPLICAS (or this replica alone); nats: live heartbeats. Default nats unless INFERENCE_REPLICAS is set. */
    INFERENCE_MEMBERSHIP: z.enum(['static', 'nats'], { message: 'must be "static" or "nats"' }).optional(),
    INFERENCE_MEMBERSHIP_GROUP: z
      .string()
      .regex(/^[a-z0-9_-]{1,64}$/, 'must be lowercase letters, digits, "_" or "-"')
      .default('default'),
    INFERENCE_HEARTBEAT_MS: msUpTo(60_000).min(50, 'must be ≥ 50').default(1_000),
    INFERENCE_MEMBER_EXPIRE_MS: msUpTo(600_000).optional(),
    /** The projection checkpoint (node:sqlite file); `none`: no checkpoint, the store is read from 1 at start. */
    INFERENCE_CHECKPOINT_PATH: nonEmpty.optional(),
    INFERENCE_CHECKPOINT_EVERY_MS: msUpTo(3_600_000).min(50, 'must be ≥ 50').default(1_000),
    /** Visual inspection (#22): the content-addressed image store part images are read from; unset = not scored. */
    INFERENCE_IMAGE_STORE_DIR: nonEmpty.optional(),
    /** Shelving "until the end of the shift" (#17): the shift changes (local times) and their IANA time zone. */
    INFERENCE_SHIFT_CHANGES: z
      .string()
      .regex(/^([01]?\d|2[0-3]):[0-5]\d(,([01]?\d|2[0-3]):[0-5]\d)*$/, 'must be comma-separated times of day, e.g. 06:00,14:00,22:00')
      .default('06:00,14:00,22:00'),
    INFERENCE_SHIFT_TIME_ZONE: z
      .string()
      .refine((tz) => Intl.supportedValuesOf('timeZone').includes(tz) || tz === 'UTC', 'must be an IANA time zone, e.g. Europe/Berlin')
      .default('UTC'),
    /** Edge sites (#21): the JetStream object store bucket models are read from (`sha256/<hash>`); unset = the registered file:// artifacts. */
    INFERENCE_MODEL_STORE_BUCKET: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, "_" or "-"')
      .optional(),
    /** The JetStream domain of that bucket (the centre's, across the leaf link: hub); unset = the local one. */
    INFERENCE_MODEL_STORE_DOMAIN: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, "_" or "-"')
      .optional(),
    /** The site's cache of the models taken from the store (default ./data/models-<replica>). */
    INFERENCE_MODEL_CACHE_DIR: nonEmpty.optional(),
    /** How long a model artifact not (yet) in the store, or a store out of reach, is waited for before the load fails. */
    INFERENCE_MODEL_STORE_WAIT_MS: msUpTo(3_600_000).min(0, 'must be ≥ 0').default(60_000),
    /** Drift reference (#16): 0 = the model's training sample; N > 0 = the first N healthy rows it scores in a deployment. */
    INFERENCE_DRIFT_REFERENCE_ROWS: z.coerce
      .number({ message: 'must be a whole number of rows' })
      .int('must be a whole number of rows')
      .min(0, 'must be ≥ 0 (0: the training sample)')
      .max(1_000_000, 'must be ≤ 1000000')
      .default(0),
    NATS_URL: nonEmpty.default('127.0.0.1:4222'),
    ...eventStoreEnv,
    ...accessEnv,
    ...telemetryEnv,
    ...tlsEnv,
    ...grpcRateEnv,
    // Scoring spans are many: inference samples a tenth of the traces unless told otherwise.
    OTEL_SAMPLE_RATIO: telemetryEnv.OTEL_SAMPLE_RATIO.unwrap().default(0.1),
    ...shutdownEnv(10_000),
  })
  .superRefine((env, ctx) => {
    checkTlsEnv(env, ctx);
    checkEventStoreEnv(env, ctx);
    if (env.INFERENCE_MEMBERSHIP === 'nats' && env.INFERENCE_REPLICAS !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['INFERENCE_REPLICAS'], message: 'must be unset when INFERENCE_MEMBERSHIP=nats (the members are discovered)' });
    }
    if (env.INFERENCE_REPLICAS !== undefined && !env.INFERENCE_REPLICAS.split(',').includes(env.INFERENCE_REPLICA_ID)) {
      ctx.addIssue({ code: 'custom', path: ['INFERENCE_REPLICAS'], message: `must include INFERENCE_REPLICA_ID (${env.INFERENCE_REPLICA_ID})` });
    }
    for (const v of ['INFERENCE_MODEL_STORE_DOMAIN', 'INFERENCE_MODEL_CACHE_DIR'] as const)
      if (env[v] !== undefined && env.INFERENCE_MODEL_STORE_BUCKET === undefined)
        ctx.addIssue({ code: 'custom', path: [v], message: 'is read only with INFERENCE_MODEL_STORE_BUCKET (models from the object store)' });
    if (env.INFERENCE_MEMBER_EXPIRE_MS !== undefined && env.INFERENCE_MEMBER_EXPIRE_MS < 2 * env.INFERENCE_HEARTBEAT_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['INFERENCE_MEMBER_EXPIRE_MS'],
        message: `must be at least 2 × INFERENCE_HEARTBEAT_MS (${2 * env.INFERENCE_HEARTBEAT_MS})`,
      });
    }
  });

export type MembershipConfig = { mode: 'static'; replicas: string[] } | { mode: 'nats'; group: string; heartbeatMs: number; expireMs: number };

export interface InferenceConfig {
  grpc: { host: string; port: number };
  http: { host: string; port: number; rateLimit: RateLimitConfig | null; trustProxy: string[] };
  replicaId: string;
  replicas: string[];
  membership: MembershipConfig;
  eventStore: EventStoreConfig;
  ledgerKeyFile: string;
  access: AccessConfig;
  /** The projection checkpoint file; null: none (INFERENCE_CHECKPOINT_PATH=none). */
  checkpoint: { path: string; everyMs: number } | null;
  /** The image store of visual inspection (INFERENCE_IMAGE_STORE_DIR); null: part images are not scored. */
  imageStoreDir: string | null;
  /** Shift changes in minutes after local midnight, in `timeZone` (INFERENCE_SHIFT_CHANGES, INFERENCE_SHIFT_TIME_ZONE). */
  shifts: { changes: number[]; timeZone: string };
  /** Models from the JetStream object store (INFERENCE_MODEL_STORE_*, INFERENCE_MODEL_CACHE_DIR); null: the registered file:// artifacts. */
  modelStore: { bucket: string; domain: string | null; cacheDir: string; waitMs: number } | null;
  /** Rows of the healthy live window drift is measured against; 0: the training sample (INFERENCE_DRIFT_REFERENCE_ROWS). */
  driftReferenceRows: number;
  natsUrl: string;
  /** NATS_PREFIX and credentials (NATS_NKEY_SEED_FILE | NATS_CREDS_FILE | NATS_USER + NATS_PASSWORD_FILE). */
  nats: NatsEnvSettings;
  telemetry: TelemetryConfig;
  /** TLS files of the gRPC server, its clients and the HTTP endpoints (README "TLS"). */
  tls: TlsConfig;
  /** Per-address and per-token limits of the gRPC server (GRPC_RATE_PER_SOURCE, GRPC_RATE_PER_TOKEN). */
  grpcRateLimit: GrpcRateConfig;
  logLevel: LogLevel;
  shutdownGraceMs: number;
}

/** Both limits `off` → none; one `off` → that one unbounded in practice (a bucket no caller empties). */
function rateLimitOf(perSource: BucketLimit | null, perToken: BucketLimit | null): RateLimitConfig | null {
  if (perSource === null && perToken === null) return null;
  const unbounded: BucketLimit = { burst: Number.MAX_SAFE_INTEGER, perSecond: Number.MAX_SAFE_INTEGER };
  return { perSource: perSource ?? unbounded, perToken: perToken ?? unbounded, maxKeys: DEFAULT_RATE_LIMITS.maxKeys };
}

export type ConfigResult = { ok: true; config: InferenceConfig } | { ok: false; message: string };

/** Parses the environment; on failure one message naming each bad variable. Empty strings count as unset. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): ConfigResult {
  const parsed = parseEnv(EnvSchema, env);
  if (!parsed.ok) return parsed;
  const nats = natsEnvConfig(env);
  if (!nats.ok) return nats;
  const e = parsed.data;
  const replicas = e.INFERENCE_REPLICAS?.split(',') ?? [e.INFERENCE_REPLICA_ID];
  const mode = e.INFERENCE_MEMBERSHIP ?? (e.INFERENCE_REPLICAS === undefined ? 'nats' : 'static');
  const membership: MembershipConfig =
    mode === 'static'
      ? { mode, replicas }
      : {
          mode,
          group: e.INFERENCE_MEMBERSHIP_GROUP,
          heartbeatMs: e.INFERENCE_HEARTBEAT_MS,
          expireMs: e.INFERENCE_MEMBER_EXPIRE_MS ?? 3 * e.INFERENCE_HEARTBEAT_MS,
        };
  const checkpointPath = e.INFERENCE_CHECKPOINT_PATH ?? `./data/inference-${e.INFERENCE_REPLICA_ID}.checkpoint.db`;
  return {
    ok: true,
    config: {
      grpc: { host: e.INFERENCE_GRPC_HOST, port: e.INFERENCE_GRPC_PORT },
      http: {
        host: e.INFERENCE_HTTP_HOST,
        port: e.INFERENCE_HTTP_PORT,
        rateLimit: rateLimitOf(e.INFERENCE_HTTP_RATE_PER_SOURCE, e.INFERENCE_HTTP_RATE_PER_TOKEN),
        trustProxy: e.INFERENCE_HTTP_TRUST_PROXY?.split(',') ?? [],
      },
      replicaId: e.INFERENCE_REPLICA_ID,
      replicas,
      membership,
      eventStore: eventStoreConfig(e),
      ledgerKeyFile: e.LEDGER_KEY_FILE,
      access: accessConfig(e),
      checkpoint: checkpointPath === 'none' ? null : { path: checkpointPath, everyMs: e.INFERENCE_CHECKPOINT_EVERY_MS },
      imageStoreDir: e.INFERENCE_IMAGE_STORE_DIR ?? null,
      shifts: { changes: parseShiftChanges(e.INFERENCE_SHIFT_CHANGES), timeZone: e.INFERENCE_SHIFT_TIME_ZONE },
      modelStore:
        e.INFERENCE_MODEL_STORE_BUCKET === undefined
          ? null
          : {
              bucket: e.INFERENCE_MODEL_STORE_BUCKET,
              domain: e.INFERENCE_MODEL_STORE_DOMAIN ?? null,
              cacheDir: e.INFERENCE_MODEL_CACHE_DIR ?? `./data/models-${e.INFERENCE_REPLICA_ID}`,
              waitMs: e.INFERENCE_MODEL_STORE_WAIT_MS,
            },
      driftReferenceRows: e.INFERENCE_DRIFT_REFERENCE_ROWS,
      natsUrl: e.NATS_URL,
      nats: nats.nats,
      telemetry: telemetryConfig(e),
      tls: tlsConfig(e),
      grpcRateLimit: grpcRateConfig(e),
      logLevel: e.LOG_LEVEL,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    },
  };
}
