// Typed errors → gRPC status, in one place. Every service throws typed errors (a `code`, maybe a
// `field`); this module is the only one that decides which status a code becomes and what the
// caller gets to see. Unknown errors become INTERNAL with a correlation id, never their message.
import { Metadata, status, type StatusObject } from '@grpc/grpc-js';
import { ErrorDetail } from './gen/industrial/common/v1/error.ts';

/** Trailer naming the request field at fault (dotted path), on INVALID_ARGUMENT and friends. */
export const FIELD_TRAILER = 'field';
/** Trailer with the typed error's stable code, e.g. STREAM_NOT_FOUND. */
export const ERROR_CODE_TRAILER = 'error-code';
/** Binary trailer: `industrial.common.v1.ErrorDetail`. */
export const ERROR_DETAIL_TRAILER = 'error-detail-bin';

/**
 * Error code (as set by @industrial/eventstore, @industrial/access, services) → gRPC status.
 * Codes not listed are INTERNAL. Concurrency: a stale expected revision is ABORTED (re-read and
 * retry), an id reused with other content is ALREADY_EXISTS.
 */
export const STATUS_BY_ERROR_CODE: Readonly<Record<string, status>> = Object.freeze({
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  NOT_FOUND: status.NOT_FOUND,
  STREAM_NOT_FOUND: status.NOT_FOUND,
  // Reading past the end of the store: the canonical gRPC code for "iterate past the end".
  POSITION_NOT_FOUND: status.OUT_OF_RANGE,
  OUT_OF_RANGE: status.OUT_OF_RANGE,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  FOUR_EYES_VIOLATION: status.PERMISSION_DENIED,
  WRONG_EXPECTED_REVISION: status.ABORTED,
  ABORTED: status.ABORTED,
  IDEMPOTENCY_CONFLICT: status.ALREADY_EXISTS,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  DEADLINE_EXCEEDED: status.DEADLINE_EXCEEDED,
  CANCELLED: status.CANCELLED,
  STORE_CLOSED: status.UNAVAILABLE,
  UNAVAILABLE: status.UNAVAILABLE,
  // The store found its own data corrupt while reading: unrecoverable, not the caller's fault.
  INTEGRITY: status.DATA_LOSS,
  // A deployment fault (unusable key set): the caller must not learn more.
  INVALID_KEYS: status.INTERNAL,
  // Command kernel (@industrial/kernel): the stream kept moving past the retries → re-read and retry;
  // an append the contracts forbid (foreign type or stream, unknown type or version) → refused, named.
  CONCURRENCY_CONFLICT: status.ABORTED,
  OWNERSHIP: status.FAILED_PRECONDITION,
  UNKNOWN_EVENT_TYPE: status.FAILED_PRECONDITION,
  UNKNOWN_SCHEMA_VERSION: status.FAILED_PRECONDITION,
  // A configured limit was reached (an import's size, a rate): the caller must send less.
  RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
  // A platform service this call depends on (charter → dataops, training → governance) was down,
  // slow or rate-limiting us: the caller may retry later. Its own message is never passed on.
  UPSTREAM_UNAVAILABLE: status.UNAVAILABLE,
});

/** Statuses of a downstream call that mean "try again later", not "this service is broken". */
const UPSTREAM_RETRYABLE = new Set<number>([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.RESOURCE_EXHAUSTED]);

/** A grpc-js ServiceError: what a client call to another service rejects with (numeric `code`). */
function isUpstreamStatus(error: unknown): error is Error & { code: number; details: string } {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'number' && 'details' in error && 'metadata' in error;
}

/**
 * A downstream call's failure as this service's own typed error: retryable statuses become
 * UPSTREAM_UNAVAILABLE (UNAVAILABLE, a fixed message naming the downstream status); anything else is
 * this service's fault (INTERNAL). Either way the other service's message stays in the log only.
 */
function fromUpstream(error: Error & { code: number }): unknown {
  if (!UPSTREAM_RETRYABLE.has(error.code)) return error;
  const name = status[error.code] ?? String(error.code);
  return Object.assign(new Error(`a platform service this call depends on answered ${name}: retry later`, { cause: error }), { code: 'UPSTREAM_UNAVAILABLE' });
}

/**
 * The longest status message (and `error-detail-bin` reason) a caller gets: a message may quote a
 * request value, and a 1 MB value must not come back (nor break HTTP/2 header limits).
 */
export const MAX_STATUS_DETAILS = 1000;
/** The longest quoted value inside a message (`quoteValue`). */
export const MAX_QUOTED_VALUE = 64;

/** At most `max` UTF-16 units, ending in `…` when cut, never splitting a surrogate pair. */
export function boundedText(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** A request value for an error message: JSON-quoted, at most MAX_QUOTED_VALUE characters of it, control characters escaped. */
export function quoteValue(value: unknown, max = MAX_QUOTED_VALUE): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  const cut = boundedText(text, max);
  return (
    JSON.stringify(cut).replace(/[\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) +
    (cut === text ? '' : ` (${text.length} characters)`)
  );
}

/** Codes whose message is safe to show the caller (it describes the caller's request, not internals). */
const EXPOSED = new Set<status>([
  status.INVALID_ARGUMENT,
  status.NOT_FOUND,
  status.OUT_OF_RANGE,
  status.FAILED_PRECONDITION,
  status.ABORTED,
  status.ALREADY_EXISTS,
  status.PERMISSION_DENIED,
  status.UNAUTHENTICATED,
  status.DEADLINE_EXCEEDED,
  status.CANCELLED,
  status.UNAVAILABLE,
  status.RESOURCE_EXHAUSTED,
]);

/** A request field failed edge validation. Thrown by validators; becomes INVALID_ARGUMENT. */
export class InvalidRequestError extends Error {
  readonly code = 'INVALID_ARGUMENT' as const;
  readonly field: string;
  readonly reason: string;
  constructor(field: string, reason: string, options: { cause?: unknown } = {}) {
    super(`${field}: ${reason}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'InvalidRequestError';
    this.field = field;
    this.reason = reason;
  }
}

/** The call's deadline passed (or it arrived already expired). */
export class DeadlineExceededError extends Error {
  readonly code = 'DEADLINE_EXCEEDED' as const;
  constructor(message = 'deadline exceeded') {
    super(message);
    this.name = 'DeadlineExceededError';
  }
}

/** The client cancelled the call. */
export class CallCancelledError extends Error {
  readonly code = 'CANCELLED' as const;
  constructor(message = 'call cancelled by the client') {
    super(message);
    this.name = 'CallCancelledError';
  }
}

/** A gRPC status ready to hand to grpc-js, plus what to log. */
export interface MappedStatus extends StatusObject {
  /** The typed error code, or null for an unknown error. */
  errorCode: string | null;
  field: string | null;
  /** True when the error was not a typed one (logged at error level with its stack). */
  internal: boolean;
}

function typedCode(error: unknown): string | null {
  if (typeof error !== 'object' || error === null || !('code' in error)) return null;
  const code = (error as { code: unknown }).code;
  return typeof code === 'string' && code in STATUS_BY_ERROR_CODE ? code : null;
}

function fieldOf(error: unknown): string | null {
  if (typeof error !== 'object' || error === null || !('field' in error)) return null;
  const field = (error as { field: unknown }).field;
  return typeof field === 'string' && field !== '' ? field : null;
}

/**
 * Maps any thrown value to a gRPC status with trailers (`field`, `error-code`, `error-detail-bin`).
 * `correlationId` is quoted in INTERNAL messages so an operator can find the logged cause.
 */
export function toGrpcStatus(thrown: unknown, correlationId: string): MappedStatus {
  const error = isUpstreamStatus(thrown) ? fromUpstream(thrown) : thrown;
  const errorCode = typedCode(error);
  const code = errorCode === null ? status.INTERNAL : (STATUS_BY_ERROR_CODE[errorCode] ?? status.INTERNAL);
  const field = fieldOf(error);
  const exposed = EXPOSED.has(code) && error instanceof Error;
  const details = exposed
    ? boundedText((error as Error).message, MAX_STATUS_DETAILS)
    : code === status.DATA_LOSS
      ? `the event store reported corrupt data (correlation id ${correlationId})`
      : `internal error (correlation id ${correlationId})`;
  const metadata = new Metadata();
  if (field !== null && exposed) metadata.set(FIELD_TRAILER, boundedText(field, 200));
  if (errorCode !== null) metadata.set(ERROR_CODE_TRAILER, errorCode);
  const detail = ErrorDetail.encode({ code: errorCode ?? 'INTERNAL', field: exposed ? boundedText(field ?? '', 200) : '', reason: details }).finish();
  metadata.set(ERROR_DETAIL_TRAILER, Buffer.from(detail));
  return { code, details, metadata, errorCode, field, internal: errorCode === null };
}
