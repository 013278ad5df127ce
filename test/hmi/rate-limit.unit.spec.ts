// The HMI server's rate limits (web-hmi/src/lib/server/rate-limit.ts, used by hooks.server.ts): a
// bounded burst per source address and per signed-in token, 429 with Retry-After beyond it, each key
// with its own bucket, refilled by the clock; the configuration names a bad variable. Counted on a
// fake clock, never timed.
import { describe, expect, it } from 'vitest';
import { forwardedFor, withClientAddress } from '../../web-hmi/src/lib/server/client-address.ts';
import { createHmiGate, parseBucket } from '../../web-hmi/src/lib/server/rate-limit.ts';

describe('HMI rate limits', () => {
  it('lets a burst through per address, then answers 429 with Retry-After; another address has its own bucket', async () => {
    const gate = createHmiGate({ perSource: { burst: 5, perSecond: 1 }, perToken: null, maxKeys: 100 }, () => 0);
    const answers = Array.from({ length: 12 }, () => gate.source('10.0.0.7'));
    expect(answers.filter((a) => a === null)).toHaveLength(5);
    const refused = answers.filter((a) => a !== null);
    expect(refused.map((r) => r!.status)).toEqual(Array(7).fill(429));
    expect(refused[0]!.headers.get('retry-after')).toBe('1');
    expect(await refused[0]!.text()).toMatch(/Too many requests/);
    expect(gate.source('10.0.0.8')).toBeNull();
    expect(gate.refused).toBe(7);
  });

  it('limits each signed-in token on its own and refills with time', () => {
    let now = 0;
    const gate = createHmiGate({ perSource: null, perToken: { burst: 3, perSecond: 2 }, maxKeys: 100 }, () => now);
    const first = Array.from({ length: 5 }, () => gate.token('jti-a'));
    expect(first.map((a) => a?.status ?? 200)).toEqual([200, 200, 200, 429, 429]);
    expect(gate.token('jti-b')).toBeNull();
    now += 1000; // two requests back
    expect([gate.token('jti-a'), gate.token('jti-a'), gate.token('jti-a')].map((a) => a?.status ?? 200)).toEqual([200, 200, 429]);
  });

  it('keeps at most maxKeys buckets, dropping idle ones first', () => {
    let now = 0;
    const gate = createHmiGate({ perSource: { burst: 1, perSecond: 1 }, perToken: null, maxKeys: 2 }, () => now);
    expect(gate.source('a')).toBeNull();
    expect(gate.source('b')).toBeNull();
    expect(gate.source('c')).toBeNull(); // a (the oldest) dropped to make room
    expect(gate.source('b')?.status).toBe(429); // b kept its empty bucket
    now += 10_000;
    expect(gate.source('b')).toBeNull();
  });

  it('reads <burst>/<per second> or off, and names a bad variable', () => {
    const fallback = { burst: 300, perSecond: 100 };
    expect(parseBucket('HMI_RATE_PER_SOURCE', undefined, fallback)).toEqual(fallback);
    expect(parseBucket('HMI_RATE_PER_SOURCE', '20/0.5', fallback)).toEqual({ burst: 20, perSecond: 0.5 });
    expect(parseBucket('HMI_RATE_PER_SOURCE', 'off', fallback)).toBeNull();
    expect(() => parseBucket('HMI_RATE_PER_TOKEN', '20', fallback)).toThrow(/HMI_RATE_PER_TOKEN/);
    expect(() => parseBucket('HMI_RATE_PER_TOKEN', '20/0', fallback)).toThrow(/HMI_RATE_PER_TOKEN/);
  });
});

describe('the browser address towards the gateway', () => {
  it("names the request's address in X-Forwarded-For across awaits, and nothing outside a request", async () => {
    const seen = await withClientAddress('10.4.0.9', async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return forwardedFor();
    });
    expect(seen).toEqual({ 'x-forwarded-for': '10.4.0.9' });
    expect(forwardedFor()).toEqual({});
  });
});
