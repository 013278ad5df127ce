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
});

export type InferenceEnv = z.infer<typeof EnvSchema>;
export type ConfigResult = { ok: true; config: InferenceEnv & { replicas: string[] } } | { ok: false; message: string };

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
  return { ok: true, config: { ...e, replicas: e.INFERENCE_REPLICAS?.split(',') ?? [e.INFERENCE_REPLICA_ID] } };
}
