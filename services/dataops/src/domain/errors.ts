// Typed errors of the dataops service: one class with a stable code (mapped to gRPC status by the
// adapter) and, for input problems, the location at fault (field, or row + column of a file).

export const DataopsErrorCode = {
  InvalidArgument: 'INVALID_ARGUMENT',
  NotFound: 'NOT_FOUND',
  FailedPrecondition: 'FAILED_PRECONDITION',
  Integrity: 'INTEGRITY',
  PermissionDenied: 'PERMISSION_DENIED',
  /** The event stream moved under a write (retry). */
  Aborted: 'ABORTED',
  /** A configured size limit was reached (an import's bytes or rows). */
  ResourceExhausted: 'RESOURCE_EXHAUSTED',
} as const;
export type DataopsErrorCode = (typeof DataopsErrorCode)[keyof typeof DataopsErrorCode];

export class DataopsError extends Error {
  readonly code: DataopsErrorCode;
  /** Request field (dotted path) or file column at fault, when there is one. */
  readonly field: string | null;
  constructor(code: DataopsErrorCode, message: string, options: { field?: string | null; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DataopsError';
    this.code = code;
    this.field = options.field ?? null;
  }
}

export class InvalidArgumentError extends DataopsError {
  constructor(field: string, reason: string, options: { cause?: unknown } = {}) {
    super(DataopsErrorCode.InvalidArgument, `${field}: ${reason}`, { field, ...options });
    this.name = 'InvalidArgumentError';
  }
}

export class NotFoundError extends DataopsError {
  constructor(field: string, what: string) {
    super(DataopsErrorCode.NotFound, `${field}: ${what} not found`, { field });
    this.name = 'NotFoundError';
  }
}

/** A problem in an imported file: always says row (1-based, as an editor shows it), column and reason. */
export class CsvImportError extends DataopsError {
  readonly row: number | null;
  readonly column: string | null;
  readonly reason: string;
  constructor(row: number | null, column: string | null, reason: string) {
    const where = [row === null ? null : `row ${row}`, column === null ? null : `column "${column}"`].filter((s) => s !== null).join(', ');
    super(DataopsErrorCode.InvalidArgument, where === '' ? reason : `${where}: ${reason}`, { field: column });
    this.name = 'CsvImportError';
    this.row = row;
    this.column = column;
    this.reason = reason;
  }
}

/** An import went past a configured limit: names the limit, its value and the setting that raises it. */
export class ImportLimitError extends DataopsError {
  readonly limit: 'bytes' | 'rows';
  constructor(limit: 'bytes' | 'rows', max: number, setting: string) {
    super(
      DataopsErrorCode.ResourceExhausted,
      `the import is larger than the limit of ${max} ${limit === 'bytes' ? 'bytes' : 'data rows'} (${setting}); nothing was imported`,
      { field: limit === 'bytes' ? 'chunk' : null },
    );
    this.name = 'ImportLimitError';
    this.limit = limit;
  }
}

/** A snapshot file no longer matches the hash it was recorded with. */
export class SnapshotIntegrityError extends DataopsError {
  constructor(message: string) {
    super(DataopsErrorCode.Integrity, message);
    this.name = 'SnapshotIntegrityError';
  }
}

export function isDataopsError(e: unknown): e is DataopsError {
  return e instanceof DataopsError;
}
