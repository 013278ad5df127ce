// A small Pact (specification v3) toolkit for the connector contracts in ../pact/: a provider stub
// generated from a pact file (answers each interaction's request with its response, records
// what matched and what did not) and a provider verifier (replays every interaction's request at a
// real provider and checks its answer against the interaction's response and matching rules).
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

type Matcher = { match: 'type' } | { match: 'integer' } | { match: 'regex'; regex: string };
type Rules = Record<string, { matchers: Matcher[] }>;
interface PactRequest {
  method: string;
  path: string;
  query?: Record<string, string[]>;
  headers?: Record<string, string>;
  body?: unknown;
  matchingRules?: { header?: Rules; body?: Rules };
}
interface PactResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  matchingRules?: { body?: Rules };
}
export interface Interaction {
  description: string;
  providerStates?: { name: string }[];
  request: PactRequest;
  response: PactResponse;
}
export interface Pact {
  consumer: { name: string };
  provider: { name: string };
  interactions: Interaction[];
  metadata: { pactSpecification: { version: string } };
}

export const loadPact = (file: string): Pact => JSON.parse(readFileSync(new URL(`../pact/${file}`, import.meta.url), 'utf8')) as Pact;

const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

function byRule(m: Matcher, actual: unknown, expected: unknown): boolean {
  if (m.match === 'type') return kind(actual) === kind(expected);
  if (m.match === 'integer') return Number.isInteger(actual);
  return typeof actual === 'string' || typeof actual === 'number' ? new RegExp(m.regex).test(String(actual)) : false;
}

/** Mismatches of `actual` against `expected` (empty: it matches). `strict`: no keys beyond the expected ones (requests). */
export function mismatches(expected: unknown, actual: unknown, rules: Rules | undefined, strict: boolean, path = '$'): string[] {
  const rule = rules?.[path];
  if (rule !== undefined)
    return rule.matchers.every((m) => byRule(m, actual, expected))
      ? []
      : [`${path}: ${JSON.stringify(actual)} does not match ${JSON.stringify(rule.matchers)}`];
  if (kind(expected) === 'object') {
    if (kind(actual) !== 'object') return [`${path}: expected an object, got ${kind(actual)}`];
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    const out = Object.keys(e).flatMap((k) => (k in a ? mismatches(e[k], a[k], rules, strict, `${path}.${k}`) : [`${path}.${k}: missing`]));
    if (strict) for (const k of Object.keys(a)) if (!(k in e)) out.push(`${path}.${k}: not in the contract`);
    return out;
  }
  if (kind(expected) === 'array') {
    if (!Array.isArray(actual)) return [`${path}: expected an array`];
    const e = expected as unknown[];
    if (e.length !== actual.length) return [`${path}: expected ${e.length} items, got ${actual.length}`];
    return e.flatMap((x, i) => mismatches(x, actual[i], rules, strict, `${path}[${i}]`));
  }
  return JSON.stringify(expected) === JSON.stringify(actual) ? [] : [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}

function headerMismatches(expected: Record<string, string> | undefined, actual: Record<string, string | undefined>, rules: Rules | undefined): string[] {
  return Object.entries(expected ?? {}).flatMap(([name, value]) => {
    const got = actual[name.toLowerCase()];
    if (got === undefined) return [`header ${name}: missing`];
    const rule = rules?.[name];
    if (rule !== undefined) return rule.matchers.every((m) => byRule(m, got, value)) ? [] : [`header ${name}: "${got}" does not match`];
    return got.split(';')[0]?.trim() === value ? [] : [`header ${name}: expected "${value}", got "${got}"`];
  });
}

function requestMismatches(i: Interaction, method: string, url: URL, headers: Record<string, string | undefined>, body: unknown): string[] {
  const r = i.request;
  if (r.method !== method || r.path !== url.pathname) return [`${method} ${url.pathname} is not ${r.method} ${r.path}`];
  const out = headerMismatches(r.headers, headers, r.matchingRules?.header);
  for (const [k, v] of Object.entries(r.query ?? {}))
    if (JSON.stringify(url.searchParams.getAll(k)) !== JSON.stringify(v)) out.push(`query ${k}: expected ${v.join(',')}`);
  if (r.body !== undefined) out.push(...mismatches(r.body, body, r.matchingRules?.body, true));
  return out;
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    let s = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (s += c));
    req.on('end', () => resolve(s));
    req.on('error', reject);
  });

export interface PactStub {
  url: string;
  /** Interactions a request matched, by description. */
  matched: Set<string>;
  /** Requests no interaction matched, with why. */
  unmatched: string[];
  close(): Promise<void>;
}

/** A provider stub generated from the pact: only interactions whose provider state is in `states` (all when omitted). */
export async function startPactStub(pact: Pact, pathPrefix = '', states?: readonly string[]): Promise<PactStub> {
  const active = pact.interactions.filter((i) => states === undefined || (i.providerStates ?? []).every((s) => states.includes(s.name)));
  const matched = new Set<string>();
  const unmatched: string[] = [];
  const server: Server = createServer((req, res) => {
    void readBody(req).then((text) => {
      const url = new URL(req.url ?? '/', 'http://stub');
      url.pathname = url.pathname.slice(pathPrefix.length) || '/';
      let body: unknown = undefined;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        body = text;
      }
      const why: string[] = [];
      for (const i of active) {
        const m = requestMismatches(i, req.method ?? '', url, req.headers as Record<string, string | undefined>, body);
        if (m.length === 0) {
          matched.add(i.description);
          res.writeHead(i.response.status, i.response.headers ?? {});
          res.end(i.response.body === undefined ? '' : JSON.stringify(i.response.body));
          return;
        }
        why.push(`${i.description}: ${m.join('; ')}`);
      }
      unmatched.push(`${req.method} ${url.pathname}${url.search} — ${why.join(' | ')}`);
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'no interaction of the pact matches', why }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}${pathPrefix}`, matched, unmatched, close: () => new Promise((r) => server.close(() => r())) };
}

/** Replays each interaction at a provider (after `setState`), returning the mismatches per interaction. */
export async function verifyProvider(pact: Pact, baseUrl: string, setState: (state: string) => Promise<void>): Promise<Record<string, string[]>> {
  const report: Record<string, string[]> = {};
  for (const i of pact.interactions) {
    for (const s of i.providerStates ?? []) await setState(s.name);
    const q = new URLSearchParams();
    for (const [k, vs] of Object.entries(i.request.query ?? {})) for (const v of vs) q.append(k, v);
    const res = await fetch(`${baseUrl}${i.request.path}${q.size > 0 ? `?${q}` : ''}`, {
      method: i.request.method,
      headers: i.request.headers ?? {},
      ...(i.request.body === undefined ? {} : { body: JSON.stringify(i.request.body) }),
    });
    const text = await res.text();
    const out: string[] = [];
    if (res.status !== i.response.status) out.push(`status: expected ${i.response.status}, got ${res.status}`);
    if (i.response.body !== undefined)
      out.push(...mismatches(i.response.body, text === '' ? undefined : JSON.parse(text), i.response.matchingRules?.body, false));
    report[i.description] = out;
  }
  return report;
}
