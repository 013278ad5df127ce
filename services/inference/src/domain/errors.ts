// One error class for the service's expected failures, with a code the adapters map to a gRPC or
// HTTP status (the codes match @industrial/grpc's STATUS_BY_ERROR_CODE) and the offending field.

export const InferenceErrorCode = {
  InvalidArgument: 'INVALID_ARGUMENT',
  NotFound: 'NOT_FOUND',
  FailedPrecondition: 'FAILED_PRECONDITION',
  Unavailable: 'UNAVAILABLE',
  Aborted: 'ABORTED',
} as const;
export type InferenceErrorCode = (typeof InferenceErrorCode)[keyof typeof InferenceErrorCode];

export class InferenceError extends Error {
  constructor(
    readonly code: InferenceErrorCode,
    message: string,
    readonly field?: string,
    readonly detail?: Readonly<Record<string, unknown>>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'InferenceError';
  }
}

/** Which check refused a model version. */
export type RefusalCheck = 'integrity' | 'load' | 'parity' | 'inputs' | 'not-registered';

/** A model version failed a check before serving; the previous version keeps serving. */
export class ModelRefusedError extends Error {
  constructor(
    readonly check: RefusalCheck,
    message: string,
    readonly sha256: { readonly expected: string; readonly actual: string } | null = null,
  ) {
    super(message);
    this.name = 'ModelRefusedError';
  }
}
