// Errors at the CharterService edge: the use cases' CharterError (field path in camelCase) and the
// kernel's typed errors become errors @industrial/grpc maps to a status, with the field named in
// proto form. A stale or contended revision is ABORTED (re-read and retry); an event the contracts
// do not know (written by a newer release) is FAILED_PRECONDITION; an ownership refusal is a bug of
// this service and stays INTERNAL (logged with its message, the caller gets a correlation id).
import { issuePath } from '@industrial/grpc';
import { ConcurrencyConflictError, UnknownEventTypeError, UnknownSchemaVersionError } from '@industrial/kernel';
import { CharterError, type CharterErrorCode } from '../../features/errors.ts';

/** What @industrial/grpc reads: a status code name and the request field at fault. */
export class CharterCallError extends Error {
  readonly code: CharterErrorCode | 'ABORTED';
  readonly field: string | undefined;
  constructor(code: CharterErrorCode | 'ABORTED', field: string | undefined, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CharterCallError';
    this.code = code;
    this.field = field;
  }
}

/** Translates a use case's or the kernel's typed error; anything else passes through untouched. */
export function toCallError(error: unknown): unknown {
  if (error instanceof CharterError) {
    const field = error.path.length === 0 ? undefined : issuePath(error.path);
    return new CharterCallError(error.code, field, field === undefined ? error.reason : `${field}: ${error.reason}`, { cause: error });
  }
  if (error instanceof ConcurrencyConflictError) {
    // One attempt: the caller's expected revision was stale. More: the stream kept moving under every retry.
    return new CharterCallError('ABORTED', error.attempts <= 1 ? 'expected_revision' : undefined, error.message, { cause: error });
  }
  if (error instanceof UnknownEventTypeError || error instanceof UnknownSchemaVersionError) {
    return new CharterCallError('FAILED_PRECONDITION', undefined, error.message, { cause: error });
  }
  return error;
}

/** Runs a use case, translating its typed errors for the edge. */
export async function atEdge<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toCallError(error);
  }
}
