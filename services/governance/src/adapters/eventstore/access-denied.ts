// Records refused calls in the event store. The guard of @industrial/access hands over an
// AccessDenied event that already is the registered contract's latest version (reason code,
// detail, roles, transport; role `none` for an unauthenticated caller), so it is appended as is.
import { randomBytes } from 'node:crypto';
import type { AccessDeniedEvent } from '@industrial/access';
import type { EventStore } from '@industrial/eventstore';

/** `recordDenied` for createGuard: appends the guard's event to `access-<date>`. */
export function recordDeniedIn(store: EventStore) {
  return async (stream: string, event: AccessDeniedEvent): Promise<void> => {
    await store.append(stream, [event]);
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
