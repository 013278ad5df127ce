// Public surface of @industrial/dataops: the composition root, the stores, and loadSnapshot (what
// the training service uses to read a snapshot with its schema, lineage and splits).
export { createDataopsApp, DEFAULT_CONFIG, SERVICE_NAME } from './app.ts';
export type {
  Actor, CreateSnapshotInput, DataopsApp, DataopsConfig, DataopsDeps, DataopsLogger, ImportCsvInput, ImportResult, QualityReport,
  RecordLabelInput, SeriesResult, SnapshotSource, TimeSeriesQuery,
} from './app.ts';
export { openPostgresDataopsStore, type PostgresStoreOptions } from './adapters/historian/postgres.ts';
export { openSqliteDataopsStore, type SqliteStoreOptions } from './adapters/historian/sqlite.ts';
export { loadSnapshot } from './adapters/files/snapshot-files.ts';
export type { LoadSnapshotOptions, LoadedSnapshot, SnapshotLineage, SnapshotManifest } from './adapters/files/snapshot-files.ts';
export type { DataopsStore, Historian, MetaStore } from './ports.ts';
export type { ColumnSpec, ColumnType, ColumnData, Table } from './domain/table.ts';
export type { Splits, SplitSpec } from './domain/snapshot.ts';
export type { CsvMappingInput } from './domain/csv-mapping.ts';
export { CsvImportError, DataopsError, DataopsErrorCode, InvalidArgumentError, NotFoundError, SnapshotIntegrityError, isDataopsError } from './domain/errors.ts';
