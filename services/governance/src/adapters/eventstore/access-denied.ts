// Records refused calls in the event store. The guard of @industrial/access hands over its
// AccessDenied event with a free-text reason and comma-joined roles; the registered contract
// (contracts/, AccessDenied v2) wants a reason code, one role and the transport. This adapter
// conforms the event to the latest contract version before appending it.
// (Belongs in @industrial/access eventually; see the service README.)
import { randomBytes } from 'node:crypto';
import type { AccessDeniedEvent } from '@industrial/access';
import type { EventStore } from '@industrial/eventstore';

export type AccessDeniedReason = 'missing-permission' | 'out-of-scope' | 'token-expired' | 'token-invalid' | 'key-unknown' | 'no-token';
export const ACCESS_DENIED_SCHEMA_VERSION = 2;

/** Reason code of the contract from the guard's reason text. */
export function accessDeniedReasonCode(reason: string): AccessDeniedReason {
  const unauth = /^unauthenticated \(([a-z_]+)\)/.exec(reason);
  if (unauth !== null) {
    switch (unauth[1]) {
      case 'missing':
        return 'no-token';
      case 'expired':
      case 'not_yet_valid':
        return 'token-expired';
      case 'unknown_key':
      case 'key_retired':
        return 'key-unknown';
      default:
        return 'token-invalid';
    }
  }
  return / is outside |outside .*scope|needs scope/.test(reason) ? 'out-of-scope' : 'missing-permission';
}

export interface ConformedAccessDenied {
  id: string;
  type: 'AccessDenied';
  data: Omit<AccessDeniedEvent['data'], 'reason'> & { reason: AccessDeniedReason; transport: 'grpc' | 'http' };
  metadata: Omit<AccessDeniedEvent['metadata'], 'schemaVersion'> & { schemaVersion: typeof ACCESS_DENIED_SCHEMA_VERSION };
}

/**
 * The guard's event in the contract's shape. A principal with several roles is recorded under
 * its first; an unauthenticated caller keeps role `none`, which the contract cannot express
 * (appending it fails validation and is reported through the guard's onRecordFailure).
 */
export function conformAccessDenied(event: AccessDeniedEvent, transport: 'grpc' | 'http'): ConformedAccessDenied {
  const role = event.data.role.split(',')[0] ?? event.data.role;
  return {
    id: event.id,
    type: 'AccessDenied',
    data: { ...event.data, role, reason: accessDeniedReasonCode(event.data.reason), transport },
    metadata: { ...event.metadata, role, schemaVersion: ACCESS_DENIED_SCHEMA_VERSION },
  };
}

/** `recordDenied` for createGuard: appends the conformed event to `access-<date>`. */
export function recordDeniedIn(store: EventStore, transport: 'grpc' | 'http') {
  return async (stream: string, event: AccessDeniedEvent): Promise<void> => {
    await store.append(stream, [conformAccessDenied(event, transport)]);
  };
}

/** UUID v7 (RFC 9562): time-ordered ids for denial events. */
export function uuidv7(now: number = Date.now()): string {
  const b = randomBytes(16);
  b.writeUIntBE(now, 0, 6);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x70;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
