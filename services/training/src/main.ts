// Entry point of the standalone training process: config from the environment (once), then
// telemetry, then the event store, keys and (optionally) NATS, then the app. SIGTERM/SIGINT: stop
// accepting runs, finish (or cancel, TRAINING_SHUTDOWN=cancel) the running job, record queued ones
// as cancelled, drain calls, close the bus and the store, flush telemetry, exit 0. Bad config: exit 2.
import { loadKeySet } from '@industrial/access';
import { connectNatsBus, type Bus } from '@industrial/bus';
import { eventValidator } from '@industrial/contracts';
import type { EventStore } from '@industrial/eventstore';
import { openStoreFromConfig } from '@industrial/eventstore/config';
import { createLogger, initTelemetry } from '@industrial/telemetry';
import { createS3ArtifactStore } from './adapters/artifacts/s3.ts';
import { detectCodeVersion, PACKAGE_VERSION } from './adapters/code-version.ts';
import { createTrainingApp } from './app.ts';
import { loadConfig } from './config.ts';

async function main(): Promise<number> {
  const loaded = loadConfig(process.env);
  if (!loaded.ok) {
    process.stderr.write(`training: ${loaded.message}\n`);
    return 2;
  }
  const config = loaded.config;
  const telemetry = initTelemetry({
    serviceName: 'training',
    serviceVersion: PACKAGE_VERSION,
    exporter: config.telemetry.exporter,
    otlpEndpoint: config.telemetry.otlpEndpoint,
    sampleRatio: config.telemetry.sampleRatio,
    logLevel: config.logLevel,
  });
  const logger = createLogger('training', { level: config.logLevel });
  let store: EventStore | null = null;
  let bus: Bus | null = null;
  try {
    store = await openStoreFromConfig(config, { validator: eventValidator });
    if (config.natsUrl !== null) bus = await connectNatsBus({ servers: config.natsUrl, name: 'training' });
    const keySet = await loadKeySet(config.access.keysDir);
    const app = createTrainingApp({
      store,
      keySet,
      logger,
      ...(bus === null ? {} : { bus }),
      ...(config.artifacts.kind === 's3' ? { artifacts: createS3ArtifactStore({ endpoint: config.artifacts.endpoint, bucket: config.artifacts.bucket }) } : {}),
      config: {
        grpc: config.grpc,
        http: config.http,
        access: { issuer: config.access.issuer, audience: config.access.audience },
        artifactDir: config.artifacts.kind === 'fs' ? config.artifacts.dir : './data/artifacts',
        snapshotDir: config.snapshotDir,
        codeVersion: config.codeVersion ?? detectCodeVersion(),
        concurrency: config.concurrency,
        shutdownMode: config.shutdownMode,
        shutdownGraceMs: config.shutdownGraceMs,
      },
    });
    const signalled = new Promise<string>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    const ports = await app.start();
    // A line the launcher and tests can wait for.
    process.stdout.write(`training ready grpc=${ports.grpcPort} http=${ports.httpPort}\n`);
    const signal = await signalled;
    logger.info({ signal, mode: config.shutdownMode }, 'stopping');
    await app.stop();
    return 0;
  } catch (error) {
    logger.fatal({ err: error }, 'training failed');
    return 1;
  } finally {
    await bus?.drain().catch((error: unknown) => logger.error({ err: error }, 'draining the bus failed'));
    await store?.close().catch((error: unknown) => logger.error({ err: error }, 'closing the event store failed'));
    await telemetry.shutdown();
  }
}

process.exit(await main());
