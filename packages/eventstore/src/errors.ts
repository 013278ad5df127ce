// Typed errors of the event store. Every error has a stable `code`, names the field at fault
// where there is one, and carries the cause. Adapters map codes to gRPC / HTTP status.

export const EventStoreErrorCode = {
  WrongExpectedRevision: 'WRONG_EXPECTED_REVISION',
  InvalidArgument: 'INVALID_ARGUMENT',
  StreamNotFound: 'STREAM_NOT_FOUND',
  PositionNotFound: 'POSITION_NOT_FOUND',
  IdempotencyConflict: 'IDEMPOTENCY_CONFLICT',
  Closed: 'STORE_CLOSED',
  Integrity: 'INTEGRITY',
  /** An anchor sink (outside the database) could not be written. */
  Unavailable: 'UNAVAILABLE',
} as const;
export type EventStoreErrorCode = (typeof EventStoreErrorCode)[keyof typeof EventStoreErrorCode];

export class EventStoreError extends Error {
  readonly code: EventStoreErrorCode;
  /** Dotted path of the offending input, e.g. `events[2].data.temperature`. */
  readonly field: string | undefined;
  constructor(code: EventStoreErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EventStoreError';
    this.code = code;
    this.field = options.field;
  }
}

/** The stream is not at the revision the caller expected. Nothing was written. */
export class WrongExpectedRevisionError extends EventStoreError {
  readonly stream: string;
  readonly expected: string;
  readonly actual: number | 'no-stream';
  constructor(stream: string, expected: string, actual: number | 'no-stream') {
    super(
      EventStoreErrorCode.WrongExpectedRevision,
      `stream "${stream}": expected revision ${expected} but the stream is at ${actual === 'no-stream' ? 'no-stream (it does not exist)' : actual}`,
      { field: 'expectedRevision' },
    );
    this.name = 'WrongExpectedRevisionError';
    this.stream = stream;
    this.expected = expected;
    this.actual = actual;
  }
}

/** Input was refused before anything was written. `field` names it, the message says why. */
export class InvalidArgumentError extends EventStoreError {
  constructor(field: string, reason: string, cause?: unknown) {
    super(EventStoreErrorCode.InvalidArgument, `${field}: ${reason}`, { field, cause });
    this.name = 'InvalidArgumentError';
  }
}

export class StreamNotFoundError extends EventStoreError {
  readonly stream: string;
  constructor(stream: string) {
    super(EventStoreErrorCode.StreamNotFound, `stream "${stream}" does not exist`, { field: 'stream' });
    this.name = 'StreamNotFoundError';
    this.stream = stream;
  }
}

export class PositionNotFoundError extends EventStoreError {
  constructor(field: string, requested: number, head: number) {
    super(EventStoreErrorCode.PositionNotFound, `${field} ${requested} is beyond the end of the store (last position ${head})`, { field });
    this.name = 'PositionNotFoundError';
  }
}

/** A retried append whose event ids only partly match what is stored, or match another stream. */
export class IdempotencyConflictError extends EventStoreError {
  constructor(field: string, reason: string) {
    super(EventStoreErrorCode.IdempotencyConflict, `${field}: ${reason}`, { field });
    this.name = 'IdempotencyConflictError';
  }
}

export class StoreClosedError extends EventStoreError {
  constructor() {
    super(EventStoreErrorCode.Closed, 'the event store is closed');
    this.name = 'StoreClosedError';
  }
}
