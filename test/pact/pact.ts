// A small Pact-file-compatible toolkit (Pact specification v3 JSON: HTTP interactions and
// messages), used instead of @pact-foundation/pact, whose native core this repository does not
// load: the consumer side serves the interactions from a mock provider on loopback and writes the
// pact file; the provider side replays each interaction against the real provider and checks the
// response with the pact's matching rules. Supported rules: `type` (same JSON type, recursively;
// arrays: every element like the example's first, at least `min`), `regex` (strings) and equality
// for everything without a rule. Provider states with params; `generators` of type ProviderState
// for the path and headers (`${name}` filled from the state's params on the provider side).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MatchingRule {
  match: 'type' | 'regex';
  regex?: string;
  min?: number;
}
type Rules = Record<string, { matchers: MatchingRule[] }>;

export interface ProviderState {
  name: string;
  params?: Record<string, string>;
}

export interface HttpInteraction {
  description: string;
  providerStates: ProviderState[];
  request: {
    method: string;
    path: string;
    query?: string;
    headers?: Record<string, string>;
    body?: unknown;
    generators?: { path?: { type: 'ProviderState'; expression: string } };
  };
  response: { status: number; headers?: Record<string, string>; body?: unknown; matchingRules?: { body?: Rules } };
  /** Not yet served by the provider: verified and reported, but a failure does not fail the run (Pact "pending"). */
  pending?: boolean;
}

export interface MessageInteraction {
  description: string;
  providerStates: ProviderState[];
  contents: unknown;
  matchingRules?: { body?: Rules };
  metaData: Record<string, string>;
}

export interface HttpPact {
  consumer: { name: string };
  provider: { name: string };
  interactions: HttpInteraction[];
  metadata: { pactSpecification: { version: '3.0.0' }; generatedBy: string };
}

export interface MessagePact {
  consumer: { name: string };
  provider: { name: string };
  messages: MessageInteraction[];
  metadata: { pactSpecification: { version: '3.0.0' }; generatedBy: string };
}

export const GENERATED_BY = 'test/pact/pact.ts (Pact specification v3 file format)';

/** `type` matching for the whole body: `$.body` and every array under it at least one element. */
export function likeBody(body: unknown): Rules {
  const rules: Rules = { $: { matchers: [{ match: 'type' }] } };
  const walk = (v: unknown, path: string) => {
    if (Array.isArray(v)) {
      if (v.length > 0) rules[path] = { matchers: [{ match: 'type', min: 1 }] };
      v.slice(0, 1).forEach((x) => walk(x, `${path}[*]`));
    } else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
  };
  walk(body, '$');
  return rules;
}

const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Mismatches of `actual` against the example `expected` under the rules (empty = it matches). */
export function mismatches(expected: unknown, actual: unknown, rules: Rules = {}, path = '$'): string[] {
  const ruleAt = (p: string) => rules[p]?.matchers[0] ?? rules[p.replace(/\[\d+\]/g, '[*]')]?.matchers[0] ?? null;
  const inherited = (p: string): MatchingRule | null => {
    for (let q = p; q.length > 0; q = q.replace(/(\.[^.[\]]+|\[[^\]]+\])$/, '')) {
      const r = ruleAt(q);
      if (r) return r;
      if (q === '$') break;
    }
    return null;
  };
  const rule = inherited(path);
  const own = ruleAt(path);
  if (own?.match === 'regex')
    return typeof actual === 'string' && new RegExp(own.regex ?? '').test(actual) ? [] : [`${path}: ${JSON.stringify(actual)} does not match /${own.regex}/`];
  if (rule?.match !== 'type')
    return JSON.stringify(expected) === JSON.stringify(actual) ? [] : [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
  if (kind(expected) !== kind(actual)) return [`${path}: expected ${kind(expected)}, got ${kind(actual)} (${JSON.stringify(actual)?.slice(0, 80)})`];
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const min = own?.min ?? 0;
    if (actual.length < min) return [`${path}: expected at least ${min} element(s), got ${actual.length}`];
    if (expected.length === 0) return [];
    return actual.flatMap((a, i) => mismatches(expected[0], a, rules, `${path}[${i}]`));
  }
  if (kind(expected) === 'object') {
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    return Object.keys(e).flatMap((k) => (k in a ? mismatches(e[k], a[k], rules, `${path}.${k}`) : [`${path}.${k}: missing`]));
  }
  return [];
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A mock provider on loopback answering the interactions; records which ones were requested and what did not match. */
export async function mockProvider(
  interactions: HttpInteraction[],
): Promise<{ url: string; used: Set<string>; unmatched: string[]; only(description: string | null): void; close(): Promise<void> }> {
  const used = new Set<string>();
  // like a Pact mock server set up for one interaction at a time (same request, different provider states)
  let active: string | null = null;
  const unmatched: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const body = await readBody(req);
    const hit = interactions.find(
      (i) =>
        (active === null || i.description === active) &&
        i.request.method === req.method &&
        i.request.path === url.pathname &&
        (i.request.query ?? '') === url.search.replace(/^\?/, '') &&
        JSON.stringify(i.request.body) === JSON.stringify(body) &&
        Object.entries(i.request.headers ?? {}).every(([k, v]) => req.headers[k.toLowerCase()] === v),
    );
    if (!hit) {
      unmatched.push(`${req.method} ${url.pathname}${url.search} ${JSON.stringify(body) ?? ''}`);
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'no interaction in the pact', code: 'PACT_MISMATCH' }));
      return;
    }
    used.add(hit.description);
    res.writeHead(hit.response.status, { 'content-type': 'application/json', ...hit.response.headers });
    res.end(hit.response.body === undefined ? '' : JSON.stringify(hit.response.body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    used,
    unmatched,
    only: (description) => {
      active = description;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** `${name}` → the provider state's value. */
export function fill(template: string, params: Record<string, string>): string {
  return template.replace(/\$\{(\w+)\}/g, (_, k: string) => {
    if (!(k in params)) throw new Error(`provider state gave no "${k}"`);
    return params[k]!;
  });
}

/** Stable JSON text of a pact file (2-space indent, newline at the end). */
export const pactText = (pact: HttpPact | MessagePact): string => `${JSON.stringify(pact, null, 2)}\n`;
