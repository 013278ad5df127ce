// The in-process API of dataops (DataopsApp): what the gRPC adapter, the one-process launchers and
// the tests call. Each method is one use case of the files beside this one. Writes take the
// kernel's Cause; reads of restricted data take the caller's principal and how the call came in.
// Callers written before the kernel pass `{ subject, role, correlationId? }` (LegacyActor): it
// is still accepted and turned into a Cause here, nowhere else.
import type { IntegrationEvent, UnsSampleBatch } from '@industrial/contracts';
import { uuidv7 } from '@industrial/contracts/ids';
import type { Cause } from '@industrial/kernel';
import type { CatalogHit, CatalogQuery, TagMetadata } from '../domain/catalog.ts';
import type { Table } from '../domain/table.ts';
import type { LoadedSnapshot, Principal, RetentionResult, SnapshotManifest } from '../ports.ts';
import type { ImportCsvInput, ImportResult } from './imports.ts';
import type { LabelPage, ListLabelsQuery, RecordLabelInput } from './labels.ts';
import type { QualityReport } from './quality.ts';
import { readCallOf, type ReadCall, type Transport } from './restricted-reads.ts';
import type { CreateSnapshotInput, ModelTableQuery } from './snapshots.ts';
import type { SeriesResult, TimeSeriesQuery } from './time-series.ts';

/** @deprecated the caller shape from before the kernel; pass a Cause (causeOfCall / serviceCause). */
export interface LegacyActor {
  subject: string;
  role: string;
  correlationId?: string;
  causationId?: string | null;
  traceparent?: string | null;
}

/** Who causes a write: a Cause, or (deprecated) a LegacyActor. */
export type Who = Cause | LegacyActor;

/** How a read came in: its cause, plus the method and transport recorded with a restricted read. */
export type ReadVia = Who & { method?: string; transport?: Transport };

export interface DataopsApp {
  start(): Promise<void>;
  /** Stops the consumers after their in-flight message and the retention timer. Does not close stores or the bus. */
  stop(): Promise<void>;
  ingestBatch(batch: UnsSampleBatch): Promise<{ duplicate: boolean }>;
  queryTimeSeries(q: TimeSeriesQuery, principal?: Principal, via?: ReadVia): Promise<SeriesResult[]>;
  qualityReport(filter?: { assetPath?: string }): QualityReport;
  upsertTagMetadata(patch: unknown, who?: Who): Promise<TagMetadata>;
  searchCatalog(q: CatalogQuery): Promise<CatalogHit[]>;
  recordLabel(input: RecordLabelInput, who: Who): Promise<{ labelId: string; created: boolean }>;
  /** Labels of one asset overlapping [from, to), a page at a time. */
  listLabels(q: ListLabelsQuery): Promise<LabelPage>;
  importCsv(input: ImportCsvInput, who: Who): Promise<ImportResult>;
  buildModelTable(q: ModelTableQuery): Promise<Table>;
  /** The manifest plus where the data file was written. */
  createSnapshot(input: CreateSnapshotInput, who: Who): Promise<SnapshotManifest & { location: string }>;
  /** Loads a snapshot, checking integrity; restricted datasets need data.read_restricted and the read is recorded. */
  getSnapshot(id: string, principal?: Principal, via?: ReadVia): Promise<LoadedSnapshot>;
  /** Snapshot manifests, newest first; restricted ones only for a principal with data.read_restricted (or a trusted in-process caller). */
  listSnapshots(q: { datasetId?: string; limit: number }, principal?: Principal): Promise<Array<SnapshotManifest & { location: string }>>;
  applyRetention(cutoffMs?: number): Promise<RetentionResult>;
  handleIntegrationEvent(event: IntegrationEvent): Promise<void>;
  /** Latest plant time seen on the UNS (epoch ms), or null. */
  readonly plantNow: number | null;
}

const isCause = (who: Who): who is Cause => 'actor' in who && typeof who.actor === 'string';

/** The Cause of a write. */
export function causeOf(who: Who): Cause {
  if (isCause(who)) return who;
  return {
    actor: who.subject,
    role: who.role,
    correlationId: who.correlationId ?? uuidv7(),
    causationId: who.causationId ?? null,
    traceparent: who.traceparent ?? null,
  };
}

/** The read call of an authenticated principal; undefined for a trusted in-process caller (no principal). */
export function readCallFor(principal: Principal | undefined, via: ReadVia | undefined): ReadCall | undefined {
  if (principal === undefined) return undefined;
  return readCallOf(principal, {
    ...(via === undefined ? {} : { cause: causeOf(via) }),
    correlationId: uuidv7(),
    ...(via?.method === undefined ? {} : { method: via.method }),
    ...(via?.transport === undefined ? {} : { transport: via.transport }),
  });
}
