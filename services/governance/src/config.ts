// Configuration of the standalone governance process, read from the environment once (main.ts)
// into a typed object. Nothing below main.ts reads process.env. The variables every service shares
// (event store, ledger key, anchors, access, telemetry) come from @industrial/eventstore/config.
import { natsEnvConfig, type NatsEnvSettings } from '@industrial/bus';
import { z } from 'zod';
import {
  accessConfig,
  accessEnv,
  anchorConfig,
  anchorEnv,
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
  grpcRateConfig,
  grpcRateEnv,
  type GrpcRateConfig,
  type AccessConfig,
  type AnchorWiring,
  type EventStoreConfig,
  type LogLevel,
  type TelemetryConfig,
} from '@industrial/eventstore/config';

const wholeNumber = (max: number) =>
  z.coerce.number({ message: 'must be a whole number' }).int('must be a whole number').min(1, 'must be ≥ 1').max(max, `must be ≤ ${max}`);

const EnvSchema = z
  .object({
    GOVERNANCE_GRPC_HOST: nonEmpty.default('127.0.0.1'),
    GOVERNANCE_GRPC_PORT: port(50051),
    GOVERNANCE_HTTP_HOST: nonEmpty.default('127.0.0.1'),
    GOVERNANCE_HTTP_PORT: port(8081),
    /** Replays streaming at once (one more → RESOURCE_EXHAUSTED) and events per page a replay holds in memory. */
    GOVERNANCE_REPLAY_MAX_CONCURRENT: wholeNumber(1000).default(4),
    GOVERNANCE_REPLAY_BATCH: wholeNumber(1000).default(500),
    /** Live monitoring (rollback proposals): a check every this many ms; 0 = off. */
    GOVERNANCE_LIVE_MONITOR_INTERVAL_MS: z.coerce
      .number({ message: 'must be a whole number of milliseconds' })
      .int('must be a whole number of milliseconds')
      .min(0, 'must be ≥ 0')
      .max(86_400_000, 'must be ≤ 86400000 (a day)')
      .default(60_000),
    ...eventStoreEnv,
    ...anchorEnv,
    ...accessEnv,
    ...telemetryEnv,
    ...tlsEnv,
    ...grpcRateEnv,
    ...shutdownEnv(10_000),
  })
  .superRefine((env, ctx) => {
    checkEventStoreEnv(env, ctx);
    checkTlsEnv(env, ctx);
  });

export interface GovernanceConfig {
  grpc: { host: string; port: number };
  http: { host: string; port: number };
  /** ReplayTo bounds: concurrent replays and the page size. */
  replay: { maxConcurrentReplays: number; replayBatch: number };
  /** Live monitoring's check interval (0 = off). */
  liveMonitor: { intervalMs: number };
  eventStore: EventStoreConfig;
  ledgerKeyFile: string;
  anchorFile: string | null;
  /** Anchor schedule (count, time) and the JetStream sink (ANCHOR_NATS_URL). */
  anchors: AnchorWiring;
  /** NATS_PREFIX and credentials (NATS_NKEY_SEED_FILE | NATS_CREDS_FILE | NATS_USER + NATS_PASSWORD_FILE) for the anchor stream. */
  nats: NatsEnvSettings;
  access: AccessConfig;
  telemetry: TelemetryConfig;
  /** TLS files of the gRPC server, its clients and the HTTP endpoints (README "TLS"). */
  tls: TlsConfig;
  /** Per-address and per-token limits of the gRPC server (GRPC_RATE_PER_SOURCE, GRPC_RATE_PER_TOKEN). */
  grpcRateLimit: GrpcRateConfig;
  logLevel: LogLevel;
  shutdownGraceMs: number;
}

export type ConfigResult = { ok: true; config: GovernanceConfig } | { ok: false; message: string };

/** Parses the environment; on failure one message naming each bad variable. Empty strings count as unset. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): ConfigResult {
  const parsed = parseEnv(EnvSchema, env);
  if (!parsed.ok) return parsed;
  const e = parsed.data;
  const nats = natsEnvConfig(env);
  if (!nats.ok) return nats;
  return {
    ok: true,
    config: {
      grpc: { host: e.GOVERNANCE_GRPC_HOST, port: e.GOVERNANCE_GRPC_PORT },
      http: { host: e.GOVERNANCE_HTTP_HOST, port: e.GOVERNANCE_HTTP_PORT },
      replay: { maxConcurrentReplays: e.GOVERNANCE_REPLAY_MAX_CONCURRENT, replayBatch: e.GOVERNANCE_REPLAY_BATCH },
      liveMonitor: { intervalMs: e.GOVERNANCE_LIVE_MONITOR_INTERVAL_MS },
      eventStore: eventStoreConfig(e),
      ledgerKeyFile: e.LEDGER_KEY_FILE,
      anchorFile: e.ANCHOR_FILE ?? null,
      anchors: anchorConfig(e, nats.nats.prefix),
      nats: nats.nats,
      access: accessConfig(e),
      telemetry: telemetryConfig(e),
      tls: tlsConfig(e),
      grpcRateLimit: grpcRateConfig(e),
      logLevel: e.LOG_LEVEL,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    },
  };
}
