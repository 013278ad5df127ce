// Configuration of the standalone connectivity process, read from the environment once (main.ts)
// into a typed object, with the sources of CONNECTIVITY_SOURCES_FILE. Nothing below main.ts reads
// process.env. A bad value → one message naming the variable (main exits 2). The variables every
// service shares (event store, ledger key, access, telemetry) come from @industrial/eventstore/config.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { natsEnvConfig, type NatsEnvSettings } from '@industrial/bus';
import { CameraSourcesConfig } from './adapters/images/camera-sources.ts';
import {
  accessEnv,
  checkEventStoreEnv,
  eventStoreConfig,
  eventStoreEnv,
  nonEmpty,
  parseEnv,
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
  type EventStoreConfig,
  type LogLevel,
  type TelemetryConfig,
} from '@industrial/eventstore/config';

const bool = z.enum(['true', 'false', '1', '0'], { message: 'must be true or false' }).transform((v) => v === 'true' || v === '1');

const EnvSchema = z
  .object({
    NATS_URL: nonEmpty.default('127.0.0.1:4222'),
    CONNECTIVITY_STATE_DIR: nonEmpty.default('./data/connectivity'),
    CONNECTIVITY_PKI_DIR: nonEmpty.optional(),
    CONNECTIVITY_AUTO_ACCEPT_CERTS: bool.default(false),
    CONNECTIVITY_SOURCES_FILE: nonEmpty.optional(),
    /** Camera sources of visual inspection (JSON: storeDir, folders, mqtt, upload). */
    CONNECTIVITY_CAMERAS_FILE: nonEmpty.optional(),
    CONNECTIVITY_OVERFLOW_POLICY: z.enum(['drop-oldest', 'drop-newest'], { message: 'must be "drop-oldest" or "drop-newest"' }).default('drop-oldest'),
    CONNECTIVITY_BUFFER_SYNC: z.enum(['NORMAL', 'FULL'], { message: 'must be NORMAL or FULL' }).default('NORMAL'),
    CONNECTIVITY_MQTT_MIRROR_URL: z
      .string()
      .regex(/^mqtts?:\/\/\S+$/, 'must be an mqtt:// URL')
      .optional(),
    CONNECTIVITY_MQTT_MIRROR_PREFIX: nonEmpty.default('uns'),
    /** The gRPC API (ConnectivityService) is served only when CONNECTIVITY_GRPC_PORT is set; it needs ACCESS_KEYS_DIR. */
    CONNECTIVITY_GRPC_HOST: nonEmpty.default('127.0.0.1'),
    // No default (port() has one, which would make the API always on): unset = no gRPC API; 0 = any free port.
    CONNECTIVITY_GRPC_PORT: z.coerce
      .number({ message: 'must be a port number' })
      .int('must be an integer port')
      .min(0, 'must be a port 0–65535')
      .max(65535, 'must be a port 0–65535')
      .optional(),
    ...accessEnv,
    ACCESS_KEYS_DIR: nonEmpty.optional(),
    ...eventStoreEnv,
    ...telemetryEnv,
    ...tlsEnv,
    ...grpcRateEnv,
    ...shutdownEnv(10_000),
  })
  .superRefine((env, ctx) => {
    checkTlsEnv(env, ctx);
    checkEventStoreEnv(env, ctx);
    if (env.CONNECTIVITY_GRPC_PORT !== undefined && env.ACCESS_KEYS_DIR === undefined)
      ctx.addIssue({ code: 'custom', path: ['ACCESS_KEYS_DIR'], message: 'is required when CONNECTIVITY_GRPC_PORT is set' });
  });

export interface ConnectivityConfig {
  natsUrl: string;
  /** NATS_PREFIX and credentials (NATS_NKEY_SEED_FILE | NATS_CREDS_FILE | NATS_USER + NATS_PASSWORD_FILE). */
  nats: NatsEnvSettings;
  stateDir: string;
  pkiDir: string | null;
  autoAcceptUnknownServerCertificates: boolean;
  sourcesFile: string | null;
  /** The sources CONNECTIVITY_SOURCES_FILE holds ([] without one). */
  sources: unknown[];
  /** The camera sources CONNECTIVITY_CAMERAS_FILE holds (null without one). */
  cameras: CameraSourcesConfig | null;
  /** ACCESS_KEYS_DIR with issuer/audience (the gRPC API and the camera upload server check tokens with it); null: unset. */
  access: AccessConfig | null;
  overflowPolicy: 'drop-oldest' | 'drop-newest';
  bufferSynchronous: 'NORMAL' | 'FULL';
  mqttMirror: { url: string; topicPrefix: string } | null;
  /** null: no gRPC API. */
  grpc: { host: string; port: number; access: AccessConfig } | null;
  eventStore: EventStoreConfig;
  ledgerKeyFile: string;
  telemetry: TelemetryConfig;
  /** TLS files of the gRPC server, its clients and the HTTP endpoints (README "TLS"). */
  tls: TlsConfig;
  /** Per-address and per-token limits of the gRPC server (GRPC_RATE_PER_SOURCE, GRPC_RATE_PER_TOKEN). */
  grpcRateLimit: GrpcRateConfig;
  logLevel: LogLevel;
  shutdownGraceMs: number;
}

export type ConfigResult = { ok: true; config: ConnectivityConfig } | { ok: false; message: string };

/** Parses the environment; empty strings count as unset. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): ConfigResult {
  const parsed = parseEnv(EnvSchema, env);
  if (!parsed.ok) return parsed;
  const nats = natsEnvConfig(env);
  if (!nats.ok) return nats;
  const e = parsed.data;
  let sources: unknown[] = [];
  if (e.CONNECTIVITY_SOURCES_FILE !== undefined) {
    try {
      const json: unknown = JSON.parse(readFileSync(e.CONNECTIVITY_SOURCES_FILE, 'utf8'));
      if (!Array.isArray(json)) throw new Error('must hold a JSON array of sources');
      sources = json;
    } catch (error) {
      return { ok: false, message: `CONNECTIVITY_SOURCES_FILE ${(error as Error).message}` };
    }
  }
  let cameras: CameraSourcesConfig | null = null;
  if (e.CONNECTIVITY_CAMERAS_FILE !== undefined) {
    try {
      const parsedCameras = CameraSourcesConfig.safeParse(JSON.parse(readFileSync(e.CONNECTIVITY_CAMERAS_FILE, 'utf8')));
      if (!parsedCameras.success) {
        const issue = parsedCameras.error.issues[0]!;
        throw new Error(`${issue.path.join('.') || '(file)'}: ${issue.message}`);
      }
      cameras = parsedCameras.data;
    } catch (error) {
      return { ok: false, message: `CONNECTIVITY_CAMERAS_FILE ${(error as Error).message}` };
    }
  }
  return {
    ok: true,
    config: {
      cameras,
      access: e.ACCESS_KEYS_DIR === undefined ? null : { keysDir: e.ACCESS_KEYS_DIR, issuer: e.ACCESS_ISSUER, audience: e.ACCESS_AUDIENCE },
      natsUrl: e.NATS_URL,
      nats: nats.nats,
      stateDir: e.CONNECTIVITY_STATE_DIR,
      pkiDir: e.CONNECTIVITY_PKI_DIR ?? null,
      autoAcceptUnknownServerCertificates: e.CONNECTIVITY_AUTO_ACCEPT_CERTS,
      sourcesFile: e.CONNECTIVITY_SOURCES_FILE ?? null,
      sources,
      overflowPolicy: e.CONNECTIVITY_OVERFLOW_POLICY,
      bufferSynchronous: e.CONNECTIVITY_BUFFER_SYNC,
      mqttMirror: e.CONNECTIVITY_MQTT_MIRROR_URL === undefined ? null : { url: e.CONNECTIVITY_MQTT_MIRROR_URL, topicPrefix: e.CONNECTIVITY_MQTT_MIRROR_PREFIX },
      grpc:
        e.CONNECTIVITY_GRPC_PORT === undefined || e.ACCESS_KEYS_DIR === undefined
          ? null
          : {
              host: e.CONNECTIVITY_GRPC_HOST,
              port: e.CONNECTIVITY_GRPC_PORT,
              access: { keysDir: e.ACCESS_KEYS_DIR, issuer: e.ACCESS_ISSUER, audience: e.ACCESS_AUDIENCE },
            },
      eventStore: eventStoreConfig(e),
      ledgerKeyFile: e.LEDGER_KEY_FILE,
      telemetry: telemetryConfig(e),
      tls: tlsConfig(e),
      grpcRateLimit: grpcRateConfig(e),
      logLevel: e.LOG_LEVEL,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    },
  };
}
