import { beforeAll, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  Permission,
  PermissionDeniedError,
  accessDeniedEvent,
  createGuard,
  grpcStatusFor,
  guard,
  httpStatusFor,
  type AccessDeniedEvent,
  type GuardOptions,
  type GuardRequest,
} from '../src/index.ts';
import { AUDIENCE, ISSUER, T0, at, newKeys, tokenFor, type Keys } from './fixtures.ts';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('accessDeniedEvent', () => {
  it('builds an AccessDenied event for the day stream, in the event store NewEvent shape', () => {
    const out = accessDeniedEvent({
      principal: { subject: 'alice', roles: ['operator'], scopes: ['line:plant1/packaging/line2'], tokenId: 'tok-1' },
      permission: Permission.ModelApprove,
      resource: { site: 'plant1', area: 'packaging', line: 'line2' },
      service: 'governance',
      method: 'industrial.governance.v1.Governance/ApprovePromotion',
      reason: 'alice has role operator; model.approve needs role quality_lead',
      correlationId: 'corr-1',
      traceparent: TRACEPARENT,
      now: new Date('2025-06-01T23:59:59.999Z'),
      id: '0197a1b2-0000-7000-8000-000000000001',
    });
    expect(out).toEqual({
      stream: 'access-2025-06-01',
      event: {
        id: '0197a1b2-0000-7000-8000-000000000001',
        type: 'AccessDenied',
        data: {
          actor: 'alice',
          role: 'operator',
          permission: 'model.approve',
          resource: { site: 'plant1', area: 'packaging', line: 'line2' },
          service: 'governance',
          method: 'industrial.governance.v1.Governance/ApprovePromotion',
          reason: 'alice has role operator; model.approve needs role quality_lead',
        },
        metadata: { actor: 'alice', role: 'operator', correlationId: 'corr-1', causationId: null, traceparent: TRACEPARENT, schemaVersion: 1 },
      },
    });
  });

  it('records an unauthenticated caller as anonymous with no role, and a global resource as {}', () => {
    const { stream, event } = accessDeniedEvent({
      principal: null,
      permission: Permission.ModelRead,
      service: 'governance',
      method: 'ListModels',
      reason: 'unauthenticated (missing): no bearer token was presented',
      correlationId: 'corr-2',
      traceparent: null,
      now: new Date('2025-06-02T00:00:00.000Z'),
      id: 'evt-2',
    });
    expect(stream).toBe('access-2025-06-02');
    expect(event.data).toMatchObject({ actor: 'anonymous', role: 'none', resource: {} });
    expect(event.metadata).toMatchObject({ actor: 'anonymous', role: 'none', traceparent: null, causationId: null });
  });

  it('keeps only site/area/line of the resource', () => {
    const resource = { site: 'plant1', area: 'packaging', secret: 'x' } as { site: string; area: string };
    const { event } = accessDeniedEvent({
      principal: null, permission: Permission.DataRead, resource, service: 's', method: 'm', reason: 'r',
      correlationId: 'c', traceparent: null, now: T0, id: 'i',
    });
    expect(event.data.resource).toEqual({ site: 'plant1', area: 'packaging' });
  });
});

describe('guard', () => {
  let keys: Keys;
  let recorded: { stream: string; event: AccessDeniedEvent }[];
  let ids: number;
  const options = (): GuardOptions => ({
    keySet: keys.keySet,
    issuer: ISSUER,
    audience: AUDIENCE,
    now: () => at(T0, 60),
    newId: () => `evt-${++ids}`,
    recordDenied: (stream, event) => {
      recorded.push({ stream, event });
    },
  });
  const request = (authorization: string | undefined, overrides: Partial<GuardRequest> = {}): GuardRequest => ({
    authorization,
    permission: Permission.RecommendationDecide,
    resource: { site: 'plant1', area: 'packaging', line: 'line2' },
    service: 'inference',
    method: 'industrial.inference.v1.Recommendations/Decide',
    correlationId: 'corr-9',
    traceparent: TRACEPARENT,
    ...overrides,
  });

  beforeAll(async () => {
    keys = await newKeys();
  });

  it('returns the principal and records nothing when allowed', async () => {
    recorded = [];
    ids = 0;
    const token = await tokenFor(keys.signingKey);
    const principal = await guard(request(`Bearer ${token}`), options());
    expect(principal.subject).toBe('alice');
    expect(recorded).toEqual([]);
  });

  it('records and throws UNAUTHENTICATED when the token is missing', async () => {
    recorded = [];
    ids = 0;
    const error = await guard(request(undefined), options()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).reason).toBe('missing');
    expect(grpcStatusFor((error as AuthenticationError).code)).toBe(16);
    expect(httpStatusFor((error as AuthenticationError).code)).toBe(401);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]?.stream).toBe('access-2025-06-01');
    expect(recorded[0]?.event).toMatchObject({
      id: 'evt-1',
      type: 'AccessDenied',
      data: { actor: 'anonymous', role: 'none', permission: 'recommendation.decide', service: 'inference', reason: 'unauthenticated (missing): no bearer token was presented' },
      metadata: { correlationId: 'corr-9', traceparent: TRACEPARENT },
    });
  });

  it('records and throws PERMISSION_DENIED when the scope does not cover the resource', async () => {
    recorded = [];
    ids = 0;
    const token = await tokenFor(keys.signingKey);
    const check = createGuard(options());
    const error = await check(request(token, { resource: { site: 'plant1', area: 'filling', line: 'line1' } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermissionDeniedError);
    const denied = error as PermissionDeniedError;
    expect(denied.code).toBe('PERMISSION_DENIED');
    expect(grpcStatusFor(denied.code)).toBe(7);
    expect(httpStatusFor(denied.code)).toBe(403);
    expect(denied.permission).toBe('recommendation.decide');
    expect(recorded[0]?.event.data).toEqual({
      actor: 'alice',
      role: 'operator',
      permission: 'recommendation.decide',
      resource: { site: 'plant1', area: 'filling', line: 'line1' },
      service: 'inference',
      method: 'industrial.inference.v1.Recommendations/Decide',
      reason: denied.reason,
    });
  });

  it('records a missing role', async () => {
    recorded = [];
    const token = await tokenFor(keys.signingKey);
    await expect(guard(request(token, { permission: Permission.ModelApprove }), options())).rejects.toThrow(PermissionDeniedError);
    expect(recorded[0]?.event.data.reason).toBe('alice has role operator; model.approve needs role quality_lead');
  });

  it('still refuses when recording fails, reporting the failure to onRecordFailure', async () => {
    const failures: unknown[] = [];
    const error = await guard(request(undefined), {
      ...options(),
      recordDenied: () => Promise.reject(new Error('store down')),
      onRecordFailure: (e) => failures.push(e),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(failures).toHaveLength(1);
  });

  it('throws the recording failure when no onRecordFailure is given, so a lost denial is never silent', async () => {
    const error = await guard(request(undefined), { ...options(), recordDenied: () => Promise.reject(new Error('store down')) }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toBe('store down');
  });

  it('takes a key set getter, so a rotated key set is picked up without rebuilding the guard', async () => {
    const next = await newKeys();
    let current = keys.keySet;
    const check = createGuard({ ...options(), keySet: () => current });
    const token = await tokenFor(next.signingKey);
    await expect(check(request(token))).rejects.toMatchObject({ reason: 'unknown_key' });
    current = next.keySet;
    await expect(check(request(token))).resolves.toMatchObject({ subject: 'alice' });
  });
});
