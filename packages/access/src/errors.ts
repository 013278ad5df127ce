// Typed errors of access control. Each sets `name`, a stable `code` and passes `cause`;
// adapters map the code to a gRPC or HTTP status with `grpcStatusFor` / `httpStatusFor`.
// Messages never contain key material or the token itself.

import type { Permission } from './permissions.ts';
import type { Resource } from './scopes.ts';

export const AccessErrorCode = {
  Unauthenticated: 'UNAUTHENTICATED',
  PermissionDenied: 'PERMISSION_DENIED',
  /** The key set or signing key given by the composition root is unusable: a deployment fault. */
  InvalidKeys: 'INVALID_KEYS',
  InvalidArgument: 'INVALID_ARGUMENT',
} as const;
export type AccessErrorCode = (typeof AccessErrorCode)[keyof typeof AccessErrorCode];

/** Why a token was refused. */
export const AuthenticationFailure = {
  Missing: 'missing',
  Malformed: 'malformed',
  Expired: 'expired',
  NotYetValid: 'not_yet_valid',
  BadSignature: 'bad_signature',
  UnknownKey: 'unknown_key',
  KeyRetired: 'key_retired',
  WrongIssuer: 'wrong_issuer',
  WrongAudience: 'wrong_audience',
  /** `alg: none` or an empty signature. */
  Unsigned: 'unsigned',
  /** Signed, but not with EdDSA. */
  UnsupportedAlgorithm: 'unsupported_algorithm',
  /** Signature fine, but roles/scopes/sub/jti/exp missing or invalid. */
  InvalidClaims: 'invalid_claims',
} as const;
export type AuthenticationFailure = (typeof AuthenticationFailure)[keyof typeof AuthenticationFailure];

export class AccessError extends Error {
  readonly code: AccessErrorCode;
  constructor(code: AccessErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AccessError';
    this.code = code;
  }
}

/** The caller could not be identified: no token, or a token that is not valid now. */
export class AuthenticationError extends AccessError {
  declare readonly code: typeof AccessErrorCode.Unauthenticated;
  readonly reason: AuthenticationFailure;
  constructor(reason: AuthenticationFailure, message: string, options: { cause?: unknown } = {}) {
    super(AccessErrorCode.Unauthenticated, message, options);
    this.name = 'AuthenticationError';
    this.reason = reason;
  }
}

/** The caller is known but may not do this here. `reason` says which role or scope is missing. */
export class PermissionDeniedError extends AccessError {
  declare readonly code: typeof AccessErrorCode.PermissionDenied;
  readonly permission: Permission | null;
  readonly resource: Resource | undefined;
  readonly reason: string;
  constructor(permission: Permission | null, resource: Resource | undefined, reason: string, options: { cause?: unknown } = {}) {
    super(AccessErrorCode.PermissionDenied, permission === null ? reason : `${permission} denied: ${reason}`, options);
    this.name = 'PermissionDeniedError';
    this.permission = permission;
    this.resource = resource;
    this.reason = reason;
  }
}

/** The same person tried to both propose and approve. */
export class FourEyesViolationError extends PermissionDeniedError {
  readonly subject: string;
  constructor(subject: string) {
    super(null, undefined, `"${subject}" proposed this and cannot also approve it: a second person must approve (four eyes)`);
    this.name = 'FourEyesViolationError';
    this.subject = subject;
  }
}

/** A key set or signing key could not be used. `field` names the part at fault; never its value. */
export class InvalidKeysError extends AccessError {
  readonly field: string | undefined;
  constructor(message: string, options: { field?: string; cause?: unknown } = {}) {
    super(AccessErrorCode.InvalidKeys, message, options);
    this.name = 'InvalidKeysError';
    this.field = options.field;
  }
}

/** A caller of the library passed something unusable (e.g. a bad scope or TTL when issuing). */
export class InvalidArgumentError extends AccessError {
  readonly field: string;
  constructor(field: string, reason: string) {
    super(AccessErrorCode.InvalidArgument, `${field}: ${reason}`);
    this.name = 'InvalidArgumentError';
    this.field = field;
  }
}

const GRPC_STATUS: Record<AccessErrorCode, number> = {
  UNAUTHENTICATED: 16,
  PERMISSION_DENIED: 7,
  INVALID_KEYS: 13, // INTERNAL: a deployment fault, not the caller's
  INVALID_ARGUMENT: 3,
};

const HTTP_STATUS: Record<AccessErrorCode, number> = {
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  INVALID_KEYS: 500,
  INVALID_ARGUMENT: 400,
};

/** gRPC status number for an access error code (UNAUTHENTICATED=16, PERMISSION_DENIED=7). */
export function grpcStatusFor(code: AccessErrorCode): number {
  return GRPC_STATUS[code];
}

/** HTTP status for an access error code (401, 403). */
export function httpStatusFor(code: AccessErrorCode): number {
  return HTTP_STATUS[code];
}

export function isAccessError(error: unknown): error is AccessError {
  return error instanceof AccessError;
}
