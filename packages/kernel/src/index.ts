// Public surface of @industrial/kernel: the one way services write events (ADR 0008).
export { createKernel, parseRecorded, readStreamOrEmpty } from './kernel.ts';
export type { Aggregate, Draft, ExecuteOptions, Executed, Kernel, KernelOptions, Loaded, StoreReader, TypedEvent } from './kernel.ts';
export { causeOfCall, causedBy, serviceCause } from './cause.ts';
export type { Cause, CallerLike } from './cause.ts';
export { assertMayAppend, owns } from './ownership.ts';
export { ConcurrencyConflictError, KernelError, KernelErrorCode, OwnershipError, UnknownEventTypeError, UnknownSchemaVersionError } from './errors.ts';
export { resourceOfAssetPath } from '@industrial/access';
