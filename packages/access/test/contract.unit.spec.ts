// The AccessDenied event the guard records is the registered contract's latest version, checked with
// the validator the event store runs: a denial the store refuses would be a denial without a trace.
import { eventValidator, latestVersion } from '@industrial/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_DENIED_SCHEMA_VERSION, Permission, guard, type AccessDeniedEvent, type GuardOptions, type GuardRequest } from '../src/index.ts';
import { AUDIENCE, ISSUER, T0, at, newKeys, tokenFor, type Keys } from './fixtures.ts';

describe('the recorded AccessDenied event against the contract', () => {
  let keys: Keys;
  let recorded: AccessDeniedEvent[];
  const options = (now = at(T0, 60)): GuardOptions => ({
    keySet: keys.keySet,
    issuer: ISSUER,
    audience: AUDIENCE,
    now: () => now,
    newId: () => '0197a1b2-0000-7000-8000-000000000001',
    recordDenied: (_stream, event) => {
      recorded.push(event);
    },
  });
  const request = (authorization: string | undefined, overrides: Partial<GuardRequest> = {}): GuardRequest => ({
    authorization,
    permission: Permission.RecommendationDecide,
    resource: { site: 'plant1', area: 'packaging', line: 'line2' },
    service: 'inference',
    method: '/industrial.inference.v1.Recommendations/Decide',
    transport: 'grpc',
    correlationId: 'corr-1',
    traceparent: null,
    ...overrides,
  });
  /** The single event recorded by one refused guard call, after checking it against the contract. */
  async function deniedEvent(req: GuardRequest, opts = options()): Promise<AccessDeniedEvent> {
    recorded = [];
    await expect(guard(req, opts)).rejects.toThrow();
    expect(recorded).toHaveLength(1);
    const event = recorded[0]!;
    expect(event.metadata.schemaVersion).toBe(latestVersion('AccessDenied'));
    expect(eventValidator.validate(event.type, event.metadata.schemaVersion, event.data)).toBeNull();
    return event;
  }

  beforeAll(async () => {
    keys = await newKeys();
  });

  it('emits the latest contract version', () => {
    expect(ACCESS_DENIED_SCHEMA_VERSION).toBe(latestVersion('AccessDenied'));
  });

  it('is valid for an authenticated principal lacking the permission', async () => {
    const token = await tokenFor(keys.signingKey, { roles: ['operator', 'auditor'] });
    const event = await deniedEvent(request(`Bearer ${token}`, { permission: Permission.ModelApprove }));
    expect(event.data).toMatchObject({ actor: 'alice', role: 'operator', roles: ['operator', 'auditor'], reason: 'missing-permission', transport: 'grpc' });
  });

  it('is valid for an authenticated principal out of scope', async () => {
    const token = await tokenFor(keys.signingKey);
    const event = await deniedEvent(request(token, { resource: { site: 'plant1', area: 'filling', line: 'line1' } }));
    expect(event.data).toMatchObject({
      actor: 'alice',
      role: 'operator',
      reason: 'out-of-scope',
      resource: { site: 'plant1', area: 'filling', line: 'line1' },
    });
  });

  it('is valid for a request with a malformed location', async () => {
    const token = await tokenFor(keys.signingKey);
    const event = await deniedEvent(
      request(token, { resource: { site: 'plant1', area: 'pack aging', line: 'line2' }, transport: 'http', method: 'POST /recommendations/decide' }),
    );
    expect(event.data).toMatchObject({ reason: 'unknown-resource', resource: { site: 'plant1', line: 'line2' }, transport: 'http' });
    expect(event.data.detail).toContain('"pack aging"');
  });

  it('is valid for an unauthenticated caller with no token', async () => {
    const event = await deniedEvent(request(undefined));
    expect(event.data).toMatchObject({
      actor: 'anonymous',
      role: 'none',
      roles: [],
      reason: 'no-token',
      detail: 'no bearer token was presented',
      transport: 'grpc',
    });
    expect(event.metadata).toMatchObject({ actor: 'anonymous', role: 'none' });
  });

  it('is valid for an unauthenticated caller with an expired token', async () => {
    const token = await tokenFor(keys.signingKey, { ttlSeconds: 60 });
    const event = await deniedEvent(request(`Bearer ${token}`), options(at(T0, 3600)));
    expect(event.data).toMatchObject({ actor: 'anonymous', role: 'none', roles: [], reason: 'token-expired', transport: 'grpc' });
    expect(event.data.detail).toMatch(/expired/);
  });

  it('is valid without a transport (recorded as unknown), for a token not yet valid and a garbage token', async () => {
    const { transport: _omitted, ...noTransport } = request(undefined);
    expect((await deniedEvent(noTransport)).data.transport).toBe('unknown');
    const future = await tokenFor(keys.signingKey, { now: at(T0, 3600) });
    expect((await deniedEvent(request(future))).data.reason).toBe('token-not-yet-valid');
    expect((await deniedEvent(request('Bearer not.a.jwt'))).data.reason).toBe('token-invalid');
  });
});
