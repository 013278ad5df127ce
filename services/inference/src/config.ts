// Configuration of the standalone inference process, read from the environment once (main.ts).
import { z } from 'zod';

const port = (fallback: number) => z.coerce.number({ message: 'must be a port number' }).int('must be an integer port').min(0, 'must be a port 0–65535').max(65535, 'must be a port 0–65535').default(fallback);
const nonEmpty = z.string().trim().min(1, 'must not be empty');

const EnvSchema = z.object({
  INFERENCE_GRPC_HOST: nonEmpty.default('0.0.0.0'),
  INFERENCE_GRPC_PORT: port(50055),
  INFERENCE_HTTP_HOST: nonEmpty.default('0.0.0.0'),
  INFERENCE_HTTP_PORT: port(8085),
  INFERENCE_REPLICA_ID: z.string().regex(/^[a-z0-9_-]+$/, 'must be lowercase letters, digits, "_" or "-"').default('inference-0'),
  INFERENCE_REPLICAS: z.string().regex(/^[a-z0-9_-]+(,[a-z0-9_-]+)*$/, 'must be a comma-separated list of replica ids').optional(),
  /** static: INFERENCE_REPLICAS (or this replica alone); nats: live heartbeats. Default nats unless INFERENCE_REPLICAS is set. */
  INFERENCE_MEMBERSHIP: z.enum(['static', 'nats'], { message: 'must be "static" or "nats"' }).optional(),
  INFERENCE_MEMBERSHIP_GROUP: z.string().regex(/^[a-z0-9_-]{1,64}$/, 'must be lowercase letters, digits, "_" or "-"').default('default'),
  INFERENCE_HEARTBEAT_MS: z.coerce.number({ message: 'must be a number of ms' }).int('must be an integer number of ms').min(50, 'must be ≥ 50').max(60_000, 'must be ≤ 60000').default(1_000),
  INFERENCE_MEMBER_EXPIRE_MS: z.coerce.number({ message: 'must be a number of ms' }).int('must be an integer number of ms').max(600_000, 'must be ≤ 600000').optional(),
  NATS_URL: nonEmpty.default('127.0.0.1:4222'),
  EVENTSTORE: z.enum(['postgres', 'sqlite'], { message: 'must be "postgres" or "sqlite"' }).default('sqlite'),
  PG_URL: z.url({ protocol: /^postgres(ql)?$/, message: 'must be a postgres:// URL' }).optional(),
  PG_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'must be a lowercase SQL identifier').default('eventstore'),
  SQLITE_PATH: nonEmpty.default('./data/events.db'),
  LEDGER_KEY_FILE: nonEmpty,
  ACCESS_KEYS_DIR: nonEmpty,
  ACCESS_ISSUER: nonEmpty.default('industrial-access'),
  ACCESS_AUDIENCE: nonEmpty.default('industrial-platform'),
  OTEL_EXPORTER: z.enum(['otlp', 'none'], { message: 'must be "otlp" or "none"' }).default('none'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ message: 'must be an http(s) URL' }).default('http://localhost:4318'),
  OTEL_SAMPLE_RATIO: z.coerce.number({ message: 'must be a number 0–1' }).min(0, 'must be 0–1').max(1, 'must be 0–1').default(0.1),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { message: 'must be a pino level' }).default('info'),
  SHUTDOWN_GRACE_MS: z.coerce.number({ message: 'must be a number of ms' }).int().min(0, 'must be ≥ 0').default(10_000),
}).superRefine((env, ctx) => {
  if (env.EVENTSTORE === 'postgres' && env.PG_URL === undefined) ctx.addIssue({ code: 'custom', path: ['PG_URL'], message: 'is required when EVENTSTORE=postgres' });
  if (env.INFERENCE_MEMBERSHIP === 'nats' && env.INFERENCE_REPLICAS !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['INFERENCE_REPLICAS'], message: 'must be unset when INFERENCE_MEMBERSHIP=nats (the members are discovered)' });
  }
  if (env.INFERENCE_REPLICAS !== undefined && !env.INFERENCE_REPLICAS.split(',').includes(env.INFERENCE_REPLICA_ID)) {
    ctx.addIssue({ code: 'custom', path: ['INFERENCE_REPLICAS'], message: `must include INFERENCE_REPLICA_ID (${env.INFERENCE_REPLICA_ID})` });
  }
  if (env.INFERENCE_MEMBER_EXPIRE_MS !== undefined && env.INFERENCE_MEMBER_EXPIRE_MS < 2 * env.INFERENCE_HEARTBEAT_MS) {
    ctx.addIssue({ code: 'custom', path: ['INFERENCE_MEMBER_EXPIRE_MS'], message: `must be at least 2 × INFERENCE_HEARTBEAT_MS (${2 * env.INFERENCE_HEARTBEAT_MS})` });
  }
});

export type MembershipConfig =
  | { mode: 'static'; replicas: string[] }
  | { mode: 'nats'; group: string; heartbeatMs: number; expireMs: number };

export type InferenceEnv = z.infer<typeof EnvSchema>;
export type ConfigResult = { ok: true; config: InferenceEnv & { replicas: string[]; membership: MembershipConfig } } | { ok: false; message: string };

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
      return `${name} ${i.code === 'invalid_type' && got === undefined ? 'is required' : i.message}${got === undefined ? '' : ` (got ${JSON.stringify(got)})`}`;
    });
    return { ok: false, message: `invalid configuration: ${problems.join('; ')}` };
  }
  const e = parsed.data;
  const replicas = e.INFERENCE_REPLICAS?.split(',') ?? [e.INFERENCE_REPLICA_ID];
  const mode = e.INFERENCE_MEMBERSHIP ?? (e.INFERENCE_REPLICAS === undefined ? 'nats' : 'static');
  const membership: MembershipConfig = mode === 'static'
    ? { mode, replicas }
    : { mode, group: e.INFERENCE_MEMBERSHIP_GROUP, heartbeatMs: e.INFERENCE_HEARTBEAT_MS, expireMs: e.INFERENCE_MEMBER_EXPIRE_MS ?? 3 * e.INFERENCE_HEARTBEAT_MS };
  return { ok: true, config: { ...e, replicas, membership } };
}
