// Records refused calls in the event store through the kernel. The guard of @industrial/access
// hands over an AccessDenied event that already is the registered contract's latest version (reason
// code, detail, roles, transport; role `none` for an unauthenticated caller), so it is appended as
// prepared — the kernel still checks its type, version and stream before anything is written.
import type { AccessDeniedEvent } from '@industrial/access';
import type { Kernel } from '@industrial/kernel';

/** `recordDenied` for createGuard: appends the guard's event to `access-<date>`. */
export function recordDeniedIn(kernel: Pick<Kernel, 'appendPrepared'>) {
  return async (stream: string, event: AccessDeniedEvent): Promise<void> => {
    await kernel.appendPrepared(stream, [event]);
  };
}
