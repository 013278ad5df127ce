// One token bucket per key (a source address, an access token's id), in memory, with a bounded
// number of keys: the rate limiter the gateway, the HMI server and every gRPC server share. Pure but
// for the clock, which comes in as a function (tests count, never time).

export interface BucketLimit {
  /** Requests allowed at once (the bucket's size). */
  burst: number;
  /** Requests added back per second. */
  perSecond: number;
}

export type Admission = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  /** Takes one request from `key`'s bucket, or says how many whole seconds until one is free. */
  take(key: string): Admission;
  /** Whether `key` has a request left, without taking it (nothing is counted). */
  peek(key: string): Admission;
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

/** `<burst>/<per second>` (e.g. `120/60`) or `off` (null); unset or empty: `fallback`; throws naming `name` otherwise. */
export function parseBucket(name: string, text: string | undefined, fallback: BucketLimit | null): BucketLimit | null {
  const t = text?.trim();
  if (t === undefined || t === '') return fallback;
  if (t === 'off') return null;
  const m = /^([1-9][0-9]{0,6})\/([0-9]{1,7}(?:\.[0-9]{1,6})?)$/.exec(t);
  const perSecond = Number(m?.[2]);
  if (m === null || !(perSecond > 0)) throw new Error(`${name} must be <burst>/<per second> (e.g. 120/60) or off`);
  return { burst: Number(m[1]), perSecond };
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
    peek(key) {
      const b = buckets.get(key);
      if (b === undefined) return { allowed: true };
      refill(b, now());
      return b.tokens >= 1 ? { allowed: true } : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / limit.perSecond)) };
    },
    get refused() {
      return refused;
    },
    get keys() {
      return buckets.size;
    },
  };
}
