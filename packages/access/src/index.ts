// Public surface of @industrial/access: tokens, the permission matrix, authorization, the
// AccessDenied event and the guard adapters call. Nothing else is part of the contract.

export type { AuthorizationDecision, Principal } from './authorize.ts';
export { assertAuthorized, assertFourEyes, authorize } from './authorize.ts';

export {
  PERMISSION_INFO,
  PERMISSION_MATRIX,
  PERMISSIONS,
  Permission,
  ROLES,
  Role,
  isPermission,
  isRole,
  renderPermissionMatrixMarkdown,
  renderPermissionsDocument,
  roleHasPermission,
  rolesGranting,
} from './permissions.ts';
export type { PermissionInfo } from './permissions.ts';

export type { Resource, Scope } from './scopes.ts';
export { formatScope, isValidScope, parseScope, resourceOfAssetPath, scopeCovers } from './scopes.ts';

export {
  AccessError,
  AccessErrorCode,
  AuthenticationError,
  AuthenticationFailure,
  FourEyesViolationError,
  InvalidArgumentError,
  InvalidKeysError,
  PermissionDeniedError,
  grpcStatusFor,
  httpStatusFor,
  isAccessError,
} from './errors.ts';

export type { KeyMaterial, KeySet, KeySetDocument, PublicKeyEntry, SigningKey, SigningKeyDocument, VerificationKey } from './keys.ts';
export { createKeySet, importKeySet, importSigningKey, parseKeySetDocument, retireKey, rotateKeySet } from './keys.ts';
export { KEYSET_FILE, SIGNING_KEY_FILE, loadKeySet, loadSigningKey, readKeySetDocument, writeKeyMaterial } from './keyfiles.ts';

export type { AuthenticateOptions, IssueTokenInput } from './tokens.ts';
export { DEFAULT_CLOCK_TOLERANCE_SECONDS, authenticate, issueToken } from './tokens.ts';

export type { AccessDeniedData, AccessDeniedEvent, AccessDeniedInput, AccessDeniedReason, AccessTransport, DenialCause } from './events.ts';
export { ACCESS_DENIED, ACCESS_DENIED_SCHEMA_VERSION, ANONYMOUS_ACTOR, NO_ROLE, accessDeniedEvent, accessDeniedReasonFor, accessStreamFor } from './events.ts';

export type { BoundGuard, GuardOptions, GuardRequest, ResourceOrLookup } from './guard.ts';
export { MAX_CORRELATION_ID, correlationIdProblem, createGuard, flushAnonymousDenials, guard, normalizeCorrelationId } from './guard.ts';
export { DEFAULT_ANONYMOUS_DENIALS_PER_MINUTE } from './denial-aggregation.ts';

export { parseDuration } from './duration.ts';

export type { Admission, BucketLimit, RateLimiter } from './rate-limit.ts';
export { checkLimit, createRateLimiter, parseBucket } from './rate-limit.ts';
