// Entry point of the dataops process: the shared service lifecycle (runService: validated config,
// telemetry first, the event store (the app writes through its kernel), the historian store and NATS, then the app and its
// gRPC server; SIGTERM drains the gRPC calls and consumers, then everything closes in reverse).
// Prints "dataops ready grpc=<port>" once serving.
import { loadKeySet } from '@industrial/access';
import { readFile } from 'node:fs/promises';
import { connectNatsBus, eventSigningKeyFromPem, eventVerifier, NATS_ENV_HELP } from '@industrial/bus';
import { createHealthHttp } from '@industrial/grpc';
import { runService } from '@industrial/kernel/service';
import { createDataopsApp, SERVICE_NAME } from './app.ts';
import { loadConfig, type DataopsProcessConfig } from './config.ts';
import { openPostgresDataopsStore } from './adapters/historian/postgres.ts';
import { openSqliteDataopsStore } from './adapters/historian/sqlite.ts';
import { createDataopsGrpcServer } from './adapters/grpc/server.ts';

const HELP = `dataops: historian (UNS → raw, refined, rollup layers), data quality, catalog, labels, CSV import
and dataset snapshots; gRPC industrial.dataops.v1.DataOpsService.

Environment:
  NATS_URL                      NATS server (default 127.0.0.1:4222)
${NATS_ENV_HELP}
  DATAOPS_GRPC_HOST / _PORT     gRPC listen address (default 127.0.0.1:50053)
  DATAOPS_HTTP_HOST / _PORT     health probes GET /healthz, /readyz (served when the port is set; host default 127.0.0.1)
  DATAOPS_STORE                 historian + metadata storage: sqlite (default) or postgres
  DATAOPS_PG_SCHEMA             its PostgreSQL schema (default dataops); DATAOPS_SQLITE_PATH its file
  EVENTSTORE                    event store: postgres or sqlite (default: as DATAOPS_STORE)
  PG_URL, PG_SCHEMA, SQLITE_PATH, LEDGER_KEY_FILE   event store wiring (shared with every service)
  ACCESS_KEYS_DIR, ACCESS_ISSUER, ACCESS_AUDIENCE   token verification
  OTEL_EXPORTER, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SAMPLE_RATIO, LOG_LEVEL   telemetry
  GRPC_TLS_CERT_FILE, GRPC_TLS_KEY_FILE   gRPC over TLS (unset: plaintext, loopback only); GRPC_TLS_CLIENT_CA_FILE: mutual TLS
  GRPC_RATE_PER_SOURCE, GRPC_RATE_PER_TOKEN   gRPC refused calls per address / calls per token: <burst>/<per second> or off (100/50, 1000/200)
  DATAOPS_REFINED_INTERVAL_MS   refined bucket width (default 1000)
  DATAOPS_RAW_RETENTION_DAYS    raw samples kept (plant time, default 30); DATAOPS_RETENTION_EVERY_MS how often
  DATAOPS_SNAPSHOT_DIR          snapshot files (default ./data/snapshots)
  DATAOPS_IMAGE_STORE_DIR       image store of visual inspection: operator verdicts become image labels (none by default)
  DATAOPS_IMPORT_MAX_BYTES / _ROWS   size limits of one CSV import (default 67108864 bytes, 2000000 rows)
  DATAOPS_CONSUMERS             concurrent UNS handlers (default 8)
  DATAOPS_FLATLINE_WINDOW_MS, DATAOPS_QUALITY_MIN_WINDOW_MS, DATAOPS_REPORT_BY_EXCEPTION   quality rules
  DATAOPS_QUALITY_ADAPTIVE      adaptive (rolling) limits per tag, JSON: [{"tag":"pressure","assetPath":"<prefix>","windowMs":86400000,"k":4,"minPoints":30,"raiseAfterMs":0,"clearAfterMs":60000}]
  CODE_VERSION                  recorded in snapshot lineage
  SHUTDOWN_GRACE_MS             drain time on SIGTERM (default 10000)
Deprecated (a warning): EVENTSTORE_PG_SCHEMA → PG_SCHEMA, EVENTSTORE_SQLITE_PATH → SQLITE_PATH.`;

process.exit(
  await runService<DataopsProcessConfig>({
    name: SERVICE_NAME,
    version: '0.1.0',
    help: HELP,
    loadConfig(env) {
      const loaded = loadConfig(env);
      if (loaded.ok) for (const warning of loaded.warnings) process.stderr.write(`dataops: ${warning}\n`);
      return loaded;
    },
    writablePaths: (c) => [{ setting: 'DATAOPS_SNAPSHOT_DIR', path: c.app.snapshotDir, kind: 'dir' }],
    async start(ctx) {
      const { config, logger } = ctx;
      const store = await ctx.openStore(config);
      const s = config.storage;
      const data =
        s.kind === 'postgres'
          ? await openPostgresDataopsStore({ connectionString: s.url, schema: s.schema, refinedIntervalMs: config.refinedIntervalMs })
          : await openSqliteDataopsStore({ path: s.path, refinedIntervalMs: config.refinedIntervalMs });
      ctx.onClose(() => data.close(), 'historian store');
      const bus = await connectNatsBus({
        servers: config.natsUrl,
        name: SERVICE_NAME,
        ...config.nats,
        // Integration events are applied only when the relay's signature verifies (ADR 0010).
        verifyEvents: eventVerifier(eventSigningKeyFromPem(await readFile(config.ledgerKeyFile, 'utf8'))),
      });
      ctx.onClose(() => bus.drain(), 'NATS connection');
      const keySet = await loadKeySet(config.access.keysDir);
      const app = createDataopsApp({ store, data, bus, keySet, logger, config: config.app });
      const grpc = createDataopsGrpcServer({
        app,
        kernel: app.kernel,
        keySet,
        access: config.app.access,
        logger,
        tls: config.tls.grpcServer,
        rateLimit: config.grpcRateLimit,
      });
      await app.start();
      const port = await grpc.listen(`${config.grpc.host}:${config.grpc.port}`);
      // Probes: /healthz the process answers; /readyz the event store answers and gRPC serves.
      let serving = true;
      const http = config.http === null ? null : createHealthHttp({ storeAnswers: () => store.headPosition(), serving: () => serving, tls: config.tls.http });
      if (http !== null && config.http !== null) await http.listen({ host: config.http.host, port: config.http.port });
      const httpAddress = http?.server.address();
      return {
        ready: `grpc=${port}${typeof httpAddress === 'object' && httpAddress !== null ? ` http=${httpAddress.port}` : ''}`,
        async stop() {
          serving = false;
          await http?.close();
          await grpc.shutdown({ graceMs: Math.max(0, config.shutdownGraceMs - 1000) });
          await app.stop();
        },
      };
    },
  }),
);
