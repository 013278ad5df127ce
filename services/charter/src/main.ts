// Entry point of the charter process: the shared service lifecycle (runService: validated config,
// telemetry first, the event store, start, one ready line, SIGTERM drains and closes), with the
// charter's ports: dataops over its gRPC API when CHARTER_DATAOPS_GRPC_URL is set, else the AI4I
// file when CHARTER_AI4I_CSV is, else none (KPIs and feasibility then answer FAILED_PRECONDITION).
import { loadKeySet } from '@industrial/access';
import { runService } from '@industrial/kernel/service';
import { Service } from '@industrial/contracts';
import { connectDataops } from './adapters/dataops/connect.ts';
import { openAi4iCsv } from './adapters/historian/ai4i-csv.ts';
import { tokenFromFile } from './adapters/token-file.ts';
import { createCharterApp, type CharterAppDeps } from './app.ts';
import { loadConfig } from './config.ts';

// Reading the AI4I file: one row an hour from this instant (the file has no clock of its own).
const AI4I_START = Date.parse('2024-01-01T00:00:00Z');

const HELP = `charter: the use-case charter service (CharterService over gRPC, health over HTTP).

Environment:
  CHARTER_GRPC_HOST / CHARTER_GRPC_PORT   gRPC listen address (127.0.0.1:50052)
  CHARTER_HTTP_HOST / CHARTER_HTTP_PORT   health probes (127.0.0.1:8082)
  PLANT_TIMEZONE                          IANA zone of the plant, for reports (UTC)
  EVENTSTORE, SQLITE_PATH, PG_URL, PG_SCHEMA, LEDGER_KEY_FILE, ANCHOR_FILE   the shared event store
  ACCESS_KEYS_DIR, ACCESS_ISSUER, ACCESS_AUDIENCE                            token verification
  CHARTER_DATAOPS_GRPC_URL                host:port of dataops' gRPC API: states, counts, catalog
  CHARTER_DATAOPS_TOKEN_FILE              file with the charter's service-account token for dataops
  CHARTER_AI4I_CSV / CHARTER_AI4I_ASSET   without dataops: the AI4I file as catalog and failure history
  CHARTER_KPI_SCHEDULE                    measure approved use cases' KPIs "every <n><m|h|d|w>" (unset: on request only)
  CHARTER_KPI_CLOCK                       plant (the historian's newest sample of the use case's asset) or wall (plant)
  CHARTER_KPI_CHECK_MS / CHARTER_KPI_IDEAL_CYCLE_TIME_S   wall ms between looks (60000); ideal cycle time for OEE (0: not computed)
  OTEL_EXPORTER, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SAMPLE_RATIO, LOG_LEVEL, SHUTDOWN_GRACE_MS
  GRPC_TLS_CERT_FILE, GRPC_TLS_KEY_FILE, GRPC_TLS_CLIENT_CA_FILE   gRPC server TLS (+ mutual TLS); unset: plaintext
  GRPC_TLS_CA_FILE, GRPC_TLS_CLIENT_CERT_FILE, GRPC_TLS_CLIENT_KEY_FILE   TLS to dataops (+ client certificate)
  HTTP_TLS_CERT_FILE, HTTP_TLS_KEY_FILE   HTTPS for the health probes
  GRPC_RATE_PER_SOURCE, GRPC_RATE_PER_TOKEN   gRPC refused calls per address / calls per token: <burst>/<per second> or off (100/50, 1000/200)
`;

process.exit(
  await runService({
    name: Service.Charter,
    version: '0.1.0',
    help: HELP,
    loadConfig,
    async start(ctx) {
      const { config, logger } = ctx;
      const store = await ctx.openStore(config);
      const keySet = await loadKeySet(config.access.keysDir);
      let ports: Pick<CharterAppDeps, 'historian' | 'catalog'> = {};
      if (config.dataops !== null) {
        const token = tokenFromFile(config.dataops.tokenFile);
        token(); // a missing or empty token file stops the start here, naming the file
        const dataops = connectDataops({ address: config.dataops.grpcAddress, token, tls: config.tls.grpcClient });
        ctx.onClose(() => dataops.close(), 'dataops gRPC channel');
        ports = { historian: dataops.reader, catalog: dataops.reader };
      } else if (config.ai4i !== null) {
        const ai4i = await openAi4iCsv({ path: config.ai4i.path, assetPath: config.ai4i.assetPath, start: AI4I_START });
        ports = { historian: ai4i, catalog: ai4i };
      }
      const app = createCharterApp({
        store,
        keySet,
        logger,
        config: {
          grpc: config.grpc,
          http: config.http,
          access: { issuer: config.access.issuer, audience: config.access.audience },
          plantTimeZone: config.plantTimeZone,
          shutdownGraceMs: config.shutdownGraceMs,
          kpiSchedule: config.kpiSchedule,
          tls: config.tls,
          rateLimit: config.grpcRateLimit,
        },
        ...ports,
      });
      const listening = await app.start();
      return { ready: `grpc=${listening.grpcPort} http=${listening.httpPort}`, stop: () => app.stop() };
    },
  }),
);
