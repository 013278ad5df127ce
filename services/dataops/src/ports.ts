// The storage ports of dataops: the historian (raw + refined + rollup layers) and the metadata
// store (catalog, labels, imports, snapshots). PostgreSQL (cluster) and node:sqlite (standalone)
// implement both; one contract suite (test/historian.contract.ts) runs against each.
import type { BucketStats } from './domain/resample.ts';
import type { DatasetMetadata, TagMetadata } from './domain/catalog.ts';
import type { Table } from './domain/table.ts';
import type { LabelWindow } from './domain/context.ts';
import type { OpenQualityIssue } from './domain/quality-issues.ts';

export type Severity = 'Good' | 'Uncertain' | 'Bad';

export interface RawSample {
  tag: string;
  /** Source timestamp, epoch ms. */
  ts: number;
  serverTs: number;
  /** Numeric (or boolean as 0/1) value; null for strings. */
  value: number | null;
  /** String (and boolean) values as text; null for numbers. */
  text: string | null;
  unit: string | null;
  qualityCode: number;
  severity: Severity;
}

export interface StoredBucket extends BucketStats {
  tag: string;
  unit: string | null;
}

/** One UNS batch, already normalised: raw samples as received, refined and 1-minute buckets. */
export interface IngestBatch {
  batchId: string;
  sourceId: string;
  assetPath: string;
  plantTime: number;
  raw: RawSample[];
  refined: StoredBucket[];
  rollup: StoredBucket[];
}

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
  /**
   * Data-quality read model: the issues open per the `source-<id>` streams, and per stream the
   * last revision folded in (-1: none). The events come first; this follows them.
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
