// Entry point of the integration process: the shared service lifecycle (runService) with the
// integration's ports: the event store (its own streams), the bus (inference's prompt events,
// signatures verified), inference's gateway for outcomes and SCADA acknowledges.
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { loadKeySet } from '@industrial/access';
import { connectNatsBus, eventSigningKeyFromPem, eventVerifier, NATS_ENV_HELP } from '@industrial/bus';
import { createKernel } from '@industrial/kernel';
import { runService } from '@industrial/kernel/service';
import { startEdgeRole } from './adapters/edge/edge-role.ts';
import { inferenceGateway } from './adapters/http/inference.ts';
import { readSetupFile } from './adapters/setup-file.ts';
import { createIntegrationApp, SERVICE_NAME } from './app.ts';
import { loadConfig } from './config.ts';

const HELP = `integration: outbound actions of prompts (CMMS work orders, signed webhooks), notifications with
escalation, prompts into SCADA (MQTT/Sparkplug B, OPC UA Alarms & Conditions).

Environment:
  INTEGRATION_HTTP_HOST / INTEGRATION_HTTP_PORT   API and probes (127.0.0.1:8089)
  INTEGRATION_SETUP_FILE                 JSON: rules, rosters, connectors, channels, mqtt, opcua (none: nothing outbound)
  INTEGRATION_INFERENCE_URL              inference's gateway (outcomes of completed work orders, SCADA acknowledges)
  INTEGRATION_INFERENCE_TOKEN_FILE       bearer token of the integration account (a role with recommendation.decide)
  INTEGRATION_SYNC_INTERVAL_MS           how often completed work orders are looked up (30000)
  INTEGRATION_EDGE_ROLE                  none | edge | central (npm run edge / npm run central; none)
  INTEGRATION_EDGE_SITES                 edge: this site's name; central: the sites, comma-separated
  INTEGRATION_EDGE_HUB_DOMAIN            the centre's JetStream domain (hub)
  INTEGRATION_EDGE_CHECKPOINT_FILE       edge: the uplink's position in the site's store
  INTEGRATION_EDGE_PG_SCHEMA             central: schema of the sites' per-asset positions (integration_edge)
  EVENTSTORE, SQLITE_PATH, PG_URL, PG_SCHEMA, LEDGER_KEY_FILE, ANCHOR_FILE   the shared event store
  ACCESS_KEYS_DIR, ACCESS_ISSUER, ACCESS_AUDIENCE                            token verification
  OTEL_EXPORTER, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SAMPLE_RATIO, LOG_LEVEL, SHUTDOWN_GRACE_MS
  HTTP_TLS_CERT_FILE, HTTP_TLS_KEY_FILE   HTTPS for the API and probes; unset: plain HTTP
${NATS_ENV_HELP}`;

process.exit(
  await runService({
    name: SERVICE_NAME,
    version: '0.1.0',
    help: HELP,
    loadConfig,
    async start(ctx) {
      const { config, logger } = ctx;
      const store = await ctx.openStore(config);
      const kernel = createKernel({ service: SERVICE_NAME, store });
      const bus = await connectNatsBus({
        servers: config.natsUrl,
        name: SERVICE_NAME,
        ...config.nats,
        verifyEvents: eventVerifier(eventSigningKeyFromPem(await readFile(config.ledgerKeyFile, 'utf8'))),
      });
      ctx.onClose(() => bus.drain(), 'NATS connection');
      const keySet = await loadKeySet(config.access.keysDir);
      const inference =
        config.inference === null
          ? null
          : inferenceGateway({ baseUrl: config.inference.url, token: () => readFileSync(config.inference?.tokenFile ?? '', 'utf8').trim() });
      const app = createIntegrationApp({
        kernel,
        // At an edge site the prompts' outbound actions are the centre's (it receives the site's prompts
        // through the uplink, and its relay puts them on its EVENTS): the site has no EVENTS stream.
        bus: config.edge.role === 'edge' ? null : bus,
        keySet,
        logger,
        setup: readSetupFile(config.setupFile),
        config: {
          http: config.http,
          access: { issuer: config.access.issuer, audience: config.access.audience },
          syncIntervalMs: config.syncIntervalMs,
          httpTls: config.tls.http,
        },
        inference,
      });
      const started = await app.start();
      const edge = await startEdgeRole({
        config: config.edge,
        nats: { servers: config.natsUrl, ...config.nats },
        bus,
        store,
        pgUrl: config.eventStore.kind === 'postgres' ? config.eventStore.url : null,
        logger,
      });
      return {
        ready: `http=${started.httpPort}${started.opcuaEndpoint ? ` opcua=${started.opcuaEndpoint}` : ''} edge=${config.edge.role}`,
        stop: async () => {
          await edge?.();
          await app.stop();
        },
      };
    },
  }),
);
