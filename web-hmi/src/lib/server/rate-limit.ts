// Rate limits of the HMI server (hooks.server.ts): a token bucket per source address, taken before
// the session cookie is verified, and one per signed-in token (`jti`), taken after. Beyond either:
// 429 with Retry-After, before any page or gateway call runs. In memory, a bounded number of keys.
// The gateway limits again per token and per address behind it (services/inference); both use the
// token bucket of @industrial/access.

import { createRateLimiter, type BucketLimit } from '@industrial/access';

export { parseBucket, type BucketLimit } from '@industrial/access';

export interface HmiRateLimits {
  perSource: BucketLimit | null;
  perToken: BucketLimit | null;
  /** Keys kept per limiter; beyond it idle buckets, then the oldest, are dropped. */
  maxKeys: number;
}

/** One limiter: `take(key)` → null when allowed, else whole seconds until a request is free again. */
function buckets(limit: BucketLimit, maxKeys: number, now: () => number) {
  const limiter = createRateLimiter(limit, maxKeys, now);
  return (key: string): number | null => {
    const a = limiter.take(key);
    return a.allowed ? null : a.retryAfterSeconds;
  };
}

export interface HmiGate {
  /** Before the cookie is verified: the caller's address. */
  source(address: string): Response | null;
  /** After: the signed-in token's id. */
  token(tokenId: string): Response | null;
  readonly refused: number;
}

export function createHmiGate(limits: HmiRateLimits, now: () => number = Date.now): HmiGate {
  const bySource = limits.perSource === null ? null : buckets(limits.perSource, limits.maxKeys, now);
  const byToken = limits.perToken === null ? null : buckets(limits.perToken, limits.maxKeys, now);
  let refused = 0;
  const tooMany = (retryAfter: number | null | undefined, what: string): Response | null => {
    if (retryAfter === null || retryAfter === undefined) return null;
    refused += 1;
    return new Response(`Too many requests from this ${what}. Try again in ${retryAfter} s.`, {
      status: 429,
      headers: { 'retry-after': String(retryAfter), 'content-type': 'text/plain; charset=utf-8' },
    });
  };
  return {
    source: (address) => tooMany(bySource?.(`ip:${address}`), 'address'),
    token: (tokenId) => tooMany(byToken?.(`jti:${tokenId}`), 'sign-in'),
    get refused() {
      return refused;
    },
  };
}
