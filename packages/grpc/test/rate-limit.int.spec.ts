// Rate limits of createGrpcServer, counted (a refill rate far below the test's pace, never timed):
// an address whose calls the guard refused beyond the per-address burst gets RESOURCE_EXHAUSTED before
// the guard runs (authenticated calls never count); beyond the per-token burst one token is refused
// while another still gets through.
import { Metadata, status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { createCallLimiter, createClient, governanceV1, RateLimitedError, type GrpcRateLimits } from '../src/index.ts';
import { startAuditServer } from './audit-server.ts';

const SLOW = 1e-6; // tokens per second: nothing refills while the test runs

async function statuses(address: string, token: string, n: number): Promise<string[]> {
  const client = createClient(governanceV1.AuditServiceClient, address, { token, deadlineMs: 5000 });
  const out: string[] = [];
  try {
    for (let i = 0; i < n; i++) {
      out.push(
        await new Promise<string>((resolve) =>
          client.readAll({ fromPosition: 1, maxCount: 1 }, new Metadata(), (error) => resolve(error === null ? 'OK' : status[error.code])),
        ),
      );
    }
  } finally {
    client.close();
  }
  return out;
}

const count = (xs: string[]): Record<string, number> => xs.reduce<Record<string, number>>((acc, x) => ({ ...acc, [x]: (acc[x] ?? 0) + 1 }), {});

describe('gRPC rate limits', () => {
  it('refuses every call from an address that ran out of refused calls, before the guard, and never counts authenticated calls', async () => {
    const limits: GrpcRateLimits = { perSource: { burst: 3, perSecond: SLOW }, perToken: null, maxKeys: 100 };
    const fixture = await startAuditServer({ rateLimit: limits });
    try {
      expect(count(await statuses(fixture.address, 'good', 5))).toEqual({ OK: 5 });
      expect(await statuses(fixture.address, 'bad', 5)).toEqual([
        'UNAUTHENTICATED',
        'UNAUTHENTICATED',
        'UNAUTHENTICATED',
        'RESOURCE_EXHAUSTED',
        'RESOURCE_EXHAUSTED',
      ]);
      // The address is out of budget now: a valid token from it waits too, without reaching the guard.
      expect(await statuses(fixture.address, 'good', 1)).toEqual(['RESOURCE_EXHAUSTED']);
      expect(fixture.guard.length).toBe(8);
      expect(fixture.server.rateLimited).toEqual({ source: 3, token: 0 });
    } finally {
      await fixture.server.shutdown({ graceMs: 1000 });
    }
  });

  it('refuses one token beyond its burst while another token is served', async () => {
    const limits: GrpcRateLimits = { perSource: null, perToken: { burst: 2, perSecond: SLOW }, maxKeys: 100 };
    const fixture = await startAuditServer({ rateLimit: limits });
    try {
      expect(await statuses(fixture.address, 'a', 4)).toEqual(['OK', 'OK', 'RESOURCE_EXHAUSTED', 'RESOURCE_EXHAUSTED']);
      expect(await statuses(fixture.address, 'b', 2)).toEqual(['OK', 'OK']);
      expect(fixture.ctx.length).toBe(4);
      expect(fixture.server.rateLimited).toEqual({ source: 0, token: 2 });
    } finally {
      await fixture.server.shutdown({ graceMs: 1000 });
    }
  });

  it('says how long to wait, from the bucket on the clock it is given', () => {
    let t = 0;
    const limiter = createCallLimiter({ perSource: { burst: 1, perSecond: 0.5 }, perToken: { burst: 1, perSecond: 0.25 }, maxKeys: 10 }, () => t);
    limiter.source('10.0.0.1');
    limiter.refusedBy('10.0.0.1');
    expect(() => limiter.source('10.0.0.1')).toThrow(new RateLimitedError('address', 2));
    limiter.token('j1');
    expect(() => limiter.token('j1')).toThrow(new RateLimitedError('token', 4));
    t = 2000;
    expect(() => limiter.source('10.0.0.1')).not.toThrow();
    expect(limiter.refused).toEqual({ source: 1, token: 1 });
  });
});
