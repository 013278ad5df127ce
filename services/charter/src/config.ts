// Configuration of the charter process, read from the environment once (main.ts) into a typed
// object. Nothing below main.ts reads process.env.
import { z } from 'zod';

const port = (fallback: number) =>
  z.coerce.number({ message: 'must be a port number' }).int('must be an integer port').min(0, 'must be a port 0–65535').max(65535, 'must be a port 0–65535').default(fallback);
const nonEmpty = z.string().trim().min(1, 'must not be empty');
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
    CHARTER_GRPC_HOST: nonEmpty.default('0.0.0.0'),
    CHARTER_GRPC_PORT: port(50052),
    CHARTER_HTTP_HOST: nonEmpty.default('0.0.0.0'),
    CHARTER_HTTP_PORT: port(8082),
    PLANT_TIMEZONE: timeZone.default('UTC'),
    EVENTSTORE: z.enum(['postgres', 'sqlite'], { message: 'must be "postgres" or "sqlite"' }).default('sqlite'),
    PG_URL: z.url({ protocol: /^postgres(ql)?$/, message: 'must be a postgres:// URL' }).optional(),
    PG_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'must be a lowercase SQL identifier').default('eventstore'),
    SQLITE_PATH: nonEmpty.default('./data/events.db'),
    LEDGER_KEY_FILE: nonEmpty,
    ACCESS_KEYS_DIR: nonEmpty,
    ACCESS_ISSUER: nonEmpty.default('industrial-access'),
    ACCESS_AUDIENCE: nonEmpty.default('industrial-platform'),
    /** Optional: serve the AI4I file as catalog and failure history (until dataops serves them). */
    CHARTER_AI4I_CSV: nonEmpty.optional(),
    CHARTER_AI4I_ASSET: z.string().regex(/^[a-z0-9_-]+(\.[a-z0-9_-]+){4}$/, 'must be an asset path enterprise.site.area.line.asset').default('ai4i.plant1.machining.line-1.mill-1'),
    /** Optional: read states, counts, labels and the catalog from dataops' PostgreSQL schema (its DATAOPS_PG_SCHEMA, on PG_URL). */
    CHARTER_DATAOPS_PG_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'must be a lowercase SQL identifier').optional(),
    /** Must equal dataops' DATAOPS_REFINED_INTERVAL_MS. */
    CHARTER_DATAOPS_REFINED_INTERVAL_MS: z.coerce.number({ message: 'must be a number of ms' }).int('must be an integer').min(1, 'must be ≥ 1').default(1000),
    OTEL_EXPORTER: z.enum(['otlp', 'none'], { message: 'must be "otlp" or "none"' }).default('none'),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ message: 'must be an http(s) URL' }).default('http://localhost:4318'),
    OTEL_SAMPLE_RATIO: z.coerce.number({ message: 'must be a number 0–1' }).min(0, 'must be 0–1').max(1, 'must be 0–1').default(1),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { message: 'must be a pino level (info, debug, …)' }).default('info'),
    SHUTDOWN_GRACE_MS: z.coerce.number({ message: 'must be a number of ms' }).int('must be an integer').min(0, 'must be ≥ 0').default(10_000),
  })
  .superRefine((env, ctx) => {
    if (env.EVENTSTORE === 'postgres' && env.PG_URL === undefined) ctx.addIssue({ code: 'custom', path: ['PG_URL'], message: 'is required when EVENTSTORE=postgres' });
    if (env.CHARTER_DATAOPS_PG_SCHEMA !== undefined && env.PG_URL === undefined) ctx.addIssue({ code: 'custom', path: ['PG_URL'], message: 'is required when CHARTER_DATAOPS_PG_SCHEMA is set' });
  });

export interface CharterConfig {
  grpc: { host: string; port: number };
  http: { host: string; port: number };
  plantTimeZone: string;
  eventStore: { kind: 'postgres'; url: string; schema: string } | { kind: 'sqlite'; path: string };
  ledgerKeyFile: string;
  access: { keysDir: string; issuer: string; audience: string };
  ai4i: { path: string; assetPath: string } | null;
  /** dataops' historian schema, read in-process (states, counts, labels, catalog); null: not read. */
  dataops: { url: string; schema: string; refinedIntervalMs: number } | null;
  telemetry: { exporter: 'otlp' | 'none'; otlpEndpoint: string; sampleRatio: number };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  shutdownGraceMs: number;
}

export type ConfigResult = { ok: true; config: CharterConfig } | { ok: false; message: string };

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
      grpc: { host: e.CHARTER_GRPC_HOST, port: e.CHARTER_GRPC_PORT },
      http: { host: e.CHARTER_HTTP_HOST, port: e.CHARTER_HTTP_PORT },
      plantTimeZone: e.PLANT_TIMEZONE,
      eventStore: e.EVENTSTORE === 'postgres' ? { kind: 'postgres', url: e.PG_URL ?? '', schema: e.PG_SCHEMA } : { kind: 'sqlite', path: e.SQLITE_PATH },
      ledgerKeyFile: e.LEDGER_KEY_FILE,
      access: { keysDir: e.ACCESS_KEYS_DIR, issuer: e.ACCESS_ISSUER, audience: e.ACCESS_AUDIENCE },
      ai4i: e.CHARTER_AI4I_CSV === undefined ? null : { path: e.CHARTER_AI4I_CSV, assetPath: e.CHARTER_AI4I_ASSET },
      dataops: e.CHARTER_DATAOPS_PG_SCHEMA === undefined ? null : { url: e.PG_URL ?? '', schema: e.CHARTER_DATAOPS_PG_SCHEMA, refinedIntervalMs: e.CHARTER_DATAOPS_REFINED_INTERVAL_MS },
      telemetry: { exporter: e.OTEL_EXPORTER, otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT, sampleRatio: e.OTEL_SAMPLE_RATIO },
      logLevel: e.LOG_LEVEL,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    },
  };
}
