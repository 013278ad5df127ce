// Configuration of the dataops process, read from the environment once (main.ts) into a typed
// object. A bad value yields one message naming the variable; nothing below reads process.env.
import { z } from 'zod';
import { DEFAULT_CONFIG, type DataopsConfig } from './app.ts';

const nonEmpty = z.string().trim().min(1, 'must not be empty');
const positiveInt = (fallback: number) => z.coerce.number({ message: 'must be a number' }).int('must be an integer').min(0, 'must be ≥ 0').default(fallback);

const EnvSchema = z
  .object({
    NATS_URL: nonEmpty.default('127.0.0.1:4222'),
    DATAOPS_GRPC_HOST: nonEmpty.default('0.0.0.0'),
    DATAOPS_GRPC_PORT: z.coerce.number({ message: 'must be a number' }).int('must be an integer').min(0).max(65535, 'must be a TCP port').default(50053),
    DATAOPS_STORE: z.enum(['postgres', 'sqlite'], { message: 'must be "postgres" or "sqlite"' }).default('sqlite'),
    PG_URL: z.url({ protocol: /^postgres(ql)?$/, message: 'must be a postgres:// URL' }).optional(),
    DATAOPS_PG_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'must be a lowercase SQL identifier').default('dataops'),
    EVENTSTORE_PG_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'must be a lowercase SQL identifier').default('eventstore'),
    DATAOPS_SQLITE_PATH: nonEmpty.default('./data/dataops.db'),
    EVENTSTORE_SQLITE_PATH: nonEmpty.default('./data/events.db'),
    LEDGER_KEY_FILE: nonEmpty,
    ACCESS_KEYS_DIR: nonEmpty,
    DATAOPS_REFINED_INTERVAL_MS: positiveInt(1000),
    DATAOPS_RAW_RETENTION_DAYS: positiveInt(30),
    DATAOPS_RETENTION_EVERY_MS: positiveInt(3_600_000),
    DATAOPS_SNAPSHOT_DIR: nonEmpty.default('./data/snapshots'),
    DATAOPS_CONSUMERS: positiveInt(8),
    DATAOPS_FLATLINE_WINDOW_MS: positiveInt(600_000),
    /** Shortest silence / lateness (plant time) that can become a stale issue; also the default clear window. */
    DATAOPS_QUALITY_MIN_WINDOW_MS: positiveInt(60_000),
    /** Sources send a value only when it changed (OPC UA subscriptions): a silent tag is not missing. */
    DATAOPS_REPORT_BY_EXCEPTION: z.enum(['true', 'false'], { message: 'must be "true" or "false"' }).default('true'),
    CODE_VERSION: nonEmpty.default('0.0.0-dev'),
    SHUTDOWN_GRACE_MS: positiveInt(10_000),
  })
  .superRefine((env, ctx) => {
    if (env.DATAOPS_STORE === 'postgres' && env.PG_URL === undefined) ctx.addIssue({ code: 'custom', path: ['PG_URL'], message: 'is required when DATAOPS_STORE=postgres' });
    if (env.DATAOPS_REFINED_INTERVAL_MS < 1) ctx.addIssue({ code: 'custom', path: ['DATAOPS_REFINED_INTERVAL_MS'], message: 'must be ≥ 1' });
  });

export interface DataopsProcessConfig {
  natsUrl: string;
  grpc: { host: string; port: number };
  storage: { kind: 'postgres'; url: string; schema: string; eventSchema: string } | { kind: 'sqlite'; path: string; eventPath: string };
  refinedIntervalMs: number;
  ledgerKeyFile: string;
  accessKeysDir: string;
  shutdownGraceMs: number;
  app: DataopsConfig;
}

export type ConfigResult = { ok: true; config: DataopsProcessConfig } | { ok: false; message: string };

export function loadConfig(env: Readonly<Record<string, string | undefined>>): ConfigResult {
  const cleaned: Record<string, string> = {};
  for (const key of Object.keys(EnvSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') cleaned[key] = v;
  }
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const message = parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'} ${i.message}`).join('; ');
    return { ok: false, message: `invalid configuration: ${message}` };
  }
  const e = parsed.data;
  return {
    ok: true,
    config: {
      natsUrl: e.NATS_URL,
      grpc: { host: e.DATAOPS_GRPC_HOST, port: e.DATAOPS_GRPC_PORT },
      storage:
        e.DATAOPS_STORE === 'postgres'
          ? { kind: 'postgres', url: e.PG_URL as string, schema: e.DATAOPS_PG_SCHEMA, eventSchema: e.EVENTSTORE_PG_SCHEMA }
          : { kind: 'sqlite', path: e.DATAOPS_SQLITE_PATH, eventPath: e.EVENTSTORE_SQLITE_PATH },
      refinedIntervalMs: e.DATAOPS_REFINED_INTERVAL_MS,
      ledgerKeyFile: e.LEDGER_KEY_FILE,
      accessKeysDir: e.ACCESS_KEYS_DIR,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
      app: {
        ...DEFAULT_CONFIG,
        uns: { ...DEFAULT_CONFIG.uns, concurrency: Math.max(1, e.DATAOPS_CONSUMERS) },
        quality: { flatlineWindowMs: e.DATAOPS_FLATLINE_WINDOW_MS, minWindowMs: e.DATAOPS_QUALITY_MIN_WINDOW_MS, reportByException: e.DATAOPS_REPORT_BY_EXCEPTION === 'true' },
        rawRetentionMs: e.DATAOPS_RAW_RETENTION_DAYS * 86_400_000,
        retentionEveryMs: e.DATAOPS_RETENTION_EVERY_MS,
        snapshotDir: e.DATAOPS_SNAPSHOT_DIR,
        codeVersion: e.CODE_VERSION,
      },
    },
  };
}
