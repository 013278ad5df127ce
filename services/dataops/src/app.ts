// Composition root of dataops: builds the kernel (every event dataops writes goes through it) and
// wires the adapters (historian + metadata store, group commit, CSV parser, snapshot files, window
// features, access policy, NATS consumers) into the use cases of features/. Nothing else here.
// A one-process launcher embeds it with SQLite + the in-process bus; main.ts runs it alone.
import { authorize, Permission, type KeySet } from '@industrial/access';
import type { Bus, ConsumerHandle } from '@industrial/bus';
import { EVENTS_STREAM, Service } from '@industrial/contracts';
import type { EventStore } from '@industrial/eventstore';
import { createKernel, type Kernel } from '@industrial/kernel';
import { csvParser } from './adapters/files/csv-import.ts';
import { snapshotFiles } from './adapters/files/snapshot-files.ts';
import { GroupCommit } from './adapters/historian/group-commit.ts';
import { buildOrderedSnapshot } from './adapters/ml/ordered-snapshot.ts';
import { windowFeatures } from './adapters/ml/windows.ts';
import { startEventConsumer, startUnsConsumers } from './adapters/nats/consumers.ts';
import { DEFAULT_CONFIG, type DataopsConfig } from './config.ts';
import { causeOf, readCallFor, type DataopsApp } from './features/api.ts';
import { createCatalog } from './features/catalog.ts';
import { createImports } from './features/imports.ts';
import { createIngest } from './features/ingest.ts';
import { ingestMetrics } from './adapters/telemetry/metrics.ts';
import { createIntegrationEvents } from './features/integration-events.ts';
import { imageStoreAt } from './adapters/images-tiles.ts';
import { verdictLabels } from './features/images-verdicts.ts';
import { createLabels, createListLabels } from './features/labels.ts';
import { createQuality } from './features/quality.ts';
import { createQualityIssues } from './features/quality-issues.ts';
import { createRestrictedReads } from './features/restricted-reads.ts';
import { createRetention } from './features/retention.ts';
import { createSnapshots } from './features/snapshots.ts';
import { createTimeSeries } from './features/time-series.ts';
import type { DataopsLogger, DataopsStore, IngestBatch, RestrictedReadPolicy } from './ports.ts';

export { DEFAULT_CONFIG, type DataopsConfig } from './config.ts';
export type { DataopsApp } from './features/api.ts';

export const SERVICE_NAME = Service.DataOps;

export interface DataopsDeps {
  /** The event store: every decision (labels, quality issues, snapshots, restricted reads) is an event, appended through the kernel. */
  store: EventStore;
  /** Historian and metadata storage (PostgreSQL or node:sqlite). */
  data: DataopsStore;
  bus: Bus;
  /** Not used by the app itself (the gRPC server verifies tokens); kept so launchers keep one deps object. */
  keySet: KeySet | (() => KeySet);
  logger: DataopsLogger;
  config: DataopsConfig;
  now?: () => Date;
}

/** data.read_restricted at the data's location (the access library's decision). */
const restrictedReadPolicy: RestrictedReadPolicy = {
  check: (principal, resource) => authorize(principal, Permission.DataReadRestricted, resource),
};

/** The app, and the kernel it writes through (the gRPC server records AccessDenied with it). */
export function createDataopsApp(deps: DataopsDeps): DataopsApp & { readonly kernel: Kernel } {
  const { data, bus, logger, config } = deps;
  const now = deps.now ?? (() => new Date());
  const kernel = createKernel({ service: SERVICE_NAME, store: deps.store });
  const { historian, meta } = data;

  // Group commit: concurrent handlers' batches share one transaction (see group-commit.ts).
  const groupCommit = new GroupCommit<IngestBatch>(async (batches) => new Set((await historian.writeBatches(batches)).duplicateIds), {
    lingerMs: config.uns.lingerMs ?? 3,
    maxSamples: 100_000,
    maxInFlight: 2,
  });
  const catalog = createCatalog({ meta, now });
  const issues = createQualityIssues({ kernel, meta, logger });
  const quality = createQuality({ catalog, issues, rules: config.quality, adaptive: config.qualityAdaptive ?? [], logger });
  const ingestTelemetry = ingestMetrics();
  const ingest = createIngest({ catalog, quality, writer: groupCommit, refinedIntervalMs: historian.refinedIntervalMs, logger });
  const restricted = createRestrictedReads({ kernel, policy: restrictedReadPolicy, now });
  const queryTimeSeries = createTimeSeries({ historian, catalog, restricted });
  const recordLabel = createLabels({ kernel, meta, now });
  const listLabels = createListLabels({ meta });
  const importCsv = createImports({ csv: csvParser, meta, now, limits: config.importLimits ?? DEFAULT_CONFIG.importLimits });
  const snapshots = createSnapshots({
    kernel,
    meta,
    historian,
    catalog,
    queryTimeSeries,
    restricted,
    files: snapshotFiles,
    windows: windowFeatures,
    ordered: buildOrderedSnapshot,
    snapshotDir: config.snapshotDir,
    codeVersion: config.codeVersion,
    now,
  });
  const handleIntegrationEvent = createIntegrationEvents({ recordLabel, catalog });
  const retention = createRetention({
    historian,
    plantNow: () => ingest.plantNow,
    rawRetentionMs: config.rawRetentionMs,
    everyMs: config.retentionEveryMs,
    logger,
  });
  const handles: ConsumerHandle[] = [];
  const verdicts = config.imageStoreDir
    ? verdictLabels({ kernel, sizeOf: imageStoreAt(config.imageStoreDir), now: () => now().toISOString(), log: logger })
    : null;

  return {
    kernel,
    get plantNow() {
      return ingest.plantNow;
    },
    async start() {
      await catalog.load();
      await quality.load();
      const uns = config.uns;
      if (uns.ensureStream) await bus.ensureStream({ name: uns.stream, subjects: uns.subjects });
      const unsOptions = {
        stream: uns.stream,
        durable: uns.durable,
        filterSubject: uns.filterSubject,
        concurrency: uns.concurrency,
        ...(uns.prefetch === undefined ? {} : { prefetch: uns.prefetch }),
      };
      handles.push(
        ...(await startUnsConsumers(bus, unsOptions, async (b) => {
          const { duplicate } = await ingest.ingestBatch(b);
          ingestTelemetry.written(b, duplicate);
        })),
      );
      if (config.events !== null) {
        // The relay's stream: the relay's limits, so this start does not rewrite its config.
        await bus.ensureStream({ name: config.events.stream, subjects: [config.events.filterSubject], duplicateWindowMs: EVENTS_STREAM.duplicateWindowMs });
        handles.push(await startEventConsumer(bus, config.events, handleIntegrationEvent, logger));
      }
      retention.start();
      verdicts?.start();
      logger.info({ uns: uns.stream, store: data.kind }, 'dataops started');
    },
    async stop() {
      retention.stop();
      await verdicts?.stop();
      await Promise.all(handles.splice(0).map((h) => h.stop()));
    },
    ingestBatch: ingest.ingestBatch,
    queryTimeSeries: (q, principal, via) => queryTimeSeries(q, readCallFor(principal, via)),
    qualityReport: (filter) => quality.report(filter),
    upsertTagMetadata: (patch, who) => catalog.upsert(patch, who === undefined ? undefined : causeOf(who)),
    searchCatalog: (q) => catalog.search(q),
    recordLabel: (input, who) => recordLabel(input, causeOf(who)),
    listLabels,
    importCsv: (input, who) => importCsv(input, causeOf(who)),
    buildModelTable: (q) => snapshots.buildModelTable(q),
    createSnapshot: (input, who) => snapshots.createSnapshot(input, causeOf(who)),
    getSnapshot: (id, principal, via) => snapshots.getSnapshot(id, readCallFor(principal, via)),
    listSnapshots: (q, principal) =>
      snapshots.listSnapshots({ ...q, withRestricted: principal === undefined || authorize(principal, Permission.DataReadRestricted).allowed }),
    applyRetention: (cutoffMs) => retention.apply(cutoffMs),
    handleIntegrationEvent,
  };
}
