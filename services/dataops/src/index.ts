// Public surface of @industrial/dataops: the composition root, the stores, and loadSnapshot (what
// the training service uses to read a snapshot with its schema, lineage and splits).
export { createDataopsApp, DEFAULT_CONFIG, SERVICE_NAME } from './app.ts';
export type { DataopsConfig, DataopsDeps } from './app.ts';
export type { DataopsApp, LegacyActor, ReadVia, Who } from './features/api.ts';
export type { ImportCsvInput, ImportResult } from './features/imports.ts';
export type { LabelCursor, LabelPage, ListLabelsQuery, RecordLabelInput } from './features/labels.ts';
export type { QualityReport } from './features/quality.ts';
export type { CreateSnapshotInput, SnapshotSource } from './features/snapshots.ts';
export type { SeriesResult, TimeSeriesQuery } from './features/time-series.ts';
export { openPostgresDataopsStore, type PostgresStoreOptions } from './adapters/historian/postgres.ts';
export { openSqliteDataopsStore, type SqliteStoreOptions } from './adapters/historian/sqlite.ts';
export { loadSnapshot } from './adapters/files/snapshot-files.ts';
export { readDelimited, typeColumn, FileShapeError, DELIMITERS } from './domain/delimited.ts';
export type { TextTable, TypedColumn, ReadOptions } from './domain/delimited.ts';
export { createDataopsGrpcServer, type DataopsGrpcOptions } from './adapters/grpc/server.ts';
export { UsageError, describeCallError, platformConnection, type PlatformConnection } from './cli-client.ts';
export type { DataopsLogger, DataopsStore, Historian, LoadSnapshotOptions, LoadedSnapshot, MetaStore, SnapshotLineage, SnapshotManifest } from './ports.ts';
export type { ColumnSpec, ColumnType, ColumnData, Table } from './domain/table.ts';
export type { Splits, SplitSpec } from './domain/snapshot.ts';
export type { CsvMappingInput } from './domain/csv-mapping.ts';
export {
  CsvImportError,
  DataopsError,
  DataopsErrorCode,
  InvalidArgumentError,
  NotFoundError,
  SnapshotIntegrityError,
  isDataopsError,
} from './domain/errors.ts';
