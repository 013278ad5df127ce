// Typed errors of the contracts package. Each failure has its own class with a stable `code`;
// all share `ContractError` so adapters can map them with one `instanceof` and a switch on `code`.

export const ContractErrorCode = {
  ContractViolation: 'CONTRACT_VIOLATION',
  UnknownContract: 'UNKNOWN_CONTRACT',
  InvalidSubject: 'INVALID_SUBJECT',
  InvalidRegistry: 'INVALID_REGISTRY',
} as const;
export type ContractErrorCode = (typeof ContractErrorCode)[keyof typeof ContractErrorCode];

export class ContractError extends Error {
  readonly code: ContractErrorCode;
  constructor(code: ContractErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ContractError';
    this.code = code;
  }
}

/**
 * A payload does not satisfy its contract (or its type/version is not registered).
 * `field` is the dotted path inside the checked value (`kpis[0].baseline`), '' for the value itself.
 */
export class ContractViolationError extends ContractError {
  override readonly code = ContractErrorCode.ContractViolation;
  readonly field: string;
  readonly reason: string;
  /** Event type (or message kind) that was checked. */
  readonly contract: string;
  readonly schemaVersion: number | undefined;
  /** Every problem found, when there was more than the first. */
  readonly details: readonly { path: string; reason: string }[];
  constructor(
    contract: string,
    schemaVersion: number | undefined,
    field: string,
    reason: string,
    options: { details?: readonly { path: string; reason: string }[]; cause?: unknown } = {},
  ) {
    const where = schemaVersion === undefined ? contract : `${contract} v${schemaVersion}`;
    super(ContractErrorCode.ContractViolation, `${where}: ${field === '' ? '' : `${field} `}${reason}`, { cause: options.cause });
    this.details = options.details ?? [{ path: field, reason }];
    this.name = 'ContractViolationError';
    this.field = field;
    this.reason = reason;
    this.contract = contract;
    this.schemaVersion = schemaVersion;
  }
}

/** Asked for a contract (type and version) that is not registered, e.g. by `jsonSchemaFor`. */
export class UnknownContractError extends ContractError {
  override readonly code = ContractErrorCode.UnknownContract;
  constructor(message: string) {
    super(ContractErrorCode.UnknownContract, message);
    this.name = 'UnknownContractError';
  }
}

/** A NATS subject (or one of its tokens) is malformed. `field` names the level, e.g. `site`. */
export class InvalidSubjectError extends ContractError {
  override readonly code = ContractErrorCode.InvalidSubject;
  readonly field: string;
  constructor(field: string, message: string) {
    super(ContractErrorCode.InvalidSubject, message);
    this.name = 'InvalidSubjectError';
    this.field = field;
  }
}

/** A contract definition is inconsistent (caught when the registry is built, i.e. at import). */
export class InvalidRegistryError extends ContractError {
  override readonly code = ContractErrorCode.InvalidRegistry;
  constructor(message: string) {
    super(ContractErrorCode.InvalidRegistry, message);
    this.name = 'InvalidRegistryError';
  }
}
