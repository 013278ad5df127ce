// Configuration of the charter process, read from the environment once (main.ts) into a typed
// object. Nothing below main.ts reads process.env. The variables every service shares (event store,
// ledger key, access, telemetry) come from @industrial/eventstore/config.
import { z } from 'zod';
import {
  accessConfig, accessEnv, checkEventStoreEnv, eventStoreConfig, eventStoreEnv, nonEmpty, parseEnv, port, shutdownEnv, sqlIdentifier, telemetryConfig, telemetryEnv,
  type AccessConfig, type EventStoreConfig, type LogLevel, type TelemetryConfig,
} from '@industrial/eventstore/config';

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
    ...eventStoreEnv,
    ...accessEnv,
    /** Optional: serve the AI4I file as catalog and failure history (until dataops serves them). */
    CHARTER_AI4I_CSV: nonEmpty.optional(),
    CHARTER_AI4I_ASSET: z.string().regex(/^[a-z0-9_-]+(\.[a-z0-9_-]+){4}$/, 'must be an asset path enterprise.site.area.line.asset').default('ai4i.plant1.machining.line-1.mill-1'),
    /** Optional: read states, counts, labels and the catalog from dataops' PostgreSQL schema (its DATAOPS_PG_SCHEMA, on PG_URL). */
    CHARTER_DATAOPS_PG_SCHEMA: sqlIdentifier.optional(),
    /** Must equal dataops' DATAOPS_REFINED_INTERVAL_MS. */
    CHARTER_DATAOPS_REFINED_INTERVAL_MS: z.coerce.number({ message: 'must be a number of ms' }).int('must be an integer').min(1, 'must be ≥ 1').default(1000),
    ...telemetryEnv,
    ...shutdownEnv(10_000),
  })
  .superRefine((env, ctx) => {
    checkEventStoreEnv(env, ctx);
    if (env.CHARTER_DATAOPS_PG_SCHEMA !== undefined && env.PG_URL === undefined) ctx.addIssue({ code: 'custom', path: ['PG_URL'], message: 'is required when CHARTER_DATAOPS_PG_SCHEMA is set' });
  });

export interface CharterConfig {
  grpc: { host: string; port: number };
  http: { host: string; port: number };
  plantTimeZone: string;
  eventStore: EventStoreConfig;
  ledgerKeyFile: string;
  access: AccessConfig;
  ai4i: { path: string; assetPath: string } | null;
  /** dataops' historian schema, read in-process (states, counts, labels, catalog); null: not read. */
  dataops: { url: string; schema: string; refinedIntervalMs: number } | null;
  telemetry: TelemetryConfig;
  logLevel: LogLevel;
  shutdownGraceMs: number;
}

export type ConfigResult = { ok: true; config: CharterConfig } | { ok: false; message: string };

/** Parses the environment; on failure one message naming each bad variable. Empty strings count as unset. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): ConfigResult {
  const parsed = parseEnv(EnvSchema, env);
  if (!parsed.ok) return parsed;
  const e = parsed.data;
  return {
    ok: true,
    config: {
      grpc: { host: e.CHARTER_GRPC_HOST, port: e.CHARTER_GRPC_PORT },
      http: { host: e.CHARTER_HTTP_HOST, port: e.CHARTER_HTTP_PORT },
      plantTimeZone: e.PLANT_TIMEZONE,
      eventStore: eventStoreConfig(e),
      ledgerKeyFile: e.LEDGER_KEY_FILE,
      access: accessConfig(e),
      ai4i: e.CHARTER_AI4I_CSV === undefined ? null : { path: e.CHARTER_AI4I_CSV, assetPath: e.CHARTER_AI4I_ASSET },
      dataops: e.CHARTER_DATAOPS_PG_SCHEMA === undefined ? null : { url: e.PG_URL ?? '', schema: e.CHARTER_DATAOPS_PG_SCHEMA, refinedIntervalMs: e.CHARTER_DATAOPS_REFINED_INTERVAL_MS },
      telemetry: telemetryConfig(e),
      logLevel: e.LOG_LEVEL,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    },
  };
}
