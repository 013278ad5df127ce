// Configuration of the standalone training process, read from the environment once (main.ts) into
// a typed object. Nothing below main.ts reads process.env.
import { z } from 'zod';

const port = (fallback: number) =>
  z.coerce.number({ message: 'must be a port number' }).int('must be an integer port').min(0, 'must be a port 0–65535').max(65535, 'must be a port 0–65535').default(fallback);
const nonEmpty = z.string().trim().min(1, 'must not be empty');

const EnvSchema = z
  .object({
    TRAINING_GRPC_HOST: nonEmpty.default('0.0.0.0'),
    TRAINING_GRPC_PORT: port(50054),
    TRAINING_HTTP_HOST: nonEmpty.default('0.0.0.0'),
    TRAINING_HTTP_PORT: port(8084),
    TRAINING_ARTIFACT_DIR: nonEmpty.default('./data/artifacts'),
    TRAINING_ARTIFACT_STORE: z.enum(['fs', 's3'], { message: 'must be "fs" or "s3"' }).default('fs'),
    TRAINING_S3_ENDPOINT: z.url({ message: 'must be an http(s) URL' }).optional(),
    TRAINING_S3_BUCKET: nonEmpty.optional(),
    SNAPSHOT_DIR: nonEmpty.default('./data/snapshots'),
    TRAINING_CONCURRENCY: z.coerce.number({ message: 'must be a number' }).int('must be an integer').min(1, 'must be ≥ 1').max(8, 'must be ≤ 8').default(1),
    TRAINING_SHUTDOWN: z.enum(['finish', 'cancel'], { message: 'must be "finish" or "cancel"' }).default('finish'),
    TRAINING_CODE_VERSION: z.string().regex(/^([0-9a-f]{7,40}|\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?)$/, 'must be a git sha or a package version').optional(),
    EVENTSTORE: z.enum(['postgres', 'sqlite'], { message: 'must be "postgres" or "sqlite"' }).default('sqlite'),
    PG_URL: z.url({ protocol: /^postgres(ql)?$/, message: 'must be a postgres:// URL' }).optional(),
    PG_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'must be a lowercase SQL identifier').default('eventstore'),
    SQLITE_PATH: nonEmpty.default('./data/events.db'),
    NATS_URL: nonEmpty.optional(),
    LEDGER_KEY_FILE: nonEmpty,
    ACCESS_KEYS_DIR: nonEmpty,
    ACCESS_ISSUER: nonEmpty.default('industrial-access'),
    ACCESS_AUDIENCE: nonEmpty.default('industrial-platform'),
    OTEL_EXPORTER: z.enum(['otlp', 'none'], { message: 'must be "otlp" or "none"' }).default('none'),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ message: 'must be an http(s) URL' }).default('http://localhost:4318'),
    OTEL_SAMPLE_RATIO: z.coerce.number({ message: 'must be a number 0–1' }).min(0, 'must be 0–1').max(1, 'must be 0–1').default(1),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { message: 'must be a pino level (info, debug, …)' }).default('info'),
    SHUTDOWN_GRACE_MS: z.coerce.number({ message: 'must be a number of ms' }).int('must be an integer').min(0, 'must be ≥ 0').default(60_000),
  })
  .superRefine((env, ctx) => {
    if (env.EVENTSTORE === 'postgres' && env.PG_URL === undefined) ctx.addIssue({ code: 'custom', path: ['PG_URL'], message: 'is required when EVENTSTORE=postgres' });
    if (env.TRAINING_ARTIFACT_STORE === 's3' && (env.TRAINING_S3_ENDPOINT === undefined || env.TRAINING_S3_BUCKET === undefined))
      ctx.addIssue({ code: 'custom', path: ['TRAINING_S3_BUCKET'], message: 'TRAINING_S3_ENDPOINT and TRAINING_S3_BUCKET are required when TRAINING_ARTIFACT_STORE=s3' });
  });

export interface TrainingConfig {
  grpc: { host: string; port: number };
  http: { host: string; port: number };
  artifacts: { kind: 'fs'; dir: string } | { kind: 's3'; endpoint: string; bucket: string };
  snapshotDir: string;
  concurrency: number;
  shutdownMode: 'finish' | 'cancel';
  /** null: main.ts asks git, then falls back to the package version. */
  codeVersion: string | null;
  eventStore: { kind: 'postgres'; url: string; schema: string } | { kind: 'sqlite'; path: string };
  natsUrl: string | null;
  ledgerKeyFile: string;
  access: { keysDir: string; issuer: string; audience: string };
  telemetry: { exporter: 'otlp' | 'none'; otlpEndpoint: string; sampleRatio: number };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  shutdownGraceMs: number;
}

export type ConfigResult = { ok: true; config: TrainingConfig } | { ok: false; message: string };

/** Parses the environment; on failure one message naming each bad variable. Empty strings count as unset. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): ConfigResult {
  const cleaned: Record<string, string> = {};
  for (const key of Object.keys(EnvSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') cleaned[key] = v;
  }
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const name = String(i.path[0] ?? 'environment');
      const got = cleaned[name];
      const message = i.code === 'invalid_type' && got === undefined ? 'is required' : i.message;
      return `${name} ${message}${got === undefined ? '' : ` (got ${JSON.stringify(got)})`}`;
    });
    return { ok: false, message: `invalid configuration: ${problems.join('; ')}` };
  }
  const e = parsed.data;
  return {
    ok: true,
    config: {
      grpc: { host: e.TRAINING_GRPC_HOST, port: e.TRAINING_GRPC_PORT },
      http: { host: e.TRAINING_HTTP_HOST, port: e.TRAINING_HTTP_PORT },
      artifacts: e.TRAINING_ARTIFACT_STORE === 's3' ? { kind: 's3', endpoint: e.TRAINING_S3_ENDPOINT ?? '', bucket: e.TRAINING_S3_BUCKET ?? '' } : { kind: 'fs', dir: e.TRAINING_ARTIFACT_DIR },
      snapshotDir: e.SNAPSHOT_DIR,
      concurrency: e.TRAINING_CONCURRENCY,
      shutdownMode: e.TRAINING_SHUTDOWN,
      codeVersion: e.TRAINING_CODE_VERSION ?? null,
      eventStore: e.EVENTSTORE === 'postgres' ? { kind: 'postgres', url: e.PG_URL ?? '', schema: e.PG_SCHEMA } : { kind: 'sqlite', path: e.SQLITE_PATH },
      natsUrl: e.NATS_URL ?? null,
      ledgerKeyFile: e.LEDGER_KEY_FILE,
      access: { keysDir: e.ACCESS_KEYS_DIR, issuer: e.ACCESS_ISSUER, audience: e.ACCESS_AUDIENCE },
      telemetry: { exporter: e.OTEL_EXPORTER, otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT, sampleRatio: e.OTEL_SAMPLE_RATIO },
      logLevel: e.LOG_LEVEL,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    },
  };
}
