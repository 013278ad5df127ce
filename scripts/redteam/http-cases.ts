// HTTP attack cases: every route of the inference gateway (the HMI's API) and of the simulator's
// fault API, with each forged token and no token (refused with 401/403, recorded), then fuzzed with
// a genuine token (malformed JSON, wrong types, int64, control characters, 1 MiB values, odd ids).
import { randomUUID } from 'node:crypto';
import type { Forgery } from './tokens.ts';
import type { Tally } from './tally.ts';
import { send as request } from './transport.ts';

export interface HttpRoute {
  readonly base: 'gateway' | 'simulator';
  readonly method: 'GET' | 'POST' | 'PUT';
  /** With sample path parameters filled in. */
  readonly path: string;
  /** A live stream (SSE): read the status, then abort. */
  readonly stream?: boolean;
}

const REC = '0190a0b0-0000-7000-8000-00000000beef';
/** The gateway's routes (services/inference/src/adapters/http/gateway.ts) and the simulator's (services/simulator/src/adapters/http-server.ts). */
export const HTTP_ROUTES: readonly HttpRoute[] = [
  { base: 'gateway', method: 'GET', path: '/api/v1/recommendations' },
  { base: 'gateway', method: 'GET', path: `/api/v1/recommendations/${REC}` },
  { base: 'gateway', method: 'POST', path: `/api/v1/recommendations/${REC}/acknowledge` },
  { base: 'gateway', method: 'POST', path: `/api/v1/recommendations/${REC}/done` },
  { base: 'gateway', method: 'POST', path: `/api/v1/recommendations/${REC}/not-done` },
  { base: 'gateway', method: 'POST', path: `/api/v1/recommendations/${REC}/override` },
  { base: 'gateway', method: 'POST', path: `/api/v1/recommendations/${REC}/outcome` },
  { base: 'gateway', method: 'GET', path: `/api/v1/recommendations/${REC}/events` },
  { base: 'gateway', method: 'POST', path: '/api/v1/problems' },
  { base: 'gateway', method: 'PUT', path: '/api/v1/modes/acme%2Fplant-1%2Farea-1%2Fline-1%2Fpump-4' },
  { base: 'gateway', method: 'GET', path: '/api/v1/modes' },
  { base: 'gateway', method: 'POST', path: '/api/v1/predict' },
  { base: 'gateway', method: 'GET', path: '/api/v1/drift/0190a0b0-0000-7000-8000-00000000dead' },
  { base: 'gateway', method: 'GET', path: '/api/v1/feed', stream: true },
  { base: 'simulator', method: 'GET', path: '/status' },
  { base: 'simulator', method: 'POST', path: '/faults' },
  { base: 'simulator', method: 'POST', path: '/scenarios' },
];

export interface HttpTarget {
  url(base: HttpRoute['base']): string;
  alive(): boolean;
}

interface Answer {
  status: number;
  body: string;
}

async function send(target: HttpTarget, r: HttpRoute, token: string | null, correlationId: string, body: string | null, path = r.path): Promise<Answer> {
  const headers: Record<string, string> = { 'x-correlation-id': correlationId };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== null) headers['content-type'] = 'application/json';
  return request(`${target.url(r.base)}${path}`, r.method, headers, r.method === 'GET' ? null : (body ?? ''), {
    timeoutMs: r.stream === true ? 2_000 : 10_000,
    stream: r.stream === true,
  });
}

const CONTROL = 'a\u0000b\u202ec\u0007';
const BIG = 'A'.repeat(1024 * 1024);
/** Bodies (and odd paths) for a route, each a case: none may answer 5xx or drop the connection. */
function fuzzInputs(r: HttpRoute): { name: string; body: string | null; path?: string }[] {
  const obj = (v: unknown) =>
    JSON.stringify({
      asset: v,
      fault: v,
      scenario: v,
      note: v,
      reason: v,
      action: v,
      mode: v,
      description: v,
      features: v,
      assetPath: v,
      value: v,
      outcome: v,
      startInMinutes: v,
      developMinutes: v,
    });
  const q = r.path.includes('?') ? '&' : '?';
  const inputs = [
    { name: 'malformed JSON', body: '{"asset": "pump-4", ' },
    { name: 'wrong types', body: JSON.stringify({ asset: 42, fault: ['x'], note: { a: 1 }, developMinutes: 'soon' }) },
    { name: 'int64 and huge numbers', body: obj('__INT64__').replaceAll('"__INT64__"', '9223372036854775807') },
    { name: 'control and bidi-override characters', body: obj(CONTROL) },
    { name: '1 MiB values', body: JSON.stringify({ asset: BIG, note: BIG }) },
    {
      name: 'odd query and path',
      body: null,
      path: `${r.path.replace(REC, '%00%2e%2e%2f..%E2%80%AE')}${q}max=9223372036854775807&asset=${encodeURIComponent(CONTROL)}`,
    },
  ];
  return r.method === 'GET' ? inputs.filter((i) => i.body === null) : inputs;
}

export async function httpCases(
  target: HttpTarget,
  routes: readonly HttpRoute[],
  forged: Forgery[],
  token: string,
  tally: Tally,
  log: (s: string) => void,
): Promise<void> {
  for (const r of routes) {
    for (const f of [...forged, { name: 'no-token', token: null }]) {
      if (!target.alive() || !tally.take()) return;
      const cid = randomUUID();
      tally.counts.cases++;
      const a = await send(target, r, f.token, cid, r.method === 'GET' ? null : '{}');
      tally.answered(`http forgery ${a.status}`);
      if (a.status >= 200 && a.status < 300) tally.find('accepted_wrongly', `${r.method} ${r.base}${r.path} answered ${a.status} to a ${f.name} token`);
      else if (a.status === 429) tally.rateLimited++;
      else tally.denials.set(cid, `${r.method} ${r.base}${r.path} ${f.name} → ${a.status}`);
      if (a.status >= 500 || a.status === 0)
        tally.find('server_errors', `${r.method} ${r.base}${r.path} ${f.name} token → ${a.status} ${a.body.slice(0, 120)}`);
    }
  }
  // The anonymous health view: a forged token must not unlock the detail (model versions, asset paths).
  for (const f of forged) {
    if (!target.alive() || !tally.take()) return;
    tally.counts.cases++;
    const cid = randomUUID();
    const a = await send(target, { base: 'gateway', method: 'GET', path: '/api/v1/health' }, f.token, cid, null);
    if (a.status === 200 && Object.keys(JSON.parse(a.body) as object).some((k) => k !== 'status'))
      tally.find('accepted_wrongly', `/api/v1/health gave detail to a ${f.name} token`);
    else if (a.status === 429) tally.rateLimited++;
    // A presented token that is refused is a denial like any other (a 200 with the anonymous view is not).
    else if (a.status !== 200) tally.denials.set(cid, `GET gateway/api/v1/health ${f.name} → ${a.status}`);
    if (a.status >= 500 || a.status === 0) tally.find('server_errors', `/api/v1/health ${f.name} token → ${a.status}`);
  }
  log(`http: forgery on ${routes.length} routes done (${tally.requests} requests so far)`);
  for (const r of routes) {
    if (r.stream === true) continue;
    for (const i of fuzzInputs(r)) {
      if (!target.alive() || !tally.take()) return;
      tally.counts.cases++;
      const a = await send(target, r, token, randomUUID(), i.body, i.path);
      tally.answered(`http fuzz ${a.status}`);
      if (a.status === 429) tally.rateLimited++;
      if (a.status >= 500 || a.status === 0)
        tally.find('server_errors', `${r.method} ${r.base}${i.path ?? r.path} ${i.name} → ${a.status} ${a.body.slice(0, 120)}`);
    }
  }
  log(`http: fuzzing done (${tally.requests} requests so far)`);
}
