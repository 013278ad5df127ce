// Typed errors of the ML library. Every failure that can be detected before training
// starts is one of these, with a stable `code` and the offending `field` of the spec.

export const MlErrorCode = {
  SingleClassTarget: 'single_class_target',
  UnknownColumn: 'unknown_column',
  MissingValues: 'missing_values_without_imputation',
  TooFewRows: 'too_few_rows',
  UnknownModelType: 'unknown_model_type',
  InvalidSpec: 'invalid_spec',
  NotExportable: 'not_exportable',
} as const;
export type MlErrorCode = (typeof MlErrorCode)[keyof typeof MlErrorCode];

export class MlError extends Error {
  readonly code: MlErrorCode;
  readonly field: string;
  constructor(code: MlErrorCode, field: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MlError';
    this.code = code;
    this.field = field;
  }
}

/** The spec or the data make training impossible; raised before any fitting. */
export class MlValidationError extends MlError {
  constructor(code: MlErrorCode, field: string, message: string, options?: { cause?: unknown }) {
    super(code, field, message, options);
    this.name = 'MlValidationError';
  }
}

export class SingleClassTargetError extends MlValidationError {
  constructor(field: string, message: string) {
    super(MlErrorCode.SingleClassTarget, field, message);
    this.name = 'SingleClassTargetError';
  }
}

export class UnknownColumnError extends MlValidationError {
  constructor(field: string, message: string) {
    super(MlErrorCode.UnknownColumn, field, message);
    this.name = 'UnknownColumnError';
  }
}

export class MissingValuesError extends MlValidationError {
  constructor(field: string, message: string) {
    super(MlErrorCode.MissingValues, field, message);
    this.name = 'MissingValuesError';
  }
}

export class TooFewRowsError extends MlValidationError {
  constructor(field: string, message: string) {
    super(MlErrorCode.TooFewRows, field, message);
    this.name = 'TooFewRowsError';
  }
}

export class UnknownModelTypeError extends MlValidationError {
  constructor(field: string, message: string) {
    super(MlErrorCode.UnknownModelType, field, message);
    this.name = 'UnknownModelTypeError';
  }
}

export class InvalidSpecError extends MlValidationError {
  constructor(field: string, message: string) {
    super(MlErrorCode.InvalidSpec, field, message);
    this.name = 'InvalidSpecError';
  }
}

export class NotExportableError extends MlError {
  constructor(field: string, message: string) {
    super(MlErrorCode.NotExportable, field, message);
    this.name = 'NotExportableError';
  }
}
