// Why an event is written: who (actor, role), on behalf of which service, as part of which
// conversation (correlation id), in answer to which event or call (causation id), under which trace.
// One type for every service; adapters build it from the authenticated principal or the consumed message.
import type { Service } from '@industrial/contracts';

export interface Cause {
  /** Subject of the token that caused it (`user:…`, `svc:dataops`). */
  readonly actor: string;
  /** Role the actor acted in: operator, engineer, quality_lead, auditor, admin, service. */
  readonly role: string;
  /** Service the actor called (or the service acting on its own, for `svc:` actors). */
  readonly service?: Service;
  readonly correlationId: string;
  /** Id of the event or request this one answers; null for a first cause. */
  readonly causationId: string | null;
  /** W3C traceparent of the call or message; null outside a trace. */
  readonly traceparent: string | null;
}

/** What an authenticated adapter knows about a call (gRPC CallContext, HTTP request). */
export interface CallerLike {
  readonly principal: { readonly subject: string; readonly roles: readonly string[] };
  readonly correlationId: string;
  readonly traceparent: string | null;
}

/** The cause of a call made by an authenticated caller (first role wins, as the access guard decides). */
export function causeOfCall(call: CallerLike, options: { causationId?: string | null; service?: Service } = {}): Cause {
  return {
    actor: call.principal.subject,
    role: call.principal.roles[0] ?? 'service',
    ...(options.service === undefined ? {} : { service: options.service }),
    correlationId: call.correlationId,
    causationId: options.causationId ?? null,
    traceparent: call.traceparent,
  };
}

/** The cause of work a service does by itself (a consumer, a timer): actor `svc:<service>`, role `service`. */
export function serviceCause(service: Service, correlationId: string, options: { causationId?: string | null; traceparent?: string | null } = {}): Cause {
  return {
    actor: `svc:${service}`,
    role: 'service',
    service,
    correlationId,
    causationId: options.causationId ?? null,
    traceparent: options.traceparent ?? null,
  };
}

/** A follow-up cause: same actor and conversation, caused by `causationId` (an event id). */
export function causedBy(cause: Cause, causationId: string): Cause {
  return { ...cause, causationId };
}
