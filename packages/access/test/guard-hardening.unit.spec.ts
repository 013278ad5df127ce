// The guard's hardening: the token before the body (a resource lookup runs only for an
// authenticated caller), every denial recordable (a missing, empty, oversized or malformed
// correlation id is replaced and the replacement named in the detail), and anonymous floods
// bounded (per source and minute the first N recorded, the rest counted into one event when the
// minute closes). The recorded events are checked against the AccessDenied contract.
import { eventValidator } from '@industrial/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  Permission,
  PermissionDeniedError,
  correlationIdProblem,
  createGuard,
  flushAnonymousDenials,
  type AccessDeniedEvent,
  type GuardOptions,
  type GuardRequest,
} from '../src/index.ts';
import { AUDIENCE, ISSUER, T0, at, newKeys, tokenFor, type Keys } from './fixtures.ts';

describe('guard hardening', () => {
  let keys: Keys;
  beforeAll(async () => {
    keys = await newKeys();
  });

  function setup(over: Partial<GuardOptions> = {}) {
    const recorded: { stream: string; event: AccessDeniedEvent }[] = [];
    let clock = at(T0, 60);
    let ids = 0;
    const options: GuardOptions = {
      keySet: keys.keySet,
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => clock,
      newId: () => `0197a1b2-0000-7000-8000-${String(++ids).padStart(12, '0')}`,
      recordDenied: (stream, event) => void recorded.push({ stream, event }),
      ...over,
    };
    return { recorded, options, check: createGuard(options), setClock: (d: Date) => (clock = d) };
  }
  const request = (authorization: string | undefined, over: Partial<GuardRequest> = {}): GuardRequest => ({
    authorization,
    permission: Permission.DataRead,
    service: 'dataops',
    method: '/industrial.dataops.v1.DataOpsService/QueryTimeSeries',
    transport: 'grpc',
    correlationId: 'corr-1',
    source: '10.0.0.7',
    ...over,
  });
  const valid = (e: AccessDeniedEvent) => expect(eventValidator.validate(e.type, e.metadata.schemaVersion, e.data)).toBeNull();

  it('runs a resource lookup only once the caller is authenticated', async () => {
    const { check, recorded } = setup();
    let looked = 0;
    const lookup = () => {
      looked++;
      return { site: 'plant1', area: 'packaging', line: 'line2' };
    };
    await expect(check(request(undefined, { resource: lookup }))).rejects.toBeInstanceOf(AuthenticationError);
    expect(looked).toBe(0);
    expect(recorded).toHaveLength(1);
    const token = await tokenFor(keys.signingKey, { roles: ['operator'], scopes: ['line:plant1/packaging/line2'] });
    await expect(check(request(`Bearer ${token}`, { resource: lookup }))).resolves.toMatchObject({ subject: 'alice' });
    expect(looked).toBe(1);
    // A lookup that refuses the body (a validation error) is the answer, not a denial.
    const refused = new Error('asset_path: is not an asset path');
    await expect(check(request(`Bearer ${token}`, { resource: () => Promise.reject(refused) }))).rejects.toBe(refused);
    // Out of scope from the looked-up resource: recorded with it.
    await expect(check(request(`Bearer ${token}`, { resource: () => ({ site: 'plant2' }) }))).rejects.toBeInstanceOf(PermissionDeniedError);
    expect(recorded.at(-1)?.event.data).toMatchObject({ reason: 'out-of-scope', resource: { site: 'plant2' } });
  });

  it.each([
    ['missing', undefined, 'missing'],
    ['empty', '', 'empty'],
    ['oversized', 'x'.repeat(257), 'too long (257 characters, at most 256)'],
    ['malformed', 'bad id\u0000', 'not visible ASCII'],
  ])('records a denial with a %s correlation id under a new one, naming the replacement', async (_what, id, why) => {
    const { check, recorded } = setup();
    await expect(check(request(undefined, { correlationId: id }))).rejects.toBeInstanceOf(AuthenticationError);
    expect(recorded).toHaveLength(1);
    const { event } = recorded[0]!;
    expect(event.metadata.correlationId).toMatch(/^0197a1b2-/);
    expect(event.data.detail).toContain(`[correlation id replaced: the caller's was ${why}]`);
    valid(event);
    expect(correlationIdProblem('x'.repeat(256))).toBeNull();
  });

  it('names a replacement an adapter already made', async () => {
    const { check, recorded } = setup();
    await expect(check(request(undefined, { correlationId: 'generated-1', correlationIdReplaced: 'empty' }))).rejects.toBeInstanceOf(AuthenticationError);
    expect(recorded[0]?.event.metadata.correlationId).toBe('generated-1');
    expect(recorded[0]?.event.data.detail).toMatch(/correlation id replaced: the caller's was empty/);
  });

  it('records the first anonymous denials of a source and minute, counts the rest into one event when the minute closes', async () => {
    const { check, recorded, options, setClock } = setup({ anonymousDenialsPerMinute: 2 });
    setClock(new Date('2025-06-01T08:01:05Z'));
    for (let i = 0; i < 50; i++) {
      const authorization = i % 5 === 0 ? 'Bearer not-a-jwt' : undefined;
      await expect(check(request(authorization))).rejects.toBeInstanceOf(AuthenticationError);
    }
    // Another source has its own allowance; an authenticated denial is never aggregated.
    await expect(check(request(undefined, { source: '10.0.0.8' }))).rejects.toBeInstanceOf(AuthenticationError);
    const token = await tokenFor(keys.signingKey, { roles: ['operator'], scopes: ['*'] });
    for (let i = 0; i < 3; i++)
      await expect(check(request(`Bearer ${token}`, { permission: Permission.ModelApprove }))).rejects.toBeInstanceOf(PermissionDeniedError);
    expect(recorded).toHaveLength(2 + 1 + 3);

    await flushAnonymousDenials(options); // the minute has not closed: nothing yet
    expect(recorded).toHaveLength(6);
    setClock(new Date('2025-06-01T08:02:00.500Z'));
    await flushAnonymousDenials(options);
    expect(recorded).toHaveLength(7);
    const summary = recorded[6]!;
    expect(summary.stream).toBe('access-2025-06-01');
    expect(summary.event.data).toMatchObject({ actor: 'anonymous', role: 'none', service: 'dataops', transport: 'grpc' });
    expect(summary.event.data.detail).toMatch(/^48 more anonymous denials from 10\.0\.0\.7 in the minute from 2025-06-01T08:01:00\.000Z \(/);
    expect(summary.event.data.detail).toMatch(/no-token ×39/);
    expect(summary.event.data.detail).toMatch(/token-invalid ×9/);
    valid(summary.event);
    // A new minute: the allowance starts again.
    await expect(check(request(undefined))).rejects.toBeInstanceOf(AuthenticationError);
    expect(recorded).toHaveLength(8);
    await flushAnonymousDenials(options, { all: true });
    expect(recorded).toHaveLength(8); // nothing counted in that minute, nothing to summarise
  });

  it('records the counts of a minute still open when the bound guard is flushed (shutdown)', async () => {
    const { check, recorded } = setup({ anonymousDenialsPerMinute: 1 });
    for (let i = 0; i < 4; i++) await expect(check(request(undefined))).rejects.toBeInstanceOf(AuthenticationError);
    expect(recorded).toHaveLength(1);
    await check.flush();
    expect(recorded).toHaveLength(2);
    expect(recorded[1]?.event.data.detail).toMatch(/^3 more anonymous denials from 10\.0\.0\.7/);
  });
});
