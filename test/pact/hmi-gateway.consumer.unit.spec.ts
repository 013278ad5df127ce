// Consumer side of the HMI's pacts: the HMI's own gateway client (web-hmi/src/lib/server/
// inference.ts) runs every call against a mock provider serving the pact's interactions; each
// interaction must be requested exactly as written and nothing else may be requested, and the
// client must read the example answers. The pact files in contracts/pact/ are what this test
// writes (UPDATE_PACTS=1 rewrites them; otherwise they must be current). The feed's messages are
// the SSE events the browser's LiveFeed listens to.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_ID, FEED_MESSAGES, PUMP_USE_CASE, SPECS, feedPact, gatewayPact } from './hmi-gateway.ts';
import { mockProvider, pactText } from './pact.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const PACTS = join(ROOT, 'contracts/pact');
let mock: Awaited<ReturnType<typeof mockProvider>>;
let client: typeof import('../../web-hmi/src/lib/server/inference.ts');
type Evidence = import('../../web-hmi/src/lib/server/inference.ts').Evidence;

beforeAll(async () => {
  mock = await mockProvider(gatewayPact().interactions);
  process.env.INFERENCE_URL = mock.url;
  process.env.ACCESS_KEYS_DIR ??= '/nonexistent';
  client = await import('../../web-hmi/src/lib/server/inference.ts');
});
afterAll(() => mock?.close());

/** The committed pact equals what this test writes (compared as JSON: Prettier formats the files). */
function current(file: string, text: string): void {
  const path = join(PACTS, file);
  if (process.env.UPDATE_PACTS === '1') writeFileSync(path, text);
  expect(JSON.parse(readFileSync(path, 'utf8')), `${file} is not what the consumer test writes (UPDATE_PACTS=1 to rewrite it)`).toEqual(JSON.parse(text));
}

describe('the HMI as consumer of the inference gateway', () => {
  it('makes every call in the pact exactly as written, and nothing else', async () => {
    const g = client.gateway('example-token');
    for (const s of SPECS) {
      const before = mock.used.size;
      mock.only(s.description);
      const result = await s.run(g);
      expect(mock.used.size, s.description).toBe(before + 1);
      expect(mock.unmatched, s.description).toEqual([]);
      if (s.status >= 400) {
        expect(result).toBeInstanceOf(client.GatewayError);
        expect((result as InstanceType<typeof client.GatewayError>).status).toBe(s.status);
      }
    }
    expect([...mock.used].sort()).toEqual(SPECS.map((s) => s.description).sort());
    mock.only(null);
  });

  it('reads the example answers: prompts (normal bands, outcome flag), history, modes, drift over time and the asset list', async () => {
    const g = client.gateway('example-token');
    const [open] = await g.recommendations({ open: true, max: 200 });
    expect(open?.recommendationId).toBe(EXAMPLE_ID);
    expect(open?.outcomeRecorded).toBe(false);
    expect((await g.recommendation(EXAMPLE_ID)).shelf).toBeNull();
    expect((await g.shelve(EXAMPLE_ID, { durationSeconds: 900 }, 'Fitter already on the way')).shelf?.by).toBe('operator-1');
    expect((open?.record.evidence as Evidence[])[0]?.normalHigh).toBe(75);
    expect((await g.driftHistory(PUMP_USE_CASE)).pauseThreshold).toBe(0.25);
    expect((await g.history(EXAMPLE_ID))[0]?.type).toBe('RecommendationRaised');
    expect(await g.modes()).toEqual({});
    expect((await g.assets())?.[0]?.useCases[0]?.state).toBe('monitored');
  });

  it('writes the pact file of the gateway', () => current('web-hmi-inference-gateway.json', pactText(gatewayPact())));
});

describe('the HMI as consumer of the feed', () => {
  it("listens to every message's event in the browser (LiveFeed), and writes the message pact", () => {
    const source = readFileSync(join(ROOT, 'web-hmi/src/lib/components/LiveFeed.svelte'), 'utf8');
    for (const m of FEED_MESSAGES) expect(source, m.description).toContain(`addEventListener('${m.metaData.event}'`);
    current('web-hmi-inference-feed.json', pactText(feedPact()));
  });
});
