// Configuration of the integration process, read from the environment once (runService, main.ts).
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
  type AccessConfig,
  type EventStoreConfig,
  type LogLevel,
  type TelemetryConfig,
} from '@industrial/eventstore/config';
import { z } from 'zod';

const EnvSchema = z
  .object({
    INTEGRATION_HTTP_HOST: nonEmpty.default('127.0.0.1'),
    INTEGRATION_HTTP_PORT: port(8089),
    /** JSON file: action rules, rosters, connectors, channels, SCADA publishers (README of the service). */
    INTEGRATION_SETUP_FILE: nonEmpty.optional(),
    /** inference's HTTP gateway (outcomes of completed work orders, acknowledges from SCADA). */
    INTEGRATION_INFERENCE_URL: z.url().optional(),
    INTEGRATION_INFERENCE_TOKEN_FILE: nonEmpty.optional(),
    INTEGRATION_SYNC_INTERVAL_MS: z.coerce.number().int().min(100).default(30_000),
    /** Edge ↔ central (npm run edge / npm run central): none, edge (this site's uplink and downlink) or central (the sites' records in). */
    INTEGRATION_EDGE_ROLE: z.enum(['none', 'edge', 'central']).default('none'),
    /** edge: this site's name; central: the sites, comma-separated. */
    INTEGRATION_EDGE_SITES: z
      .string()
      .regex(/^[a-z0-9_-]+(,[a-z0-9_-]+)*$/, 'must be site names ([a-z0-9_-]) separated by commas')
      .optional(),
    INTEGRATION_EDGE_HUB_DOMAIN: nonEmpty.default('hub'),
    /** edge: where the uplink keeps its position in the site's store. */
    INTEGRATION_EDGE_CHECKPOINT_FILE: nonEmpty.default('.data/integration-edge-uplink.checkpoint'),
    /** central: the PostgreSQL schema of the per-asset positions of the sites' records. */
    INTEGRATION_EDGE_PG_SCHEMA: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/)
      .default('integration_edge'),
    NATS_URL: nonEmpty.default('127.0.0.1:4222'),
    ...eventStoreEnv,
    ...accessEnv,
    ...telemetryEnv,
    ...tlsEnv,
    ...shutdownEnv(10_000),
  })
  .superRefine((env, ctx) => {
    checkEventStoreEnv(env, ctx);
    checkTlsEnv(env, ctx);
    if (env.INTEGRATION_EDGE_ROLE !== 'none' && env.INTEGRATION_EDGE_SITES === undefined)
      ctx.addIssue({ code: 'custom', path: ['INTEGRATION_EDGE_SITES'], message: `is required with INTEGRATION_EDGE_ROLE=${env.INTEGRATION_EDGE_ROLE}` });
    if (env.INTEGRATION_EDGE_ROLE === 'central' && env.EVENTSTORE !== 'postgres')
      ctx.addIssue({
        code: 'custom',
        path: ['EVENTSTORE'],
        message: 'must be postgres with INTEGRATION_EDGE_ROLE=central (the sites’ positions are kept there)',
      });
    if (env.INTEGRATION_EDGE_ROLE === 'edge' && (env.INTEGRATION_EDGE_SITES ?? '').includes(','))
      ctx.addIssue({ code: 'custom', path: ['INTEGRATION_EDGE_SITES'], message: 'an edge is one site' });
    if ((env.INTEGRATION_INFERENCE_URL === undefined) !== (env.INTEGRATION_INFERENCE_TOKEN_FILE === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['INTEGRATION_INFERENCE_TOKEN_FILE'],
        message: 'INTEGRATION_INFERENCE_URL and INTEGRATION_INFERENCE_TOKEN_FILE go together',
      });
  });

export interface IntegrationConfig {
  http: { host: string; port: number };
  setupFile: string | null;
  inference: { url: string; tokenFile: string } | null;
  syncIntervalMs: number;
  edge: { role: 'none' | 'edge' | 'central'; sites: string[]; hubDomain: string; checkpointFile: string; pgSchema: string };
  natsUrl: string;
  nats: NatsEnvSettings;
  eventStore: EventStoreConfig;
  ledgerKeyFile: string;
  access: AccessConfig;
  telemetry: TelemetryConfig;
  /** HTTP_TLS_CERT_FILE / HTTP_TLS_KEY_FILE: the API over HTTPS. */
  tls: TlsConfig;
  logLevel: LogLevel;
  shutdownGraceMs: number;
}

export type ConfigResult = { ok: true; config: IntegrationConfig } | { ok: false; message: string };

export function loadConfig(env: Readonly<Record<string, string | undefined>>): ConfigResult {
  const parsed = parseEnv(EnvSchema, env);
  if (!parsed.ok) return parsed;
  const nats = natsEnvConfig(env);
  if (!nats.ok) return nats;
  const e = parsed.data;
  return {
    ok: true,
    config: {
      http: { host: e.INTEGRATION_HTTP_HOST, port: e.INTEGRATION_HTTP_PORT },
      setupFile: e.INTEGRATION_SETUP_FILE ?? null,
      inference: e.INTEGRATION_INFERENCE_URL === undefined ? null : { url: e.INTEGRATION_INFERENCE_URL, tokenFile: e.INTEGRATION_INFERENCE_TOKEN_FILE ?? '' },
      syncIntervalMs: e.INTEGRATION_SYNC_INTERVAL_MS,
      edge: {
        role: e.INTEGRATION_EDGE_ROLE,
        sites: e.INTEGRATION_EDGE_SITES?.split(',') ?? [],
        hubDomain: e.INTEGRATION_EDGE_HUB_DOMAIN,
        checkpointFile: e.INTEGRATION_EDGE_CHECKPOINT_FILE,
        pgSchema: e.INTEGRATION_EDGE_PG_SCHEMA,
      },
      natsUrl: e.NATS_URL,
      nats: nats.nats,
      eventStore: eventStoreConfig(e),
      ledgerKeyFile: e.LEDGER_KEY_FILE,
      access: accessConfig(e),
      telemetry: telemetryConfig(e),
      tls: tlsConfig(e),
      logLevel: e.LOG_LEVEL,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    },
  };
}
