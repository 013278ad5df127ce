// Service wiring shared by every process that writes to the event store (charter, connectivity,
// dataops, governance, training): the zod fragments for the environment variables they all read,
// one parser that turns the environment into a typed object or one message naming each bad
// variable, and openStoreFromConfig, which opens the store those variables describe. Imported as
// `@industrial/eventstore/config`, so callers that only use the store do not load zod.
//
// A service spreads the fragments it uses next to its own variables:
//   const EnvSchema = z.object({ MY_PORT: port(50060), ...eventStoreEnv, ...accessEnv, ...telemetryEnv, ...shutdownEnv(10_000) })
//     .superRefine(checkEventStoreEnv);
//   const parsed = parseEnv(EnvSchema, process.env);
import { readFile } from 'node:fs/promises';
import type { ConnectionOptions, NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { FileAnchorSink, type AnchorSink } from './anchors.ts';
import { ledgerKeyFromPem, type LedgerKey } from './ledger.ts';
import type { CoreOptions } from './core.ts';
import { openPostgresEventStore } from './postgres.ts';
import { openSqliteEventStore } from './sqlite.ts';
import type { EventStore } from './types.ts';

// ---- field builders (one wording of each reason across services) --------------------------------

export const nonEmpty = z.string().trim().min(1, 'must not be empty');
export const sqlIdentifier = z.string().regex(/^[a-z_][a-z0-9_]*$/, 'must be a lowercase SQL identifier');
export const storeKind = z.enum(['postgres', 'sqlite'], { message: 'must be "postgres" or "sqlite"' });
export const port = (fallback: number) =>
  z.coerce
    .number({ message: 'must be a port number' })
    .int('must be an integer port')
    .min(0, 'must be a port 0–65535')
    .max(65535, 'must be a port 0–65535')
    .default(fallback);
export const durationMs = (fallback: number) =>
  z.coerce.number({ message: 'must be a number of ms' }).int('must be an integer').min(0, 'must be ≥ 0').default(fallback);

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

// ---- fragments -----------------------------------------------------------------------------------

/** Which event store, and the ledger key that seals its events. PG_URL is required for postgres (checkEventStoreEnv). */
export const eventStoreEnv = {
  EVENTSTORE: storeKind.default('sqlite'),
  PG_URL: z.url({ protocol: /^postgres(ql)?$/, message: 'must be a postgres:// URL' }).optional(),
  PG_SCHEMA: sqlIdentifier.default('eventstore'),
  SQLITE_PATH: nonEmpty.default('./data/events.db'),
  LEDGER_KEY_FILE: nonEmpty,
};

/**
 * Where signed chain-head anchors go (only governance anchors today): a file and/or a JetStream stream
 * (off the database host); neither set: no anchors. Anchored every ANCHOR_EVERY_EVENTS events this
 * process appends and every ANCHOR_INTERVAL_MS when the head moved (0 turns a trigger off).
 */
export const anchorEnv = {
  ANCHOR_FILE: nonEmpty.optional(),
  ANCHOR_NATS_URL: z
    .string()
    .regex(/^(nats|tls|wss?):\/\/\S+$/, 'must be a nats:// (or tls://) URL')
    .optional(),
  ANCHOR_NATS_STREAM: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, _ or -')
    .optional(),
  ANCHOR_NATS_MAX_AGE_MS: durationMs(0),
  ANCHOR_EVERY_EVENTS: z.coerce.number({ message: 'must be a number of events' }).int('must be an integer').min(0, 'must be ≥ 0').default(1000),
  ANCHOR_INTERVAL_MS: durationMs(10_000),
};

/** The JWT key set and the issuer/audience tokens must carry. */
export const accessEnv = {
  ACCESS_KEYS_DIR: nonEmpty,
  ACCESS_ISSUER: nonEmpty.default('industrial-access'),
  ACCESS_AUDIENCE: nonEmpty.default('industrial-platform'),
};

const PORT_OR_OFF = 'must be a port 0–65535 or "off"';
/** A port, or "off". */
export const portOrOff = (fallback: number | 'off') =>
  z.union([z.literal('off'), z.coerce.number().int(PORT_OR_OFF).min(0, PORT_OR_OFF).max(65535, PORT_OR_OFF)], { message: PORT_OR_OFF }).default(fallback);

/** Traces/metrics export, the Prometheus scrape endpoint (METRICS_PORT, off by default) and the log level. */
export const telemetryEnv = {
  METRICS_PORT: portOrOff('off'),
  METRICS_HOST: nonEmpty.default('127.0.0.1'),
  OTEL_EXPORTER: z.enum(['otlp', 'none'], { message: 'must be "otlp" or "none"' }).default('none'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ message: 'must be an http(s) URL' }).default('http://localhost:4318'),
  OTEL_SAMPLE_RATIO: z.coerce.number({ message: 'must be a number 0–1' }).min(0, 'must be 0–1').max(1, 'must be 0–1').default(1),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: 'must be a pino level (info, debug, …)' }).default('info'),
};

/** How long a stop may drain before the process gives up; the default differs per service. */
export const shutdownEnv = (fallbackMs: number) => ({ SHUTDOWN_GRACE_MS: durationMs(fallbackMs) });

/**
 * TLS from PEM files (README "TLS"). gRPC server: GRPC_TLS_CERT_FILE + GRPC_TLS_KEY_FILE, and with
 * GRPC_TLS_CLIENT_CA_FILE every client must present a certificate signed by that CA (mutual TLS).
 * gRPC clients of other services: GRPC_TLS_CA_FILE (the CA to trust), GRPC_TLS_CLIENT_CERT_FILE +
 * GRPC_TLS_CLIENT_KEY_FILE for mutual TLS. HTTP endpoints: HTTP_TLS_CERT_FILE + HTTP_TLS_KEY_FILE.
 * None set: plaintext, for loopback only (services bind 127.0.0.1 by default). Pairs: checkTlsEnv.
 */
export const tlsEnv = {
  GRPC_TLS_CERT_FILE: nonEmpty.optional(),
  GRPC_TLS_KEY_FILE: nonEmpty.optional(),
  GRPC_TLS_CLIENT_CA_FILE: nonEmpty.optional(),
  GRPC_TLS_CA_FILE: nonEmpty.optional(),
  GRPC_TLS_CLIENT_CERT_FILE: nonEmpty.optional(),
  GRPC_TLS_CLIENT_KEY_FILE: nonEmpty.optional(),
  HTTP_TLS_CERT_FILE: nonEmpty.optional(),
  HTTP_TLS_KEY_FILE: nonEmpty.optional(),
};

type TlsEnv = { [K in keyof typeof tlsEnv]?: string | undefined };

/** Cross-field rules of tlsEnv (certificate and key come together; mutual TLS needs the rest): for superRefine. */
export function checkTlsEnv(env: TlsEnv, ctx: z.RefinementCtx): void {
  const both = (a: keyof TlsEnv, b: keyof TlsEnv): void => {
    if (env[a] !== undefined && env[b] === undefined) ctx.addIssue({ code: 'custom', path: [b], message: `is required when ${a} is set` });
    if (env[b] !== undefined && env[a] === undefined) ctx.addIssue({ code: 'custom', path: [a], message: `is required when ${b} is set` });
  };
  both('GRPC_TLS_CERT_FILE', 'GRPC_TLS_KEY_FILE');
  both('GRPC_TLS_CLIENT_CERT_FILE', 'GRPC_TLS_CLIENT_KEY_FILE');
  both('HTTP_TLS_CERT_FILE', 'HTTP_TLS_KEY_FILE');
  if (env.GRPC_TLS_CLIENT_CA_FILE !== undefined && env.GRPC_TLS_CERT_FILE === undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['GRPC_TLS_CERT_FILE'],
      message: 'is required when GRPC_TLS_CLIENT_CA_FILE is set (mutual TLS needs a server certificate)',
    });
  if (env.GRPC_TLS_CLIENT_CERT_FILE !== undefined && env.GRPC_TLS_CA_FILE === undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['GRPC_TLS_CA_FILE'],
      message: 'is required when GRPC_TLS_CLIENT_CERT_FILE is set (a client certificate is only sent over TLS)',
    });
}

export interface TlsConfig {
  /** The gRPC server's certificate, key and (mutual TLS) client CA; null: plaintext. */
  grpcServer: { certFile: string; keyFile: string; clientCaFile?: string | undefined } | null;
  /** What this service's gRPC clients trust (and present); null: plaintext. */
  grpcClient: { caFile: string; certFile?: string | undefined; keyFile?: string | undefined } | null;
  /** The HTTP endpoints' certificate and key; null: plain HTTP. */
  http: { certFile: string; keyFile: string } | null;
}

/** The typed form of tlsEnv (after checkTlsEnv passed). */
export function tlsConfig(e: TlsEnv): TlsConfig {
  return {
    grpcServer:
      e.GRPC_TLS_CERT_FILE === undefined || e.GRPC_TLS_KEY_FILE === undefined
        ? null
        : {
            certFile: e.GRPC_TLS_CERT_FILE,
            keyFile: e.GRPC_TLS_KEY_FILE,
            ...(e.GRPC_TLS_CLIENT_CA_FILE === undefined ? {} : { clientCaFile: e.GRPC_TLS_CLIENT_CA_FILE }),
          },
    grpcClient:
      e.GRPC_TLS_CA_FILE === undefined
        ? null
        : {
            caFile: e.GRPC_TLS_CA_FILE,
            ...(e.GRPC_TLS_CLIENT_CERT_FILE === undefined || e.GRPC_TLS_CLIENT_KEY_FILE === undefined
              ? {}
              : { certFile: e.GRPC_TLS_CLIENT_CERT_FILE, keyFile: e.GRPC_TLS_CLIENT_KEY_FILE }),
          },
    http: e.HTTP_TLS_CERT_FILE === undefined || e.HTTP_TLS_KEY_FILE === undefined ? null : { certFile: e.HTTP_TLS_CERT_FILE, keyFile: e.HTTP_TLS_KEY_FILE },
  };
}

const RATE = 'must be <burst>/<per second> (e.g. 100/50) or "off"';
/** `<burst>/<per second>` or `off` (null). */
export const rateBucket = (fallback: { burst: number; perSecond: number }) =>
  z
    .string()
    .trim()
    .regex(/^(off|[1-9][0-9]{0,6}\/[0-9]{1,7}(\.[0-9]{1,6})?)$/, RATE)
    .refine((s) => s === 'off' || Number(s.split('/')[1]) > 0, RATE)
    .transform((s) => (s === 'off' ? null : { burst: Number(s.split('/')[0]), perSecond: Number(s.split('/')[1]) }))
    .default(() => ({ ...fallback }));

/**
 * Rate limits of the service's gRPC server: a token bucket of refused calls per source address (out
 * of it, the address's calls are refused before the token is looked at) and one of calls per access
 * token; beyond either RESOURCE_EXHAUSTED. `off` disables one.
 */
export const grpcRateEnv = {
  GRPC_RATE_PER_SOURCE: rateBucket({ burst: 100, perSecond: 50 }),
  GRPC_RATE_PER_TOKEN: rateBucket({ burst: 1000, perSecond: 200 }),
};

export interface GrpcRateConfig {
  perSource: { burst: number; perSecond: number } | null;
  perToken: { burst: number; perSecond: number } | null;
  maxKeys: number;
}

export function grpcRateConfig(e: { GRPC_RATE_PER_SOURCE: GrpcRateConfig['perSource']; GRPC_RATE_PER_TOKEN: GrpcRateConfig['perToken'] }): GrpcRateConfig {
  return { perSource: e.GRPC_RATE_PER_SOURCE, perToken: e.GRPC_RATE_PER_TOKEN, maxKeys: 10_000 };
}

/** Cross-field rule of eventStoreEnv: for superRefine of the service's schema. */
export function checkEventStoreEnv(env: { EVENTSTORE: 'postgres' | 'sqlite'; PG_URL?: string | undefined }, ctx: z.RefinementCtx): void {
  if (env.EVENTSTORE === 'postgres' && env.PG_URL === undefined)
    ctx.addIssue({ code: 'custom', path: ['PG_URL'], message: 'is required when EVENTSTORE=postgres' });
}

// ---- typed config ----------------------------------------------------------------------------------

export type EventStoreConfig = { kind: 'postgres'; url: string; schema: string } | { kind: 'sqlite'; path: string };
export interface AccessConfig {
  keysDir: string;
  issuer: string;
  audience: string;
}
export interface TelemetryConfig {
  exporter: 'otlp' | 'none';
  otlpEndpoint: string;
  sampleRatio: number;
  /** Prometheus scrape endpoint (GET /metrics); null: none. */
  metrics?: { host: string; port: number } | null;
}

export function eventStoreConfig(e: {
  EVENTSTORE: 'postgres' | 'sqlite';
  PG_URL?: string | undefined;
  PG_SCHEMA: string;
  SQLITE_PATH: string;
}): EventStoreConfig {
  return e.EVENTSTORE === 'postgres' ? { kind: 'postgres', url: e.PG_URL ?? '', schema: e.PG_SCHEMA } : { kind: 'sqlite', path: e.SQLITE_PATH };
}

/** How the chain head is anchored (besides ANCHOR_FILE): the schedule and the JetStream sink. */
export interface AnchorWiring {
  everyEvents: number;
  intervalMs: number;
  nats: {
    servers: string;
    stream: string;
    maxAgeMs: number;
    /** Credentials (an authenticator), TLS: what the deployment's NATS requires. */
    connectOptions?: Partial<ConnectionOptions>;
    /** An open connection to use instead (servers and connectOptions then unused): the caller owns it and closes it after the store. */
    connection?: NatsConnection;
  } | null;
}

/** `prefix`: the deployment's NATS_PREFIX; the stream defaults to `<prefix>_LEDGER_ANCHORS` then. */
export function anchorConfig(
  e: {
    ANCHOR_NATS_URL?: string | undefined;
    ANCHOR_NATS_STREAM?: string | undefined;
    ANCHOR_NATS_MAX_AGE_MS: number;
    ANCHOR_EVERY_EVENTS: number;
    ANCHOR_INTERVAL_MS: number;
  },
  prefix?: string,
): AnchorWiring {
  const stream = e.ANCHOR_NATS_STREAM ?? (prefix === undefined ? 'LEDGER_ANCHORS' : `${prefix}_LEDGER_ANCHORS`);
  return {
    everyEvents: e.ANCHOR_EVERY_EVENTS,
    intervalMs: e.ANCHOR_INTERVAL_MS,
    nats: e.ANCHOR_NATS_URL === undefined ? null : { servers: e.ANCHOR_NATS_URL, stream, maxAgeMs: e.ANCHOR_NATS_MAX_AGE_MS },
  };
}

export function accessConfig(e: { ACCESS_KEYS_DIR: string; ACCESS_ISSUER: string; ACCESS_AUDIENCE: string }): AccessConfig {
  return { keysDir: e.ACCESS_KEYS_DIR, issuer: e.ACCESS_ISSUER, audience: e.ACCESS_AUDIENCE };
}

export function telemetryConfig(e: {
  OTEL_EXPORTER: 'otlp' | 'none';
  OTEL_EXPORTER_OTLP_ENDPOINT: string;
  OTEL_SAMPLE_RATIO: number;
  METRICS_PORT?: number | 'off';
  METRICS_HOST?: string;
}): TelemetryConfig {
  const metrics = e.METRICS_PORT === undefined || e.METRICS_PORT === 'off' ? null : { host: e.METRICS_HOST ?? '127.0.0.1', port: e.METRICS_PORT };
  return { exporter: e.OTEL_EXPORTER, otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT, sampleRatio: e.OTEL_SAMPLE_RATIO, metrics };
}

// ---- parsing ---------------------------------------------------------------------------------------

export interface ParseEnvOptions {
  /** Deprecated name → current name. The old name is still read (with a warning) when the new one is unset. */
  aliases?: Readonly<Record<string, string>>;
}

export type ParseEnvResult<T> = { ok: true; data: T; warnings: string[] } | { ok: false; message: string };

/**
 * Parses the schema's variables out of env. Empty strings count as unset. On failure one message,
 * `invalid configuration: NAME reason (got "value"); …`, naming each bad variable as the operator
 * wrote it (a deprecated alias by its own name).
 */
export function parseEnv<S extends z.ZodObject>(
  schema: S,
  env: Readonly<Record<string, string | undefined>>,
  options: ParseEnvOptions = {},
): ParseEnvResult<z.output<S>> {
  const set = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v === '' ? undefined : v;
  };
  const cleaned: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const v = set(key);
    if (v !== undefined) cleaned[key] = v;
  }
  const problems: string[] = [];
  const warnings: string[] = [];
  const writtenAs = new Map<string, string>();
  for (const [old, current] of Object.entries(options.aliases ?? {})) {
    const v = set(old);
    if (v === undefined) continue;
    const now = cleaned[current];
    if (now === undefined) {
      cleaned[current] = v;
      writtenAs.set(current, old);
      warnings.push(`${old} is deprecated: use ${current}`);
    } else if (now !== v) {
      problems.push(
        `${old} is a deprecated alias of ${current} and disagrees with it (got ${JSON.stringify(v)}, ${current} is ${JSON.stringify(now)}): unset ${old}`,
      );
    } else {
      warnings.push(`${old} is deprecated and repeats ${current}: unset it`);
    }
  }
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    for (const i of parsed.error.issues) {
      const key = String(i.path[0] ?? 'environment');
      const got = cleaned[key];
      const message = i.code === 'invalid_type' && got === undefined ? 'is required' : i.message;
      problems.push(`${writtenAs.get(key) ?? key} ${message}${got === undefined ? '' : ` (got ${JSON.stringify(got)})`}`);
    }
  }
  if (problems.length > 0) return { ok: false, message: `invalid configuration: ${problems.join('; ')}` };
  return { ok: true, data: (parsed as { data: z.output<S> }).data, warnings };
}

// ---- opening the store -------------------------------------------------------------------------

export interface StoreWiring {
  eventStore: EventStoreConfig;
  /** Ed25519 private key (PEM) that seals events and signs anchors. */
  ledgerKeyFile: string;
  /** Anchors go to a FileAnchorSink here; null/absent: no file sink. */
  anchorFile?: string | null;
  /** The anchor schedule and the JetStream sink (anchorConfig); absent: defaults, no JetStream sink. */
  anchors?: AnchorWiring;
}

export type OpenStoreOptions = Omit<CoreOptions, 'ledgerKey'>;

/** Reads the ledger key and opens the PostgreSQL or SQLite store the config names. The caller closes it. */
export async function openStoreFromConfig(config: StoreWiring, options: OpenStoreOptions = {}): Promise<EventStore> {
  let pem: string;
  try {
    pem = await readFile(config.ledgerKeyFile, 'utf8');
  } catch (error) {
    throw new Error(`LEDGER_KEY_FILE ${config.ledgerKeyFile} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  let ledgerKey: LedgerKey;
  try {
    ledgerKey = ledgerKeyFromPem(pem);
  } catch (error) {
    throw new Error(`LEDGER_KEY_FILE ${config.ledgerKeyFile} is not a ledger key: ${(error as Error).message}`, { cause: error });
  }
  // options.anchorSink (tests, launchers) replaces the configured sinks; the sinks opened here belong to the store.
  const sinks: AnchorSink[] = options.anchorSink ? [] : await openAnchorSinks(config);
  const schedule = config.anchors === undefined ? {} : { anchorEvery: config.anchors.everyEvents, anchorIntervalMs: config.anchors.intervalMs };
  const common: CoreOptions = { ...schedule, ...options, ledgerKey, ...(sinks.length === 0 ? {} : { anchorSinks: sinks, ownsAnchorSinks: true }) };
  const s = config.eventStore;
  try {
    return s.kind === 'postgres'
      ? await openPostgresEventStore({ ...common, connectionString: s.url, schema: s.schema })
      : await openSqliteEventStore({ ...common, path: s.path });
  } catch (error) {
    for (const sink of sinks) await sink.close?.().catch(() => undefined);
    throw error;
  }
}

async function openAnchorSinks(config: StoreWiring): Promise<AnchorSink[]> {
  const sinks: AnchorSink[] = config.anchorFile == null ? [] : [new FileAnchorSink(config.anchorFile)];
  const nats = config.anchors?.nats;
  if (nats) {
    const { openJetStreamAnchorSink } = await import('./jetstream-anchors.ts');
    try {
      sinks.push(
        await openJetStreamAnchorSink({
          servers: nats.servers,
          stream: nats.stream,
          maxAgeMs: nats.maxAgeMs,
          ...(nats.connectOptions === undefined ? {} : { connectOptions: nats.connectOptions }),
          ...(nats.connection === undefined ? {} : { connection: nats.connection }),
        }),
      );
    } catch (error) {
      throw new Error(`ANCHOR_NATS_URL ${nats.servers}: the JetStream anchor sink cannot be opened: ${(error as Error).message}`, { cause: error });
    }
  }
  return sinks;
}
