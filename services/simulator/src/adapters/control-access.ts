// Access to the HTTP control API with the platform's per-user tokens (@industrial/access): verify
// the bearer token with the key set, then authorize `sim.inject_fault` on the asset's location.
// The two steps are separate so the token is checked before the body is read. Each refusal is
// recorded as an AccessDenied event (stream `access-<date>`, the family every service writes)
// through the simulator's kernel; without an event store it is logged, never silently dropped.

import { uuidv7 } from '@industrial/contracts/ids';
import {
  AuthenticationError,
  PermissionDeniedError,
  Permission,
  accessDeniedEvent,
  authenticate,
  authorize,
  httpStatusFor,
  roleHasPermission,
  type AccessDeniedEvent,
  type DenialCause,
  type KeySet,
  type Principal,
  type Resource,
} from '@industrial/access';
import type { FaultActor } from '../domain/labels.ts';
import type { Log } from '../features/ports.ts';

/** The platform's token verification: the key set (or a getter, after a rotation) and the claims tokens must carry. */
export interface SimulatorAccess {
  readonly keySet: KeySet | (() => KeySet);
  readonly issuer: string;
  readonly audience: string;
}

export interface RequestInfo {
  /** `POST /faults` */
  readonly method: string;
  readonly correlationId: string;
  readonly traceparent: string | null;
}

export interface ControlAccess {
  /** The caller; throws AuthenticationError after recording the denial. */
  authenticate(authorization: string | undefined, request: RequestInfo): Promise<Principal>;
  /** Throws PermissionDeniedError after recording the denial. */
  authorize(principal: Principal, resource: Resource | undefined, request: RequestInfo): Promise<void>;
  /** Who a FaultInjected names: the token's subject and the role that granted the permission. */
  actorOf(principal: Principal): FaultActor;
}

/** 401/403 for an access error, null for anything else. */
export function accessStatus(err: unknown): number | null {
  return err instanceof AuthenticationError || err instanceof PermissionDeniedError ? httpStatusFor(err.code) : null;
}

export function createControlAccess(
  access: SimulatorAccess,
  recordDenied: ((stream: string, event: AccessDeniedEvent) => Promise<unknown>) | null,
  log: Log,
): ControlAccess {
  const permission = Permission.SimInjectFault;
  async function deny(principal: Principal | null, resource: Resource | undefined, cause: DenialCause, request: RequestInfo): Promise<void> {
    const { stream, event } = accessDeniedEvent({
      principal,
      permission,
      resource,
      service: 'simulator',
      method: request.method,
      cause,
      transport: 'http',
      correlationId: request.correlationId,
      traceparent: request.traceparent,
      now: new Date(),
      id: uuidv7(),
    });
    if (!recordDenied) {
      log('warn', 'access denied (no event store to record it in)', { denied: event.data, correlationId: request.correlationId });
      return;
    }
    try {
      await recordDenied(stream, event);
    } catch (err) {
      // the call is refused all the same; the failure to record is loud
      log('error', 'could not record AccessDenied in the event store', { denied: event.data, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return {
    async authenticate(authorization, request) {
      const keySet = typeof access.keySet === 'function' ? access.keySet() : access.keySet;
      try {
        return await authenticate(authorization, keySet, { issuer: access.issuer, audience: access.audience, now: new Date() });
      } catch (err) {
        if (!(err instanceof AuthenticationError)) throw err;
        await deny(null, undefined, { authentication: err.reason, detail: err.message }, request);
        throw err;
      }
    },
    async authorize(principal, resource, request) {
      const decision = authorize(principal, permission, resource);
      if (decision.allowed) return;
      await deny(principal, resource, { missing: decision.missing, detail: decision.reason }, request);
      throw new PermissionDeniedError(permission, resource, decision.reason);
    },
    actorOf(principal) {
      return { subject: principal.subject, role: principal.roles.find((r) => roleHasPermission(r, permission)) ?? principal.roles[0] ?? 'none' };
    },
  };
}
