// Relay process for cluster mode: follows the PostgreSQL event store and publishes to NATS.
// Start two for high availability; only the lease holder publishes. It needs only the PUBLIC
// ledger key (it reads, never appends). Config from the environment, validated once.
import { readFileSync } from 'node:fs';
import { connectNatsBus } from '@industrial/bus';
import { ledgerKeyFromPem, openPostgresEventStore } from '@industrial/eventstore';
import { createLogger, initTelemetry } from '@industrial/telemetry';
import { z } from 'zod';
import { createRelay } from './relay.ts';
import { pgCoordination } from './postgres.ts';

const Env = z.object({
  PG_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  PG_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'must be a lowercase SQL identifier').default('eventstore'),
  NATS_URL: z.string().min(1, 'must not be empty').default('nats://127.0.0.1:4222'),
  LEDGER_KEY_FILE: z.string().min(1, 'is required (the public or private ledger key, PEM)'),
  OTEL_EXPORTER: z.enum(['otlp', 'none']).default('none'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().default('http://localhost:4318'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

const parsed = Env.safeParse(Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== '')));
if (!parsed.success) {
  const i = parsed.error.issues[0];
  process.stderr.write(`relay: invalid configuration: ${String(i?.path[0])} ${i?.message}\n`);
  process.exit(2);
}
const env = parsed.data;
const telemetry = initTelemetry({ serviceName: 'relay', serviceVersion: '0.1.0', exporter: env.OTEL_EXPORTER, otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT, sampleRatio: 1, logLevel: env.LOG_LEVEL });
const logger = createLogger('relay', { level: env.LOG_LEVEL });
const store = await openPostgresEventStore({ connectionString: env.PG_URL, schema: env.PG_SCHEMA, ledgerKey: ledgerKeyFromPem(readFileSync(env.LEDGER_KEY_FILE, 'utf8')), poolSize: 3 });
const bus = await connectNatsBus({ servers: env.NATS_URL, name: 'relay' });
const relay = createRelay({ store, bus, ...pgCoordination({ connectionString: env.PG_URL, name: env.PG_SCHEMA }), logger });
const stop = async (signal: string): Promise<void> => {
  logger.info({ signal }, 'stopping relay');
  await relay.stop();
};
process.once('SIGTERM', () => void stop('SIGTERM'));
process.once('SIGINT', () => void stop('SIGINT'));
logger.info({ schema: env.PG_SCHEMA }, 'relay waiting for the lease');
try {
  await relay.run();
} catch (e) {
  logger.fatal({ err: e }, 'relay failed');
  process.exitCode = 1;
} finally {
  await store.close().catch(() => undefined);
  await bus.drain().catch(() => undefined);
  await telemetry.shutdown();
}
