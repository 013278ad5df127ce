// The operator's screen says when an outbound action failed (issue #21): the integration app (its
// real HTTP API, a loopback MaintainX that rejects the work order) dead-letters a prompt's work
// order; the HMI's client (web-hmi src/lib/server/outbound.ts) reads the prompt's actions with an
// operator's token; OutboundStatus.svelte, compiled by the Svelte compiler and rendered on the
// server, says in plain words that the work order could not be sent and why.
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createKeySet, importKeySet, importSigningKey, issueToken, type SigningKey } from '@industrial/access';
import { createIntegrationApp, IntegrationSetup, type IntegrationApp } from '@industrial/integration';
import { compile } from 'svelte/compiler';
import type { Component } from 'svelte';
import { render } from 'svelte/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMaintainx, type FakeMaintainx } from '../services/integration/test/fakes.ts';
import { raised, sqliteFixture, type StoreFixture } from '../services/integration/test/fixture.ts';
import { outboundOf } from '../web-hmi/src/lib/server/outbound.ts';
import type { OutboundAction } from '../web-hmi/src/lib/outbound-words.ts';

const silent = { warn: () => undefined, error: () => undefined, info: () => undefined };
let fx: StoreFixture;
let cmms: FakeMaintainx;
let app: IntegrationApp;
let base = '';
let dir = '';
let signingKey: SigningKey;
const operatorToken = () =>
  issueToken(signingKey, {
    subject: 'olga@plant1',
    roles: ['operator'],
    scopes: ['*'],
    tokenId: randomUUID(),
    issuer: 'industrial-access',
    audience: 'industrial-platform',
    now: new Date(),
    ttlSeconds: 600,
  });

/** OutboundStatus.svelte compiled for the server (its `#lib/` import pointed at web-hmi/src/lib). */
async function outboundStatusComponent() {
  const src = new URL('../web-hmi/src/lib/components/OutboundStatus.svelte', import.meta.url);
  const lib = new URL('../web-hmi/src/lib/', import.meta.url).pathname;
  const { js } = compile(readFileSync(src, 'utf8'), { generate: 'server', filename: 'OutboundStatus.svelte' });
  // Inside the repository so that `svelte/internal/server` resolves from node_modules.
  const cache = new URL('../node_modules/.cache/', import.meta.url).pathname;
  mkdirSync(cache, { recursive: true });
  const file = join(cache, `outbound-status-${randomUUID()}.js`);
  writeFileSync(file, js.code.replaceAll("'#lib/", `'${lib}`));
  try {
    return ((await import(/* @vite-ignore */ pathToFileURL(file).href)) as { default: Component<{ recommendationId: string; actions: OutboundAction[] }> })
      .default;
  } finally {
    rmSync(file, { force: true });
  }
}

beforeAll(async () => {
  const material = await createKeySet({ now: new Date() });
  const keySet = await importKeySet(material.keySet);
  signingKey = await importSigningKey(material.signingKey);
  fx = await sqliteFixture();
  cmms = await startFakeMaintainx();
  dir = mkdtempSync(join(tmpdir(), 'integration-hmi-'));
  writeFileSync(join(dir, 'mx.key'), 'test-key');
  const setup = IntegrationSetup.parse({
    rules: [{ ruleId: 'work-order', useCaseId: '*', on: 'raised', kind: 'work-order', connector: 'maintainx' }],
    // the fake answers at once: a 500 ms timeout could only trip on a loaded machine (a stalled event loop) and change the attempts and reasons checked here
    connectors: { maintainx: { type: 'maintainx', baseUrl: `${cmms.url}/v1`, apiKeyFile: join(dir, 'mx.key'), timeoutMs: 10_000 } },
    retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 },
  });
  app = createIntegrationApp({
    kernel: fx.kernel,
    bus: null,
    keySet,
    logger: silent,
    setup,
    config: { http: { host: '127.0.0.1', port: 0 }, access: { issuer: 'industrial-access', audience: 'industrial-platform' }, syncIntervalMs: 60_000 },
    inference: null,
  });
  base = `http://127.0.0.1:${(await app.start()).httpPort}`;
}, 30_000);

afterAll(async () => {
  await app?.stop();
  await cmms?.close();
  await fx?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('when the CMMS refuses a prompt’s work order', () => {
  it('the operator’s card says the work order could not be sent, and why', async () => {
    const ev = raised({ assetPath: 'acme.plant1.packaging.line-1.ghost-9', message: 'Check ghost-9', priority: 'critical' });
    const id = (ev.data as { recommendationId: string }).recommendationId;
    await app.events.handle(ev);

    const actions = (await outboundOf(await operatorToken(), id, base)) as OutboundAction[];
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({ status: 'dead-lettered', connector: 'maintainx', kind: 'work-order' });

    const OutboundStatus = await outboundStatusComponent();
    const { body } = render(OutboundStatus, { props: { recommendationId: id, actions } });
    const text = body.replace(/<!--[^>]*-->/g, '').replace(/\s+/g, ' ');
    expect(text).toContain('role="alert"');
    expect(text).toMatch(/The work order for this prompt could not be sent to maintainx after 1 try\. Reason: refused: .*Invalid asset/);
    expect(text).toContain('a supervisor can send it again');
  });

  it('says nothing when every action went through by e-mail or chat, and names the work order when it was made', async () => {
    const OutboundStatus = await outboundStatusComponent();
    const done = (kind: string, externalId: string | null): OutboundAction => ({
      actionKey: randomUUID(),
      kind,
      connector: kind === 'email' ? 'smtp' : 'maintainx',
      recipient: null,
      status: 'succeeded',
      attempts: 1,
      externalId,
      lastReason: null,
      completed: false,
    });
    expect(render(OutboundStatus, { props: { recommendationId: randomUUID(), actions: [done('email', null)] } }).body).not.toContain('data-testid="outbound"');
    expect(render(OutboundStatus, { props: { recommendationId: randomUUID(), actions: [done('work-order', '4711')] } }).body).toContain(
      'The work order was sent to maintainx (4711).',
    );
  });

  it('the HMI client refuses nothing silently: a token the API does not accept is an error', async () => {
    await expect(outboundOf('not-a-token', randomUUID(), base)).rejects.toThrow(/401/);
  });
});
