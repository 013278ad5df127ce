// Shelving over the inference gateway (issue 17, ISA-18.2), on the REAL inference app in-process
// (test/hmi/harness.ts): an operator shelves a rule-based prompt with a reason for a time or until
// the shift changes; it carries its shelf (until, reason, who) and comes back by itself when the
// wall-clock time runs out; unshelve puts it back at once; bad input names the field; a prompt
// someone already closed → 409 with its fresh state; other roles are refused.
import type { Role } from '@industrial/access';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type Platform } from './harness.ts';

let platform: Platform;
let pump = 400;

beforeAll(async () => {
  platform = await startPlatform();
}, 120_000);
afterAll(() => platform?.close());

type Json = Record<string, unknown> & { shelf?: { until: string; reason: string; by: string | null; endOfShift: boolean } | null; status?: string };

async function call(role: Role, method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${platform.gatewayUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${await platform.token(role)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: (text === '' ? {} : JSON.parse(text)) as Json };
}

async function openPrompt(): Promise<string> {
  const assetPath = `acme.plant-1.utilities.cooling-water.pump-${++pump}`;
  await platform.feedPump(assetPath, 35, true);
  const raised = (await platform.events('RecommendationRaised')).find((e) => e.data.assetPath === assetPath && e.data.mode === 'production');
  if (!raised) throw new Error(`no prompt raised for ${assetPath}`);
  return String(raised.data.recommendationId);
}

const one = async (id: string) => (await call('operator', 'GET', `/api/v1/recommendations/${id}`)).json;

describe('shelving a prompt over the gateway', () => {
  it('shelves with a reason for a time, records who and why, and the prompt comes back by itself', async () => {
    const id = await openPrompt();
    const before = Date.now();
    const r = await call('operator', 'POST', `/api/v1/recommendations/${id}/shelve`, { durationSeconds: 10, reason: 'Fitter already on the way' });
    expect(r.status).toBe(200);
    expect(r.json.status).toBe('open');
    expect(r.json.shelf).toMatchObject({ reason: 'Fitter already on the way', by: 'operator-1', endOfShift: false });
    const until = Date.parse(r.json.shelf!.until);
    expect(until).toBeGreaterThanOrEqual(before + 10_000);
    expect(until).toBeLessThan(Date.now() + 10_000 + 1000);
    const e = (await platform.events('RecommendationShelved')).find((x) => x.data.recommendationId === id)!;
    expect(e.metadata.actor).toBe('operator-1');
    expect(e.data).toMatchObject({ durationSeconds: 10, reason: 'Fitter already on the way', endOfShift: false });
    // still listed among the open prompts (the HMI puts it under "Shelved"), with its shelf
    const open = (await call('operator', 'GET', '/api/v1/recommendations?open=true')).json.recommendations as Json[];
    expect(open.find((x) => x.recommendationId === id)?.shelf).toMatchObject({ reason: 'Fitter already on the way' });
    // the auditor's history shows it, with who
    const history = (await call('auditor', 'GET', `/api/v1/recommendations/${id}/events`)).json.events as { type: string; actor: string }[];
    expect(history.find((h) => h.type === 'RecommendationShelved')?.actor).toBe('operator-1');
    // shelving again while shelved → 409 naming the state, with the prompt as it is now
    const again = await call('operator', 'POST', `/api/v1/recommendations/${id}/shelve`, { durationSeconds: 60, reason: 'again' });
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ code: 'FAILED_PRECONDITION', state: 'shelved', recommendation: { recommendationId: id, status: 'open' } });
    // the wall-clock time runs out: back on the active list with no shelf, no event needed
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, until - Date.now()) + 200));
    expect((await one(id)).shelf).toBeNull();
    expect((await platform.events('RecommendationUnshelved')).filter((x) => x.data.recommendationId === id)).toHaveLength(0);
  });

  it('unshelve puts it back at once; unshelving one not shelved is refused', async () => {
    const id = await openPrompt();
    expect(
      (await call('operator', 'POST', `/api/v1/recommendations/${id}/shelve`, { durationSeconds: 3600, reason: 'Line stopped for cleaning' })).status,
    ).toBe(200);
    const back = await call('operator', 'POST', `/api/v1/recommendations/${id}/unshelve`, {});
    expect(back.status).toBe(200);
    expect(back.json.shelf).toBeNull();
    expect((await platform.events('RecommendationUnshelved')).find((x) => x.data.recommendationId === id)?.metadata.actor).toBe('operator-1');
    const twice = await call('operator', 'POST', `/api/v1/recommendations/${id}/unshelve`, {});
    expect(twice.status).toBe(409);
    expect(twice.json).toMatchObject({ code: 'FAILED_PRECONDITION', state: 'open' });
  });

  it('shelves until the end of the shift (the next shift change, 06:00/14:00/22:00 UTC by default)', async () => {
    const id = await openPrompt();
    const r = await call('operator', 'POST', `/api/v1/recommendations/${id}/shelve`, { endOfShift: true, reason: 'Handover will look at it' });
    expect(r.status).toBe(200);
    const until = new Date(r.json.shelf!.until);
    expect(r.json.shelf!.endOfShift).toBe(true);
    expect([6, 14, 22]).toContain(until.getUTCHours());
    expect([until.getUTCMinutes(), until.getUTCSeconds(), until.getUTCMilliseconds()]).toEqual([0, 0, 0]);
    expect(until.getTime() - Date.now()).toBeLessThanOrEqual(8 * 3600_000);
  });

  it('refuses a bad duration or a missing reason naming the field, and nothing is recorded', async () => {
    const id = await openPrompt();
    const bad = async (body: unknown) => (await call('operator', 'POST', `/api/v1/recommendations/${id}/shelve`, body)).json;
    for (const body of [
      { durationSeconds: 5, reason: 'x' },
      { durationSeconds: 43_201, reason: 'x' },
      { durationSeconds: 'soon', reason: 'x' },
      { durationSeconds: 90.5, reason: 'x' },
      { reason: 'x' },
      { durationSeconds: 60, endOfShift: true, reason: 'x' },
    ])
      expect(await bad(body)).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'durationSeconds' });
    expect(await bad({ durationSeconds: 60, reason: '  ' })).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'reason' });
    expect(await bad({ durationSeconds: 60 })).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'reason' });
    expect((await platform.events('RecommendationShelved')).filter((x) => x.data.recommendationId === id)).toHaveLength(0);
    expect((await one(id)).shelf).toBeNull();
  });

  it('a prompt someone already closed → 409 with its fresh state', async () => {
    const id = await openPrompt();
    expect((await call('operator', 'POST', `/api/v1/recommendations/${id}/done`, {})).status).toBe(200);
    const r = await call('operator', 'POST', `/api/v1/recommendations/${id}/shelve`, { durationSeconds: 900, reason: 'late' });
    expect(r.status).toBe(409);
    expect(r.json).toMatchObject({
      code: 'FAILED_PRECONDITION',
      field: 'recommendation_id',
      state: 'accepted',
      recommendation: { recommendationId: id, status: 'accepted' },
    });
    expect(String(r.json.error)).toMatch(/is accepted; it cannot be shelved/);
  });

  it('refuses roles that may not decide (auditor, engineer) and an unknown prompt', async () => {
    const id = await openPrompt();
    for (const role of ['auditor', 'engineer'] as Role[])
      expect((await call(role, 'POST', `/api/v1/recommendations/${id}/shelve`, { durationSeconds: 60, reason: 'x' })).status).toBe(403);
    const missing = await call('operator', 'POST', '/api/v1/recommendations/0193a1b2-7c00-7a10-8b00-00000000dead/shelve', { durationSeconds: 60, reason: 'x' });
    expect(missing.status).toBe(404);
    const anon = await fetch(`${platform.gatewayUrl}/api/v1/recommendations/${id}/shelve`, { method: 'POST' });
    expect(anon.status).toBe(401);
  });
});
