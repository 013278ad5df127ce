// Rate limits of the HMI server (hooks.server.ts): a token bucket per source address, taken before
// the session cookie is verified, and one per signed-in token (`jti`), taken after. Beyond either:
// 429 with Retry-After, before any page or gateway call runs. In memory, a bounded number of keys.
// The gateway limits again per token and per address behind it (services/inference, same rules).

export interface BucketLimit {
  /** Requests allowed at once. */
  burst: number;
  /** Requests added back per second. */
  perSecond: number;
}

export interface HmiRateLimits {
  perSource: BucketLimit | null;
  perToken: BucketLimit | null;
  /** Keys kept per limiter; beyond it idle buckets, then the oldest, are dropped. */
  maxKeys: number;
}

/** `<burst>/<per second>` (e.g. `120/60`) or `off`; throws naming `name` otherwise. */
export function parseBucket(name: string, text: string | undefined, fallback: BucketLimit): BucketLimit | null {
  const t = text?.trim();
  if (t === undefined || t === '') return fallback;
  if (t === 'off') return null;
  const m = /^([1-9][0-9]{0,6})\/([0-9]{1,7}(?:\.[0-9]{1,6})?)$/.exec(t);
  const perSecond = Number(m?.[2]);
  if (m === null || !(perSecond > 0)) throw new Error(`${name} must be <burst>/<per second> (e.g. 120/60) or off`);
  return { burst: Number(m[1]), perSecond };
}

interface Bucket {
  tokens: number;
  atMs: number;
}

/** One limiter: `take(key)` → null when allowed, else whole seconds until a request is free again. */
function buckets(limit: BucketLimit, maxKeys: number, now: () => number) {
  const map = new Map<string, Bucket>();
  const level = (b: Bucket, t: number) => Math.min(limit.burst, b.tokens + ((t - b.atMs) / 1000) * limit.perSecond);
  return (key: string): number | null => {
    const t = now();
    let b = map.get(key);
    if (b === undefined) {
      if (map.size >= maxKeys) {
        for (const [k, old] of map) if (level(old, t) >= limit.burst) map.delete(k);
        for (const k of map.keys()) if (map.size >= maxKeys) map.delete(k);
      }
      b = { tokens: limit.burst, atMs: t };
      map.set(key, b);
    } else {
      b.tokens = level(b, t);
      b.atMs = t;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return null;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / limit.perSecond));
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
