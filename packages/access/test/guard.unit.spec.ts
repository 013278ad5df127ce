import { beforeAll, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  Permission,
  PermissionDeniedError,
  AuthenticationFailure,
  accessDeniedEvent,
  accessDeniedReasonFor,
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
  it('builds an AccessDenied v2 event for the day stream, in the event store NewEvent shape', () => {
    const out = accessDeniedEvent({
      principal: { subject: 'alice', roles: ['operator', 'engineer'], scopes: ['line:plant1/packaging/line2'], tokenId: 'tok-1' },
      permission: Permission.ModelApprove,
      resource: { site: 'plant1', area: 'packaging', line: 'line2' },
      service: 'governance',
      method: 'industrial.governance.v1.Governance/ApprovePromotion',
      cause: { missing: 'role', detail: 'alice has role operator, engineer; model.approve needs role quality_lead' },
      transport: 'grpc',
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
          roles: ['operator', 'engineer'],
          permission: 'model.approve',
          resource: { site: 'plant1', area: 'packaging', line: 'line2' },
          service: 'governance',
          method: 'industrial.governance.v1.Governance/ApprovePromotion',
          reason: 'missing-permission',
          detail: 'alice has role operator, engineer; model.approve needs role quality_lead',
          transport: 'grpc',
        },
        metadata: { actor: 'alice', role: 'operator', correlationId: 'corr-1', causationId: null, traceparent: TRACEPARENT, schemaVersion: 2 },
      },
    });
  });

  it('records an unauthenticated caller as anonymous with role none, no roles, and a global resource as {}', () => {
    const { stream, event } = accessDeniedEvent({
      principal: null,
      permission: Permission.ModelRead,
      service: 'governance',
      method: 'ListModels',
      cause: { authentication: 'missing', detail: 'no bearer token was presented' },
      correlationId: 'corr-2',
      traceparent: null,
      now: new Date('2025-06-02T00:00:00.000Z'),
      id: 'evt-2',
    });
    expect(stream).toBe('access-2025-06-02');
    expect(event.data).toMatchObject({ actor: 'anonymous', role: 'none', roles: [], resource: {}, reason: 'no-token', transport: 'unknown' });
    expect(event.metadata).toMatchObject({ actor: 'anonymous', role: 'none', traceparent: null, causationId: null });
  });

  it('derives the reason code from the structured cause, never from the text', () => {
    const codes = Object.fromEntries(
      Object.values(AuthenticationFailure).map((f) => [f, accessDeniedReasonFor({ authentication: f, detail: 'whatever it says' })]),
    );
    expect(codes).toEqual({
      missing: 'no-token',
      malformed: 'token-invalid',
      expired: 'token-expired',
      not_yet_valid: 'token-not-yet-valid',
      bad_signature: 'token-invalid',
      unknown_key: 'key-unknown',
      key_retired: 'key-retired',
      wrong_issuer: 'token-invalid',
      wrong_audience: 'token-invalid',
      unsigned: 'token-invalid',
      unsupported_algorithm: 'token-invalid',
      invalid_claims: 'token-invalid',
    });
    expect(accessDeniedReasonFor({ missing: 'role', detail: 'is outside the scope' })).toBe('missing-permission');
    expect(accessDeniedReasonFor({ missing: 'scope', detail: 'needs role x' })).toBe('out-of-scope');
    expect(accessDeniedReasonFor({ missing: 'resource', detail: 'x' })).toBe('unknown-resource');
  });

  it('refuses a principal that does not match the cause', () => {
    const base = { permission: Permission.DataRead, service: 's', method: 'm', correlationId: 'c', traceparent: null, now: T0, id: 'i' };
    expect(() => accessDeniedEvent({ ...base, principal: null, cause: { missing: 'role', detail: 'r' } })).toThrow(/principal/);
    const alice = { subject: 'alice', roles: ['operator' as const], scopes: [], tokenId: 't' };
    expect(() => accessDeniedEvent({ ...base, principal: alice, cause: { authentication: 'expired', detail: 'r' } })).toThrow(/principal/);
  });

  it('keeps only well-formed site/area/line of the resource, naming a malformed one in the detail', () => {
    const resource = { site: 'plant1', area: 'packaging', secret: 'x' } as { site: string; area: string };
    const base = {
      principal: null,
      permission: Permission.DataRead,
      service: 's',
      method: 'm',
      cause: { authentication: 'missing', detail: 'no token' } as const,
      correlationId: 'c',
      traceparent: null,
      now: T0,
      id: 'i',
    };
    expect(accessDeniedEvent({ ...base, resource }).event.data.resource).toEqual({ site: 'plant1', area: 'packaging' });
    const odd = accessDeniedEvent({ ...base, resource: { site: 'Plant 1', area: 'packaging' } }).event.data;
    expect(odd.resource).toEqual({ area: 'packaging' });
    expect(odd.detail).toBe('no token (requested site "Plant 1")');
  });

  it('bounds detail to 500 and method to 200 characters', () => {
    const { event } = accessDeniedEvent({
      principal: null,
      permission: Permission.DataRead,
      service: 's',
      method: `GET /${'x'.repeat(300)}`,
      cause: { authentication: 'malformed', detail: 'y'.repeat(600) },
      correlationId: 'c',
      traceparent: null,
      now: T0,
      id: 'i',
    });
    expect(event.data.detail).toHaveLength(500);
    expect(event.data.detail.endsWith('…')).toBe(true);
    expect(event.data.method).toHaveLength(200);
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
      data: {
        actor: 'anonymous',
        role: 'none',
        roles: [],
        permission: 'recommendation.decide',
        service: 'inference',
        reason: 'no-token',
        detail: 'no bearer token was presented',
        transport: 'unknown',
      },
      metadata: { correlationId: 'corr-9', traceparent: TRACEPARENT },
    });
  });

  it('records and throws PERMISSION_DENIED when the scope does not cover the resource', async () => {
    recorded = [];
    ids = 0;
    const token = await tokenFor(keys.signingKey);
    const check = createGuard(options());
    const error = await check(request(token, { resource: { site: 'plant1', area: 'filling', line: 'line1' }, transport: 'http' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermissionDeniedError);
    const denied = error as PermissionDeniedError;
    expect(denied.code).toBe('PERMISSION_DENIED');
    expect(grpcStatusFor(denied.code)).toBe(7);
    expect(httpStatusFor(denied.code)).toBe(403);
    expect(denied.permission).toBe('recommendation.decide');
    expect(recorded[0]?.event.data).toEqual({
      actor: 'alice',
      role: 'operator',
      roles: ['operator'],
      permission: 'recommendation.decide',
      resource: { site: 'plant1', area: 'filling', line: 'line1' },
      service: 'inference',
      method: 'industrial.inference.v1.Recommendations/Decide',
      reason: 'out-of-scope',
      detail: denied.reason,
      transport: 'http',
    });
  });

  it('records a missing role', async () => {
    recorded = [];
    const token = await tokenFor(keys.signingKey);
    await expect(guard(request(token, { permission: Permission.ModelApprove }), options())).rejects.toThrow(PermissionDeniedError);
    expect(recorded[0]?.event.data).toMatchObject({ reason: 'missing-permission', detail: 'alice has role operator; model.approve needs role quality_lead' });
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
    const error = await guard(request(undefined), { ...options(), recordDenied: () => Promise.reject(new Error('store down')) }).catch((e: unknown) => e);
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
