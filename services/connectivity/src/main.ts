// Entry point of the standalone connectivity process: the shared lifecycle (runService): config
// from the environment once (exit 2 naming a bad variable or sources file), telemetry first, the
// event store and its kernel, the bus, the app, "connectivity ready [grpc=<port>]". SIGTERM/SIGINT:
// stop sampling, write the last partial batches to the buffer, forward what NATS takes within the
// grace period (the rest stays on disk for the next start), drain the bus, close the store.
import { loadKeySet } from '@industrial/access';
import { connectNatsBus } from '@industrial/bus';
import { runService } from '@industrial/kernel/service';
import { createLogger } from '@industrial/telemetry';
import { observeConnectivity } from './adapters/telemetry/metrics.ts';
import { createConnectivityApp } from './app.ts';
import { loadConfig } from './config.ts';
import { HELP } from './help.ts';

process.exit(
  await runService({
    name: 'connectivity',
    version: '0.1.0',
    help: HELP,
    loadConfig,
    writablePaths: (c) => [{ setting: 'CONNECTIVITY_STATE_DIR', path: c.stateDir, kind: 'dir' }],
    async start({ config, openKernel, onClose }) {
      // Source specs carry credentials: never logged.
      const logger = createLogger('connectivity', { level: config.logLevel, redact: ['auth.password', '*.auth.password'] });
      const kernel = await openKernel(config);
      const bus = await connectNatsBus({ servers: config.natsUrl, name: 'connectivity', logger, ...config.nats });
      let drained = false;
      onClose(() => (drained ? undefined : bus.close()), 'bus');
      const app = createConnectivityApp({
        kernel,
        bus,
        logger,
        ...(config.access === null ? {} : { keySet: await loadKeySet(config.access.keysDir) }),
        config: {
          grpc:
            config.grpc === null
              ? null
              : {
                  host: config.grpc.host,
                  port: config.grpc.port,
                  access: config.grpc.access,
                  shutdownGraceMs: config.shutdownGraceMs,
                  tls: config.tls.grpcServer,
                  rateLimit: config.grpcRateLimit,
                },
          stateDir: config.stateDir,
          ...(config.pkiDir === null ? {} : { pkiDir: config.pkiDir }),
          autoAcceptUnknownServerCertificates: config.autoAcceptUnknownServerCertificates,
          overflowPolicy: config.overflowPolicy,
          bufferSynchronous: config.bufferSynchronous,
          mqttMirror: config.mqttMirror,
          sources: config.sources,
          cameras: config.cameras,
          ...(config.access === null ? {} : { cameraAccess: { issuer: config.access.issuer, audience: config.access.audience } }),
        },
      });
      const { grpcPort } = await app.start();
      const unobserve = observeConnectivity(app); // buffer depth and source links on the metrics endpoint
      return {
        ready: grpcPort === null ? '' : `grpc=${grpcPort}`,
        async stop() {
          unobserve();
          await app.stop({ drainMs: config.shutdownGraceMs });
          await bus.drain();
          drained = true;
        },
      };
    },
  }),
);
