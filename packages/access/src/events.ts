// The AccessDenied event: every refused call is recorded in the event store, in a stream per
// UTC day (`access-<YYYY-MM-DD>`). Pure: time and id come in as data; the caller appends.

import type { Principal } from './authorize.ts';
import { InvalidArgumentError } from './errors.ts';
import type { Permission } from './permissions.ts';
import type { Resource } from './scopes.ts';

export const ACCESS_DENIED = 'AccessDenied';
export const ACCESS_DENIED_SCHEMA_VERSION = 1;
/** Actor recorded when no principal could be established (missing or invalid token). */
export const ANONYMOUS_ACTOR = 'anonymous';
/** Role recorded when no principal could be established. */
export const NO_ROLE = 'none';

export interface AccessDeniedData {
  actor: string;
  /** The principal's roles, comma-separated; `none` when unauthenticated. */
  role: string;
  permission: Permission;
  resource: Resource;
  service: string;
  method: string;
  reason: string;
}

/** Structurally the event store's NewEvent, so it can be appended as is. */
export interface AccessDeniedEvent {
  id: string;
  type: typeof ACCESS_DENIED;
  data: AccessDeniedData;
  metadata: {
    actor: string;
    role: string;
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
  reason: string;
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

export function accessDeniedEvent(input: AccessDeniedInput): { stream: string; event: AccessDeniedEvent } {
  if (input.id === '') throw new InvalidArgumentError('id', 'must not be empty');
  if (input.correlationId === '') throw new InvalidArgumentError('correlationId', 'must not be empty');
  const stream = accessStreamFor(input.now);
  const actor = input.principal?.subject ?? ANONYMOUS_ACTOR;
  const role = input.principal === null || input.principal.roles.length === 0 ? NO_ROLE : input.principal.roles.join(',');
  // Copy only the location fields: the caller's resource object may carry more than belongs in an audit record.
  const resource: Resource = {};
  if (input.resource?.site !== undefined) resource.site = input.resource.site;
  if (input.resource?.area !== undefined) resource.area = input.resource.area;
  if (input.resource?.line !== undefined) resource.line = input.resource.line;
  return {
    stream,
    event: {
      id: input.id,
      type: ACCESS_DENIED,
      data: { actor, role, permission: input.permission, resource, service: input.service, method: input.method, reason: input.reason },
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
