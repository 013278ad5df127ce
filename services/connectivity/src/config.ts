// Configuration of the standalone connectivity process, read from the environment once (main.ts)
// into a typed object. Nothing below main.ts reads process.env. A bad value → one message naming
// the variable (main exits 2). The variables every service shares (event store, ledger key,
// telemetry) come from @industrial/eventstore/config.
import { z } from 'zod';
import {
  checkEventStoreEnv, eventStoreConfig, eventStoreEnv, nonEmpty, parseEnv, shutdownEnv, telemetryConfig, telemetryEnv,
  type EventStoreConfig, type LogLevel, type TelemetryConfig,
} from '@industrial/eventstore/config';

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
    ...eventStoreEnv,
    ...telemetryEnv,
    ...shutdownEnv(10_000),
  })
  .superRefine(checkEventStoreEnv);

export interface ConnectivityConfig {
  natsUrl: string;
  stateDir: string;
  pkiDir: string | null;
  autoAcceptUnknownServerCertificates: boolean;
  sourcesFile: string | null;
  overflowPolicy: 'drop-oldest' | 'drop-newest';
  bufferSynchronous: 'NORMAL' | 'FULL';
  mqttMirror: { url: string; topicPrefix: string } | null;
  eventStore: EventStoreConfig;
  ledgerKeyFile: string;
  telemetry: TelemetryConfig;
  logLevel: LogLevel;
  shutdownGraceMs: number;
}

export type ConfigResult = { ok: true; config: ConnectivityConfig } | { ok: false; message: string };

/** Parses the environment; empty strings count as unset. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): ConfigResult {
  const parsed = parseEnv(EnvSchema, env);
  if (!parsed.ok) return parsed;
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
      eventStore: eventStoreConfig(e),
      ledgerKeyFile: e.LEDGER_KEY_FILE,
      telemetry: telemetryConfig(e),
      logLevel: e.LOG_LEVEL,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    },
  };
}
