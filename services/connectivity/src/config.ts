// Configuration of the standalone connectivity process, read from the environment once (main.ts)
// into a typed object. Nothing below main.ts reads process.env. A bad value → one message naming
// the variable (main exits 2).
import { z } from 'zod';

const nonEmpty = z.string().trim().min(1, 'must not be empty');
const bool = z.enum(['true', 'false', '1', '0'], { message: 'must be true or false' }).transform((v) => v === 'true' || v === '1');

const EnvSchema = z
  .object({
    NATS_URL: nonEmpty.default('127.0.0.1:4222'),
    CONNECTIVITY_STATE_DIR: nonEmpty.default('./data/connectivity'),
    CONNECTIVITY_PKI_DIR: nonEmpty.optional(),
    CONNECTIVITY_AUTO_ACCEPT_CERTS: bool.default(false),
    CONNECTIVITY_SOURCES_FILE: nonEmpty.optional(),
    CONNECTIVITY_OVERFLOW_POLICY: z.enum(['drop-oldest', 'drop-newest'], { message: 'must be "drop-oldest" or "drop-newest"' }).default('drop-oldest'),
    CONNECTIVITY_BUFFER_SYNC: z.enum(['NORMAL', 'FULL'], { message: 'must be NORMAL or FULL' }).default('NORMAL'),
    CONNECTIVITY_MQTT_MIRROR_URL: z.string().regex(/^mqtts?:\/\/\S+$/, 'must be an mqtt:// URL').optional(),
    CONNECTIVITY_MQTT_MIRROR_PREFIX: nonEmpty.default('uns'),
    EVENTSTORE: z.enum(['postgres', 'sqlite'], { message: 'must be "postgres" or "sqlite"' }).default('sqlite'),
    PG_URL: z.url({ protocol: /^postgres(ql)?$/, message: 'must be a postgres:// URL' }).optional(),
    PG_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'must be a lowercase SQL identifier').default('eventstore'),
    SQLITE_PATH: nonEmpty.default('./data/events.db'),
    LEDGER_KEY_FILE: nonEmpty,
    OTEL_EXPORTER: z.enum(['otlp', 'none'], { message: 'must be "otlp" or "none"' }).default('none'),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ message: 'must be an http(s) URL' }).default('http://localhost:4318'),
    OTEL_SAMPLE_RATIO: z.coerce.number({ message: 'must be a number 0–1' }).min(0, 'must be 0–1').max(1, 'must be 0–1').default(1),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { message: 'must be a pino level (info, debug, …)' }).default('info'),
    SHUTDOWN_GRACE_MS: z.coerce.number({ message: 'must be a number of ms' }).int('must be an integer').min(0, 'must be ≥ 0').default(10_000),
  })
  .superRefine((env, ctx) => {
    if (env.EVENTSTORE === 'postgres' && env.PG_URL === undefined) ctx.addIssue({ code: 'custom', path: ['PG_URL'], message: 'is required when EVENTSTORE=postgres' });
  });

export interface ConnectivityConfig {
  natsUrl: string;
  stateDir: string;
  pkiDir: string | null;
  autoAcceptUnknownServerCertificates: boolean;
  sourcesFile: string | null;
  overflowPolicy: 'drop-oldest' | 'drop-newest';
  bufferSynchronous: 'NORMAL' | 'FULL';
  mqttMirror: { url: string; topicPrefix: string } | null;
  eventStore: { kind: 'postgres'; url: string; schema: string } | { kind: 'sqlite'; path: string };
  ledgerKeyFile: string;
  telemetry: { exporter: 'otlp' | 'none'; otlpEndpoint: string; sampleRatio: number };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  shutdownGraceMs: number;
}

export type ConfigResult = { ok: true; config: ConnectivityConfig } | { ok: false; message: string };

/** Parses the environment; empty strings count as unset. */
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
      natsUrl: e.NATS_URL,
      stateDir: e.CONNECTIVITY_STATE_DIR,
      pkiDir: e.CONNECTIVITY_PKI_DIR ?? null,
      autoAcceptUnknownServerCertificates: e.CONNECTIVITY_AUTO_ACCEPT_CERTS,
      sourcesFile: e.CONNECTIVITY_SOURCES_FILE ?? null,
      overflowPolicy: e.CONNECTIVITY_OVERFLOW_POLICY,
      bufferSynchronous: e.CONNECTIVITY_BUFFER_SYNC,
      mqttMirror: e.CONNECTIVITY_MQTT_MIRROR_URL === undefined ? null : { url: e.CONNECTIVITY_MQTT_MIRROR_URL, topicPrefix: e.CONNECTIVITY_MQTT_MIRROR_PREFIX },
      eventStore: e.EVENTSTORE === 'postgres' ? { kind: 'postgres', url: e.PG_URL ?? '', schema: e.PG_SCHEMA } : { kind: 'sqlite', path: e.SQLITE_PATH },
      ledgerKeyFile: e.LEDGER_KEY_FILE,
      telemetry: { exporter: e.OTEL_EXPORTER, otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT, sampleRatio: e.OTEL_SAMPLE_RATIO },
      logLevel: e.LOG_LEVEL,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    },
  };
}
