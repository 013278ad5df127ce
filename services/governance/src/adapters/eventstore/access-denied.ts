// Records refused calls in the event store. The guard of @industrial/access hands over an
// AccessDenied event that already is the registered contract's latest version (reason code,
// detail, roles, transport; role `none` for an unauthenticated caller), so it is appended as is.
import type { AccessDeniedEvent } from '@industrial/access';
import type { EventStore } from '@industrial/eventstore';

/** `recordDenied` for createGuard: appends the guard's event to `access-<date>`. */
export function recordDeniedIn(store: EventStore) {
  return async (stream: string, event: AccessDeniedEvent): Promise<void> => {
    await store.append(stream, [event]);
  };
}

export { uuidv7 } from '@industrial/contracts/ids';
