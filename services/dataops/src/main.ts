// Entry point of the dataops process: validates the environment once (exit 2 naming the bad
// variable), opens the stores and NATS, runs the app; SIGTERM drains consumers, then closes.
import { loadKeySet } from '@industrial/access';
import { connectNatsBus } from '@industrial/bus';
import { eventValidator } from '@industrial/contracts';
import { openStoreFromConfig } from '@industrial/eventstore/config';
import { createLogger } from '@industrial/telemetry';
import { createDataopsApp } from './app.ts';
import { loadConfig } from './config.ts';
import { openPostgresDataopsStore } from './adapters/historian/postgres.ts';
import { openSqliteDataopsStore } from './adapters/historian/sqlite.ts';
import { createDataopsGrpcServer } from './adapters/grpc/server.ts';

async function main(): Promise<void> {
  const loaded = loadConfig(process.env);
  if (!loaded.ok) {
    process.stderr.write(`dataops: ${loaded.message}\n`);
    process.exit(2);
  }
  for (const warning of loaded.warnings) process.stderr.write(`dataops: ${warning}\n`);
  const config = loaded.config;
  const logger = createLogger('dataops', { level: 'info' });
  const store = await openStoreFromConfig(config, { validator: eventValidator });
  const s = config.storage;
  const data = s.kind === 'postgres'
    ? await openPostgresDataopsStore({ connectionString: s.url, schema: s.schema, refinedIntervalMs: config.refinedIntervalMs })
    : await openSqliteDataopsStore({ path: s.path, refinedIntervalMs: config.refinedIntervalMs });
  const bus = await connectNatsBus({ servers: config.natsUrl, name: 'dataops' });
  const keySet = await loadKeySet(config.access.keysDir);
  const app = createDataopsApp({ store, data, bus, keySet, logger, config: config.app });
  const grpc = createDataopsGrpcServer({ app, store, keySet, access: config.app.access, logger });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'dataops stopping: draining consumers');
    const force = setTimeout(() => process.exit(1), config.shutdownGraceMs).unref();
    (async () => {
      try {
        await grpc.shutdown({ graceMs: Math.max(0, config.shutdownGraceMs - 1000) });
        await app.stop();
        await bus.drain();
      } finally {
        await data.close();
        await store.close();
        clearTimeout(force);
      }
    })().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'dataops stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  await app.start();
  const port = await grpc.listen(`${config.grpc.host}:${config.grpc.port}`);
  logger.info({ port }, 'dataops gRPC listening');
}

main().catch((err: unknown) => {
  process.stderr.write(`dataops failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
