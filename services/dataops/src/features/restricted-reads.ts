// Use case: reading restricted data (a tag or a dataset snapshot whose access level is
// `restricted`). The caller needs data.read_restricted at the data's plant location, and the read
// is recorded as RestrictedDataRead in `access-<UTC date>` (through the kernel) before the data is
// returned. A refusal is a PERMISSION_DENIED DataopsError; nothing is recorded then (the access
// guard records refused calls as AccessDenied).
import { streamFor } from '@industrial/contracts';
import { causeOfCall, type Cause, type Kernel } from '@industrial/kernel';
import { DataopsError, DataopsErrorCode } from '../domain/errors.ts';
import type { Principal, Resource, RestrictedReadPolicy } from '../ports.ts';

export type Transport = 'grpc' | 'http' | 'nats' | 'unknown';

/** An authenticated read: who, why (the call's cause) and how the call came in. */
export interface ReadCall {
  readonly principal: Principal;
  readonly cause: Cause;
  /** gRPC full method, or `in-process`. */
  readonly method: string;
  readonly transport: Transport;
}

/** What is read: a tag (`<assetPath>.<tag>`) or a snapshot. */
export interface RestrictedTarget {
  readonly kind: 'tag' | 'dataset-snapshot';
  readonly target: string;
  readonly datasetId: string | null;
}

export interface RestrictedReads {
  /**
   * Checks and records a read of restricted data. Without a call (an in-process caller, e.g.
   * training in the one-process launcher) the read is trusted and not recorded.
   */
  authorize(call: ReadCall | undefined, what: RestrictedTarget, location: Resource | undefined): Promise<void>;
}

/** The read call of a principal without a cause of its own (a fresh correlation id). */
export function readCallOf(principal: Principal, options: { cause?: Cause; correlationId: string; method?: string; transport?: Transport }): ReadCall {
  return {
    principal,
    cause: options.cause ?? causeOfCall({ principal, correlationId: options.correlationId, traceparent: null }),
    method: options.method ?? 'in-process',
    transport: options.transport ?? 'unknown',
  };
}

export function createRestrictedReads(deps: { kernel: Kernel; policy: RestrictedReadPolicy; now: () => Date }): RestrictedReads {
  const { kernel, policy, now } = deps;
  return {
    async authorize(call, what, location) {
      if (call === undefined) return;
      const { principal } = call;
      const resource = location ?? {}; // no location: only a platform-wide grant allows it
      const decision = policy.check(principal, resource);
      if (!decision.allowed) throw new DataopsError(DataopsErrorCode.PermissionDenied, `${what.kind} ${what.target} is restricted: ${decision.reason}`);
      const at = now().toISOString();
      const data = {
        actor: principal.subject,
        roles: [...principal.roles],
        kind: what.kind,
        target: what.target,
        datasetId: what.datasetId,
        resource,
        method: call.method,
        transport: call.transport,
        readAt: at,
      };
      await kernel.append(streamFor('RestrictedDataRead', at.slice(0, 10)), [{ type: 'RestrictedDataRead', data }], call.cause);
    },
  };
}
