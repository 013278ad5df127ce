// The ports of dataops (interfaces and data shapes only; adapters/ implements them, app.ts wires
// them into the features): the historian (raw + refined + rollup layers) and the metadata store
// (catalog, labels, imports, snapshots, the data-quality read model) — PostgreSQL (cluster) and
// node:sqlite (standalone) implement both, one contract suite (test/historian.contract.ts) runs
// against each — plus group commit, CSV parsing, snapshot files, window features, the access
// check of restricted reads and the logger.
import type { Principal, Resource } from '@industrial/access';
import type { OrderedSpec, WindowSpec } from '@industrial/ml';
import type { BucketStats } from './domain/resample.ts';
import type { DatasetMetadata, TagMetadata } from './domain/catalog.ts';
import type { CsvMapping } from './domain/csv-mapping.ts';
import type { ColumnData, ColumnSpec, Table } from './domain/table.ts';
import type { LabelWindow } from './domain/context.ts';
import type { OpenQualityIssue } from './domain/quality-issues.ts';
import type { TextTable } from './domain/delimited.ts';
import type { Splits } from './domain/snapshot.ts';
import type { WindowSample, WindowTarget } from './domain/window-target.ts';

export type { IngestBatch, RawSample, Severity, StoredBucket } from './domain/ingest.ts';
import type { IngestBatch, RawSample } from './domain/ingest.ts';

export type BucketLayer = 'refined' | 'rollup';

export interface SeriesKey {
  assetPath: string;
  tag: string;
}

export interface RangeQuery extends SeriesKey {
  /** Epoch ms, half-open [from, to). */
  from: number;
  to: number;
}

export interface SeriesInfo extends SeriesKey {
  unit: string | null;
}

export interface RetentionResult {
  /** Raw samples removed (their statistics stay in the 1-minute rollup). */
  rawDeleted: number;
  /** Whole time partitions dropped (PostgreSQL). */
  partitionsDropped: number;
}

export interface WriteResult {
  written: number;
  duplicates: number;
  duplicateIds: string[];
}

export interface Historian {
  /** Refined bucket width, fixed per store (declared in the config). */
  readonly refinedIntervalMs: number;
  /**
   * Writes the batches in one transaction. Idempotent: a batch id already written is skipped as a
   * whole; `duplicateIds` names those.
   */
  writeBatches(batches: readonly IngestBatch[]): Promise<WriteResult>;
  readRaw(q: RangeQuery & { limit?: number }): Promise<RawSample[]>;
  readBuckets(q: RangeQuery & { layer: BucketLayer }): Promise<BucketStats[]>;
  /** Aggregates raw (non-Bad, numeric) samples into `intervalMs` buckets in the database. */
  rawBuckets(q: RangeQuery & { intervalMs: number }): Promise<BucketStats[]>;
  listSeries(assetPathPrefix?: string): Promise<SeriesInfo[]>;
  /** Drops raw samples with source time before `cutoff` (epoch ms). */
  applyRetention(cutoff: number): Promise<RetentionResult>;
  counts(): Promise<{ raw: number; refined: number; rollup: number; batches: number }>;
}

export interface StoredLabel extends LabelWindow {
  useCaseId: string | null;
  confidence: number;
  note: string | null;
  actor: string;
  recordedAt: string;
}

export interface ImportRecord {
  importId: string;
  name: string;
  fileSha256: string;
  fileBytes: number;
  mapping: unknown;
  rowCount: number;
  actor: string;
  importedAt: string;
}

export interface SnapshotRecord {
  snapshotId: string;
  datasetId: string;
  contentHash: string;
  location: string;
  format: 'arrow' | 'csv';
  rowCount: number;
  accessLevel: 'public' | 'internal' | 'restricted';
  createdAt: string;
  manifest: unknown;
}

export interface MetaStore {
  upsertTag(tag: TagMetadata): Promise<void>;
  getTag(key: SeriesKey): Promise<TagMetadata | null>;
  listTags(): Promise<TagMetadata[]>;
  upsertDataset(d: DatasetMetadata): Promise<void>;
  getDataset(id: string): Promise<DatasetMetadata | null>;
  listDatasets(): Promise<DatasetMetadata[]>;
  /** Idempotent by label id. */
  putLabel(label: StoredLabel): Promise<boolean>;
  listLabels(q?: { assetPath?: string; from?: number; to?: number }): Promise<StoredLabel[]>;
  /** All or nothing: the record, every column and (when given) the dataset's catalog entry in one transaction. */
  saveImport(record: ImportRecord, table: Table, dataset?: DatasetMetadata): Promise<void>;
  getImport(id: string): Promise<{ record: ImportRecord; table: Table } | null>;
  putSnapshot(s: SnapshotRecord): Promise<void>;
  getSnapshot(idOrHash: string): Promise<SnapshotRecord | null>;
  /** Snapshot records, newest first (optionally one dataset's), at most `limit`. */
  listSnapshots(q: { datasetId?: string; limit: number }): Promise<SnapshotRecord[]>;
  /**
   * Data-quality read model: the issues open per dataops' `quality-<sourceId>` streams, and per
   * stream the last revision folded in (-1: none). The events come first; this follows them.
   * `watchQualityStream` enters a stream (revision -1) before its first quality event is appended,
   * so a crash between that append and `applyQualityIssues` still leaves the stream to catch up on.
   */
  watchQualityStream(sourceId: string): Promise<void>;
  /** In one transaction: issues opened, ids closed, and the stream's revision (never lowered). */
  applyQualityIssues(sourceId: string, revision: number, changes: { opened: readonly OpenQualityIssue[]; closed: readonly string[] }): Promise<void>;
  loadQualityIssues(): Promise<{ streams: Array<{ sourceId: string; revision: number }>; issues: OpenQualityIssue[] }>;
}

export interface DataopsStore {
  readonly kind: 'postgres' | 'sqlite';
  readonly historian: Historian;
  readonly meta: MetaStore;
  close(): Promise<void>;
}

// ---- ingest --------------------------------------------------------------------------------------

/** Writes normalised batches to the historian, concurrent ones in one transaction (group commit). */
export interface BatchWriter {
  /** Resolves after the batch's transaction committed: true when the batch id was already written (a redelivery). */
  submit(batch: IngestBatch): Promise<boolean>;
}

// ---- CSV import ------------------------------------------------------------------------------------

export interface ImportProgress {
  bytes: number;
  /** Known for files, null for client streams. */
  totalBytes: number | null;
  records: number;
}

export interface ParsedFile {
  table: Table;
  sha256: string;
  bytes: number;
}

/** Parses a whole delimited file into a table (or throws CsvImportError naming row and column). */
/** Size limits of one import (defaults: DEFAULT_IMPORT_LIMITS in adapters/files/csv-import.ts). */
export interface ImportLimits {
  maxBytes?: number;
  maxRows?: number;
}

export interface CsvParser {
  parseFile(path: string, mapping: CsvMapping, options?: { onProgress?: (p: ImportProgress) => void } & ImportLimits): Promise<ParsedFile>;
  parseStream(
    source: AsyncIterable<Uint8Array | string>,
    mapping: CsvMapping,
    options?: { onProgress?: (p: ImportProgress) => void } & ImportLimits,
  ): Promise<ParsedFile>;
}

// ---- snapshots ---------------------------------------------------------------------------------------

export type SnapshotFormat = 'arrow' | 'csv';

/** Where the rows came from and what was done to them; covered by the content hash. */
export interface SnapshotLineage {
  source:
    | { kind: 'import'; name: string; fileSha256: string; mapping: unknown }
    | { kind: 'historian'; assetPaths: string[]; tags: string[]; intervalMs: number; aggregation: string }
    | {
        kind: 'historian-windows';
        assetPaths: string[];
        tags: string[];
        strideMinutes: number;
        target: { label: string; horizonMinutes: number; column: string; kind?: 'time-to' } | null;
      };
  timeRange: { from: string; to: string } | null;
  transformations: string[];
  labels: { count: number; ids: string[] };
  codeVersion: string;
  featureSetVersion: string;
  /** The @industrial/ml window spec the feature columns were computed with (historian-windows only). */
  window?: WindowSpec;
  /** The @industrial/ml ordered per-unit spec the feature columns were computed with (ordered snapshots of imports). */
  ordered?: OrderedSpec;
}

/** The part of the manifest the content hash covers. */
export interface SnapshotHeader {
  formatVersion: 1;
  rowCount: number;
  schema: ColumnSpec[];
  lineage: SnapshotLineage;
  splits: Splits;
}

export interface SnapshotManifest extends SnapshotHeader {
  snapshotId: string;
  datasetId: string;
  contentHash: string;
  format: SnapshotFormat;
  file: string;
  fileSha256: string;
  createdAt: string;
  createdBy: string;
}

export interface WrittenSnapshot {
  manifest: SnapshotManifest;
  dataPath: string;
  manifestPath: string;
}

export interface LoadedSnapshot {
  snapshotId: string;
  datasetId: string;
  contentHash: string;
  rowCount: number;
  /** Column name → values: Float64Array (float64, timestamp as epoch ms), Int32Array, Uint8Array (bool), string[]. */
  columns: Record<string, ColumnData>;
  schema: ColumnSpec[];
  lineage: SnapshotLineage;
  splits: Splits;
  format: SnapshotFormat;
  path: string;
  /** The verified manifest as written (file hash, creation time and author included). */
  manifest: SnapshotManifest;
}

export interface LoadSnapshotOptions {
  /** Directory holding snapshots, when loading by id. */
  dir?: string;
  /** The hash recorded in DatasetSnapshotCreated: also refuse a manifest rewritten to match altered data. */
  expectedHash?: string;
}

/** Immutable snapshot files (data + manifest), verified on load. */
export interface SnapshotFiles {
  contentHashOf(header: SnapshotHeader, table: Table): string;
  /** Writes data + manifest under `dir`; an existing snapshot with the same id is left as is. */
  write(dir: string, manifest: Omit<SnapshotManifest, 'file' | 'fileSha256'>, table: Table): WrittenSnapshot;
  /** Throws SnapshotIntegrityError when a file no longer matches its hashes. */
  load(idOrPath: string, options?: LoadSnapshotOptions): LoadedSnapshot;
}

export type { WindowSpec };

export interface WindowTableInput {
  spec: WindowSpec;
  strideMinutes: number;
  /** Epoch ms, half-open [from, to): window ends fall in this range. */
  from: number;
  to: number;
  assets: Array<{ assetPath: string; samples: ReadonlyMap<string, readonly WindowSample[]> }>;
  labels: readonly LabelWindow[];
  target?: WindowTarget;
}

/** Window-feature tables by the shared @industrial/ml window function (the one inference runs live). */
export interface WindowFeatures {
  /** The validated spec; throws InvalidArgumentError naming the field when the request cannot be computed. */
  check(spec: unknown, strideMinutes: number, target: WindowTarget | undefined, field?: string): WindowSpec;
  /** Columns asset_path (group), time (window end), one per feature (with its unit), then the target. */
  table(input: WindowTableInput): Table;
}

/** What an ordered per-unit snapshot of an import is built from (see OrderedFeatures). */
export interface OrderedBuildRequest {
  readonly table: TextTable;
  /** Unit column; absent: the file is one unit (a single stream). */
  readonly entity?: string;
  readonly order: string;
  readonly step?: number;
  readonly gaps?: 'error' | 'allow';
  /** Sensor columns (default: every numeric column but entity, order and label columns). */
  readonly columns?: readonly string[];
  readonly windows: readonly number[];
  readonly statistics: OrderedSpec['statistics'];
  readonly ewma?: readonly number[];
  readonly lags?: readonly number[];
  readonly deltas?: readonly number[];
  readonly target?:
    | {
        readonly kind: 'remaining';
        readonly name: string;
        readonly cap?: number;
        readonly runToFailure: 'all' | readonly number[] | { readonly column: string };
      }
    | { readonly kind: 'within'; readonly name: string; readonly labels: string; readonly horizon: number };
  readonly testUnits?: readonly number[];
  readonly validationTail: number;
  readonly version?: string;
}

export interface OrderedBuilt {
  readonly table: Table;
  readonly splits: Splits;
  readonly spec: OrderedSpec;
  readonly transformations: string[];
  readonly units: number;
}

/**
 * Ordered per-unit feature tables by the shared @industrial/ml function (the one training rows and
 * scoring share), a derived target and a split naming the test units. Throws FileShapeError or
 * MlValidationError saying what is wrong with the data.
 */
export type OrderedFeatures = (req: OrderedBuildRequest, progress?: (stage: string) => void) => OrderedBuilt;

// ---- access and logging --------------------------------------------------------------------------

export type { Principal, Resource };

/** Whether a principal may read restricted data at a plant location (data.read_restricted). */
export interface RestrictedReadPolicy {
  check(principal: Principal, resource: Resource): { allowed: true } | { allowed: false; reason: string };
}

export interface DataopsLogger {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}
