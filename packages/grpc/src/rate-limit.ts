// Rate limits of a gRPC server. Per source address: a bucket of refused calls — every call the
// access check refuses (no, a bad or an expired token, a missing permission) takes one; once the
// address has none left, its calls are RESOURCE_EXHAUSTED before the token is even looked at, until
// the bucket refills. Authenticated callers sharing an address (services on one host) never use it.
// Per access token (its `jti`): a bucket of calls, taken once the caller is authenticated (after the
// resource lookup for a method that declares one). Beyond either: RESOURCE_EXHAUSTED with the seconds
// to wait, before the handler runs. Health and reflection are not limited (probes). The bucket is
// @industrial/access's, shared with the inference gateway and the HMI server.
import { createRateLimiter, type BucketLimit, type RateLimiter } from '@industrial/access';

export interface GrpcRateLimits {
  /** Calls refused by the access check per source address; null: unlimited. */
  perSource: BucketLimit | null;
  /** Authenticated calls per token; null: unlimited. */
  perToken: BucketLimit | null;
  /** Keys kept per limiter; beyond it idle buckets, then the oldest, are dropped. */
  maxKeys: number;
}

/** 100 refused calls at once then 50/s per address; 1000 calls at once then 200/s per token (a service reading in bursts fits). */
export const DEFAULT_GRPC_RATE_LIMITS: GrpcRateLimits = {
  perSource: { burst: 100, perSecond: 50 },
  perToken: { burst: 1000, perSecond: 200 },
  maxKeys: 10_000,
};

export class RateLimitedError extends Error {
  readonly code = 'RESOURCE_EXHAUSTED' as const;
  constructor(
    what: 'address' | 'token',
    readonly retryAfterSeconds: number,
  ) {
    super(`rate limit: too many calls from this ${what}; retry in ${retryAfterSeconds} s`);
    this.name = 'RateLimitedError';
  }
}

/** The limiters of one server, shared by all its methods. */
export interface CallLimiter {
  /** Throws RateLimitedError when the address has no refused call left (takes nothing). */
  source(address: string): void;
  /** Counts one call from the address that the access check refused. */
  refusedBy(address: string): void;
  /** Throws RateLimitedError when the token has no call left. */
  token(tokenId: string): void;
  /** Calls refused so far (per address, per token). */
  readonly refused: { source: number; token: number };
}

export function createCallLimiter(limits: GrpcRateLimits, now: () => number = Date.now): CallLimiter {
  const bySource: RateLimiter | null = limits.perSource === null ? null : createRateLimiter(limits.perSource, limits.maxKeys, now);
  const byToken: RateLimiter | null = limits.perToken === null ? null : createRateLimiter(limits.perToken, limits.maxKeys, now);
  let blocked = 0;
  const take = (limiter: RateLimiter | null, key: string, what: 'address' | 'token'): void => {
    const a = limiter?.take(key);
    if (a !== undefined && !a.allowed) throw new RateLimitedError(what, a.retryAfterSeconds);
  };
  return {
    source: (address) => {
      const a = bySource?.peek(`ip:${address}`);
      if (a !== undefined && !a.allowed) {
        blocked += 1;
        throw new RateLimitedError('address', a.retryAfterSeconds);
      }
    },
    refusedBy: (address) => void bySource?.take(`ip:${address}`),
    token: (tokenId) => take(byToken, `jti:${tokenId}`, 'token'),
    get refused() {
      return { source: blocked, token: byToken?.refused ?? 0 };
    },
  };
}
