// Composition root of connectivity: sources (OPC UA, MQTT) → batches per asset → on-disk
// store-and-forward buffer → JetStream stream UNS, with decisions recorded as events. Opens
// nothing it was given: the caller (main.ts or the one-process launcher) owns the event store,
// the bus and the key set, and closes them after stop(). The buffer, the source catalog and the
// client PKI live under config.stateDir and are opened by start().
import path from 'node:path';
import { OPCUACertificateManager } from 'node-opcua';
import type { KeySet } from '@industrial/access';
import type { Bus } from '@industrial/bus';
import type { UnsSampleBatch } from '@industrial/contracts';
import type { EventStore } from '@industrial/eventstore';
import { SqliteBuffer } from './adapters/buffer/sqlite-buffer.ts';
import { SourceCatalog } from './adapters/buffer/source-catalog.ts';
import { createForwarder, type Forwarder } from './adapters/bus/forwarder.ts';
import { createRecorder, type Cause, type Recorder } from './adapters/eventstore/record.ts';
import { MqttMirror } from './adapters/mqtt/mqtt-source.ts';
import type { BrowseNode } from './adapters/opcua/opcua-source.ts';
import { ConnectivityError, ConnectivityErrorCode, InvalidSourceInputError, SourceNotFoundError } from './domain/errors.ts';
import { sameMapping, sourceRegistered, tagMapped, type ConnectivityEvent } from './domain/events.ts';
import { explicitMapping, findUnsCollision, type ExplicitMappingInput, type TagMapping } from './domain/mapping.ts';
import { parseSourceSpec, payloadFormatOf, publicSpec, type OverflowPolicy, type SourceSpec } from './domain/source.ts';
import { SourceRuntime, type SourceHealth } from './source-runtime.ts';

export const SERVICE_NAME = 'connectivity';
export const UNS_STREAM = { name: 'UNS', subjects: ['uns.v1.>'] } as const;

export interface ConnectivityLogger {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

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
  grpc?: { host: string; port: number; access: { issuer: string; audience: string }; shutdownGraceMs?: number; maxQueuedBatches?: number } | null;
}

export interface ConnectivityAppDeps {
  store: EventStore;
  bus: Bus;
  /** Verifies bearer tokens on the gRPC API (unused without config.grpc). */
  keySet?: KeySet | (() => KeySet);
  logger: ConnectivityLogger;
  config: ConnectivityAppConfig;
  clock?: () => Date;
}

export interface MapTagsRequest {
  sourceId: string;
  /** Browse below this node and map every ISA-95 variable. */
  autoMapRoot?: string;
  mappings?: ExplicitMappingInput[];
}

export type UnsListener = (batch: UnsSampleBatch) => void;

export interface ConnectivityApp {
  start(): Promise<{ grpcPort: number | null }>;
  stop(options?: { drainMs?: number }): Promise<void>;
  /** Validates, connects (failing with the cause), records SourceRegistered, then maps autoMapRoot if given. */
  registerSource(input: unknown, cause?: Cause): Promise<{ sourceId: string; mappings: TagMapping[]; skipped: { address: string; reason: string }[] }>;
  browse(sourceId: string, nodeId?: string): Promise<BrowseNode[]>;
  mapTags(request: MapTagsRequest, cause?: Cause): Promise<{ mappings: TagMapping[]; skipped: { address: string; reason: string }[] }>;
  listTags(sourceId?: string): TagMapping[];
  listSources(): ReturnType<typeof publicSpec>[];
  sourceHealth(sourceId: string): SourceHealth;
  /**
   * Live batches of the assets at or below `assetPathPrefix` (whole levels: `acme.plant-1` covers
   * `acme.plant-1.utilities…`, not `acme.plant-10…`; `''` = all); returns unsubscribe.
   */
  subscribeUns(assetPathPrefix: string, listener: UnsListener): () => void;
  /** Store-and-forward state: what waits for NATS, whether the last publish worked. */
  bufferState(): { batches: number; samples: number; busHealthy: boolean; lastError: string | null; forwardedBatches: number };
  /** Resolves when every event emitted so far is in the store (tests, shutdown). */
  settled(): Promise<void>;
}

export function createConnectivityApp(deps: ConnectivityAppDeps): ConnectivityApp {
  const { bus, logger, config } = deps;
  const clock = deps.clock ?? (() => new Date());
  const record: Recorder = createRecorder(deps.store);
  const runtimes = new Map<string, SourceRuntime>();
  const listeners = new Set<{ prefix: string; fn: UnsListener }>();
  let buffer: SqliteBuffer | null = null;
  let catalog: SourceCatalog | null = null;
  let forwarder: Forwarder | null = null;
  let certificateManager: OPCUACertificateManager | null = null;
  let mirror: MqttMirror | null = null;
  let grpcHandle: { stop(): Promise<void> } | null = null;
  let started = false;

  const required = <T>(v: T | null): T => {
    if (v === null) throw new ConnectivityError(ConnectivityErrorCode.BufferClosed, 'connectivity is not started');
    return v;
  };

  const runtime = (sourceId: string): SourceRuntime => {
    const r = runtimes.get(sourceId);
    if (r === undefined) throw new SourceNotFoundError(sourceId);
    return r;
  };

  const newRuntime = (spec: SourceSpec, mappings: readonly TagMapping[] = []) =>
    new SourceRuntime(
      spec,
      {
        buffer: required(buffer),
        record,
        logger,
        clock,
        certificateManager: required(certificateManager),
        applicationUri: config.applicationUri ?? 'urn:industrial:connectivity',
        overflowPolicy: config.overflowPolicy ?? 'drop-oldest',
        reconnect: config.reconnect ?? { initialDelayMs: 500, maxDelayMs: 10_000 },
        onBuffered: (batches, rows) => {
          forwarder?.offer(rows);
          if (listeners.size === 0) return;
          for (const b of batches) {
            for (const l of listeners) {
              if (l.prefix === '' || b.assetPath === l.prefix || b.assetPath.startsWith(`${l.prefix}.`)) {
                try {
                  l.fn(b);
                } catch {
                  // a live viewer's failure must not touch the data path
                }
              }
            }
          }
        },
      },
      mappings,
    );

  /** Records the TagMapped events that differ from what the source already had. */
  const recordMappings = async (r: SourceRuntime, mappings: readonly TagMapping[], cause?: Cause) => {
    const before = new Map(r.mappings.map((m) => [m.address, tagMapped(m)]));
    const events: ConnectivityEvent[] = [];
    for (const m of mappings) {
      const e = tagMapped(m);
      const prev = before.get(m.address);
      if (prev === undefined || !sameMapping(prev.data as never, e.data as never)) events.push(e);
    }
    // Chunked: the store takes at most 10 000 events per append.
    for (let i = 0; i < events.length; i += 5_000) await record(r.spec.sourceId, events.slice(i, i + 5_000), cause);
  };

  const applyMappings = async (r: SourceRuntime, mappings: readonly TagMapping[], cause?: Cause) => {
    const collision = findUnsCollision([...r.mappings.filter((m) => !mappings.some((n) => n.address === m.address)), ...mappings]);
    if (collision) {
      throw new InvalidSourceInputError('mappings', `${collision.a.address} and ${collision.b.address} both map to ${collision.b.assetPath}.${collision.b.tag}`);
    }
    await recordMappings(r, mappings, cause);
    required(catalog).saveMappings(mappings);
    await r.applyMappings(mappings);
  };

  /** For sources started in the background: map autoMapRoot on the first connection that finds no mappings. */
  const autoMapOnce = (r: SourceRuntime) => async (): Promise<boolean> => {
    const spec = r.spec;
    if (spec.protocol !== 'opcua' || spec.autoMapRoot === null || r.mappings.length > 0) return false;
    const { mappings, skipped } = await app.mapTags({ sourceId: spec.sourceId, autoMapRoot: spec.autoMapRoot });
    logger.info({ sourceId: spec.sourceId, mapped: mappings.length, skipped: skipped.length }, 'auto-mapped source');
    return true;
  };

  const app: ConnectivityApp = {
    async start() {
      if (started) throw new ConnectivityError(ConnectivityErrorCode.InvalidArgument, 'already started');
      started = true;
      const pkiDir = config.pkiDir ?? path.join(config.stateDir, 'pki');
      certificateManager = new OPCUACertificateManager({ rootFolder: pkiDir, automaticallyAcceptUnknownCertificate: config.autoAcceptUnknownServerCertificates ?? false });
      await certificateManager.initialize();
      buffer = new SqliteBuffer({ path: path.join(config.stateDir, 'buffer.db'), synchronous: config.bufferSynchronous ?? 'NORMAL' });
      catalog = new SourceCatalog(path.join(config.stateDir, 'sources.db'));
      if (config.mqttMirror) mirror = await MqttMirror.connect(config.mqttMirror.url, config.mqttMirror.topicPrefix);
      // The stream is ensured by the forwarder before its first publish and after every failure,
      // so an unreachable NATS at start only means buffering.
      const ensureStream = () =>
        bus.ensureStream({ name: UNS_STREAM.name, subjects: [...UNS_STREAM.subjects], ...(config.duplicateWindowMs ? { duplicateWindowMs: config.duplicateWindowMs } : {}), ...(config.streamMaxAgeMs ? { maxAgeMs: config.streamMaxAgeMs } : {}) });
      forwarder = createForwarder({
        buffer,
        bus,
        logger,
        ensureStream,
        ...(config.forwarderWindow === undefined ? {} : { window: config.forwarderWindow }),
        onForwarded: mirror === null ? undefined : (row) => mirror?.publish(row.subject.slice('uns.v1.'.length), row.payload),
      });
      const pending = buffer.count();
      if (pending.batches > 0) logger.info(pending, 'replaying batches buffered before the restart');
      for (const spec of catalog.sources()) {
        const r = newRuntime(spec, catalog.mappings(spec.sourceId));
        runtimes.set(spec.sourceId, r);
        r.startSupervised(autoMapOnce(r));
      }
      for (const [i, s] of (config.sources ?? []).entries()) {
        let spec: SourceSpec;
        try {
          spec = parseSourceSpec(s);
        } catch (e) {
          throw new InvalidSourceInputError(`sources[${i}].${(e as InvalidSourceInputError).field ?? ''}`, (e as Error).message);
        }
        if (runtimes.has(spec.sourceId)) continue;
        catalog.saveSource(spec);
        await record(spec.sourceId, [sourceRegistered(spec)]);
        const r = newRuntime(spec);
        runtimes.set(spec.sourceId, r);
        r.startSupervised(autoMapOnce(r));
      }
      let grpcPort: number | null = null;
      if (config.grpc) {
        const { startGrpc } = await import('./adapters/grpc/server.ts');
        const h = await startGrpc(app, { ...config.grpc, keySet: deps.keySet, logger, store: deps.store });
        grpcHandle = h;
        grpcPort = h.port;
      }
      logger.info({ sources: runtimes.size, grpcPort }, 'connectivity started');
      return { grpcPort };
    },

    async stop(options = {}) {
      await grpcHandle?.stop();
      grpcHandle = null;
      // Stop sampling first: each source writes its last partial batch to the buffer.
      await Promise.all([...runtimes.values()].map((r) => r.stop()));
      if (forwarder) {
        const drained = await forwarder.flush(options.drainMs ?? 5_000);
        if (!drained) logger.warn(required(buffer).count(), 'stopping with batches still buffered; they are sent after the restart');
        await forwarder.stop();
      }
      await mirror?.close();
      buffer?.close();
      catalog?.close();
      await certificateManager?.dispose();
      runtimes.clear();
      buffer = null;
      catalog = null;
      forwarder = null;
      logger.info({}, 'connectivity stopped');
    },

    async registerSource(input, cause) {
      const spec = parseSourceSpec(input);
      const existing = runtimes.get(spec.sourceId);
      if (existing) {
        if (JSON.stringify(existing.spec) === JSON.stringify(spec)) return { sourceId: spec.sourceId, mappings: [...existing.mappings], skipped: [] };
        throw new ConnectivityError(ConnectivityErrorCode.SourceExists, `source ${spec.sourceId} is already registered with a different configuration`, { field: 'source_id' });
      }
      const r = newRuntime(spec);
      try {
        await r.connect();
      } catch (err) {
        await r.stop().catch(() => {});
        throw err;
      }
      runtimes.set(spec.sourceId, r);
      required(catalog).saveSource(spec);
      await record(spec.sourceId, [sourceRegistered(spec)], cause);
      await r.settled();
      if (spec.protocol === 'opcua' && spec.autoMapRoot !== null) {
        const { mappings, skipped } = await app.mapTags({ sourceId: spec.sourceId, autoMapRoot: spec.autoMapRoot }, cause);
        return { sourceId: spec.sourceId, mappings, skipped };
      }
      return { sourceId: spec.sourceId, mappings: [], skipped: [] };
    },

    async browse(sourceId, nodeId) {
      return runtime(sourceId).browse(nodeId);
    },

    async mapTags(request, cause) {
      const r = runtime(request.sourceId);
      const explicitInputs = request.mappings ?? [];
      if (request.autoMapRoot === undefined && explicitInputs.length === 0) {
        throw new InvalidSourceInputError('mappings', 'give auto_map_root or at least one mapping');
      }
      const out: TagMapping[] = [];
      let skipped: { address: string; reason: string }[] = [];
      if (request.autoMapRoot !== undefined) {
        if (r.spec.protocol !== 'opcua') throw new InvalidSourceInputError('auto_map_root', 'automatic mapping browses OPC UA servers only; map MQTT topics explicitly');
        const auto = await r.autoMap(request.autoMapRoot);
        out.push(...auto.mappings);
        skipped = auto.skipped;
      }
      if (explicitInputs.length > 0) {
        if (r.spec.protocol === 'mqtt' && payloadFormatOf(r.spec) === 'sparkplug-b') {
          throw new InvalidSourceInputError('mappings', 'a Sparkplug B source maps its tags from the NBIRTH/DBIRTH certificates; set asset paths in its sparkplug.assets configuration');
        }
        const drafts = explicitInputs.map((m, i) => explicitMapping(r.spec.sourceId, m, { samplingIntervalMs: r.spec.subscription.samplingIntervalMs }, i));
        const completed = await r.complete(
          drafts,
          explicitInputs.map((m) => ({ ...(m.unit === undefined ? {} : { unit: m.unit }), ...(m.range === undefined ? {} : { range: m.range }), ...(m.dataType === undefined ? {} : { dataType: m.dataType }) })),
        );
        out.push(...completed);
      }
      await applyMappings(r, out, cause);
      return { mappings: out, skipped };
    },

    listTags(sourceId) {
      if (sourceId !== undefined) return [...runtime(sourceId).mappings];
      return [...runtimes.values()].flatMap((r) => r.mappings);
    },

    listSources() {
      return [...runtimes.values()].map((r) => publicSpec(r.spec));
    },

    sourceHealth(sourceId) {
      return runtime(sourceId).health();
    },

    subscribeUns(assetPathPrefix, fn) {
      const entry = { prefix: assetPathPrefix, fn };
      listeners.add(entry);
      return () => listeners.delete(entry);
    },

    bufferState() {
      const c = required(buffer).count();
      const f = required(forwarder);
      return { ...c, busHealthy: f.healthy, lastError: f.lastError, forwardedBatches: f.forwardedBatches };
    },

    async settled() {
      await Promise.all([...runtimes.values()].map((r) => r.settled()));
    },
  };
  return app;
}
