// Entry point of the standalone connectivity process: config from the environment (once), then
// telemetry, the event store and the bus, then the app. SIGTERM/SIGINT: stop sampling, write the
// last partial batches to the buffer, forward what NATS takes within the grace period (the rest
// stays on disk for the next start), drain the bus, close the store. Bad config: one message, exit 2.
import { readFile } from 'node:fs/promises';
import { connectNatsBus, type Bus } from '@industrial/bus';
import { eventValidator } from '@industrial/contracts';
import type { EventStore } from '@industrial/eventstore';
import { openStoreFromConfig } from '@industrial/eventstore/config';
import { createLogger, initTelemetry } from '@industrial/telemetry';
import { createConnectivityApp } from './app.ts';
import { loadConfig } from './config.ts';

const SERVICE_VERSION = '0.1.0';

async function main(): Promise<number> {
  const loaded = loadConfig(process.env);
  if (!loaded.ok) {
    process.stderr.write(`connectivity: ${loaded.message}\n`);
    return 2;
  }
  const config = loaded.config;
  let sources: unknown[] = [];
  if (config.sourcesFile !== null) {
    try {
      const parsed: unknown = JSON.parse(await readFile(config.sourcesFile, 'utf8'));
      if (!Array.isArray(parsed)) throw new Error('must hold a JSON array of sources');
      sources = parsed;
    } catch (e) {
      process.stderr.write(`connectivity: CONNECTIVITY_SOURCES_FILE ${(e as Error).message}\n`);
      return 2;
    }
  }
  const telemetry = initTelemetry({
    serviceName: 'connectivity',
    serviceVersion: SERVICE_VERSION,
    exporter: config.telemetry.exporter,
    otlpEndpoint: config.telemetry.otlpEndpoint,
    sampleRatio: config.telemetry.sampleRatio,
    logLevel: config.logLevel,
  });
  const logger = createLogger('connectivity', { level: config.logLevel, redact: ['auth.password', '*.auth.password'] });
  let store: EventStore | null = null;
  let bus: Bus | null = null;
  try {
    store = await openStoreFromConfig(config, { validator: eventValidator });
    bus = await connectNatsBus({ servers: config.natsUrl, name: 'connectivity', logger });
    const app = createConnectivityApp({
      store,
      bus,
      logger,
      config: {
        stateDir: config.stateDir,
        ...(config.pkiDir === null ? {} : { pkiDir: config.pkiDir }),
        autoAcceptUnknownServerCertificates: config.autoAcceptUnknownServerCertificates,
        overflowPolicy: config.overflowPolicy,
        bufferSynchronous: config.bufferSynchronous,
        mqttMirror: config.mqttMirror,
        sources,
      },
    });
    const signalled = new Promise<string>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    await app.start();
    process.stdout.write('connectivity ready\n');
    const signal = await signalled;
    logger.info({ signal }, 'stopping');
    await app.stop({ drainMs: config.shutdownGraceMs });
    await bus.drain();
    bus = null;
    return 0;
  } catch (error) {
    logger.fatal({ err: error }, 'connectivity failed');
    return 1;
  } finally {
    await bus?.close().catch(() => {});
    await store?.close().catch((error: unknown) => logger.error({ err: error }, 'closing the event store failed'));
    await telemetry.shutdown();
  }
}

process.exit(await main());
