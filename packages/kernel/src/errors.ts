// Typed errors of the command kernel. Callers branch with `instanceof` (or on `code`), never on
// message text. Every error names the stream and the event type it is about; nothing was written.
import type { Service } from '@industrial/contracts';

export const KernelErrorCode = {
  Ownership: 'OWNERSHIP',
  UnknownEventType: 'UNKNOWN_EVENT_TYPE',
  UnknownSchemaVersion: 'UNKNOWN_SCHEMA_VERSION',
  ConcurrencyConflict: 'CONCURRENCY_CONFLICT',
} as const;
export type KernelErrorCode = (typeof KernelErrorCode)[keyof typeof KernelErrorCode];

export class KernelError extends Error {
  readonly code: KernelErrorCode;
  readonly stream: string;
  /** The event type at fault; null when the error is about the stream as a whole. */
  readonly type: string | null;
  constructor(code: KernelErrorCode, stream: string, type: string | null, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KernelError';
    this.code = code;
    this.stream = stream;
    this.type = type;
  }
}

/** A service tried to append an event type, or into a stream, that another service owns. */
export class OwnershipError extends KernelError {
  /** The service that owns the type (or the stream family) and alone may write it. */
  readonly owner: Service | null;
  /** The service that tried. */
  readonly service: Service;
  constructor(stream: string, type: string, service: Service, owner: Service | null, reason: string) {
    super(KernelErrorCode.Ownership, stream, type, `${service} may not append ${type} to stream "${stream}": ${reason}`);
    this.name = 'OwnershipError';
    this.owner = owner;
    this.service = service;
  }
}

/** An event type the contracts do not know, on write or on read. */
export class UnknownEventTypeError extends KernelError {
  constructor(stream: string, type: string) {
    super(KernelErrorCode.UnknownEventType, stream, type, `stream "${stream}": unknown event type "${type}" (not in @industrial/contracts)`);
    this.name = 'UnknownEventTypeError';
  }
}

/** A schema version of a known type that the contracts do not define (e.g. written by a newer release). */
export class UnknownSchemaVersionError extends KernelError {
  readonly schemaVersion: number;
  constructor(stream: string, type: string, schemaVersion: number, latest: number) {
    super(
      KernelErrorCode.UnknownSchemaVersion,
      stream,
      type,
      `stream "${stream}": ${type} has schemaVersion ${schemaVersion}, but this release knows versions 1–${latest}`,
    );
    this.name = 'UnknownSchemaVersionError';
    this.schemaVersion = schemaVersion;
  }
}

/** The stream kept moving under the command: it was re-read and decided again `attempts` times. */
export class ConcurrencyConflictError extends KernelError {
  readonly attempts: number;
  readonly expected: number | 'no-stream';
  constructor(stream: string, types: readonly string[], attempts: number, expected: number | 'no-stream', cause?: unknown) {
    const what = types.length === 0 ? 'the command' : types.join(', ');
    const why =
      attempts <= 1
        ? `the caller expected revision ${String(expected)} but the stream has moved on: re-read and retry`
        : `the stream changed under every one of ${attempts} attempts`;
    super(KernelErrorCode.ConcurrencyConflict, stream, types[0] ?? null, `stream "${stream}": ${what} not appended, ${why}`, { cause });
    this.name = 'ConcurrencyConflictError';
    this.attempts = attempts;
    this.expected = expected;
  }
}
