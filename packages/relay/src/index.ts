// Public surface of @industrial/relay: committed events → NATS, one active instance per store.
export { EVENTS_STREAM, EVENTS_SUBJECTS, createRelay, memoryCoordination, subjectFor } from './relay.ts';
export type { CheckpointStore, Relay, RelayLease, RelayLogger, RelayOptions } from './relay.ts';
export { pgCoordination, type PgCoordinationOptions } from './postgres.ts';
export { relayMetrics } from './metrics.ts';
