// The HTTP gateway's edge, in process (Fastify inject, fake use cases): every /api/ route checks the
// token before the body (401 and a recorded AccessDenied for an unauthenticated caller, whatever the
// body), a bad body with a good token is 400 naming the field, health detail needs a token, and the
// per-source and per-token rate limits answer 429 with Retry-After (counted, never timed).
import { createKeySet, importKeySet, importSigningKey, issueToken, type AccessDeniedEvent, type GuardOptions, type Role } from '@industrial/access';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type GatewayDeps } from '../../src/adapters/http/gateway.ts';
import type { RateLimitConfig } from '../../src/adapters/http/rate-limit.ts';

const ISSUER = 'industrial-access';
const AUDIENCE = 'industrial-platform';
const ID = '0193a1b2-7c00-7a10-8b00-00000000aa01';
const ASSET = 'acme.plant1.utilities.line-1.pump-1';

/** Every guarded route with a body that is wrong, and the field the 400 must name. */
const ROUTES: { method: 'GET' | 'POST' | 'PUT'; url: string; bad: { url?: string; body?: Record<string, unknown> }; field: string }[] = [
  { method: 'GET', url: '/api/v1/recommendations', bad: { url: '/api/v1/recommendations?max=0' }, field: 'max' },
  { method: 'GET', url: `/api/v1/recommendations/${ID}`, bad: { url: '/api/v1/recommendations/nope' }, field: 'id' },
  { method: 'POST', url: `/api/v1/recommendations/${ID}/acknowledge`, bad: { url: '/api/v1/recommendations/nope/acknowledge', body: {} }, field: 'id' },
  { method: 'POST', url: `/api/v1/recommendations/${ID}/done`, bad: { body: { note: 'x'.repeat(1001) } }, field: 'note' },
  { method: 'POST', url: `/api/v1/recommendations/${ID}/not-done`, bad: { body: { reason: 'bored' } }, field: 'reason' },
  { method: 'POST', url: `/api/v1/recommendations/${ID}/override`, bad: { body: { actionTaken: '', reason: 'r' } }, field: 'actionTaken' },
  { method: 'POST', url: `/api/v1/recommendations/${ID}/outcome`, bad: { body: { outcome: 'maybe' } }, field: 'outcome' },
  { method: 'POST', url: '/api/v1/problems', bad: { body: { assetPath: ASSET, description: 'hot', severity: 'huge' } }, field: 'severity' },
  { method: 'PUT', url: `/api/v1/modes/${ASSET}`, bad: { body: { mode: 'manual', reason: '' } }, field: 'reason' },
  { method: 'GET', url: `/api/v1/recommendations/${ID}/events`, bad: { url: '/api/v1/recommendations/nope/events' }, field: 'id' },
  { method: 'GET', url: '/api/v1/modes', bad: {}, field: '' },
  { method: 'POST', url: '/api/v1/predict', bad: { body: { useCaseId: 'u', features: 3 } }, field: 'features' },
  { method: 'GET', url: `/api/v1/drift/${ID}`, bad: { url: '/api/v1/drift/nope' }, field: 'useCaseId' },
  { method: 'GET', url: '/api/v1/feed', bad: {}, field: '' },
];

let token: (roles: Role[], subject?: string) => Promise<string>;
let guardOptions: (denials: AccessDeniedEvent[]) => GuardOptions;

beforeAll(async () => {
  const material = await createKeySet({ now: new Date() });
  const keySet = await importKeySet(material.keySet);
  const signingKey = await importSigningKey(material.signingKey);
  token = (roles, subject = 'olga') =>
    issueToken(signingKey, { subject, roles, scopes: ['*'], tokenId: randomUUID(), issuer: ISSUER, audience: AUDIENCE, now: new Date(), ttlSeconds: 600 });
  guardOptions = (denials) => ({
    keySet,
    issuer: ISSUER,
    audience: AUDIENCE,
    newId: randomUUID,
    recordDenied: (_stream, event) => void denials.push(event),
    // Every anonymous denial recorded one by one here (the guard aggregates a flood per source and minute).
    anonymousDenialsPerMinute: 1000,
  });
});

function gateway(rateLimit: RateLimitConfig | null = null, trustProxy: string[] = []) {
  const denials: AccessDeniedEvent[] = [];
  const calls: string[] = [];
  // Every use case answers; the test is about what reaches them.
  const commands = new Proxy({}, { get: (_t, name) => (name === 'list' ? () => [] : async () => (calls.push(String(name)), { ok: true })) });
  const projection = { get: () => undefined, modes: () => new Map(), position: 0, subscribe: () => () => {} };
  const deps: GatewayDeps = {
    commands: commands as GatewayDeps['commands'],
    projection: projection as unknown as GatewayDeps['projection'],
    guard: guardOptions(denials),
    health: () => ({ models: [{ modelVersionId: 'v7', assetPath: ASSET }] }),
    ready: () => true,
    history: async () => [],
    rateLimit,
    trustProxy,
  };
  return { app: createGateway(deps), denials, calls };
}

describe('authentication comes before the body on every route', () => {
  it('answers 401 and records an AccessDenied for every route without a token, whatever the body', async () => {
    const { app, denials, calls } = gateway();
    for (const r of ROUTES) {
      const before = denials.length;
      const body = r.method === 'GET' ? undefined : '{"this is": not json';
      const res = await app.inject({
        method: r.method,
        url: r.bad.url ?? r.url,
        ...(body ? { payload: body, headers: { 'content-type': 'application/json' } } : {}),
      });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(401);
      expect(denials.length, `${r.method} ${r.url} recorded`).toBe(before + 1);
      expect(denials.at(-1)!.data).toMatchObject({ actor: 'anonymous', reason: 'no-token', transport: 'http' });
      expect(denials.at(-1)!.data.method).toMatch(new RegExp(`^${r.method} /api/v1/`));
    }
    expect(calls).toEqual([]);
    expect(ROUTES.length).toBe(14);
  });

  it('answers 401 with a recorded denial for a forged token before looking at the body', async () => {
    const { app, denials } = gateway();
    const forged = `${(await token(['operator'])).slice(0, -4)}AAAA`;
    const res = await app.inject({ method: 'POST', url: '/api/v1/problems', headers: { authorization: `Bearer ${forged}` }, payload: { severity: 'huge' } });
    expect(res.statusCode).toBe(401);
    expect(denials.map((d) => d.data.reason)).toEqual(['token-invalid']);
  });

  it('answers 403 and records a missing role before the body', async () => {
    const { app, denials } = gateway();
    const auditor = await token(['auditor']);
    const res = await app.inject({ method: 'PUT', url: `/api/v1/modes/${ASSET}`, headers: { authorization: `Bearer ${auditor}` }, payload: 'not json' });
    expect(res.statusCode).toBe(403);
    expect(denials.map((d) => d.data.reason)).toEqual(['missing-permission']);
  });

  it('answers 400 naming the field for a bad body with a valid token, and records nothing', async () => {
    const { app, denials, calls } = gateway();
    const auth = { authorization: `Bearer ${await token(['operator', 'engineer'])}` };
    for (const r of ROUTES.filter((x) => x.field !== '')) {
      const res = await app.inject({ method: r.method, url: r.bad.url ?? r.url, headers: auth, ...(r.bad.body === undefined ? {} : { payload: r.bad.body }) });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(400);
      expect(res.json(), `${r.method} ${r.url}`).toMatchObject({ code: 'INVALID_ARGUMENT', field: r.field });
    }
    expect(denials).toEqual([]);
    expect(calls).toEqual([]);
  });

  it('replaces an empty or oversized correlation id and records the denial under the replacement', async () => {
    const { app, denials } = gateway();
    for (const id of ['', 'x'.repeat(300)]) {
      const res = await app.inject({ method: 'GET', url: '/api/v1/modes', headers: { 'x-correlation-id': id } });
      expect(res.statusCode).toBe(401);
      expect(res.headers['x-correlation-id-replaced']).toMatch(/^(empty|too long)/);
      expect(denials.at(-1)!.metadata.correlationId).toBe(res.headers['x-correlation-id']);
      expect(denials.at(-1)!.data.detail).toMatch(/correlation id replaced: the caller's was (empty|too long)/);
    }
    expect(denials).toHaveLength(2);
  });
});

describe('health', () => {
  it('tells an anonymous caller only the status, a token holder the detail, and refuses a bad token with a record', async () => {
    const { app, denials } = gateway();
    const anonymous = await app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(anonymous.statusCode).toBe(200);
    expect(anonymous.json()).toEqual({ status: 'ready' });
    expect(anonymous.body).not.toContain(ASSET);
    const detail = await app.inject({ method: 'GET', url: '/api/v1/health', headers: { authorization: `Bearer ${await token(['operator'])}` } });
    expect(detail.json()).toMatchObject({ status: 'ready', models: [{ modelVersionId: 'v7' }] });
    const bad = await app.inject({ method: 'GET', url: '/api/v1/health', headers: { authorization: 'Bearer nonsense' } });
    expect(bad.statusCode).toBe(401);
    expect(denials).toHaveLength(1);
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.json()).toEqual({ status: 'ready' });
  });
});

describe('rate limits', () => {
  const slow = (burst: number) => ({ burst, perSecond: 0.001 });

  it('refuses a burst from one address beyond its bucket with 429 and Retry-After, before recording anything', async () => {
    const { app, denials } = gateway({ perSource: slow(5), perToken: slow(1000), maxKeys: 100 });
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 12; i++) {
      const res = await app.inject({ method: 'GET', url: '/api/v1/modes', remoteAddress: '10.0.0.7' });
      statuses.push(res.statusCode);
      if (res.statusCode === 429) retryAfter = res.headers['retry-after'] as string;
    }
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    // The flood wrote 5 denials, not 12.
    expect(denials).toHaveLength(5);
    // Another address has its own bucket.
    expect((await app.inject({ method: 'GET', url: '/api/v1/modes', remoteAddress: '10.0.0.8' })).statusCode).toBe(401);
  });

  it('refuses a burst with one token beyond its bucket; another token is served', async () => {
    const { app } = gateway({ perSource: slow(1000), perToken: slow(3), maxKeys: 100 });
    const one = { authorization: `Bearer ${await token(['operator'])}` };
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await app.inject({ method: 'GET', url: '/api/v1/modes', headers: one })).statusCode);
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
    const other = { authorization: `Bearer ${await token(['operator'], 'piet')}` };
    expect((await app.inject({ method: 'GET', url: '/api/v1/modes', headers: other })).statusCode).toBe(200);
  });

  it('leaves the probes outside the limits', async () => {
    const { app } = gateway({ perSource: slow(1), perToken: slow(1), maxKeys: 100 });
    const statuses = await Promise.all(Array.from({ length: 5 }, () => app.inject({ method: 'GET', url: '/healthz' }).then((r) => r.statusCode)));
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
  });

  it('counts the browser behind a trusted proxy (the HMI) as its own source, and ignores X-Forwarded-For from anyone else', async () => {
    const { app, denials } = gateway({ perSource: slow(2), perToken: slow(1000), maxKeys: 100 }, ['127.0.0.1']);
    const via = (browser: string) =>
      app.inject({ method: 'GET', url: '/api/v1/modes', remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': browser } }).then((r) => r.statusCode);
    expect([await via('10.1.1.1'), await via('10.1.1.1'), await via('10.1.1.1')]).toEqual([401, 401, 429]);
    expect(await via('10.1.1.2')).toBe(401);
    // Not a trusted proxy: its X-Forwarded-For is ignored, all its requests share its own bucket.
    const spoof = (browser: string) =>
      app.inject({ method: 'GET', url: '/api/v1/modes', remoteAddress: '10.9.9.9', headers: { 'x-forwarded-for': browser } }).then((r) => r.statusCode);
    expect([await spoof('10.2.0.1'), await spoof('10.2.0.2'), await spoof('10.2.0.3')]).toEqual([401, 401, 429]);
    // Denials count per source (the guard aggregates anonymous ones per address): 2 + 1 + 2.
    expect(denials).toHaveLength(5);
  });
});
