// Public surface of @industrial/eventstore.
export type {
  Anchor,
  AppendOptions,
  AppendResult,
  Direction,
  EventMetadata,
  EventStore,
  EventValidator,
  ExpectedRevision,
  IntegrityFinding,
  IntegrityProblem,
  NewEvent,
  PageSubscription,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  RecordedMetadata,
  SinkSummary,
  SubscribeOptions,
  Subscription,
  VerifyOptions,
  VerifyReport,
} from './types.ts';
export {
  EventStoreError,
  EventStoreErrorCode,
  IdempotencyConflictError,
  InvalidArgumentError,
  PositionNotFoundError,
  StoreClosedError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
} from './errors.ts';
export type { LedgerKey } from './ledger.ts';
export { generateLedgerKeyPem, ledgerKeyFromPem, publicOnly } from './ledger.ts';
export { FileAnchorSink, MemoryAnchorSink, type AnchorSink } from './anchors.ts';
export { SqliteAnchorSink } from './sqlite-anchors.ts';
export type { CoreOptions } from './core.ts';
export { openPostgresEventStore, type PostgresEventStoreOptions, type WritePathStats } from './postgres.ts';
export { openSqliteEventStore, type SqliteEventStoreOptions } from './sqlite.ts';
export { STREAM_NAME, EVENT_TYPE } from './validation.ts';
export { canonicalJson } from './canonical.ts';
