// The one call adapters make per request (gRPC interceptor, Fastify hook): authenticate the
// bearer token, authorize the permission on the resource, and on denial record an
// AccessDenied event through the injected callback before throwing. Health endpoints are
// exempted by the caller, not here.

import { authorize, type Principal } from './authorize.ts';
import { AuthenticationError, PermissionDeniedError } from './errors.ts';
import { accessDeniedEvent, type AccessDeniedEvent, type DenialCause } from './events.ts';
import type { KeySet } from './keys.ts';
import type { Permission } from './permissions.ts';
import type { Resource } from './scopes.ts';
import { authenticate } from './tokens.ts';

export interface GuardOptions {
  /** The key set, or a getter so the composition root can swap it after a rotation. */
  keySet: KeySet | (() => KeySet);
  issuer: string;
  audience: string;
  clockToleranceSeconds?: number;
  /** Appends the denial to the event store (stream `access-<date>`). */
  recordDenied: (stream: string, event: AccessDeniedEvent) => Promise<unknown> | unknown;
  /** Event ids for denials (UUID v7 preferred). */
  newId: () => string;
  /** The clock; defaults to the system clock. */
  now?: () => Date;
  /**
   * Called when recording a denial fails; the call is still refused with the access error.
   * Without it the recording failure itself is thrown, so an unrecorded denial is never silent.
   */
  onRecordFailure?: (error: unknown, event: AccessDeniedEvent) => void;
}

export interface GuardRequest {
  /** The Authorization header (`Bearer <jwt>`) or the bare token; absent → UNAUTHENTICATED. */
  authorization: string | null | undefined;
  permission: Permission;
  resource?: Resource;
  service: string;
  method: string;
  /** The channel the call came through, recorded with a denial; default `unknown`. */
  transport?: 'grpc' | 'http' | 'nats';
  correlationId: string;
  traceparent?: string | null;
}

/** Returns the principal when allowed; throws AuthenticationError or PermissionDeniedError after recording the denial. */
export async function guard(request: GuardRequest, options: GuardOptions): Promise<Principal> {
  const now = options.now?.() ?? new Date();
  const keySet = typeof options.keySet === 'function' ? options.keySet() : options.keySet;
  let principal: Principal | null = null;
  let denial: AuthenticationError | PermissionDeniedError;
  let cause: DenialCause;
  try {
    principal = await authenticate(request.authorization, keySet, {
      issuer: options.issuer,
      audience: options.audience,
      now,
      ...(options.clockToleranceSeconds === undefined ? {} : { clockToleranceSeconds: options.clockToleranceSeconds }),
    });
    const decision = authorize(principal, request.permission, request.resource);
    if (decision.allowed) return principal;
    denial = new PermissionDeniedError(request.permission, request.resource, decision.reason);
    cause = { missing: decision.missing, detail: decision.reason };
  } catch (error) {
    if (!(error instanceof AuthenticationError)) throw error;
    denial = error;
    principal = null;
    cause = { authentication: error.reason, detail: error.message };
  }

  const { stream, event } = accessDeniedEvent({
    principal,
    permission: request.permission,
    resource: request.resource,
    service: request.service,
    method: request.method,
    cause,
    transport: request.transport ?? 'unknown',
    correlationId: request.correlationId,
    traceparent: request.traceparent ?? null,
    now,
    id: options.newId(),
  });
  try {
    await options.recordDenied(stream, event);
  } catch (recordError) {
    if (options.onRecordFailure === undefined) throw recordError;
    options.onRecordFailure(recordError, event);
  }
  throw denial;
}

/** `guard` with its options bound, for an adapter to hold. */
export function createGuard(options: GuardOptions): (request: GuardRequest) => Promise<Principal> {
  return (request) => guard(request, options);
}
