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
