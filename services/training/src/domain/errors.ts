// Typed errors of the training service. Each carries a `code` the gRPC adapter maps to a status
// (INVALID_ARGUMENT, NOT_FOUND, …) and, for request faults, the request `field` at fault.
import { type MlValidationError } from '@industrial/ml';

export const TrainingErrorCode = {
  InvalidArgument: 'INVALID_ARGUMENT',
  NotFound: 'NOT_FOUND',
  FailedPrecondition: 'FAILED_PRECONDITION',
  AlreadyExists: 'ALREADY_EXISTS',
  Unavailable: 'UNAVAILABLE',
  Cancelled: 'CANCELLED',
} as const;
export type TrainingErrorCode = (typeof TrainingErrorCode)[keyof typeof TrainingErrorCode];

export class TrainingError extends Error {
  readonly code: TrainingErrorCode;
  readonly field: string;
  constructor(code: TrainingErrorCode, field: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TrainingError';
    this.code = code;
    this.field = field;
  }
}

/** The request cannot be trained: refused before any run is recorded. `reason` is the ML library's code when it found it. */
export class InvalidTrainingRequestError extends TrainingError {
  readonly reason: string;
  constructor(field: string, message: string, reason = 'invalid_spec', options?: { cause?: unknown }) {
    super(TrainingErrorCode.InvalidArgument, field, message, options);
    this.name = 'InvalidTrainingRequestError';
    this.reason = reason;
  }
}

export class RunNotFoundError extends TrainingError {
  constructor(runId: string) {
    super(TrainingErrorCode.NotFound, 'run_id', `training run ${runId} does not exist`);
    this.name = 'RunNotFoundError';
  }
}

export class SnapshotNotFoundError extends TrainingError {
  constructor(snapshotId: string, options?: { cause?: unknown }) {
    super(TrainingErrorCode.NotFound, 'snapshot_id', `dataset snapshot ${snapshotId} was not found`, options);
    this.name = 'SnapshotNotFoundError';
  }
}

/** A command that the run's current state does not allow (e.g. progress on a finished run). */
export class RunStateError extends TrainingError {
  constructor(message: string) {
    super(TrainingErrorCode.FailedPrecondition, 'run_id', message);
    this.name = 'RunStateError';
  }
}

export class RunAlreadyExistsError extends TrainingError {
  constructor(runId: string) {
    super(TrainingErrorCode.AlreadyExists, 'run_id', `training run ${runId} already exists with a different request`);
    this.name = 'RunAlreadyExistsError';
  }
}

export class CostModelNotFoundError extends TrainingError {
  constructor(useCaseId: string) {
    super(
      TrainingErrorCode.FailedPrecondition,
      'spec.cost_model.use_case_id',
      `use case ${useCaseId} has no cost model (set it in the charter, or pass one inline)`,
    );
    this.name = 'CostModelNotFoundError';
  }
}

/** An adapter that exists as an interface but is not set up in this deployment (e.g. S3 artifacts). */
export class NotConfiguredError extends TrainingError {
  constructor(what: string) {
    super(TrainingErrorCode.Unavailable, '', `${what} is not configured`);
    this.name = 'NotConfiguredError';
  }
}

export class RunCancelledError extends TrainingError {
  constructor(message = 'training run cancelled') {
    super(TrainingErrorCode.Cancelled, '', message);
    this.name = 'RunCancelledError';
  }
}

const SPEC_FIELD: Readonly<Record<string, string>> = {
  target: 'spec.target',
  features: 'spec.features',
  'model.type': 'spec.model_type',
  split: 'snapshot_id',
  costModel: 'spec.cost_model',
};

/** An ML validation error (one-class target, unknown column, NaNs, too few rows, …) as a request error. */
export function fromMlError(e: MlValidationError, fieldPrefix = 'spec'): InvalidTrainingRequestError {
  const f = e.field;
  const field =
    SPEC_FIELD[f] ??
    (f.startsWith('features[')
      ? `${fieldPrefix}.${f}`
      : f.startsWith('split')
        ? 'snapshot_id'
        : f.startsWith('model.params')
          ? `${fieldPrefix}.hyperparameters`
          : `${fieldPrefix}.features`);
  return new InvalidTrainingRequestError(field, e.message, e.code, { cause: e });
}
