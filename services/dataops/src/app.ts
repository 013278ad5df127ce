// Composition root of dataops: wires the historian store, the event store, the bus and the pure
// domain into the use cases (ingest, query, quality, catalog, labels, CSV import, snapshots).
// A one-process launcher embeds it with SQLite + the in-process bus; main.ts runs it alone.
import { authorize, Permission, type KeySet, type Principal, type Resource } from '@industrial/access';
import type { Bus, ConsumerHandle } from '@industrial/bus';
import type { IntegrationEvent, UnsSampleBatch } from '@industrial/contracts';
import { StreamNotFoundError, type AppendResult, type EventStore, type NewEvent } from '@industrial/eventstore';
import { startEventConsumer, startUnsConsumers } from './adapters/nats/consumers.ts';
import { parseCsvFile, parseCsvStream, type ImportProgress } from './adapters/files/csv-import.ts';
import { contentHashOf, loadSnapshot, writeSnapshotFiles, type LoadedSnapshot, type SnapshotHeader, type SnapshotLineage, type SnapshotManifest } from './adapters/files/snapshot-files.ts';
import { uuidFromKey, uuidv7 } from './adapters/ids.ts';
import { Mutex } from './adapters/sql.ts';
import { applyTagPatch, defaultTagMetadata, searchCatalog, TagMetadataPatchSchema, type CatalogHit, type CatalogQuery, type DatasetMetadata, type TagMetadata } from './domain/catalog.ts';
import { contextualise, type AssetSeries } from './domain/context.ts';
import { parseCsvMapping } from './domain/csv-mapping.ts';
import { DataopsError, DataopsErrorCode, InvalidArgumentError, NotFoundError } from './domain/errors.ts';
import { toIngestBatch } from './domain/ingest.ts';
import { DEFAULT_RULES, evaluate, healthScore, initialQualityState, noteGap, qualityWindows, tick, type ActiveIssue, type GapNote, type QualityRules, type QualityTransition, type TagQualityState } from './domain/quality.ts';
import { foldQualityEvents, issuesByTag, qualityIssueKey, seedQualityState, type OpenQualityIssue } from './domain/quality-issues.ts';
import { MAX_BUCKETS, bucketStart, isAggregation, regroup, toGrid, type Aggregation, type ResampledPoint } from './domain/resample.ts';
import { applySplits, SplitSpecSchema, type SplitSpec } from './domain/snapshot.ts';
import { checkWindowRequest, describeTarget, targetColumnName, windowTable, type WindowSample, type WindowTarget } from './domain/windows.ts';
import type { WindowSpec } from '@industrial/ml';
import type { Table } from './domain/table.ts';
import type { DataopsStore, IngestBatch, RawSample } from './ports.ts';
import { GroupCommit } from './adapters/historian/group-commit.ts';

export const SERVICE_NAME = 'dataops';
const SERVICE_ACTOR: Actor = { subject: 'svc:dataops', role: 'service' };

export interface DataopsConfig {
  /**
   * UNS consumers. `concurrency` handlers run at once; batches they receive within `lingerMs` are
   * written in one transaction (group commit) and acknowledged after it commits. `prefetch` is
   * the messages buffered per consumer.
   */
  uns: { stream: string; subjects: string[]; durable: string; filterSubject: string; concurrency: number; ensureStream: boolean; lingerMs?: number; prefetch?: number };
  /** Integration events (FaultLabelled, TagMapped); null disables the consumer. */
  events: { stream: string; durable: string; filterSubject: string } | null;
  quality: Partial<QualityRules>;
  /** Raw samples older than this (plant time) are dropped; their statistics stay in the 1-minute rollup. */
  rawRetentionMs: number;
  /** How often retention runs; 0 = only when called. */
  retentionEveryMs: number;
  snapshotDir: string;
  codeVersion: string;
  access: { issuer: string; audience: string };
}

export const DEFAULT_CONFIG: DataopsConfig = {
  uns: { stream: 'UNS', subjects: ['uns.v1.>'], durable: 'dataops-historian', filterSubject: 'uns.v1.>', concurrency: 8, ensureStream: true, lingerMs: 3, prefetch: 16 },
  events: { stream: 'EVENTS', durable: 'dataops-events', filterSubject: 'evt.v1.>' },
  quality: {},
  rawRetentionMs: 30 * 86_400_000,
  retentionEveryMs: 0,
  snapshotDir: './data/snapshots',
  codeVersion: '0.0.0-dev',
  access: { issuer: 'industrial-access', audience: 'industrial-platform' },
};

export interface DataopsLogger {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

export interface DataopsDeps {
  /** The event store: every decision (labels, quality issues, snapshots, restricted reads) is an event. */
  store: EventStore;
  /** Historian and metadata storage (PostgreSQL or node:sqlite). */
  data: DataopsStore;
  bus: Bus;
  keySet: KeySet | (() => KeySet);
  logger: DataopsLogger;
  config: DataopsConfig;
  now?: () => Date;
}

/** Who caused something, for event metadata. */
export interface Actor {
  subject: string;
  role: string;
  correlationId?: string;
  causationId?: string | null;
  traceparent?: string | null;
  /** How the call came in (gRPC full method, or `in-process`), recorded with restricted reads. */
  method?: string;
  transport?: 'grpc' | 'http' | 'nats' | 'unknown';
}

export interface TimeSeriesQuery {
  assetPath: string;
  tags: string[];
  /** ISO-8601 or epoch ms; half-open [from, to). */
  from: string | number;
  to: string | number;
  /** Absent: raw samples as received. */
  intervalMs?: number;
  aggregation?: Aggregation;
}

export interface SeriesResult {
  tag: string;
  unit: string | null;
  aggregation: Aggregation | null;
  /** `raw`, `refined`, `rollup` or `raw-aggregated`: which layer answered. */
  layer: string;
  points: ResampledPoint[];
  raw: RawSample[];
}

export interface QualityReport {
  tags: Array<{
    assetPath: string;
    tag: string;
    score: number;
    samples: number;
    badShare: number;
    /** Issues open now, info ones (late) included; only warning/critical ones are events. */
    activeIssues: ActiveIssue[];
    /** Silences longer than the window, seen after the fact: info, here and in the score only. */
    gaps: { count: number; totalMs: number; recent: GapNote[] };
  }>;
  assets: Array<{ assetPath: string; score: number; tags: number }>;
}

export interface RecordLabelInput {
  assetPath: string;
  label: string;
  from: string;
  to: string;
  source: 'operator' | 'engineer' | 'maintenance-record' | 'simulator';
  confidence?: number;
  useCaseId?: string | null;
  note?: string;
  /** Client-chosen id → idempotent retries. */
  labelId?: string;
}

export interface ImportCsvInput {
  name: string;
  mapping: unknown;
  /** A file path, or the bytes as a stream (gRPC client stream). */
  path?: string;
  source?: AsyncIterable<Uint8Array | string>;
  onProgress?: (p: ImportProgress) => void;
  datasetId?: string;
  accessLevel?: 'public' | 'internal' | 'restricted';
  owner?: string;
  description?: string;
  /** Aborts the import (client cancel, deadline): checked before anything is written. */
  signal?: AbortSignal;
}

export interface ImportResult {
  importId: string;
  rowCount: number;
  columns: Table['columns'];
  fileSha256: string;
  bytes: number;
}

export type SnapshotSource =
  | { kind: 'import'; importId: string }
  | { kind: 'historian'; assetPaths: string[]; tags: string[]; from: string; to: string; intervalMs: number; aggregation?: Aggregation }
  /**
   * Window features from raw historian samples (the @industrial/ml window spec, the same function
   * inference runs live), a row per asset every `strideMinutes`, with an optional target from labels.
   */
  | { kind: 'historian-windows'; assetPaths: string[]; from: string; to: string; window: WindowSpec; strideMinutes: number; target?: WindowTarget };

export interface CreateSnapshotInput {
  datasetId: string;
  /** The use case the dataset serves (DatasetSnapshotCreated records it). */
  useCaseId: string;
  source: SnapshotSource;
  split: SplitSpec;
  format?: 'arrow' | 'csv';
  featureSetVersion?: string;
  accessLevel?: 'public' | 'internal' | 'restricted';
  name?: string;
  description?: string;
  /** Asset the rows of an import come from, when its mapping names none; absent → no asset (empty assetPaths). */
  assetPath?: string;
}

export interface DataopsApp {
  start(): Promise<void>;
  /** Stops the consumers after their in-flight message and the retention timer. Does not close stores or the bus. */
  stop(): Promise<void>;
  ingestBatch(batch: UnsSampleBatch): Promise<{ duplicate: boolean }>;
  queryTimeSeries(q: TimeSeriesQuery, principal?: Principal, actor?: Actor): Promise<SeriesResult[]>;
  qualityReport(filter?: { assetPath?: string }): QualityReport;
  upsertTagMetadata(patch: unknown, actor: Actor): Promise<TagMetadata>;
  searchCatalog(q: CatalogQuery): Promise<CatalogHit[]>;
  recordLabel(input: RecordLabelInput, actor: Actor): Promise<{ labelId: string; created: boolean }>;
  importCsv(input: ImportCsvInput, actor: Actor): Promise<ImportResult>;
  buildModelTable(q: { assetPaths: string[]; tags: string[]; from: string; to: string; intervalMs: number; aggregation?: Aggregation }): Promise<Table>;
  /** The manifest plus where the data file was written. */
  createSnapshot(input: CreateSnapshotInput, actor: Actor): Promise<SnapshotManifest & { location: string }>;
  /** Loads a snapshot, checking integrity; restricted datasets need data.read_restricted and the read is recorded. */
  getSnapshot(id: string, principal?: Principal, actor?: Actor): Promise<LoadedSnapshot>;
  applyRetention(cutoffMs?: number): Promise<{ rawDeleted: number; partitionsDropped: number }>;
  handleIntegrationEvent(event: IntegrationEvent): Promise<void>;
  /** Latest plant time seen on the UNS (epoch ms), or null. */
  readonly plantNow: number | null;
}

const toMs = (field: string, v: string | number): number => {
  const ms = typeof v === 'number' ? v : Date.parse(v);
  if (!Number.isFinite(ms)) throw new InvalidArgumentError(field, `"${String(v)}" is not a timestamp (ISO-8601 or epoch ms)`);
  return ms;
};

const resourceOf = (assetPath: string): Resource => {
  const [, site, area, line] = assetPath.split('.');
  return { ...(site === undefined ? {} : { site }), ...(area === undefined ? {} : { area }), ...(line === undefined ? {} : { line }) };
};

export function createDataopsApp(deps: DataopsDeps): DataopsApp {
  const { store, data, bus, logger, config } = deps;
  const now = deps.now ?? (() => new Date());
  const historian = data.historian;
  const catalog = new Map<string, TagMetadata>();
  const quality = new Map<string, { assetPath: string; tag: string; sourceId: string; state: TagQualityState }>();
  /** Plant clock per source (latest batch plantTime) and per asset, with the asset's recent batch spacing. */
  const sourceClock = new Map<string, number>();
  const assetClock = new Map<string, { last: number; deltas: number[]; publishingMs: number | null }>();
  const handles: ConsumerHandle[] = [];
  let timer: NodeJS.Timeout | null = null;
  let plantNow: number | null = null;
  let catalogLoaded: Promise<void> | null = null;
  /**
   * Data-quality read model, as in dataops' store (see catchUpQuality): open warning/critical
   * issues by id, and per source stream the last revision folded in. Restored once (rebuildQuality).
   */
  let qualityLoaded: Promise<void> | null = null;
  const openIssues = new Map<string, OpenQualityIssue>();
  const qualityRevision = new Map<string, number>();
  const qualityEmits = new Mutex();

  const key = (assetPath: string, tag: string) => `${assetPath}.${tag}`;
  /** Quality rules per tag, derived from the catalog; cleared whenever the catalog changes. */
  const rules = new Map<string, QualityRules>();
  const loadCatalog = () =>
    (catalogLoaded ??= data.meta.listTags().then((tags) => {
      tags.forEach((t) => catalog.set(key(t.assetPath, t.tag), t));
      rules.clear();
    }));
  // Group commit: concurrent handlers' batches share one transaction (see group-commit.ts).
  const groupCommit = new GroupCommit<IngestBatch>(
    async (batches) => new Set((await historian.writeBatches(batches)).duplicateIds),
    { lingerMs: config.uns.lingerMs ?? 3, maxSamples: 100_000, maxInFlight: 2 },
  );

  async function append(stream: string, type: string, payload: unknown, actor: Actor, id: string = uuidv7()): Promise<AppendResult> {
    const event: NewEvent = {
      id,
      type,
      data: payload,
      metadata: {
        actor: actor.subject,
        role: actor.role,
        correlationId: actor.correlationId ?? id,
        causationId: actor.causationId ?? null,
        traceparent: actor.traceparent ?? null,
        schemaVersion: 1,
      },
    };
    return store.append(stream, [event]);
  }

  /**
   * Quality rules of a tag: the catalog's declared sampling rate and range over the configured
   * defaults, and the asset's publishing interval in plant time (spacing of its batches).
   */
  function rulesFor(assetPath: string, tag: string): QualityRules {
    const k = key(assetPath, tag);
    const publishingIntervalMs = assetClock.get(assetPath)?.publishingMs ?? null;
    let r = rules.get(k);
    if (r === undefined) {
      const meta = catalog.get(k);
      r = {
        ...DEFAULT_RULES,
        ...config.quality,
        ...(meta?.samplingIntervalMs == null ? {} : { expectedIntervalMs: meta.samplingIntervalMs }),
        ...(meta?.range == null ? {} : { range: meta.range }),
        publishingIntervalMs,
      };
      rules.set(k, r);
    } else if (r.publishingIntervalMs !== publishingIntervalMs) {
      r = { ...r, publishingIntervalMs };
      rules.set(k, r);
    }
    return r;
  }

  /** Moves the asset's and the source's plant clocks; returns the asset's previous batch time. */
  function advanceClocks(sourceId: string, assetPath: string, plantTime: number): number | null {
    sourceClock.set(sourceId, Math.max(sourceClock.get(sourceId) ?? -Infinity, plantTime));
    const a = assetClock.get(assetPath);
    if (a === undefined) {
      assetClock.set(assetPath, { last: plantTime, deltas: [], publishingMs: null });
      return null;
    }
    const previous = a.last;
    if (plantTime > a.last) {
      a.deltas.push(plantTime - a.last);
      if (a.deltas.length > 15) a.deltas.shift();
      const sorted = [...a.deltas].sort((x, y) => x - y);
      a.publishingMs = sorted[Math.floor(sorted.length / 2)] ?? null; // median: robust to bursts and reordering
      a.last = plantTime;
    }
    return previous;
  }

  /**
   * Open issues survive a restart (README, Quality). The `source-<id>` streams are the truth;
   * dataops' store keeps a read model of them: the open issues and, per stream, the last revision
   * folded in. The read model is only ever advanced by folding a stream's events from that
   * revision on (`catchUpQuality`), after they were appended — so it is always a fold of a prefix
   * of the stream, and an append whose read-model write was lost (crash, database error) is
   * picked up by the next catch-up of that stream.
   */
  async function catchUpQuality(sourceId: string): Promise<void> {
    for (;;) {
      const from = (qualityRevision.get(sourceId) ?? -1) + 1;
      const page = await store.readStream(`source-${sourceId}`, { fromRevision: from, maxCount: 10_000 }).catch((e: unknown) => {
        if (e instanceof StreamNotFoundError) return [];
        throw e;
      });
      const last = page.at(-1)?.revision;
      if (last === undefined) return;
      const mine = new Map([...openIssues].filter(([, i]) => i.sourceId === sourceId));
      const folded = foldQualityEvents(mine, page, uuidFromKey);
      await data.meta.applyQualityIssues(sourceId, last, folded);
      for (const id of folded.closed) openIssues.delete(id);
      for (const i of folded.opened) openIssues.set(i.issueId, i);
      qualityRevision.set(sourceId, last);
    }
  }

  /**
   * At start (before any batch is evaluated): the read model, each stream's events appended after
   * it was last written, and every tag with an open issue gets its rule state back
   * (`seedQualityState`): a still-bad tag does not raise again, a recovered one clears the issue
   * under its original id.
   */
  async function rebuildQuality(): Promise<void> {
    await loadCatalog();
    const { streams, issues } = await data.meta.loadQualityIssues();
    for (const i of issues) openIssues.set(i.issueId, i);
    for (const { sourceId, revision } of streams) qualityRevision.set(sourceId, revision);
    for (const { sourceId } of streams) await catchUpQuality(sourceId);
    for (const [k, list] of issuesByTag(openIssues.values())) {
      const first = list[0] as OpenQualityIssue;
      quality.set(k, { assetPath: first.assetPath, tag: first.tag, sourceId: first.sourceId, state: seedQualityState(list, rulesFor(first.assetPath, first.tag)) });
    }
    if (openIssues.size > 0) logger.info({ openIssues: openIssues.size, streams: streams.length }, 'open data-quality issues restored from the event store');
  }
  const loadQuality = () =>
    (qualityLoaded ??= rebuildQuality().catch((e: unknown) => {
      qualityLoaded = null; // retried by the next batch or start
      throw e;
    }));

  async function emitQuality(entry: { assetPath: string; tag: string; sourceId: string }, transitions: QualityTransition[], causation: string): Promise<void> {
    let appended = false;
    for (const t of transitions) {
      // An issue event is a decision recorded for good: info findings stay in the quality report.
      if (t.issue.severity === 'info') continue;
      const issueId = uuidFromKey(qualityIssueKey(entry.assetPath, entry.tag, t.issue.rule, t.issue.raisedAt));
      const actor: Actor = { ...SERVICE_ACTOR, correlationId: issueId, causationId: causation };
      if (!qualityRevision.has(entry.sourceId)) {
        // Before the stream's first quality event: a crash right after that append must leave the
        // stream known, so the next start folds the event in.
        await data.meta.watchQualityStream(entry.sourceId);
        qualityRevision.set(entry.sourceId, -1);
      }
      appended = true;
      if (t.type === 'raised') {
        await append(`source-${entry.sourceId}`, 'DataQualityIssueRaised', {
          issueId,
          sourceId: entry.sourceId,
          assetPath: entry.assetPath,
          tag: entry.tag,
          kind: t.issue.kind,
          severity: t.issue.severity,
          detectedAt: new Date(t.issue.raisedAt).toISOString(),
          detail: t.issue.detail.slice(0, 1000),
          observed: t.issue.observed,
        }, actor, uuidFromKey(`raised:${issueId}`));
      } else {
        await append(`source-${entry.sourceId}`, 'DataQualityIssueCleared', {
          issueId,
          sourceId: entry.sourceId,
          clearedAt: new Date(t.clearedAt).toISOString(),
          resolution: 'recovered',
          note: `${t.issue.rule} no longer observed on ${entry.tag}`,
        }, actor, uuidFromKey(`cleared:${issueId}`));
      }
    }
    // Events first, then the read model. A failure here loses nothing (the events are stored, and
    // the next catch-up of the stream folds them in): it is logged, not redelivered.
    if (appended) {
      await catchUpQuality(entry.sourceId).catch((e: unknown) => {
        logger.warn({ err: e, sourceId: entry.sourceId }, 'data-quality read model not updated; it catches up at the next issue of this source or at start');
      });
    }
  }

  async function ingestBatch(batch: UnsSampleBatch): Promise<{ duplicate: boolean }> {
    await loadCatalog();
    await loadQuality();
    const { batch: ingest, problems } = toIngestBatch(batch, (tag) => catalog.get(key(batch.assetPath, tag))?.unit, historian.refinedIntervalMs);
    for (const p of problems) logger.warn({ assetPath: batch.assetPath, tag: p.tag, reason: p.reason }, 'sample kept in raw only: unit cannot be normalised');
    if (await groupCommit.submit(ingest)) return { duplicate: true };
    // Quality runs only for batches written the first time: a redelivery changes nothing.
    const transitions: Array<{ entry: { assetPath: string; tag: string; sourceId: string }; list: QualityTransition[] }> = [];
    const assetBefore = advanceClocks(batch.sourceId, batch.assetPath, ingest.plantTime);
    if (assetBefore !== null && ingest.plantTime > assetBefore) {
      // Report by exception: one tag's silence proves nothing, the whole asset's does (a gap note).
      for (const entry of quality.values()) {
        if (entry.assetPath !== batch.assetPath) continue;
        const r = rulesFor(entry.assetPath, entry.tag);
        if (r.reportByException && ingest.plantTime - assetBefore > qualityWindows(r).windowMs) entry.state = noteGap(entry.state, entry.tag, assetBefore, ingest.plantTime, r);
      }
    }
    for (const s of ingest.raw) {
      const k = key(batch.assetPath, s.tag);
      let entry = quality.get(k);
      if (entry === undefined) {
        entry = { assetPath: batch.assetPath, tag: s.tag, sourceId: batch.sourceId, state: initialQualityState() };
        quality.set(k, entry);
      }
      const value = s.value !== null && s.text === null ? s.value : (s.text ?? '');
      const r = evaluate(entry.state, s.tag, { ts: s.ts, serverTs: s.serverTs, value, bad: s.severity === 'Bad' }, rulesFor(batch.assetPath, s.tag));
      entry.state = r.state;
      if (r.transitions.length > 0) transitions.push({ entry, list: r.transitions });
    }
    plantNow = Math.max(plantNow ?? -Infinity, ingest.plantTime);
    // The source's clock moved: tags of its assets that sent nothing for the window go stale.
    const sourceNow = sourceClock.get(batch.sourceId) ?? ingest.plantTime;
    for (const entry of quality.values()) {
      if (entry.sourceId !== batch.sourceId) continue;
      const r = tick(entry.state, entry.tag, sourceNow, rulesFor(entry.assetPath, entry.tag), assetClock.get(entry.assetPath)?.last ?? null);
      entry.state = r.state;
      if (r.transitions.length > 0) transitions.push({ entry, list: r.transitions });
    }
    // One batch's events at a time, in the order the batches were evaluated (this call follows the
    // evaluation synchronously): a raise is appended before its clear, and each stream's read-model
    // revision only moves forward.
    if (transitions.length > 0) {
      await qualityEmits.run(async () => {
        for (const t of transitions) await emitQuality(t.entry, t.list, batch.batchId);
      });
    }
    return { duplicate: false };
  }

  async function tagMeta(assetPath: string, tag: string): Promise<TagMetadata | null> {
    await loadCatalog();
    return catalog.get(key(assetPath, tag)) ?? null;
  }

  /**
   * A read of restricted data: needs data.read_restricted on the data's location, and is recorded
   * as RestrictedDataRead in `access-<UTC date>` (contracts) before the data is returned.
   */
  async function recordRestrictedRead(
    principal: Principal | undefined,
    what: { kind: 'tag' | 'dataset-snapshot'; target: string; datasetId: string | null },
    resource: Resource,
    actor?: Actor,
  ): Promise<void> {
    if (principal === undefined) return; // in-process callers (training in the launcher) are trusted
    const decision = authorize(principal, Permission.DataReadRestricted, resource);
    if (!decision.allowed) throw new DataopsError(DataopsErrorCode.PermissionDenied, `${what.kind} ${what.target} is restricted: ${decision.reason}`);
    const at = now();
    await append(`access-${at.toISOString().slice(0, 10)}`, 'RestrictedDataRead', {
      actor: principal.subject,
      roles: [...principal.roles],
      kind: what.kind,
      target: what.target,
      datasetId: what.datasetId,
      resource,
      method: actor?.method ?? 'in-process',
      transport: actor?.transport ?? 'unknown',
      readAt: at.toISOString(),
    }, { subject: principal.subject, role: principal.roles[0] ?? 'none', correlationId: actor?.correlationId ?? uuidv7(), traceparent: actor?.traceparent ?? null });
  }

  async function queryTimeSeries(q: TimeSeriesQuery, principal?: Principal, actor?: Actor): Promise<SeriesResult[]> {
    const from = toMs('from', q.from);
    const to = toMs('to', q.to);
    if (to <= from) throw new InvalidArgumentError('to', `must be after from (got from ${new Date(from).toISOString()}, to ${new Date(to).toISOString()})`);
    if (q.tags.length === 0) throw new InvalidArgumentError('tags', 'name at least one tag');
    if (q.intervalMs !== undefined && (!Number.isInteger(q.intervalMs) || q.intervalMs <= 0)) throw new InvalidArgumentError('intervalMs', 'must be a positive integer');
    if (q.intervalMs !== undefined && (to - from) / q.intervalMs > MAX_BUCKETS) throw new InvalidArgumentError('intervalMs', `would produce more than ${MAX_BUCKETS} buckets`);
    if (q.aggregation !== undefined && !isAggregation(q.aggregation)) throw new InvalidArgumentError('aggregation', `unknown aggregation "${String(q.aggregation)}"`);
    const known = new Map((await historian.listSeries(q.assetPath)).filter((s) => s.assetPath === q.assetPath).map((s) => [s.tag, s]));
    for (const tag of q.tags) if (!known.has(tag)) throw new NotFoundError('tags', `tag "${tag}" of asset ${q.assetPath}`);
    const out: SeriesResult[] = [];
    for (const tag of q.tags) {
      const meta = await tagMeta(q.assetPath, tag);
      if (meta?.accessLevel === 'restricted') await recordRestrictedRead(principal, { kind: 'tag', target: key(q.assetPath, tag), datasetId: null }, resourceOf(q.assetPath), actor);
      const unit = meta?.unit ?? known.get(tag)?.unit ?? null;
      if (q.intervalMs === undefined) {
        out.push({ tag, unit, aggregation: null, layer: 'raw', points: [], raw: await historian.readRaw({ assetPath: q.assetPath, tag, from, to }) });
        continue;
      }
      const interval = q.intervalMs;
      const aggregation = q.aggregation ?? meta?.aggregation ?? 'mean';
      const alignedFrom = bucketStart(from, interval);
      let layer: string;
      let stats;
      if (interval % 60_000 === 0) {
        layer = 'rollup';
        stats = await historian.readBuckets({ assetPath: q.assetPath, tag, from: alignedFrom, to, layer: 'rollup' });
      } else if (interval % historian.refinedIntervalMs === 0) {
        layer = 'refined';
        stats = await historian.readBuckets({ assetPath: q.assetPath, tag, from: alignedFrom, to, layer: 'refined' });
      } else {
        layer = 'raw-aggregated';
        stats = await historian.rawBuckets({ assetPath: q.assetPath, tag, from: alignedFrom, to, intervalMs: interval });
      }
      out.push({ tag, unit, aggregation, layer, points: toGrid(regroup(stats, interval), from, to, interval, aggregation), raw: [] });
    }
    return out;
  }

  function qualityReport(filter: { assetPath?: string } = {}): QualityReport {
    const tags = [...quality.values()]
      .filter((e) => filter.assetPath === undefined || e.assetPath === filter.assetPath || e.assetPath.startsWith(`${filter.assetPath}.`))
      .map((e) => ({
        assetPath: e.assetPath,
        tag: e.tag,
        score: healthScore(e.state, rulesFor(e.assetPath, e.tag).gapMemoryMs),
        samples: e.state.samples,
        badShare: e.state.samples === 0 ? 0 : e.state.badSamples / e.state.samples,
        activeIssues: Object.values(e.state.active).filter((i): i is ActiveIssue => i !== undefined),
        gaps: { count: e.state.gapCount, totalMs: e.state.gapMs, recent: [...e.state.gaps] },
      }))
      .sort((a, b) => (key(a.assetPath, a.tag) < key(b.assetPath, b.tag) ? -1 : 1));
    const byAsset = new Map<string, number[]>();
    for (const t of tags) byAsset.set(t.assetPath, [...(byAsset.get(t.assetPath) ?? []), t.score]);
    // An asset is as healthy as its tags on average, but one dead tag must show: weight the minimum.
    const assets = [...byAsset].map(([assetPath, scores]) => ({
      assetPath,
      tags: scores.length,
      score: 0.5 * (scores.reduce((s, x) => s + x, 0) / scores.length) + 0.5 * Math.min(...scores),
    }));
    return { tags, assets };
  }

  async function upsertTagMetadata(patchInput: unknown, _actor: Actor): Promise<TagMetadata> {
    const r = TagMetadataPatchSchema.safeParse(patchInput);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new InvalidArgumentError(issue?.path.join('.') || 'tag', issue?.message ?? 'invalid');
    }
    const patch = r.data;
    await loadCatalog();
    const at = now().toISOString();
    const current = catalog.get(key(patch.assetPath, patch.tag)) ?? defaultTagMetadata(patch.assetPath, patch.tag, at);
    const next = applyTagPatch(current, patch, at);
    await data.meta.upsertTag(next);
    catalog.set(key(next.assetPath, next.tag), next);
    rules.delete(key(next.assetPath, next.tag));
    return next;
  }

  async function recordLabel(input: RecordLabelInput, actor: Actor): Promise<{ labelId: string; created: boolean }> {
    const from = toMs('from', input.from);
    const to = toMs('to', input.to);
    if (to <= from) throw new InvalidArgumentError('to', 'must be after from');
    if (!/^[a-z0-9_-]{1,64}$/.test(input.label)) throw new InvalidArgumentError('label', 'must use lowercase letters, digits, "_" and "-" only');
    if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+){4}$/.test(input.assetPath)) throw new InvalidArgumentError('assetPath', 'must be "enterprise.site.area.line.asset"');
    const confidence = input.confidence ?? 1;
    if (!(confidence >= 0 && confidence <= 1)) throw new InvalidArgumentError('confidence', 'must be within 0..1');
    const labelId = input.labelId ?? uuidv7();
    const payload = {
      labelId,
      assetPath: input.assetPath,
      useCaseId: input.useCaseId ?? null,
      label: input.label,
      window: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
      source: input.source,
      confidence,
      ...(input.note === undefined || input.note.trim() === '' ? {} : { note: input.note.slice(0, 1000) }),
    };
    // The event first (source of truth, idempotent by id), then the read model.
    await append(`asset-${input.assetPath}`, 'LabelRecorded', payload, actor, uuidFromKey(`label-event:${labelId}`));
    const created = await data.meta.putLabel({
      labelId,
      assetPath: input.assetPath,
      label: input.label,
      from,
      to,
      source: input.source,
      useCaseId: input.useCaseId ?? null,
      confidence,
      note: input.note ?? null,
      actor: actor.subject,
      recordedAt: now().toISOString(),
    });
    return { labelId, created };
  }

  async function importCsv(input: ImportCsvInput, actor: Actor): Promise<ImportResult> {
    const mapping = parseCsvMapping(input.mapping);
    if (input.path === undefined && input.source === undefined) throw new InvalidArgumentError('path', 'give a file path or a byte stream');
    const parsed =
      input.path !== undefined
        ? await parseCsvFile(input.path, mapping, input.onProgress === undefined ? {} : { onProgress: input.onProgress })
        : await parseCsvStream(input.source as AsyncIterable<Uint8Array>, mapping, input.onProgress === undefined ? {} : { onProgress: input.onProgress });
    const importId = uuidv7();
    // Nothing is written before the whole file parsed; then the import, its columns and the
    // catalog entry go in one transaction (all or nothing).
    input.signal?.throwIfAborted();
    const dataset: DatasetMetadata | undefined =
      input.datasetId === undefined
        ? undefined
        : {
            datasetId: input.datasetId,
            name: input.name,
            description: input.description ?? `imported from ${input.name}`,
            owner: input.owner ?? actor.subject,
            accessLevel: input.accessLevel ?? 'internal',
            source: mapping.assetPath ?? `import:${importId}`,
            updatedAt: now().toISOString(),
          };
    await data.meta.saveImport(
      { importId, name: input.name, fileSha256: parsed.sha256, fileBytes: parsed.bytes, mapping, rowCount: parsed.table.rowCount, actor: actor.subject, importedAt: now().toISOString() },
      parsed.table,
      dataset,
    );
    return { importId, rowCount: parsed.table.rowCount, columns: parsed.table.columns, fileSha256: parsed.sha256, bytes: parsed.bytes };
  }

  async function buildModelTable(q: { assetPaths: string[]; tags: string[]; from: string; to: string; intervalMs: number; aggregation?: Aggregation }): Promise<Table> {
    const from = toMs('from', q.from);
    const to = toMs('to', q.to);
    if (to <= from) throw new InvalidArgumentError('to', 'must be after from');
    if (q.assetPaths.length === 0) throw new InvalidArgumentError('assetPaths', 'name at least one asset');
    const grid: number[] = [];
    for (let t = bucketStart(from, q.intervalMs); t < to; t += q.intervalMs) grid.push(t);
    const assets: AssetSeries[] = [];
    for (const assetPath of q.assetPaths) {
      const series = await historian.listSeries(assetPath);
      const numeric = new Map<string, ResampledPoint[]>();
      const context = new Map<string, Array<{ ts: number; value: string }>>();
      for (const tag of q.tags) {
        if (!series.some((s) => s.assetPath === assetPath && s.tag === tag)) continue; // missing tag → NaN column, not invented
        const meta = await tagMeta(assetPath, tag);
        if (meta !== null && meta.dataType === 'string') {
          const raw = await historian.readRaw({ assetPath, tag, from: from - 86_400_000, to });
          const changes: Array<{ ts: number; value: string }> = [];
          for (const s of raw) if (s.severity !== 'Bad' && s.text !== null && changes.at(-1)?.value !== s.text) changes.push({ ts: s.ts, value: s.text });
          context.set(tag, changes);
          continue;
        }
        const [r] = await queryTimeSeries({ assetPath, tags: [tag], from, to, intervalMs: q.intervalMs, ...(q.aggregation === undefined ? {} : { aggregation: q.aggregation }) });
        numeric.set(tag, r?.points ?? []);
      }
      for (const tag of q.tags) if (!numeric.has(tag) && !context.has(tag)) numeric.set(tag, []);
      assets.push({ assetPath, numeric, context });
    }
    const labels = (await Promise.all(q.assetPaths.map((a) => data.meta.listLabels({ assetPath: a, from, to })))).flat();
    return contextualise({ grid, intervalMs: q.intervalMs, assets, labels });
  }

  async function createSnapshot(input: CreateSnapshotInput, actor: Actor): Promise<SnapshotManifest & { location: string }> {
    const split = SplitSpecSchema.safeParse(input.split);
    if (!split.success) throw new InvalidArgumentError(`split.${split.error.issues[0]?.path.join('.') ?? ''}`, split.error.issues[0]?.message ?? 'invalid');
    const format = input.format ?? 'arrow';
    const featureSetVersion = input.featureSetVersion ?? '1.0.0';
    let table: Table;
    let lineage: SnapshotLineage;
    let assetPaths: string[];
    let timeRange: { from: string; to: string };
    let labelIds: string[] = [];
    if (input.source.kind === 'import') {
      const imp = await data.meta.getImport(input.source.importId);
      if (imp === null) throw new NotFoundError('source.importId', `import ${input.source.importId}`);
      table = imp.table;
      const mappingAsset = (imp.record.mapping as { assetPath?: string }).assetPath;
      // An offline file names no asset unless its mapping or the caller does: none is made up.
      const asset = mappingAsset ?? input.assetPath;
      assetPaths = asset === undefined ? [] : [asset];
      const timeCol = table.columns.find((c) => c.role === 'time');
      if (timeCol !== undefined && table.rowCount > 0) {
        const t = table.data[timeCol.name] as Float64Array;
        let lo = Infinity, hi = -Infinity;
        for (const v of t) {
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        timeRange = { from: new Date(lo).toISOString(), to: new Date(hi + 1).toISOString() };
      } else {
        // Order-only data (UDI, cycle) has no plant time: record the import time as the range.
        timeRange = { from: imp.record.importedAt, to: new Date(Date.parse(imp.record.importedAt) + 1).toISOString() };
      }
      lineage = {
        // Content, not ids: the same file with the same mapping gives the same hash whichever import holds it.
        source: { kind: 'import', name: imp.record.name, fileSha256: imp.record.fileSha256, mapping: imp.record.mapping },
        timeRange: timeCol === undefined ? null : timeRange,
        transformations: [`csv-import(mapping)`, `split(${split.data.kind} by ${split.data.by})`],
        labels: { count: 0, ids: [] },
        codeVersion: config.codeVersion,
        featureSetVersion,
      };
    } else if (input.source.kind === 'historian-windows') {
      const s = input.source;
      const spec = checkWindowRequest(s.window, s.strideMinutes, s.target);
      if (s.assetPaths.length === 0) throw new InvalidArgumentError('source.assetPaths', 'name at least one asset');
      const from = toMs('from', s.from);
      const to = toMs('to', s.to);
      if (!(to > from)) throw new InvalidArgumentError('to', 'must be after from');
      // Samples from one window before `from`: the first window ending in range is complete.
      const lookbackMs = spec.windowMinutes * 60_000;
      const tags = [...new Set(spec.features.map((f) => f.tag))];
      const assets = await Promise.all([...new Set(s.assetPaths)].map(async (assetPath) => {
        const samples = new Map<string, WindowSample[]>();
        for (const tag of tags) {
          const raw = await historian.readRaw({ assetPath, tag, from: from - lookbackMs, to });
          samples.set(tag, raw.filter((r) => r.value !== null).map((r) => ({ timestampMs: r.ts, value: r.value as number, quality: r.severity === 'Good' ? 'good' : 'bad' })));
        }
        return { assetPath, samples };
      }));
      const labels = (await Promise.all(assets.map((a) => data.meta.listLabels({ assetPath: a.assetPath, from: from - lookbackMs, to: to + (s.target?.horizonMinutes ?? 0) * 60_000 })))).flat();
      table = windowTable({ spec, strideMinutes: s.strideMinutes, from, to, assets, labels, ...(s.target === undefined ? {} : { target: s.target }) });
      if (table.rowCount === 0) throw new InvalidArgumentError('from', `no complete ${spec.windowMinutes}-minute window ends between from and to for these assets`);
      labelIds = labels.filter((l) => s.target === undefined || l.label === s.target.label).map((l) => l.labelId).sort();
      assetPaths = assets.map((a) => a.assetPath).sort();
      timeRange = { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
      lineage = {
        source: { kind: 'historian-windows', assetPaths, tags: [...tags].sort(), strideMinutes: s.strideMinutes, target: s.target === undefined ? null : { label: s.target.label, horizonMinutes: s.target.horizonMinutes, column: targetColumnName(s.target), ...(s.target.kind === 'time-to' ? { kind: 'time-to' as const } : {}) } },
        timeRange,
        transformations: [
          `window features (${spec.format} ${spec.version}: ${spec.windowMinutes} min on a ${spec.gridMinutes}-min grid, every ${s.strideMinutes} min, Bad samples excluded)`,
          ...(s.target === undefined ? [] : [describeTarget(s.target)]),
          `split(${split.data.kind} by ${split.data.by})`,
        ],
        labels: { count: labelIds.length, ids: labelIds },
        codeVersion: config.codeVersion,
        featureSetVersion: input.featureSetVersion ?? spec.version,
        window: spec,
      };
    } else {
      const s = input.source;
      const aggregation = s.aggregation ?? 'mean';
      table = await buildModelTable({ assetPaths: s.assetPaths, tags: s.tags, from: s.from, to: s.to, intervalMs: s.intervalMs, aggregation });
      const labels = (await Promise.all(s.assetPaths.map((a) => data.meta.listLabels({ assetPath: a, from: toMs('from', s.from), to: toMs('to', s.to) })))).flat();
      labelIds = labels.map((l) => l.labelId).sort();
      assetPaths = [...s.assetPaths].sort();
      timeRange = { from: new Date(toMs('from', s.from)).toISOString(), to: new Date(toMs('to', s.to)).toISOString() };
      lineage = {
        source: { kind: 'historian', assetPaths, tags: [...s.tags].sort(), intervalMs: s.intervalMs, aggregation },
        timeRange,
        transformations: [`resample(${s.intervalMs} ms, ${aggregation}, gaps as NaN)`, 'contextualise(asset hierarchy, context tags, label windows)', `split(${split.data.kind} by ${split.data.by})`],
        labels: { count: labelIds.length, ids: labelIds },
        codeVersion: config.codeVersion,
        featureSetVersion,
      };
    }
    const { table: ordered, splits } = applySplits(table, split.data);
    const header: SnapshotHeader = { formatVersion: 1, rowCount: ordered.rowCount, schema: ordered.columns, lineage, splits };
    const contentHash = contentHashOf(header, ordered);
    const snapshotId = uuidFromKey(`snapshot:${contentHash}:${format}`);
    const written = writeSnapshotFiles(config.snapshotDir, { ...header, snapshotId, datasetId: input.datasetId, contentHash, format, createdAt: now().toISOString(), createdBy: actor.subject }, ordered);
    const accessLevel = input.accessLevel ?? (await data.meta.getDataset(input.datasetId))?.accessLevel ?? 'internal';
    await data.meta.putSnapshot({ snapshotId, datasetId: input.datasetId, contentHash, location: written.dataPath, format, rowCount: ordered.rowCount, accessLevel, createdAt: written.manifest.createdAt, manifest: written.manifest });
    const existing = await data.meta.getDataset(input.datasetId);
    const dataset: DatasetMetadata = {
      datasetId: input.datasetId,
      name: input.name ?? existing?.name ?? input.datasetId,
      description: input.description ?? existing?.description ?? '',
      owner: existing?.owner ?? actor.subject,
      accessLevel,
      source: assetPaths.length > 0 ? assetPaths.join(',') : `import:${input.source.kind === 'import' ? input.source.importId : ''}`,
      updatedAt: now().toISOString(),
    };
    await data.meta.upsertDataset(dataset);
    const location = `file://${written.dataPath.startsWith('/') ? '' : '/'}${written.dataPath}`;
    const tags = ordered.columns.filter((c) => c.role === 'feature').map((c) => c.name.toLowerCase().replace(/[^a-z0-9_-]+/g, '_').slice(0, 64));
    await append(`dataset-${input.datasetId}`, 'DatasetSnapshotCreated', {
      datasetId: input.datasetId,
      snapshotId,
      useCaseId: input.useCaseId,
      timeRange,
      assetPaths,
      tags: tags.length > 0 ? tags : ['none'],
      rowCount: ordered.rowCount,
      labelCount: labelIds.length,
      featureSetVersion,
      format,
      location,
      contentHash,
    }, actor, uuidFromKey(`snapshot-event:${input.datasetId}:${snapshotId}`));
    return { ...written.manifest, location };
  }

  async function getSnapshot(id: string, principal?: Principal, actor?: Actor): Promise<LoadedSnapshot> {
    const record = await data.meta.getSnapshot(id);
    if (record === null) throw new NotFoundError('snapshotId', `snapshot ${id}`);
    if (record.accessLevel === 'restricted') {
      const [first] = ((record.manifest as SnapshotManifest).lineage.source.kind === 'historian'
        ? ((record.manifest as SnapshotManifest).lineage.source as { assetPaths: string[] }).assetPaths
        : []);
      await recordRestrictedRead(principal, { kind: 'dataset-snapshot', target: record.snapshotId, datasetId: record.datasetId }, first === undefined ? {} : resourceOf(first), actor);
    }
    return loadSnapshot(record.snapshotId, { dir: config.snapshotDir, expectedHash: record.contentHash });
  }

  async function handleIntegrationEvent(event: IntegrationEvent): Promise<void> {
    const causal: Actor = { ...SERVICE_ACTOR, correlationId: event.metadata.correlationId, causationId: event.id, traceparent: event.metadata.traceparent };
    if (event.type === 'FaultLabelled') {
      const f = event.data;
      // An instantaneous failure (failureAt = startedAt) still gets a window: the millisecond it happened.
      const endMs = Math.max(Date.parse(f.failureAt ?? f.plantTime), Date.parse(f.startedAt) + 1);
      const end = new Date(endMs).toISOString();
      await recordLabel(
        {
          labelId: uuidFromKey(`fault-label:${f.faultId}:${f.failureAt ?? 'cleared'}`),
          assetPath: f.assetPath,
          label: f.faultType,
          from: f.startedAt,
          to: end,
          source: 'simulator',
          confidence: 1,
          note: `simulated fault ${f.faultId} (${f.cause}), ${f.failureAt === undefined ? 'cleared before failure' : `failed at ${f.failureAt}`}`,
        },
        causal,
      );
    } else if (event.type === 'OutcomeRecorded') {
      // What the operator found after a prompt: a training label over the window the model saw,
      // up to when it was observed (no label class → nothing to learn from).
      const o = event.data;
      if (o.label === null) return;
      const from = Date.parse(o.context.featureWindow.from);
      const to = Math.max(Date.parse(o.context.featureWindow.to), Date.parse(o.observedAt), from + 1);
      await recordLabel(
        {
          labelId: uuidFromKey(`outcome-label:${o.recommendationId}`),
          assetPath: o.context.assetPath,
          label: o.label,
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
          source: 'operator',
          // A failure that happened is certain; what an inspection found is an operator's judgement.
          confidence: o.outcome === 'event-occurred' ? 1 : 0.8,
          useCaseId: o.context.useCaseId,
          note: `outcome ${o.outcome} of recommendation ${o.recommendationId}${o.note === undefined ? '' : `: ${o.note}`}`,
        },
        causal,
      );
    } else if (event.type === 'ProblemReported') {
      // A problem an operator reported (a missed failure among them): a label when it names a class and a window.
      const p = event.data;
      if (p.label === null || p.labelWindow === null) return;
      await recordLabel(
        {
          labelId: uuidFromKey(`problem-label:${p.problemId}`),
          assetPath: p.assetPath,
          label: p.label,
          from: p.labelWindow.from,
          to: p.labelWindow.to,
          source: 'operator',
          confidence: 0.8,
          useCaseId: p.useCaseId,
          note: `${p.missedFailure ? 'missed failure' : 'problem'} reported (${p.severity}): ${p.description}`,
        },
        causal,
      );
    } else if (event.type === 'TagMapped') {
      const t = event.data;
      const current = await tagMeta(t.assetPath, t.tag);
      await upsertTagMetadata(
        {
          assetPath: t.assetPath,
          tag: t.tag,
          dataType: t.dataType,
          unit: t.unit ?? null,
          range: t.range ?? null,
          samplingIntervalMs: t.samplingIntervalMs,
          source: `${t.sourceId} ${t.address}`,
          ...(current === null || current.description === '' ? { description: `${t.tag} of ${t.assetPath} (${t.address})` } : {}),
        },
        causal,
      );
    }
  }

  async function applyRetention(cutoffMs?: number) {
    const cutoff = cutoffMs ?? (plantNow === null ? null : plantNow - config.rawRetentionMs);
    if (cutoff === null) return { rawDeleted: 0, partitionsDropped: 0 };
    const r = await historian.applyRetention(cutoff);
    if (r.rawDeleted > 0) logger.info({ cutoff: new Date(cutoff).toISOString(), ...r }, 'raw samples past retention dropped; 1-minute rollups kept');
    return r;
  }

  return {
    get plantNow() {
      return plantNow;
    },
    async start() {
      await loadCatalog();
      await loadQuality();
      if (config.uns.ensureStream) await bus.ensureStream({ name: config.uns.stream, subjects: config.uns.subjects });
      handles.push(
        ...(await startUnsConsumers(bus, { stream: config.uns.stream, durable: config.uns.durable, filterSubject: config.uns.filterSubject, concurrency: config.uns.concurrency, ...(config.uns.prefetch === undefined ? {} : { prefetch: config.uns.prefetch }) }, async (b) => {
          await ingestBatch(b);
        })),
      );
      if (config.events !== null) {
        await bus.ensureStream({ name: config.events.stream, subjects: [config.events.filterSubject] });
        handles.push(await startEventConsumer(bus, config.events, handleIntegrationEvent, logger));
      }
      if (config.retentionEveryMs > 0) {
        timer = setInterval(() => {
          applyRetention().catch((e: unknown) => logger.error({ err: e }, 'retention failed; will retry'));
        }, config.retentionEveryMs);
        timer.unref();
      }
      logger.info({ uns: config.uns.stream, store: data.kind }, 'dataops started');
    },
    async stop() {
      if (timer !== null) clearInterval(timer);
      timer = null;
      await Promise.all(handles.splice(0).map((h) => h.stop()));
    },
    ingestBatch,
    queryTimeSeries,
    qualityReport,
    upsertTagMetadata,
    async searchCatalog(q) {
      return searchCatalog(await data.meta.listTags(), await data.meta.listDatasets(), q);
    },
    recordLabel,
    importCsv,
    buildModelTable,
    createSnapshot,
    getSnapshot,
    applyRetention,
    handleIntegrationEvent,
  };
}
