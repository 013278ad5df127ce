// Entry point of the standalone governance process: the shared lifecycle (runService): config from
// the environment once (exit 2 naming a bad variable), telemetry first, the event store and keys,
// the app, "governance ready grpc=<port> http=<port>". SIGTERM/SIGINT: stop accepting, drain
// in-flight calls, anchor the chain head (when ANCHOR_FILE or ANCHOR_NATS_URL is set), close the store,
// flush telemetry. While running, the store anchors the head to every sink by count and by time.
import { loadKeySet } from '@industrial/access';
import { runService } from '@industrial/kernel/service';
import { connectAnchorNats } from './anchor-nats.ts';
import { createGovernanceApp } from './app.ts';
import { loadConfig } from './config.ts';
import { HELP } from './help.ts';

process.exit(
  await runService({
    name: 'governance',
    version: '0.1.0',
    help: HELP,
    loadConfig,
    writablePaths: (c) => (c.anchorFile === null ? [] : [{ setting: 'ANCHOR_FILE', path: c.anchorFile, kind: 'file' as const }]),
    async start({ config, logger, openStore, onClose, signal, waitingFor }) {
      // The anchor stream's connection (connectNats: the deployment's credentials, inbox prefix, TLS and first-connect
      // retries). Registered before the store, so it closes after it: the store's last anchor (below) still publishes.
      let anchors = config.anchors;
      if (config.anchors.nats !== null) {
        // SIGTERM meanwhile: the connect is abandoned (signal) and the stop line names what the start waited for.
        waitingFor(`the chain-anchor NATS at ${config.anchors.nats.servers} (ANCHOR_NATS_URL)`);
        const connection = await connectAnchorNats(config.anchors.nats.servers, config.nats, signal);
        waitingFor(null);
        onClose(() => connection.close(), 'chain anchor NATS connection');
        anchors = { ...config.anchors, nats: { ...config.anchors.nats, connection } };
      }
      const store = await openStore(
        { ...config, anchors },
        {
          onAnchorError: (error, sink) => logger.warn({ err: error, sink }, 'chain anchor could not be written to a sink; the next anchor retries'),
        },
      );
      // Sign the chain head we stop at, so the next verify can prove nothing was rewritten meanwhile (runs before the store closes).
      if (config.anchorFile !== null || config.anchors.nats !== null) onClose(async () => void (await store.anchor()), 'chain anchor');
      const keySet = await loadKeySet(config.access.keysDir);
      const app = createGovernanceApp({
        store,
        keySet,
        logger,
        config: {
          grpc: config.grpc,
          http: config.http,
          replay: config.replay,
          liveMonitor: config.liveMonitor,
          access: { issuer: config.access.issuer, audience: config.access.audience },
          shutdownGraceMs: config.shutdownGraceMs,
          tls: config.tls,
          rateLimit: config.grpcRateLimit,
        },
      });
      const ports = await app.start();
      return { ready: `grpc=${ports.grpcPort} http=${ports.httpPort}`, stop: () => app.stop() };
    },
  }),
);
