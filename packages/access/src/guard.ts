// The one call adapters make per request (gRPC interceptor, Fastify hook): authenticate the
// bearer token, authorize the permission on the resource, and on denial record an
// AccessDenied event through the injected callback before throwing. Health endpoints are
// exempted by the caller, not here.
//
// Order: the token first. A resource that comes from the request body is given as a function; it
// runs only after the caller is authenticated, so an anonymous caller gets UNAUTHENTICATED (and a
// record), never a schema error. Every denial is recordable: a missing, empty, oversized or
// malformed correlation id is replaced and the replacement named in the event's detail.
// Anonymous floods are bounded: per source and UTC minute the first `anonymousDenialsPerMinute`
// denials are recorded one by one, the rest counted and recorded as one event when the minute closes.

import { authorize, type Principal } from './authorize.ts';
import { AnonymousDenials } from './denial-aggregation.ts';
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
  /** Event ids for denials (UUID v7 preferred); also replacement correlation ids. */
  newId: () => string;
  /** The clock; defaults to the system clock. */
  now?: () => Date;
  /**
   * Called when recording a denial fails; the call is still refused with the access error.
   * Without it the recording failure itself is thrown, so an unrecorded denial is never silent.
   */
  onRecordFailure?: (error: unknown, event: AccessDeniedEvent) => void;
  /**
   * Anonymous (authentication) denials recorded one by one per source and UTC minute; the rest are
   * counted and recorded as one AccessDenied when the minute closes. Default 10; 0 = only the summary.
   */
  anonymousDenialsPerMinute?: number;
}

/** A resource, or a function giving it, run only after authentication (it may validate the request body and throw). */
export type ResourceOrLookup = Resource | (() => Resource | undefined | Promise<Resource | undefined>);

export interface GuardRequest {
  /** The Authorization header (`Bearer <jwt>`) or the bare token; absent → UNAUTHENTICATED. */
  authorization: string | null | undefined;
  permission: Permission;
  resource?: ResourceOrLookup | undefined;
  service: string;
  method: string;
  /** The channel the call came through, recorded with a denial; default `unknown`. */
  transport?: 'grpc' | 'http' | 'nats';
  /** The caller's correlation id as received; replaced when missing, empty, over 256 characters or not visible ASCII. */
  correlationId: string | null | undefined;
  /** Set by an adapter that already replaced the caller's correlation id: why (recorded in the detail). */
  correlationIdReplaced?: string | null;
  /** The caller's network address without port (anonymous denials are aggregated per source); default `unknown`. */
  source?: string | null;
  traceparent?: string | null;
}

/** The longest correlation id kept (the event store's metadata limit). */
export const MAX_CORRELATION_ID = 256;
const CORRELATION_ID = /^[\x21-\x7e]+$/;

/** Why a received correlation id cannot be kept, or null when it can. */
export function correlationIdProblem(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return 'missing';
  if (raw === '') return 'empty';
  if (raw.length > MAX_CORRELATION_ID) return `too long (${raw.length} characters, at most ${MAX_CORRELATION_ID})`;
  if (!CORRELATION_ID.test(raw)) return 'not visible ASCII';
  return null;
}

/** The correlation id to use for a call: the caller's if usable, else a new one and why it was replaced. */
export function normalizeCorrelationId(raw: string | null | undefined, newId: () => string): { correlationId: string; replaced: string | null } {
  const problem = correlationIdProblem(raw);
  return problem === null ? { correlationId: raw as string, replaced: null } : { correlationId: newId(), replaced: problem };
}

const aggregators = new WeakMap<GuardOptions, AnonymousDenials>();
function aggregatorFor(options: GuardOptions): AnonymousDenials {
  let a = aggregators.get(options);
  if (a === undefined) {
    a = new AnonymousDenials(options);
    aggregators.set(options, a);
  }
  return a;
}

/** Records every aggregated anonymous-denial count whose minute closed (all of them with `all`); for shutdown and tests. */
export async function flushAnonymousDenials(options: GuardOptions, flush: { all?: boolean } = {}): Promise<void> {
  await aggregators.get(options)?.flush(flush.all === true);
}

/** Returns the principal when allowed; throws AuthenticationError or PermissionDeniedError after recording the denial. */
export async function guard(request: GuardRequest, options: GuardOptions): Promise<Principal> {
  const now = options.now?.() ?? new Date();
  const keySet = typeof options.keySet === 'function' ? options.keySet() : options.keySet;
  let principal: Principal | null = null;
  // A given resource is recorded even for an anonymous caller; a lookup runs only once authenticated.
  let resource: Resource | undefined = typeof request.resource === 'function' ? undefined : request.resource;
  let denial: AuthenticationError | PermissionDeniedError;
  let cause: DenialCause;
  try {
    principal = await authenticate(request.authorization, keySet, {
      issuer: options.issuer,
      audience: options.audience,
      now,
      ...(options.clockToleranceSeconds === undefined ? {} : { clockToleranceSeconds: options.clockToleranceSeconds }),
    });
  } catch (error) {
    if (!(error instanceof AuthenticationError)) throw error;
    denial = error;
    principal = null;
    cause = { authentication: error.reason, detail: error.message };
  }
  if (principal !== null) {
    // Authenticated: now the body may be looked at (a validation error here is the caller's, not a denial).
    if (typeof request.resource === 'function') resource = await request.resource();
    const decision = authorize(principal, request.permission, resource);
    if (decision.allowed) return principal;
    denial = new PermissionDeniedError(request.permission, resource, decision.reason);
    cause = { missing: decision.missing, detail: decision.reason };
  }
  denial = denial!;
  cause = cause!;

  const { correlationId, replaced } = normalizeCorrelationId(request.correlationId, options.newId);
  const why = request.correlationIdReplaced ?? replaced;
  const detailCause: DenialCause = why === null ? cause : { ...cause, detail: `${cause.detail} [correlation id replaced: the caller's was ${why}]` };
  const source = request.source ?? 'unknown';
  if (principal === null && !aggregatorFor(options).admit(source, now, request, cause)) throw denial;

  const { stream, event } = accessDeniedEvent({
    principal,
    permission: request.permission,
    resource,
    service: request.service,
    method: request.method,
    cause: detailCause,
    transport: request.transport ?? 'unknown',
    correlationId,
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

/** A bound guard; `flush()` records every counted anonymous denial now (call it on shutdown). */
export type BoundGuard = ((request: GuardRequest) => Promise<Principal>) & { flush(): Promise<void> };

/** `guard` with its options bound, for an adapter to hold. */
export function createGuard(options: GuardOptions): BoundGuard {
  return Object.assign((request: GuardRequest) => guard(request, options), { flush: () => flushAnonymousDenials(options, { all: true }) });
}
