// Configuration of the standalone governance process, read from the environment once (main.ts)
// into a typed object. Nothing below main.ts reads process.env.
import { z } from 'zod';

const port = (fallback: number) =>
  z.coerce
    .number({ message: 'must be a port number' })
    .int('must be an integer port')
    .min(0, 'must be a port 0–65535')
    .max(65535, 'must be a port 0–65535')
    .default(fallback);
const nonEmpty = z.string().trim().min(1, 'must not be empty');

const EnvSchema = z
  .object({
    GOVERNANCE_GRPC_HOST: nonEmpty.default('0.0.0.0'),
    GOVERNANCE_GRPC_PORT: port(50051),
    GOVERNANCE_HTTP_HOST: nonEmpty.default('0.0.0.0'),
    GOVERNANCE_HTTP_PORT: port(8081),
    EVENTSTORE: z.enum(['postgres', 'sqlite'], { message: 'must be "postgres" or "sqlite"' }).default('sqlite'),
    PG_URL: z.url({ protocol: /^postgres(ql)?$/, message: 'must be a postgres:// URL' }).optional(),
    PG_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'must be a lowercase SQL identifier').default('eventstore'),
    SQLITE_PATH: nonEmpty.default('./data/events.db'),
    LEDGER_KEY_FILE: nonEmpty,
    ANCHOR_FILE: nonEmpty.optional(),
    ACCESS_KEYS_DIR: nonEmpty,
    ACCESS_ISSUER: nonEmpty.default('industrial-access'),
    ACCESS_AUDIENCE: nonEmpty.default('industrial-platform'),
    OTEL_EXPORTER: z.enum(['otlp', 'none'], { message: 'must be "otlp" or "none"' }).default('none'),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ message: 'must be an http(s) URL' }).default('http://localhost:4318'),
    OTEL_SAMPLE_RATIO: z.coerce.number({ message: 'must be a number 0–1' }).min(0, 'must be 0–1').max(1, 'must be 0–1').default(1),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { message: 'must be a pino level (info, debug, …)' }).default('info'),
    SHUTDOWN_GRACE_MS: z.coerce.number({ message: 'must be a number of ms' }).int('must be an integer').min(0, 'must be ≥ 0').default(10_000),
  })
  .superRefine((env, ctx) => {
    if (env.EVENTSTORE === 'postgres' && env.PG_URL === undefined) ctx.addIssue({ code: 'custom', path: ['PG_URL'], message: 'is required when EVENTSTORE=postgres' });
  });

export interface GovernanceConfig {
  grpc: { host: string; port: number };
  http: { host: string; port: number };
  eventStore: { kind: 'postgres'; url: string; schema: string } | { kind: 'sqlite'; path: string };
  ledgerKeyFile: string;
  anchorFile: string | null;
  access: { keysDir: string; issuer: string; audience: string };
  telemetry: { exporter: 'otlp' | 'none'; otlpEndpoint: string; sampleRatio: number };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  shutdownGraceMs: number;
}

export type ConfigResult = { ok: true; config: GovernanceConfig } | { ok: false; message: string };

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
      grpc: { host: e.GOVERNANCE_GRPC_HOST, port: e.GOVERNANCE_GRPC_PORT },
      http: { host: e.GOVERNANCE_HTTP_HOST, port: e.GOVERNANCE_HTTP_PORT },
      eventStore: e.EVENTSTORE === 'postgres' ? { kind: 'postgres', url: e.PG_URL ?? '', schema: e.PG_SCHEMA } : { kind: 'sqlite', path: e.SQLITE_PATH },
      ledgerKeyFile: e.LEDGER_KEY_FILE,
      anchorFile: e.ANCHOR_FILE ?? null,
      access: { keysDir: e.ACCESS_KEYS_DIR, issuer: e.ACCESS_ISSUER, audience: e.ACCESS_AUDIENCE },
      telemetry: { exporter: e.OTEL_EXPORTER, otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT, sampleRatio: e.OTEL_SAMPLE_RATIO },
      logLevel: e.LOG_LEVEL,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    },
  };
}
