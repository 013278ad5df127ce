// Rate limits of the HTTP gateway: one token bucket per key (a source address, an access token),
// in memory, with a bounded number of keys. Pure but for the clock, which comes in as a function.
// @fastify/rate-limit is not a dependency of this repository, so the bucket is a few lines here.

export interface BucketLimit {
  /** Requests allowed at once (the bucket's size). */
  burst: number;
  /** Requests added back per second. */
  perSecond: number;
}

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

export type Admission = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  /** Takes one request from `key`'s bucket, or says how many whole seconds until one is free. */
  take(key: string): Admission;
  /** Requests refused so far. */
  readonly refused: number;
  readonly keys: number;
}

interface Bucket {
  tokens: number;
  atMs: number;
}

export function checkLimit(name: string, limit: BucketLimit): void {
  if (!Number.isFinite(limit.burst) || limit.burst < 1) throw new RangeError(`${name}.burst must be at least 1`);
  if (!Number.isFinite(limit.perSecond) || limit.perSecond <= 0) throw new RangeError(`${name}.perSecond must be above 0`);
}

export function createRateLimiter(limit: BucketLimit, maxKeys: number, now: () => number = Date.now): RateLimiter {
  checkLimit('limit', limit);
  const buckets = new Map<string, Bucket>();
  let refused = 0;
  const refill = (b: Bucket, t: number) => {
    b.tokens = Math.min(limit.burst, b.tokens + ((t - b.atMs) / 1000) * limit.perSecond);
    b.atMs = t;
  };
  const evict = (t: number) => {
    for (const [key, b] of buckets) {
      refill(b, t);
      if (b.tokens >= limit.burst) buckets.delete(key);
    }
    // Still full of busy keys: drop the oldest (Map order is insertion order).
    for (const key of buckets.keys()) {
      if (buckets.size < maxKeys) break;
      buckets.delete(key);
    }
  };
  return {
    take(key) {
      const t = now();
      let b = buckets.get(key);
      if (b === undefined) {
        if (buckets.size >= maxKeys) evict(t);
        b = { tokens: limit.burst, atMs: t };
        buckets.set(key, b);
      } else refill(b, t);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return { allowed: true };
      }
      refused += 1;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / limit.perSecond)) };
    },
    get refused() {
      return refused;
    },
    get keys() {
      return buckets.size;
    },
  };
}
