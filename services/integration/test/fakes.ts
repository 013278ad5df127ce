// Loopback stand-ins for the systems at the other end, with failure injection: a MaintainX-like
// work-order API (the same routes and fields as the pact; verified against it) and a webhook
// receiver that checks the HMAC signature and keeps one record per idempotency key.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '../src/adapters/http/webhook.ts';

/** What the next requests meet: an HTTP status, a hang (no answer), or `accept-then-hang` (stored, never answered). */
export type Fault = number | 'hang' | 'accept-then-hang';

const body = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve) => {
    let s = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (s += c));
    req.on('end', () => resolve(s));
  });

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export interface FakeWorkOrder {
  id: number;
  title: string;
  status: string;
  priority: string;
  externalData: { platformKey?: string; recommendationId?: string; assetPath?: string };
  extraFields: Record<string, string>;
  completedAt: string | null;
}

export interface FakeMaintainx {
  url: string;
  orders: FakeWorkOrder[];
  /** Faults met by the next POST /v1/workorders requests, in order. */
  postFaults: Fault[];
  posts: number;
  complete(id: number, finding: string, at: string): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeMaintainx(apiKey = 'test-key'): Promise<FakeMaintainx> {
  const state = { orders: [] as FakeWorkOrder[], postFaults: [] as Fault[], posts: 0, nextId: 4711 };
  const hanging = new Set<import('node:http').ServerResponse>();
  const server = createServer((req, res) => {
    void body(req).then((text) => {
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      if (req.headers.authorization !== `Bearer ${apiKey}`) return send(401, { errors: [{ message: 'Unauthorized' }] });
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'POST' && url.pathname === '/v1/workorders') {
        state.posts++;
        const fault = state.postFaults.shift();
        if (typeof fault === 'number') return send(fault, { errors: [{ message: `injected ${fault}` }] });
        if (fault === 'hang') return void hanging.add(res);
        const b = JSON.parse(text) as { title?: string; priority?: string; externalData?: FakeWorkOrder['externalData'] };
        if (typeof b.title !== 'string' || b.title.includes('ghost')) return send(400, { errors: [{ message: 'Invalid asset' }] });
        const wo: FakeWorkOrder = {
          id: state.nextId++,
          title: b.title,
          status: 'OPEN',
          priority: b.priority ?? 'NONE',
          externalData: b.externalData ?? {},
          extraFields: {},
          completedAt: null,
        };
        state.orders.push(wo);
        if (fault === 'accept-then-hang') return void hanging.add(res);
        return send(201, { id: wo.id, title: wo.title, status: wo.status, priority: wo.priority });
      }
      if (req.method === 'GET' && url.pathname === '/v1/workorders') {
        const limit = Number(url.searchParams.get('limit') ?? '100');
        const from = Number(url.searchParams.get('cursor') ?? '0');
        const page = state.orders.slice(from, from + limit);
        const next = from + limit < state.orders.length ? String(from + limit) : null;
        return send(200, { workOrders: page.map((w) => ({ id: w.id, status: w.status, externalData: w.externalData })), nextCursor: next });
      }
      const m = /^\/v1\/workorders\/(\d+)$/.exec(url.pathname);
      if (req.method === 'GET' && m) {
        const wo = state.orders.find((w) => w.id === Number(m[1]));
        if (!wo) return send(404, { errors: [{ message: 'Not found' }] });
        return send(200, { id: wo.id, status: wo.status, completedAt: wo.completedAt, extraFields: wo.extraFields });
      }
      return send(404, { errors: [{ message: 'no such route' }] });
    });
  });
  const url = await listen(server);
  return {
    url,
    get orders() {
      return state.orders;
    },
    get postFaults() {
      return state.postFaults;
    },
    set postFaults(f: Fault[]) {
      state.postFaults = f;
    },
    get posts() {
      return state.posts;
    },
    complete(id, finding, at) {
      const wo = state.orders.find((w) => w.id === id);
      if (!wo) throw new Error(`no work order ${id}`);
      wo.status = 'DONE';
      wo.extraFields = { Finding: finding };
      wo.completedAt = at;
    },
    reset() {
      state.orders = [];
      state.postFaults = [];
      state.posts = 0;
      state.nextId = 4711;
    },
    async close() {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export interface FakeReceiver {
  url: string;
  /** Records by idempotency key (one per key however often delivered). */
  records: Map<string, unknown>;
  deliveries: number;
  badSignatures: number;
  faults: Fault[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(secret: string): Promise<FakeReceiver> {
  const r = { records: new Map<string, unknown>(), deliveries: 0, badSignatures: 0, faults: [] as Fault[] };
  const hanging = new Set<import('node:http').ServerResponse>();
  const server = createServer((req, res) => {
    void body(req).then((text) => {
      r.deliveries++;
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      const fault = r.faults.shift();
      if (typeof fault === 'number') return send(fault, { error: 'injected' });
      if (fault === 'hang') return void hanging.add(res);
      const ok = verifyWebhook(secret, { signature: req.headers['x-signature'] as string, timestamp: req.headers['x-timestamp'] as string }, text, Date.now());
      if (!ok) {
        r.badSignatures++;
        return send(401, { error: 'bad signature' });
      }
      const key = String(req.headers['idempotency-key']);
      const seen = r.records.has(key);
      if (!seen) r.records.set(key, JSON.parse(text));
      if (fault === 'accept-then-hang') return void hanging.add(res);
      return send(seen ? 200 : 202, { id: `rcv-${key}` });
    });
  });
  const url = await listen(server);
  return Object.assign(r, {
    url,
    async close() {
      for (const h of hanging) h.destroy();
      server.closeAllConnections();
      await new Promise<void>((res) => server.close(() => res()));
    },
  });
}
