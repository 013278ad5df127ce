// Why a charter use case refused a call: a stable code (the gRPC edge maps it to a status), the
// path of the request field at fault (camelCase, as the use case sees its input) and the reason.
// Protocol-free: the edge turns the path into its own field names (adapters/grpc/errors.ts).
import type { Refusal } from '../domain/usecase.ts';

export type CharterErrorCode = Refusal['code'];

export class CharterError extends Error {
  readonly code: CharterErrorCode;
  /** Path of the offending input field, e.g. ['objectives', 'kpis', 0, 'target']; empty for the call as a whole. */
  readonly path: readonly (string | number)[];
  readonly reason: string;
  constructor(code: CharterErrorCode, path: readonly (string | number)[], reason: string) {
    super(path.length === 0 ? reason : `${path.join('.')}: ${reason}`);
    this.name = 'CharterError';
    this.code = code;
    this.path = path;
    this.reason = reason;
  }
}

/** A domain refusal as a thrown error; `prefix` places the domain's paths under the input (e.g. `costModel`). */
export const refusalError = (refusal: Refusal, prefix: readonly (string | number)[] = []): CharterError =>
  new CharterError(refusal.code, [...prefix, ...refusal.path], refusal.reason);
