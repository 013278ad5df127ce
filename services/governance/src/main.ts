// Entry point of the standalone governance process: config from the environment (once), then
// telemetry, then the event store and keys, then the app. SIGTERM/SIGINT: stop accepting, drain
// in-flight calls, close the store, flush telemetry, exit 0. Bad config: one message, exit 2.
import { loadKeySet } from '@industrial/access';
import { eventValidator } from '@industrial/contracts';
import type { EventStore } from '@industrial/eventstore';
import { openStoreFromConfig } from '@industrial/eventstore/config';
import { createLogger, initTelemetry } from '@industrial/telemetry';
import { createGovernanceApp } from './app.ts';
import { loadConfig } from './config.ts';

const SERVICE_VERSION = '0.1.0';

async function main(): Promise<number> {
  const loaded = loadConfig(process.env);
  if (!loaded.ok) {
    process.stderr.write(`governance: ${loaded.message}\n`);
    return 2;
  }
  const config = loaded.config;
  const telemetry = initTelemetry({
    serviceName: 'governance',
    serviceVersion: SERVICE_VERSION,
    exporter: config.telemetry.exporter,
    otlpEndpoint: config.telemetry.otlpEndpoint,
    sampleRatio: config.telemetry.sampleRatio,
    logLevel: config.logLevel,
  });
  const logger = createLogger('governance', { level: config.logLevel });
  let store: EventStore | null = null;
  try {
    store = await openStoreFromConfig(config, { validator: eventValidator });
    const keySet = await loadKeySet(config.access.keysDir);
    const app = createGovernanceApp({
      store,
      keySet,
      logger,
      config: { grpc: config.grpc, http: config.http, access: { issuer: config.access.issuer, audience: config.access.audience }, shutdownGraceMs: config.shutdownGraceMs },
    });

    const signalled = new Promise<string>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    const ports = await app.start();
    // A line the launcher and tests can wait for.
    process.stdout.write(`governance ready grpc=${ports.grpcPort} http=${ports.httpPort}\n`);
    const signal = await signalled;
    logger.info({ signal }, 'stopping');
    await app.stop();
    // Sign the chain head we stop at, so the next verify can prove nothing was rewritten meanwhile.
    if (config.anchorFile !== null) await store.anchor();
    return 0;
  } catch (error) {
    logger.fatal({ err: error }, 'governance failed');
    return 1;
  } finally {
    await store?.close().catch((error: unknown) => logger.error({ err: error }, 'closing the event store failed'));
    await telemetry.shutdown();
  }
}

process.exit(await main());
