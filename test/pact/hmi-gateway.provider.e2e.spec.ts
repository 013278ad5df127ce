// Provider side of the HMI's pacts (contracts/pact/): every interaction replayed against the REAL
// inference gateway (the inference app in-process on an SQLite store, its Fastify gateway on
// loopback) after setting up its provider state with real pump readings and real calls, and the
// answer checked with the pact's matching rules; the feed's messages read from the real SSE feed
// while the state's event happens. A `pending` interaction (a route not served yet) is verified and
// reported, not failed.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Role } from '@industrial/access';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type Platform } from '../hmi/harness.ts';
import { fill, mismatches, type HttpPact, type MessagePact, type ProviderState } from './pact.ts';

const PACTS = join(resolve(import.meta.dirname, '../..'), 'contracts/pact');
const gatewayPact = JSON.parse(readFileSync(join(PACTS, 'web-hmi-inference-gateway.json'), 'utf8')) as HttpPact;
const feedPact = JSON.parse(readFileSync(join(PACTS, 'web-hmi-inference-feed.json'), 'utf8')) as MessagePact;

let platform: Platform;
let pump = 100;
const freshAsset = () => `acme.plant-1.utilities.cooling-water.pump-${++pump}`;

beforeAll(async () => {
  platform = await startPlatform();
}, 120_000);
afterAll(() => platform?.close());

async function call(role: Role, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${platform.gatewayUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${await platform.token(role)}`,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

async function openPrompt(): Promise<Record<string, string>> {
  const assetPath = freshAsset();
  await platform.feedPump(assetPath, 35, true);
  const raised = (await platform.events('RecommendationRaised')).find((e) => e.data.assetPath === assetPath && e.data.mode === 'production');
  if (!raised) throw new Error(`provider state: no prompt raised for ${assetPath}`);
  return { recommendationId: String(raised.data.recommendationId), assetPath };
}

/** Sets up a provider state; returns the values the interaction's generators need. */
async function given(state: ProviderState): Promise<Record<string, string>> {
  switch (state.name) {
    case 'an open rule-based prompt':
      return openPrompt();
    case 'a prompt marked done': {
      const p = await openPrompt();
      expect((await call('operator', 'POST', `/api/v1/recommendations/${p.recommendationId}/done`, {})).status).toBe(200);
      return p;
    }
    case 'a shelved prompt': {
      const p = await openPrompt();
      expect(
        (await call('operator', 'POST', `/api/v1/recommendations/${p.recommendationId}/shelve`, { durationSeconds: 3600, reason: 'provider state' })).status,
      ).toBe(200);
      return p;
    }
    case 'an asset switched to manual': {
      const assetPath = freshAsset();
      expect((await call('operator', 'PUT', `/api/v1/modes/${assetPath}`, { mode: 'manual', reason: 'provider state' })).status).toBe(200);
      return { assetPath };
    }
    case 'an asset in auto':
      return { assetPath: freshAsset() };
    default:
      throw new Error(`unknown provider state "${state.name}"`);
  }
}

describe(`pact ${gatewayPact.consumer.name} → ${gatewayPact.provider.name} (${gatewayPact.interactions.length} interactions)`, () => {
  for (const i of gatewayPact.interactions) {
    it(`${i.pending ? '[pending] ' : ''}${i.description}`, async () => {
      const state = i.providerStates[0]!;
      const params = await given(state);
      const path = i.request.generators?.path ? fill(i.request.generators.path.expression, params) : i.request.path;
      const r = await call(
        (state.params?.role ?? 'operator') as Role,
        i.request.method,
        `${path}${i.request.query ? `?${i.request.query}` : ''}`,
        i.request.body,
      );
      const problems = [
        ...(r.status === i.response.status ? [] : [`status: expected ${i.response.status}, got ${r.status} ${JSON.stringify(r.body)?.slice(0, 300)}`]),
        ...(r.status === i.response.status ? mismatches(i.response.body, r.body, i.response.matchingRules?.body) : []),
      ];
      if (i.pending) {
        if (problems.length > 0) console.warn(`pending interaction "${i.description}" does not verify yet:\n  ${problems.join('\n  ')}`);
        return;
      }
      expect(problems).toEqual([]);
    });
  }
});

/** Reads the real feed's SSE events until `until` has seen what it waits for. */
async function feedEvents(role: Role, during: () => Promise<void>, until: (events: { event: string; data: unknown }[]) => boolean) {
  const ctrl = new AbortController();
  const res = await fetch(`${platform.gatewayUrl}/api/v1/feed`, {
    headers: { authorization: `Bearer ${await platform.token(role)}`, accept: 'text/event-stream' },
    signal: ctrl.signal,
  });
  const reader = res.body!.getReader();
  const events: { event: string; data: unknown }[] = [];
  let buffer = '';
  let started = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += new TextDecoder().decode(value);
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const event = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
      }
      if (!started && events.some((e) => e.event === 'snapshot')) {
        started = true;
        await during();
      }
      if (started && until(events)) break;
    }
  } finally {
    ctrl.abort();
  }
  return events;
}

describe(`message pact ${feedPact.consumer.name} → ${feedPact.provider.name} (${feedPact.messages.length} messages)`, () => {
  for (const m of feedPact.messages) {
    it(m.description, async () => {
      const state = m.providerStates[0]!;
      const type = (m.contents as { type?: string }).type;
      const matches = (e: { event: string; data: unknown }) =>
        e.event === m.metaData.event && (type === undefined || (e.data as { type?: string }).type === type);
      let during = async () => {};
      if (state.name === 'an open rule-based prompt') await openPrompt();
      else if (state.name === 'a prompt is raised while the feed is open') during = async () => void (await openPrompt());
      else if (state.name === 'a prompt is acknowledged while the feed is open') {
        const p = await openPrompt();
        during = async () => void expect((await call('operator', 'POST', `/api/v1/recommendations/${p.recommendationId}/acknowledge`, {})).status).toBe(200);
      } else if (state.name === 'a prompt is shelved while the feed is open') {
        const p = await openPrompt();
        during = async () =>
          void expect(
            (
              await call('operator', 'POST', `/api/v1/recommendations/${p.recommendationId}/shelve`, {
                durationSeconds: 900,
                reason: 'Fitter already on the way',
              })
            ).status,
          ).toBe(200);
      } else if (state.name === 'an asset is switched to manual while the feed is open')
        during = async () =>
          void expect((await call('operator', 'PUT', `/api/v1/modes/${freshAsset()}`, { mode: 'manual', reason: 'message pact' })).status).toBe(200);
      else throw new Error(`unknown provider state "${state.name}"`);
      const events = await feedEvents((state.params?.role ?? 'operator') as Role, during, (es) => es.some(matches));
      const message = events.find(matches);
      expect(message, `no "${m.metaData.event}" event${type ? ` of type ${type}` : ''} on the feed`).toBeDefined();
      expect(mismatches(m.contents, message!.data, m.matchingRules?.body)).toEqual([]);
    });
  }
});
