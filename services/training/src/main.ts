// Entry point of the standalone training process: the shared lifecycle (runService): config from
// the environment once (exit 2 naming a bad variable), telemetry first, the event store, keys,
// NATS (optional: integration events), governance's model registry (gRPC with
// TRAINING_GOVERNANCE_ADDRESS, else in process over the same store), the app, then
// "training ready grpc=<port> http=<port>". SIGTERM/SIGINT: stop accepting runs, finish (or cancel,
// TRAINING_SHUTDOWN=cancel) the running job, record queued ones as cancelled, drain calls, close
// the registry client, the bus and the store, flush telemetry.
import { readFileSync } from 'node:fs';
import { loadKeySet } from '@industrial/access';
import { connectNatsBus, eventSigningKeyFromPem, eventVerifier } from '@industrial/bus';
import { runService } from '@industrial/kernel/service';
import { createS3ArtifactStore } from './adapters/artifacts/s3.ts';
import { detectCodeVersion, PACKAGE_VERSION } from './adapters/code-version.ts';
import { createGrpcModelRegistry } from './adapters/registry/grpc.ts';
import { createGrpcFreshSnapshots } from './adapters/snapshots/dataops-grpc.ts';
import { createTrainingApp } from './app.ts';
import { loadConfig } from './config.ts';
import { HELP } from './help.ts';

process.exit(
  await runService({
    name: 'training',
    version: PACKAGE_VERSION,
    help: HELP,
    loadConfig,
    writablePaths: (c) => (c.artifacts.kind === 'fs' ? [{ setting: 'TRAINING_ARTIFACT_DIR', path: c.artifacts.dir, kind: 'dir' as const }] : []),
    async start({ config, logger, openStore, onClose }) {
      const store = await openStore(config);
      // Integration events are applied only when the relay's signature verifies (ADR 0010).
      const verifyEvents = eventVerifier(eventSigningKeyFromPem(readFileSync(config.ledgerKeyFile, 'utf8')));
      const bus = config.natsUrl === null ? null : await connectNatsBus({ servers: config.natsUrl, name: 'training', ...config.nats, verifyEvents });
      if (bus !== null) onClose(() => bus.drain(), 'bus');
      const keySet = await loadKeySet(config.access.keysDir);
      const governance = config.governance;
      // The token file is read per call: a rotated token is picked up without a restart.
      // Governance is the model stream's one writer: the training process registers over its API only.
      const registry = createGrpcModelRegistry({
        address: governance.address,
        token: () => readFileSync(governance.tokenFile, 'utf8').trim(),
        tls: config.tls.grpcClient,
      });
      onClose(() => registry.close(), 'model registry client');
      const dataops = config.dataops;
      const freshSnapshots =
        dataops === null
          ? null
          : createGrpcFreshSnapshots({ address: dataops.address, token: () => readFileSync(dataops.tokenFile, 'utf8').trim(), tls: config.tls.grpcClient });
      if (freshSnapshots !== null) onClose(() => freshSnapshots.close(), 'dataops client');
      const app = createTrainingApp({
        store,
        keySet,
        logger,
        ...(bus === null ? {} : { bus }),
        registry,
        ...(freshSnapshots === null ? {} : { freshSnapshots }),
        ...(config.artifacts.kind === 's3'
          ? { artifacts: createS3ArtifactStore({ endpoint: config.artifacts.endpoint, bucket: config.artifacts.bucket }) }
          : {}),
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
          tls: config.tls,
          rateLimit: config.grpcRateLimit,
          retraining: { ...config.retraining, scheduler: true },
        },
      });
      const ports = await app.start();
      return { ready: `grpc=${ports.grpcPort} http=${ports.httpPort}`, stop: () => app.stop() };
    },
  }),
);
