// Rate limits of the HTTP gateway: per source address and per access token, each a token bucket
// per key (createRateLimiter of @industrial/access, shared with the HMI server and gRPC).

import type { BucketLimit } from '@industrial/access';

export { checkLimit, createRateLimiter, type Admission, type BucketLimit, type RateLimiter } from '@industrial/access';

export interface RateLimitConfig {
  /** Every request to /api/ from one source address (before authentication). */
  perSource: BucketLimit;
  /** Every authenticated request with one token (its `jti`). */
  perToken: BucketLimit;
  /** Keys kept per limiter; beyond it idle buckets, then the oldest, are dropped. */
  maxKeys: number;
}

export const DEFAULT_RATE_LIMITS: RateLimitConfig = {
  perSource: { burst: 200, perSecond: 100 },
  perToken: { burst: 100, perSecond: 50 },
  maxKeys: 10_000,
};
