// The AccessDenied event: every refused call is recorded in the event store, in a stream per
// UTC day (`access-<YYYY-MM-DD>`). Pure: time and id come in as data; the caller appends.
// The event is exactly the latest version of the registered contract (contracts/, AccessDenied
// v2): a reason code derived from structured data (never from text), the plain-language detail,
// the first role (or `none` when unauthenticated), every role, and the transport.

import type { Principal } from './authorize.ts';
import { AuthenticationFailure, InvalidArgumentError } from './errors.ts';
import type { Permission, Role } from './permissions.ts';
import type { Resource } from './scopes.ts';

export const ACCESS_DENIED = 'AccessDenied';
/** The contract version this package emits (the latest AccessDenied version in contracts/). */
export const ACCESS_DENIED_SCHEMA_VERSION = 2;
/** Actor recorded when no principal could be established (missing or invalid token). */
export const ANONYMOUS_ACTOR = 'anonymous';
/** Role recorded when no principal could be established. */
export const NO_ROLE = 'none';

/** Contract bounds, mirrored so the event is always valid (an invalid one would not be recorded). */
const MAX_DETAIL = 500;
const MAX_METHOD = 200;
const UNS_TOKEN = /^[a-z0-9_-]{1,64}$/;

/** The channel a denied call came through; `unknown` when the adapter did not say. */
export type AccessTransport = 'grpc' | 'http' | 'nats' | 'unknown';

/** The contract's reason code. */
export type AccessDeniedReason =
  | 'missing-permission'
  | 'out-of-scope'
  | 'unknown-resource'
  | 'no-token'
  | 'token-expired'
  | 'token-not-yet-valid'
  | 'token-invalid'
  | 'key-unknown'
  | 'key-retired';

/** Why the call was refused, as structured data: the reason code is derived from it, the detail is kept as text. */
export type DenialCause =
  /** Authentication failed (`AuthenticationError.reason`); no principal. */
  | { readonly authentication: AuthenticationFailure; readonly detail: string }
  /** Authorization refused a known principal (`AuthorizationDecision.missing`). */
  | { readonly missing: 'role' | 'scope' | 'resource'; readonly detail: string };

const AUTHENTICATION_REASON: Record<AuthenticationFailure, AccessDeniedReason> = {
  [AuthenticationFailure.Missing]: 'no-token',
  [AuthenticationFailure.Expired]: 'token-expired',
  [AuthenticationFailure.NotYetValid]: 'token-not-yet-valid',
  [AuthenticationFailure.Malformed]: 'token-invalid',
  [AuthenticationFailure.BadSignature]: 'token-invalid',
  [AuthenticationFailure.Unsigned]: 'token-invalid',
  [AuthenticationFailure.UnsupportedAlgorithm]: 'token-invalid',
  [AuthenticationFailure.InvalidClaims]: 'token-invalid',
  [AuthenticationFailure.WrongIssuer]: 'token-invalid',
  [AuthenticationFailure.WrongAudience]: 'token-invalid',
  [AuthenticationFailure.UnknownKey]: 'key-unknown',
  [AuthenticationFailure.KeyRetired]: 'key-retired',
};

const AUTHORIZATION_REASON: Record<'role' | 'scope' | 'resource', AccessDeniedReason> = {
  role: 'missing-permission',
  scope: 'out-of-scope',
  resource: 'unknown-resource',
};

/** The contract's reason code for a denial cause. */
export function accessDeniedReasonFor(cause: DenialCause): AccessDeniedReason {
  const code = 'authentication' in cause ? AUTHENTICATION_REASON[cause.authentication] : AUTHORIZATION_REASON[cause.missing];
  if (code === undefined) throw new InvalidArgumentError('cause', 'must name an AuthenticationFailure or a missing role/scope/resource');
  return code;
}

export interface AccessDeniedData {
  actor: string;
  /** The principal's first role; `none` when unauthenticated. */
  role: Role | typeof NO_ROLE;
  /** Every role of the principal; empty when unauthenticated. */
  roles: Role[];
  permission: Permission;
  /** Only well-formed location levels (lowercase UNS tokens); anything else is named in `detail`. */
  resource: Resource;
  service: string;
  method: string;
  reason: AccessDeniedReason;
  /** Plain-language reason, at most 500 characters. */
  detail: string;
  transport: AccessTransport;
}

/** Structurally the event store's NewEvent, so it can be appended as is. */
export interface AccessDeniedEvent {
  id: string;
  type: typeof ACCESS_DENIED;
  data: AccessDeniedData;
  metadata: {
    actor: string;
    role: Role | typeof NO_ROLE;
    correlationId: string;
    causationId: null;
    traceparent: string | null;
    schemaVersion: typeof ACCESS_DENIED_SCHEMA_VERSION;
  };
}

export interface AccessDeniedInput {
  /** null when the caller could not be authenticated. */
  principal: Principal | null;
  permission: Permission;
  resource?: Resource | undefined;
  service: string;
  method: string;
  cause: DenialCause;
  /** Default `unknown`. */
  transport?: AccessTransport | undefined;
  correlationId: string;
  traceparent: string | null;
  now: Date;
  /** Event id (UUID v7 preferred): a retried append of the same denial stays idempotent. */
  id: string;
}

/** The stream that holds the denials of `now`'s UTC day. */
export function accessStreamFor(now: Date): string {
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new InvalidArgumentError('now', 'must be a valid Date');
  return `access-${now.toISOString().slice(0, 10)}`;
}

/** At most `max` UTF-16 units, ending in `…` when cut, never splitting a surrogate pair. */
function bounded(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut}…`;
}

export function accessDeniedEvent(input: AccessDeniedInput): { stream: string; event: AccessDeniedEvent } {
  if (input.id === '') throw new InvalidArgumentError('id', 'must not be empty');
  if (input.correlationId === '') throw new InvalidArgumentError('correlationId', 'must not be empty');
  const reason = accessDeniedReasonFor(input.cause);
  const authenticated = !('authentication' in input.cause);
  if (authenticated !== (input.principal !== null)) {
    throw new InvalidArgumentError('principal', authenticated ? 'is required for an authorization denial' : 'must be null for an authentication failure');
  }
  if (input.principal !== null && input.principal.roles.length === 0) throw new InvalidArgumentError('principal', 'must hold at least one role');
  const stream = accessStreamFor(input.now);
  const actor = input.principal?.subject ?? ANONYMOUS_ACTOR;
  const roles = [...(input.principal?.roles ?? [])];
  const role = roles[0] ?? NO_ROLE;
  // Copy only the location levels, and only well-formed ones: the caller's resource object may carry
  // more than belongs in an audit record, and a malformed name must not make the denial unrecordable.
  const resource: Resource = {};
  const dropped: string[] = [];
  for (const level of ['site', 'area', 'line'] as const) {
    const name = input.resource?.[level];
    if (name === undefined) continue;
    if (typeof name === 'string' && UNS_TOKEN.test(name)) resource[level] = name;
    else dropped.push(`${level} ${JSON.stringify(name)}`);
  }
  const text = input.cause.detail.trim() === '' ? reason : input.cause.detail;
  const detail = bounded(dropped.length === 0 ? text : `${text} (requested ${dropped.join(', ')})`, MAX_DETAIL);
  const method = input.method.trim() === '' ? '(unknown method)' : bounded(input.method, MAX_METHOD);
  return {
    stream,
    event: {
      id: input.id,
      type: ACCESS_DENIED,
      data: {
        actor,
        role,
        roles,
        permission: input.permission,
        resource,
        service: input.service,
        method,
        reason,
        detail,
        transport: input.transport ?? 'unknown',
      },
      metadata: {
        actor,
        role,
        correlationId: input.correlationId,
        causationId: null,
        traceparent: input.traceparent,
        schemaVersion: ACCESS_DENIED_SCHEMA_VERSION,
      },
    },
  };
}
