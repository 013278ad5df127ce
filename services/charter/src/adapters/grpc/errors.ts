// Errors at the CharterService edge: a use case's CharterError (field path in camelCase) becomes an
// error @industrial/grpc maps to a status, with the field named in proto form. The kernel's typed
// errors keep their code, which @industrial/grpc maps itself (CONCURRENCY_CONFLICT → ABORTED;
// OWNERSHIP, UNKNOWN_EVENT_TYPE, UNKNOWN_SCHEMA_VERSION → FAILED_PRECONDITION, message named);
// only a stale expected revision gets its field, `expected_revision`.
import { issuePath } from '@industrial/grpc';
import { ConcurrencyConflictError } from '@industrial/kernel';
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

/** Translates a use case's refusal and a stale expected revision; anything else passes through untouched. */
export function toCallError(error: unknown): unknown {
  if (error instanceof CharterError) {
    const field = error.path.length === 0 ? undefined : issuePath(error.path);
    return new CharterCallError(error.code, field, field === undefined ? error.reason : `${field}: ${error.reason}`, { cause: error });
  }
  if (error instanceof ConcurrencyConflictError && error.attempts <= 1) {
    // One attempt: the caller's expected revision was stale (more: the stream kept moving under every retry; no field).
    return new CharterCallError('ABORTED', 'expected_revision', error.message, { cause: error });
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
