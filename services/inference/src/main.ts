// Entry point of the inference process: the shared service lifecycle (runService: validated config,
// telemetry first, the event store, SIGTERM drains and closes in reverse order). Replica
// membership: live heartbeats on NATS (INFERENCE_MEMBERSHIP=nats, the default without
// INFERENCE_REPLICAS) or the static list. The projection resumes from its checkpoint file
// (INFERENCE_CHECKPOINT_PATH). Stop: the UNS consumer after its in-flight batch, "leaving" (the
// survivors take over), gRPC/HTTP drained, the checkpoint saved, then NATS and the store closed.
import { dirname } from 'node:path';
import { loadKeySet } from '@industrial/access';
import { connectNats, createNatsBus, NATS_ENV_HELP } from '@industrial/bus';
import { runService } from '@industrial/kernel/service';
import { sqliteProjectionCheckpoints } from './adapters/checkpoint/sqlite.ts';
import { natsModelObjects } from './adapters/models/nats-objects.ts';
import { natsMembership } from './adapters/nats/membership.ts';
import { natsUnsReplay, UNS_STREAM } from './adapters/nats/uns.ts';
import { createInferenceApp } from './app.ts';
import { loadConfig } from './config.ts';

const HELP = `inference: live windows from the UNS → ONNX scoring → operator prompts (services/inference/README.md)
Environment:
  INFERENCE_GRPC_HOST/PORT (127.0.0.1:50055), INFERENCE_HTTP_HOST/PORT (127.0.0.1:8085)
  INFERENCE_REPLICA_ID (inference-0), INFERENCE_REPLICAS (static list), INFERENCE_MEMBERSHIP static|nats,
  INFERENCE_MEMBERSHIP_GROUP (default), INFERENCE_HEARTBEAT_MS (1000), INFERENCE_MEMBER_EXPIRE_MS (3 × heartbeat)
  INFERENCE_CHECKPOINT_PATH (./data/inference-<replica>.checkpoint.db; none = read the store from 1), INFERENCE_CHECKPOINT_EVERY_MS (1000)
  INFERENCE_IMAGE_STORE_DIR (unset: part images are not scored) — visual inspection: the image store connectivity writes
  INFERENCE_MODEL_STORE_BUCKET (unset: the registered file:// artifacts), INFERENCE_MODEL_STORE_DOMAIN, INFERENCE_MODEL_CACHE_DIR
    (./data/models-<replica>), INFERENCE_MODEL_STORE_WAIT_MS (60000) — an edge site's models from the centre's object store
  INFERENCE_DRIFT_REFERENCE_ROWS (0: drift against the model's training sample; N: against the first N healthy rows it scores)
  NATS_URL (127.0.0.1:4222)
${NATS_ENV_HELP}
  EVENTSTORE sqlite|postgres, SQLITE_PATH, PG_URL, PG_SCHEMA, LEDGER_KEY_FILE (required)
  ACCESS_KEYS_DIR (required), ACCESS_ISSUER, ACCESS_AUDIENCE
  OTEL_EXPORTER otlp|none, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SAMPLE_RATIO (0.1), LOG_LEVEL, SHUTDOWN_GRACE_MS (10000)
  GRPC_TLS_CERT_FILE, GRPC_TLS_KEY_FILE (+ GRPC_TLS_CLIENT_CA_FILE: mutual TLS)   gRPC over TLS; unset: plaintext, loopback only
  HTTP_TLS_CERT_FILE, HTTP_TLS_KEY_FILE   the gateway over HTTPS
  GRPC_RATE_PER_SOURCE, GRPC_RATE_PER_TOKEN   gRPC refused calls per address / calls per token: <burst>/<per second> or off (100/50, 1000/200)`;

process.exit(
  await runService({
    name: 'inference',
    version: '0.1.0',
    help: HELP,
    loadConfig,
    // The checkpoint is a SQLite file: its directory takes the journal beside it.
    writablePaths: (c) => [
      ...(c.checkpoint === null
        ? []
        : [
            { setting: 'INFERENCE_CHECKPOINT_PATH', path: c.checkpoint.path, kind: 'file' as const },
            { setting: 'INFERENCE_CHECKPOINT_PATH', path: dirname(c.checkpoint.path), kind: 'dir' as const },
          ]),
      ...(c.modelStore === null ? [] : [{ setting: 'INFERENCE_MODEL_CACHE_DIR', path: c.modelStore.cacheDir, kind: 'dir' as const }]),
    ],
    async start(ctx) {
      const c = ctx.config;
      const store = await ctx.openStore({ eventStore: c.eventStore, ledgerKeyFile: c.ledgerKeyFile });
      const keySet = await loadKeySet(c.access.keysDir);
      const nc = await connectNats({
        servers: c.natsUrl,
        name: `inference-${c.replicaId}`,
        ...c.nats, // credentials and inbox prefix (its deployment prefix goes to the bus below)
      });
      ctx.onClose(() => nc.drain().catch(() => undefined), 'NATS connection');
      // The bus gets its deployment prefix, the stream settings (NATS_STREAM_*: without them it asked for
      // R1 streams) and the recovery thresholds (NATS_CONSUMER_STALL_MS, …); the rest is the connection's.
      const { credentials: _credentials, inboxPrefix: _inboxPrefix, tls: _tls, ...busSettings } = c.nats;
      const bus = await createNatsBus(nc, { logger: ctx.logger, ownsConnection: false, ...busSettings });
      ctx.onClose(() => bus.drain(), 'UNS bus');
      const checkpoints = c.checkpoint === null ? null : sqliteProjectionCheckpoints(c.checkpoint.path);
      if (checkpoints !== null) ctx.onClose(() => checkpoints.close(), 'projection checkpoint');
      const m = c.membership;
      const membership =
        m.mode === 'static'
          ? null
          : natsMembership(nc, {
              group: m.group,
              // Deployments sharing a server keep separate heartbeat subjects.
              ...(c.nats.prefix === undefined ? {} : { prefix: c.nats.prefix }),
              replicaId: c.replicaId,
              heartbeatMs: m.heartbeatMs,
              expireMs: m.expireMs,
              log: ctx.logger,
              onEvent: (e) => ctx.logger.info({ event: e.kind, peer: e.replicaId, peerNonce: e.nonce }, 'replica membership event'),
            });
      const app = createInferenceApp({
        store,
        bus,
        keySet,
        logger: ctx.logger,
        unsReplay: natsUnsReplay(nc, UNS_STREAM, c.nats.prefix),
        membership,
        checkpoints,
        modelStore:
          c.modelStore === null ? null : { objects: natsModelObjects(nc, c.modelStore), cacheDir: c.modelStore.cacheDir, waitMs: c.modelStore.waitMs },
        config: {
          grpc: c.grpc,
          http: c.http,
          access: { issuer: c.access.issuer, audience: c.access.audience },
          replicaId: c.replicaId,
          replicas: c.replicas,
          shutdownGraceMs: c.shutdownGraceMs,
          tls: c.tls,
          rateLimit: c.grpcRateLimit,
          ...(c.checkpoint === null ? {} : { checkpointEveryMs: c.checkpoint.everyMs }),
          ...(c.imageStoreDir === null ? {} : { images: { storeDir: c.imageStoreDir } }),
          shifts: c.shifts,
          monitor: { referenceRows: c.driftReferenceRows },
        },
      });
      const ports = await app.start();
      return { ready: `grpc=${ports.grpcPort} http=${ports.httpPort}`, stop: () => app.stop() };
    },
  }),
);
