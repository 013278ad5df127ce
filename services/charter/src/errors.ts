// Typed errors of the charter service. The code is one @industrial/grpc maps to a status; `field`
// names the request field (proto snake_case path) so callers know what to fix.
import { issuePath } from '@industrial/grpc';
import type { Refusal } from './domain/usecase.ts';

export class CharterError extends Error {
  readonly code: Refusal['code'] | 'ABORTED';
  readonly field: string | undefined;
  constructor(code: Refusal['code'] | 'ABORTED', field: string | undefined, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CharterError';
    this.code = code;
    this.field = field;
  }
}

/** A domain refusal as a thrown error; `prefix` places domain paths under a request message (e.g. `cost_model`). */
export function refusalError(refusal: Refusal, prefix: readonly (string | number)[] = []): CharterError {
  const path = [...prefix, ...refusal.path];
  const field = path.length === 0 ? undefined : issuePath(path);
  return new CharterError(refusal.code, field, field === undefined ? refusal.reason : `${field}: ${refusal.reason}`);
}
