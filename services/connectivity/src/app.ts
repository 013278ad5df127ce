// Composition root of connectivity: sources (OPC UA, MQTT) → batches per asset → on-disk
// store-and-forward buffer → JetStream stream UNS, with decisions recorded as events through the
// command kernel. Only constructs: the use cases are in features/, the libraries in adapters/.
// Opens nothing it was given: the caller (main.ts or a launcher) owns the event store (or the
// kernel), the bus and the key set, and closes them after stop(). The buffer, the source catalog
// and the client PKI live under config.stateDir and are opened by start().
import path from 'node:path';
import { OPCUACertificateManager } from 'node-opcua';
import type { KeySet } from '@industrial/access';
import type { Bus } from '@industrial/bus';
import { Service, UNS_PREFIX, UNS_STREAM } from '@industrial/contracts';
import type { EventStore } from '@industrial/eventstore';
import { createKernel, type Kernel } from '@industrial/kernel';
import { currentTraceparent } from '@industrial/telemetry/api';
import { SqliteBuffer } from './adapters/buffer/sqlite-buffer.ts';
import { SqliteSourceCatalog } from './adapters/buffer/source-catalog.ts';
import { startCameraSources, type CameraSources, type CameraSourcesConfig } from './adapters/images/camera-sources.ts';
import { createForwarder, type Forwarder } from './adapters/bus/forwarder.ts';
import { startGrpc, type GrpcOptions } from './adapters/grpc/server.ts';
import { MqttMirror } from './adapters/mqtt/mqtt-mirror.ts';
import { sourceOpener } from './adapters/open-source.ts';
import { ConnectivityError, ConnectivityErrorCode } from './domain/errors.ts';
import type { OverflowPolicy } from './domain/source.ts';
import { connectivityFeatures, type ConnectivityFeatures } from './features/connectivity.ts';
import { LiveUns } from './features/live-uns.ts';
import type { ConnectivityApi, ConnectivityLogger } from './ports.ts';

export type { ConnectivityLogger, MapTagsRequest, UnsListener } from './ports.ts';

export const SERVICE_NAME = Service.Connectivity;
export { UNS_STREAM };

export interface ConnectivityAppConfig {
  /** Buffer (`buffer.db`), source catalog (`sources.db`) and client PKI (`pki/`) live here. */
  stateDir: string;
  /** Client PKI root (own/, trusted/, rejected/, issuers/). Default `<stateDir>/pki`. */
  pkiDir?: string;
  /** Trust any server certificate on first sight (dev only). Default false. */
  autoAcceptUnknownServerCertificates?: boolean;
  applicationUri?: string;
  overflowPolicy?: OverflowPolicy;
  /** NORMAL survives SIGKILL; FULL also a power loss. Default NORMAL. */
  bufferSynchronous?: 'NORMAL' | 'FULL';
  /** JetStream duplicate window for UNS batches, ms. Default 10 min (bus default). */
  duplicateWindowMs?: number;
  /** Stream max age, ms (default: kept forever). */
  streamMaxAgeMs?: number;
  /** Publishes in flight when healthy. */
  forwarderWindow?: number;
  reconnect?: { initialDelayMs: number; maxDelayMs: number };
  /** Mirror every forwarded batch to MQTT too (null = off). */
  mqttMirror?: { url: string; topicPrefix: string } | null;
  /** Sources declared in configuration, registered at start (idempotent). */
  sources?: unknown[];
  /**
   * gRPC server (ConnectivityService + health + reflection; needs deps.keySet); null = none
   * (embedded without an API). `maxQueuedBatches`: how far a SubscribeUns client may lag.
   */
  grpc?: Pick<GrpcOptions, 'host' | 'port' | 'access' | 'shutdownGraceMs' | 'maxQueuedBatches' | 'tls' | 'rateLimit'> | null;
  /** Camera sources of visual inspection (#22: folders, MQTT, upload; CONNECTIVITY_CAMERAS_FILE); null = none. */
  cameras?: CameraSourcesConfig | null;
  /** Token issuer/audience the camera upload server checks (with deps.keySet). */
  cameraAccess?: { issuer: string; audience: string };
}

interface ConnectivityAppBaseDeps {
  bus: Bus;
  /** Verifies bearer tokens on the gRPC API (unused without config.grpc). */
  keySet?: KeySet | (() => KeySet);
  logger: ConnectivityLogger;
  config: ConnectivityAppConfig;
  clock?: () => Date;
}

/** The event store (a connectivity kernel is built over it) or the kernel itself (runService's openKernel). */
export type ConnectivityAppDeps = ConnectivityAppBaseDeps & ({ store: EventStore; kernel?: undefined } | { kernel: Kernel; store?: undefined });

export interface ConnectivityApp extends ConnectivityApi {
  start(): Promise<{ grpcPort: number | null }>;
  stop(options?: { drainMs?: number }): Promise<void>;
  /** Store-and-forward state: what waits for NATS, whether the last publish worked. */
  bufferState(): { batches: number; samples: number; busHealthy: boolean; lastError: string | null; forwardedBatches: number; oldestSampleAt: string | null };
  /** Resolves when every event emitted so far is in the store (tests, shutdown). */
  settled(): Promise<void>;
  /** The camera sources (null: none configured or not started). */
  cameras(): CameraSources | null;
}

interface Running {
  features: ConnectivityFeatures;
  buffer: SqliteBuffer;
  catalog: SqliteSourceCatalog;
  forwarder: Forwarder;
  certificateManager: OPCUACertificateManager;
  mirror: MqttMirror | null;
  grpc: { stop(): Promise<void> } | null;
  cameras: CameraSources | null;
}

export function createConnectivityApp(deps: ConnectivityAppDeps): ConnectivityApp {
  const { bus, logger, config } = deps;
  const kernel = deps.kernel ?? createKernel({ service: Service.Connectivity, store: deps.store });
  const live = new LiveUns();
  let running: Running | null = null;
  let started = false;

  const api = (): ConnectivityApi => {
    if (running === null) throw new ConnectivityError(ConnectivityErrorCode.BufferClosed, 'connectivity is not started');
    return running.features.api;
  };

  const app: ConnectivityApp = {
    async start() {
      if (started) throw new ConnectivityError(ConnectivityErrorCode.InvalidArgument, 'already started');
      started = true;
      const pkiDir = config.pkiDir ?? path.join(config.stateDir, 'pki');
      const certificateManager = new OPCUACertificateManager({
        rootFolder: pkiDir,
        automaticallyAcceptUnknownCertificate: config.autoAcceptUnknownServerCertificates ?? false,
      });
      await certificateManager.initialize();
      const mirror = config.mqttMirror
        ? await MqttMirror.connect(config.mqttMirror.url, config.mqttMirror.topicPrefix).catch(async (err: unknown) => {
            await certificateManager.dispose();
            throw err;
          })
        : null;
      const buffer = new SqliteBuffer({ path: path.join(config.stateDir, 'buffer.db'), synchronous: config.bufferSynchronous ?? 'NORMAL' });
      const catalog = new SqliteSourceCatalog(path.join(config.stateDir, 'sources.db'));
      // The stream is ensured by the forwarder before its first publish and after every failure,
      // so an unreachable NATS at start only means buffering.
      const ensureStream = () =>
        bus.ensureStream({
          name: UNS_STREAM.name,
          subjects: [...UNS_STREAM.subjects],
          ...(config.duplicateWindowMs ? { duplicateWindowMs: config.duplicateWindowMs } : {}),
          ...(config.streamMaxAgeMs ? { maxAgeMs: config.streamMaxAgeMs } : {}),
        });
      const forwarder = createForwarder({
        buffer,
        bus,
        logger,
        ensureStream,
        ...(config.forwarderWindow === undefined ? {} : { window: config.forwarderWindow }),
        onForwarded: mirror === null ? undefined : (row) => mirror.publish(row.subject.slice(UNS_PREFIX.length + 1), row.payload),
      });
      const reconnect = config.reconnect ?? { initialDelayMs: 500, maxDelayMs: 10_000 };
      const features = connectivityFeatures({
        kernel,
        openSource: sourceOpener({ certificateManager, applicationUri: config.applicationUri ?? 'urn:industrial:connectivity', reconnect }),
        buffer,
        catalog,
        logger,
        clock: deps.clock ?? (() => new Date()),
        overflowPolicy: config.overflowPolicy ?? 'drop-oldest',
        reconnect,
        onBuffered: (rows) => forwarder.offer(rows),
        traceparent: () => currentTraceparent() ?? null,
        live,
      });
      running = { features, buffer, catalog, forwarder, certificateManager, mirror, grpc: null, cameras: null };
      const pending = buffer.count();
      if (pending.batches > 0) logger.info(pending, 'replaying batches buffered before the restart');
      await features.start(config.sources ?? []);
      if (config.cameras)
        running.cameras = await startCameraSources(config.cameras, {
          kernel,
          logger,
          ...(deps.keySet ? { keySet: deps.keySet } : {}),
          ...(config.cameraAccess ? { access: config.cameraAccess } : {}),
        });
      let grpcPort: number | null = null;
      if (config.grpc) {
        const h = await startGrpc(app, { ...config.grpc, keySet: deps.keySet, logger, kernel });
        running.grpc = h;
        grpcPort = h.port;
      }
      logger.info({ sources: features.sourceCount, grpcPort }, 'connectivity started');
      return { grpcPort };
    },

    async stop(options = {}) {
      const r = running;
      if (r === null) return;
      await r.grpc?.stop();
      r.grpc = null;
      await r.cameras?.stop();
      r.cameras = null;
      // Stop sampling first: each source writes its last partial batch to the buffer.
      await r.features.stop();
      const drained = await r.forwarder.flush(options.drainMs ?? 5_000);
      if (!drained) logger.warn(r.buffer.count(), 'stopping with batches still buffered; they are sent after the restart');
      await r.forwarder.stop();
      await r.mirror?.close();
      r.buffer.close();
      r.catalog.close();
      await r.certificateManager.dispose();
      running = null;
      logger.info({}, 'connectivity stopped');
    },

    registerSource: (input, cause) => api().registerSource(input, cause),
    browse: (sourceId, nodeId) => api().browse(sourceId, nodeId),
    mapTags: (request, cause) => api().mapTags(request, cause),
    listTags: (sourceId) => api().listTags(sourceId),
    listSources: () => api().listSources(),
    sourceHealth: (sourceId) => api().sourceHealth(sourceId),
    subscribeUns: (prefix, listener) => live.subscribe(prefix, listener),

    bufferState() {
      if (running === null) throw new ConnectivityError(ConnectivityErrorCode.BufferClosed, 'connectivity is not started');
      const c = running.buffer.count();
      const f = running.forwarder;
      return { ...c, busHealthy: f.healthy, lastError: f.lastError, forwardedBatches: f.forwardedBatches, oldestSampleAt: running.buffer.oldestSampleAt() };
    },

    async settled() {
      await running?.features.settled();
    },

    cameras: () => running?.cameras ?? null,
  };
  return app;
}
