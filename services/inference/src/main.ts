// Entry point of the standalone inference process: config from the environment (once; a bad
// value → one message, exit 2), telemetry, event store, NATS, keys, then the app. Replica
// membership: live heartbeats on NATS (INFERENCE_MEMBERSHIP=nats, the default without
// INFERENCE_REPLICAS) or the static list. SIGTERM/SIGINT: stop the UNS consumer after its in-flight
// batch, say "leaving" (the survivors take over), drain gRPC/HTTP, drain NATS, close the store.
import { loadKeySet } from '@industrial/access';
import { createNatsBus } from '@industrial/bus';
import { eventValidator } from '@industrial/contracts';
import type { EventStore } from '@industrial/eventstore';
import { eventStoreConfig, openStoreFromConfig } from '@industrial/eventstore/config';
import { createLogger, initTelemetry } from '@industrial/telemetry';
import { connect } from '@nats-io/transport-node';
import { natsMembership } from './adapters/nats/membership.ts';
import { natsUnsReplay } from './adapters/nats/uns.ts';
import { createInferenceApp } from './app.ts';
import { loadConfig } from './config.ts';

async function main(): Promise<number> {
  const loaded = loadConfig(process.env);
  if (!loaded.ok) {
    process.stderr.write(`inference: ${loaded.message}\n`);
    return 2;
  }
  const c = loaded.config;
  const telemetry = initTelemetry({ serviceName: 'inference', serviceVersion: '0.1.0', exporter: c.OTEL_EXPORTER, otlpEndpoint: c.OTEL_EXPORTER_OTLP_ENDPOINT, sampleRatio: c.OTEL_SAMPLE_RATIO, logLevel: c.LOG_LEVEL });
  const logger = createLogger('inference', { level: c.LOG_LEVEL });
  let store: EventStore | null = null;
  let nc: Awaited<ReturnType<typeof connect>> | null = null;
  try {
    store = await openStoreFromConfig({ eventStore: eventStoreConfig(c), ledgerKeyFile: c.LEDGER_KEY_FILE }, { validator: eventValidator });
    nc = await connect({ servers: c.NATS_URL, name: `inference-${c.INFERENCE_REPLICA_ID}`, maxReconnectAttempts: -1 });
    const bus = await createNatsBus(nc, { logger, ownsConnection: false });
    const m = c.membership;
    const membership = m.mode === 'static' ? null : natsMembership(nc, {
      group: m.group, replicaId: c.INFERENCE_REPLICA_ID, heartbeatMs: m.heartbeatMs, expireMs: m.expireMs, log: logger,
      onEvent: (e) => logger.info({ event: e.kind, peer: e.replicaId, peerNonce: e.nonce }, 'replica membership event'),
    });
    const app = createInferenceApp({
      store, bus, keySet: await loadKeySet(c.ACCESS_KEYS_DIR), logger, unsReplay: natsUnsReplay(nc), membership,
      config: {
        grpc: { host: c.INFERENCE_GRPC_HOST, port: c.INFERENCE_GRPC_PORT }, http: { host: c.INFERENCE_HTTP_HOST, port: c.INFERENCE_HTTP_PORT },
        access: { issuer: c.ACCESS_ISSUER, audience: c.ACCESS_AUDIENCE }, replicaId: c.INFERENCE_REPLICA_ID, replicas: c.replicas, shutdownGraceMs: c.SHUTDOWN_GRACE_MS,
      },
    });
    const signalled = new Promise<string>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    const ports = await app.start();
    process.stdout.write(`inference ready grpc=${ports.grpcPort} http=${ports.httpPort}\n`);
    logger.info({ signal: await signalled }, 'stopping');
    await app.stop();
    await bus.drain();
    return 0;
  } catch (error) {
    logger.fatal({ err: error }, 'inference failed');
    return 1;
  } finally {
    await nc?.drain().catch(() => undefined);
    await store?.close().catch((error: unknown) => logger.error({ err: error }, 'closing the event store failed'));
    await telemetry.shutdown();
  }
}

process.exit(await main());
