// The relay process as a service of the shared lifecycle (runService): validated config,
// telemetry first, the PostgreSQL event store (read only: the PUBLIC ledger key is enough) and
// NATS, then the relay waits for the lease and publishes. Ready line: `relay ready schema=…`
// (printed while it may still be waiting for the lease; "relay holds the lease" follows in the
// log). The process ends on SIGTERM/SIGINT, or by itself when the relay stops (lease lost: exit 0;
// failed: exit 1) — `onEnded` is the stop signal for that.
import { readFile } from 'node:fs/promises';
import { connectNats, createNatsBus, eventSigningKeyFromPem, natsEnvConfig, NATS_ENV_HELP, type EventSigningKey, type NatsEnvSettings } from '@industrial/bus';
import { ledgerKeyFromPem, openPostgresEventStore } from '@industrial/eventstore';
import { eventStoreEnv, nonEmpty, parseEnv, telemetryConfig, telemetryEnv } from '@industrial/eventstore/config';
import type { ServiceBaseConfig, ServiceDefinition } from '@industrial/kernel/service';
import { z } from 'zod';
import { pgCoordination } from './postgres.ts';
import { createRelay } from './relay.ts';
import { relayMetrics } from './metrics.ts';

const Env = z.object({
  PG_URL: z.url({ protocol: /^postgres(ql)?$/, message: 'must be a postgres:// URL' }),
  PG_SCHEMA: eventStoreEnv.PG_SCHEMA,
  NATS_URL: nonEmpty.default('nats://127.0.0.1:4222'),
  LEDGER_KEY_FILE: nonEmpty,
  ...telemetryEnv,
});

export interface RelayConfig extends ServiceBaseConfig {
  readonly pgUrl: string;
  readonly schema: string;
  readonly natsUrl: string;
  readonly ledgerKeyFile: string;
  readonly nats: NatsEnvSettings;
}

export const HELP = `relay — follows the PostgreSQL event store and publishes every committed event to NATS JetStream
(evt.v1.<service>.<Type>). Start two: the one holding the PostgreSQL advisory lock publishes, the other waits.

Environment:
  PG_URL                    —            postgres://… of the event store (required)
  PG_SCHEMA                 eventstore   the store's schema (also names the lease and the checkpoint)
  NATS_URL                  nats://127.0.0.1:4222
  LEDGER_KEY_FILE           —            the ledger key, PEM: the PRIVATE key (events are signed with a key derived from it) (required)
${NATS_ENV_HELP}
  OTEL_EXPORTER             none         otlp | none
  OTEL_EXPORTER_OTLP_ENDPOINT  http://localhost:4318
  OTEL_SAMPLE_RATIO         1
  LOG_LEVEL                 info

Exit codes: 0 stopped (SIGTERM/SIGINT, or the lease was lost), 1 failed, 2 bad configuration.
`;

/** Every variable the help must name. */
export const RELAY_KEYS: readonly string[] = Object.keys(Env.shape);

export function loadRelayConfig(env: Readonly<Record<string, string | undefined>>) {
  const parsed = parseEnv(Env, env);
  if (!parsed.ok) return parsed;
  const e = parsed.data;
  const nats = natsEnvConfig(env);
  if (!nats.ok) return nats;
  const config: RelayConfig = {
    nats: nats.nats,
    pgUrl: e.PG_URL,
    schema: e.PG_SCHEMA,
    natsUrl: e.NATS_URL,
    ledgerKeyFile: e.LEDGER_KEY_FILE,
    telemetry: telemetryConfig(e),
    logLevel: e.LOG_LEVEL,
  };
  return { ok: true as const, config };
}

export interface RelayServiceOptions {
  /** Called when the relay stops by itself (lease lost, failure): the process should stop. */
  readonly onEnded?: (why: string) => void;
}

export function relayService(options: RelayServiceOptions = {}): ServiceDefinition<RelayConfig> {
  return {
    name: 'relay',
    version: '0.1.0',
    help: HELP,
    loadConfig: loadRelayConfig,
    async start(ctx) {
      const { config, logger } = ctx;
      let pem: string;
      try {
        pem = await readFile(config.ledgerKeyFile, 'utf8');
      } catch (error) {
        throw new Error(`LEDGER_KEY_FILE ${config.ledgerKeyFile} cannot be read: ${(error as Error).message}`, { cause: error });
      }
      let signingKey: EventSigningKey;
      try {
        signingKey = eventSigningKeyFromPem(pem);
      } catch (error) {
        throw new Error(`LEDGER_KEY_FILE ${config.ledgerKeyFile}: ${(error as Error).message}`, { cause: error });
      }
      const store = await openPostgresEventStore({ connectionString: config.pgUrl, schema: config.schema, ledgerKey: ledgerKeyFromPem(pem), poolSize: 3 });
      ctx.onClose(() => store.close(), 'event store');
      // A SIGTERM while NATS does not answer (a rolling deploy) abandons the connect: exit 0 at once.
      ctx.waitingFor(`NATS at ${config.natsUrl}`);
      const nc = await connectNats({ servers: config.natsUrl, name: 'relay', ...config.nats, signal: ctx.signal });
      ctx.waitingFor(null);
      const bus = await createNatsBus(nc, { ownsConnection: true, ...config.nats }).catch(async (error: unknown) => {
        await nc.close();
        throw error;
      });
      ctx.onClose(() => bus.drain(), 'NATS connection');
      ctx.signal.throwIfAborted(); // stopped meanwhile: the bus is closed already, open nothing more
      const relay = createRelay({ store, bus, signingKey, ...pgCoordination({ connectionString: config.pgUrl, name: config.schema }), logger });
      ctx.onClose(relayMetrics(store, relay), 'relay metrics');
      let stopping = false;
      let failure: unknown = null;
      logger.info({ schema: config.schema }, 'relay waiting for the lease');
      const running = relay.run().then(
        () => {
          if (!stopping) options.onEnded?.('relay stopped');
        },
        (error: unknown) => {
          // Stopping while waiting for the lease rejects the wait: that is a clean stop.
          if (stopping) return;
          failure = error;
          options.onEnded?.('relay failed');
        },
      );
      return {
        ready: `schema=${config.schema}`,
        async stop() {
          stopping = true;
          await relay.stop();
          await running;
          if (failure) throw failure;
        },
      };
    },
  };
}
