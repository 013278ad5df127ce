// Entry point of the charter process: config from the environment (once), then telemetry, then
// the event store, keys and ports, then the app. SIGTERM/SIGINT: stop accepting, drain in-flight
// calls, close the store, flush telemetry, exit 0. Bad config: one message, exit 2.
import { loadKeySet } from '@industrial/access';
import { createInProcBus } from '@industrial/bus';
import { eventValidator } from '@industrial/contracts';
import { DEFAULT_CONFIG as DATAOPS_DEFAULTS, createDataopsApp, openPostgresDataopsStore, type DataopsStore } from '@industrial/dataops';
import type { EventStore } from '@industrial/eventstore';
import { openStoreFromConfig } from '@industrial/eventstore/config';
import { createLogger, initTelemetry } from '@industrial/telemetry';
import { dataopsReader, dataopsSource } from './adapters/dataops.ts';
import { openAi4iCsv } from './adapters/historian/ai4i-csv.ts';
import { createCharterApp, type CharterAppDeps } from './app.ts';
import { loadConfig } from './config.ts';

const SERVICE_VERSION = '0.1.0';
// Reading the AI4I file: one row an hour from this instant (the file has no clock of its own).
const AI4I_START = Date.parse('2024-01-01T00:00:00Z');

async function main(): Promise<number> {
  const loaded = loadConfig(process.env);
  if (!loaded.ok) {
    process.stderr.write(`charter: ${loaded.message}\n`);
    return 2;
  }
  const config = loaded.config;
  const telemetry = initTelemetry({
    serviceName: 'charter',
    serviceVersion: SERVICE_VERSION,
    exporter: config.telemetry.exporter,
    otlpEndpoint: config.telemetry.otlpEndpoint,
    sampleRatio: config.telemetry.sampleRatio,
    logLevel: config.logLevel,
  });
  const logger = createLogger('charter', { level: config.logLevel });
  let store: EventStore | null = null;
  let dataopsStore: DataopsStore | null = null;
  try {
    store = await openStoreFromConfig(config, { validator: eventValidator });
    const keySet = await loadKeySet(config.access.keysDir);
    const ai4i = config.ai4i === null ? null : await openAi4iCsv({ path: config.ai4i.path, assetPath: config.ai4i.assetPath, start: AI4I_START });
    // Dataops' historian read in-process: an app that is never started (no consumers, no
    // retention), so it only answers reads; the dataops process owns ingest. Wins over the AI4I file.
    let ports: Pick<CharterAppDeps, 'historian' | 'catalog'> = ai4i === null ? {} : { historian: ai4i, catalog: ai4i };
    if (config.dataops !== null) {
      dataopsStore = await openPostgresDataopsStore({ connectionString: config.dataops.url, schema: config.dataops.schema, refinedIntervalMs: config.dataops.refinedIntervalMs });
      const dataops = createDataopsApp({
        store,
        data: dataopsStore,
        bus: createInProcBus(),
        keySet,
        logger,
        config: { ...DATAOPS_DEFAULTS, events: null, access: { issuer: config.access.issuer, audience: config.access.audience } },
      });
      const reader = dataopsReader(dataopsSource(dataops, dataopsStore));
      ports = { historian: reader, catalog: reader };
    }
    const app = createCharterApp({
      store,
      keySet,
      logger,
      config: { grpc: config.grpc, http: config.http, access: { issuer: config.access.issuer, audience: config.access.audience }, plantTimeZone: config.plantTimeZone, shutdownGraceMs: config.shutdownGraceMs },
      ...ports,
    });
    const signalled = new Promise<string>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    const listening = await app.start();
    process.stdout.write(`charter ready grpc=${listening.grpcPort} http=${listening.httpPort}\n`);
    const signal = await signalled;
    logger.info({ signal }, 'stopping');
    await app.stop();
    return 0;
  } catch (error) {
    logger.fatal({ err: error }, 'charter failed');
    return 1;
  } finally {
    await dataopsStore?.close().catch((error: unknown) => logger.error({ err: error }, 'closing the dataops store failed'));
    await store?.close().catch((error: unknown) => logger.error({ err: error }, 'closing the event store failed'));
    await telemetry.shutdown();
  }
}

process.exit(await main());
