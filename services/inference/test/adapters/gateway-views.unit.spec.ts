// What the gateway adds for the HMI's engineer and operator screens (Fastify inject, fake use cases):
// drift over time per use case with its thresholds (GET /api/v1/drift/history, bounded), and the
// normal band on each evidence item of a prompt (model reference 5th–95th percentile, or the
// serving spec's rule limits).
import { createKeySet, importKeySet, importSigningKey, issueToken, type Role } from '@industrial/access';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type GatewayDeps } from '../../src/adapters/http/gateway.ts';
import { createDriftHistory, withDriftHistory } from '../../src/features/drift-history.ts';
import { referenceBands, ruleBands, sortedQuantile, type Band } from '../../src/features/evidence-bands.ts';
import type { DriftReport, EvaluationResult } from '../../src/features/monitoring.ts';

const ISSUER = 'industrial-access';
const AUDIENCE = 'industrial-platform';
const UC = '0193a1b2-7c00-7a10-8b00-00000000bb01';
const ID = '0193a1b2-7c00-7a10-8b00-00000000aa01';
const ASSET = 'acme.plant1.utilities.line-1.pump-1';

let token: (roles: Role[]) => Promise<string>;
let guard: GatewayDeps['guard'];

beforeAll(async () => {
  const material = await createKeySet({ now: new Date() });
  const keySet = await importKeySet(material.keySet);
  const signingKey = await importSigningKey(material.signingKey);
  token = (roles) =>
    issueToken(signingKey, {
      subject: 'eve',
      roles,
      scopes: ['*'],
      tokenId: randomUUID(),
      issuer: ISSUER,
      audience: AUDIENCE,
      now: new Date(),
      ttlSeconds: 600,
    });
  guard = { keySet, issuer: ISSUER, audience: AUDIENCE, newId: randomUUID, recordDenied: () => undefined };
});

const report = (atMs: number, psi: number, paused = false): DriftReport => ({
  useCaseId: UC,
  paused,
  modelVersionId: 'v1',
  features: [
    { feature: 'current', psi, band: psi > 0.25 ? 'major' : 'stable', ksD: 0, ksP: 1, referenceCount: 10, currentCount: 10 },
    { feature: 'temp', psi: psi / 2, band: 'stable', ksD: 0, ksP: 1, referenceCount: 10, currentCount: 10 },
  ],
  predictionPsi: 0.01,
  severity: psi > 0.25 ? 'critical' : 'none',
  livePrecision: null,
  liveRecall: null,
  shadow: null,
  computedAtMs: atMs,
});

function gateway(extra: Partial<GatewayDeps>, dtos: unknown[] = []) {
  const commands = new Proxy({}, { get: (_t, name) => (name === 'list' ? () => dtos : async () => ({ ok: true })) });
  const projection = { get: () => undefined, modes: () => new Map(), position: 0, subscribe: () => () => {} };
  return createGateway({
    commands: commands as GatewayDeps['commands'],
    projection: projection as unknown as GatewayDeps['projection'],
    guard,
    health: () => ({}),
    ready: () => true,
    history: async () => [],
    rateLimit: null,
    ...extra,
  });
}

describe('drift over time', () => {
  it('keeps every evaluation per use case, bounded, newest last, and the recorder still records', async () => {
    const history = createDriftHistory(3);
    let recorded = 0;
    const recorder = withDriftHistory({ record: async () => (recorded++, { detected: 0, retraining: 0 }) }, history);
    for (let i = 0; i < 5; i++) await recorder.record({} as never, {} as never, { report: report(1_000 * i, 0.05 * (i + 1), i === 4) } as EvaluationResult);
    expect(recorded).toBe(5);
    const view = history.list(UC);
    expect(view.points.map((p) => p.maxPsi)).toEqual([0.15, 0.2, 0.25]);
    expect(view.points.at(-1)).toMatchObject({ paused: true, at: new Date(4_000).toISOString(), top: [{ feature: 'current' }, { feature: 'temp' }] });
    expect(view.pauseThreshold).toBe(0.25);
    expect(history.list(ID).points).toEqual([]);
  });

  it('is served to an engineer and refused with the field named for a bad use case id', async () => {
    const history = createDriftHistory();
    history.record(report(Date.parse('2026-03-05T10:00:00Z'), 0.4, true));
    const app = gateway({ driftHistory: (u) => history.list(u) });
    const auth = { authorization: `Bearer ${await token(['engineer'])}` };
    const ok = await app.inject({ method: 'GET', url: `/api/v1/drift/history?useCaseId=${UC}`, headers: auth });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ useCaseId: UC, pauseThreshold: 0.25, points: [{ maxPsi: 0.4, paused: true, severity: 'critical' }] });
    const bad = await app.inject({ method: 'GET', url: '/api/v1/drift/history?useCaseId=nope', headers: auth });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'useCaseId' });
    expect((await app.inject({ method: 'GET', url: `/api/v1/drift/history?useCaseId=${UC}` })).statusCode).toBe(401);
  });
});

describe('the normal band of each evidence signal', () => {
  it('is the 5th–95th percentile of the training reference for a model, the declared limits for the rules', () => {
    const ref = Float64Array.from({ length: 101 }, (_, i) => i);
    expect(sortedQuantile(ref, 0.05)).toBe(5);
    expect(referenceBands({ inputs: ['a', 'b'], referenceSorted: [ref, new Float64Array()] })).toEqual({ a: { normalLow: 5, normalHigh: 95 } });
    expect(
      ruleBands({
        rules: [
          { feature: 't', above: 80, unit: '°C', words: 'w', failureMode: 'f' },
          { feature: 't', above: 75, below: 10, unit: '°C', words: 'w', failureMode: 'f' },
        ] as never,
      }),
    ).toEqual({ t: { normalLow: 10, normalHigh: 75 } });
  });

  it('is put on the evidence items of the prompts the gateway serves', async () => {
    const dto = {
      recommendationId: ID,
      useCaseId: UC,
      assetPath: ASSET,
      modelVersionId: null,
      source: 'rules',
      outcomeRecorded: false,
      record: {
        evidence: [
          { feature: 't', value: 90, unit: '°C' },
          { feature: 'other', value: 1, unit: '' },
        ],
      },
    };
    const bands: Record<string, Band> = { t: { normalLow: null, normalHigh: 75 } };
    const app = gateway({ evidenceBands: (s) => (s.source === 'rules' ? bands : {}) }, [dto]);
    const res = await app.inject({ method: 'GET', url: '/api/v1/recommendations', headers: { authorization: `Bearer ${await token(['operator'])}` } });
    expect(res.statusCode).toBe(200);
    const [r] = res.json().recommendations;
    expect(r.outcomeRecorded).toBe(false);
    expect(r.record.evidence).toEqual([
      { feature: 't', value: 90, unit: '°C', normalLow: null, normalHigh: 75 },
      { feature: 'other', value: 1, unit: '' },
    ]);
  });
});
