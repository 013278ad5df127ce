// The integration app wired as main.ts wires it, on the real NATS (a prefix of this run): a
// RecommendationRaised the relay signed reaches the MaintainX connector as one work order; a
// forged (unsigned) one is never acted on; the dead-letter list and its replay over the HTTP API
// with the platform's bearer tokens.
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKeySet, importKeySet, importSigningKey, issueToken, type KeySet, type SigningKey } from '@industrial/access';
import { connectNatsBus, eventSigningKey, eventVerifier, signatureHeaders, type Bus } from '@industrial/bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntegrationApp, type IntegrationApp } from '../src/app.ts';
import { IntegrationSetup } from '../src/domain/setup.ts';
import { startFakeMaintainx, type FakeMaintainx } from './fakes.ts';
import { raised, sqliteFixture, type StoreFixture } from './fixture.ts';
import { waitFor } from './edge-harness.ts';

const NATS_URL = process.env.NATS_URL ?? '127.0.0.1:4222';
const prefix = `int${randomBytes(4).toString('hex')}`;
const key = eventSigningKey(generateKeyPairSync('ed25519').privateKey);
const silent = { warn: () => undefined, error: () => undefined, info: () => undefined };
let fx: StoreFixture;
let relay: Bus;
let bus: Bus;
let cmms: FakeMaintainx;
let app: IntegrationApp;
let port = 0;
let dir = '';
let keySet: KeySet;
let signingKey: SigningKey;
const token = (roles: ('operator' | 'auditor')[]) =>
  issueToken(signingKey, {
    subject: 'ines@plant1',
    roles,
    scopes: ['*'],
    tokenId: randomUUID(),
    issuer: 'industrial-access',
    audience: 'industrial-platform',
    now: new Date(),
    ttlSeconds: 600,
  });

beforeAll(async () => {
  const material = await createKeySet({ now: new Date() });
  keySet = await importKeySet(material.keySet);
  signingKey = await importSigningKey(material.signingKey);
  fx = await sqliteFixture();
  cmms = await startFakeMaintainx();
  dir = mkdtempSync(join(tmpdir(), 'integration-main-'));
  writeFileSync(join(dir, 'mx.key'), 'test-key');
  relay = await connectNatsBus({ servers: NATS_URL, name: 'itest-relay', logger: silent, prefix });
  await relay.ensureStream({ name: 'EVENTS', subjects: ['evt.v1.>'] });
  bus = await connectNatsBus({ servers: NATS_URL, name: 'itest-integration', logger: silent, prefix, verifyEvents: eventVerifier(key) });
  const setup = IntegrationSetup.parse({
    rules: [{ ruleId: 'work-order', useCaseId: '*', on: 'raised', kind: 'work-order', connector: 'maintainx' }],
    connectors: { maintainx: { type: 'maintainx', baseUrl: `${cmms.url}/v1`, apiKeyFile: join(dir, 'mx.key'), timeoutMs: 500 } },
    retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 },
  });
  app = createIntegrationApp({
    kernel: fx.kernel,
    bus,
    keySet,
    logger: silent,
    setup,
    config: { http: { host: '127.0.0.1', port: 0 }, access: { issuer: 'industrial-access', audience: 'industrial-platform' }, syncIntervalMs: 60_000 },
    inference: null,
  });
  port = (await app.start()).httpPort;
}, 30_000);

afterAll(async () => {
  await app?.stop();
  await bus?.drain();
  for (const s of ['EVENTS', 'EVENTS_DLQ']) await relay?.deleteStream(s).catch(() => false);
  await relay?.drain();
  await cmms?.close();
  await fx?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function publish(ev: ReturnType<typeof raised>, signed: boolean): Promise<void> {
  const subject = `evt.v1.inference.${ev.type}`;
  const data = new TextEncoder().encode(JSON.stringify(ev));
  await relay.publish(subject, data, {
    msgId: ev.id,
    headers: { 'Content-Type': 'application/json', ...(signed ? signatureHeaders(key, subject, ev.id, data) : {}) },
  });
}

describe('when inference raises a prompt on the bus', () => {
  it('creates one work order for a signed event and ignores a forged one', async () => {
    const forged = raised({ message: 'Forged: open the valve' });
    await publish(forged, false);
    const ev = raised();
    await publish(ev, true);
    await publish(ev, true); // a second publish of the same event id
    await waitFor('the work order', async () => cmms.orders.length === 1, 20_000);
    expect(cmms.orders[0]?.externalData.recommendationId).toBe((ev.data as { recommendationId: string }).recommendationId);
    expect(cmms.orders.some((o) => o.title.startsWith('Forged'))).toBe(false);
  });
});

describe('when the CMMS is down past the retries', () => {
  it('lists the action as dead-lettered for an operator, who replays it once it is back', async () => {
    cmms.postFaults = [503, 503];
    const ev = raised();
    const recId = (ev.data as { recommendationId: string }).recommendationId;
    await publish(ev, true);
    const auth = { authorization: `Bearer ${await token(['operator'])}` };
    let dead: { actionKey: string; lastReason: string }[] = [];
    await waitFor('the dead letter', async () => {
      const r = await fetch(`http://127.0.0.1:${port}/api/v1/outbound/dead-letters`, { headers: auth });
      dead = ((await r.json()) as { actions: typeof dead }).actions;
      return dead.length === 1;
    });
    expect(dead[0]?.lastReason).toMatch(/gave up after 2 attempts: .*503/);
    // The operator's screen: the prompt's actions say which failed.
    const mine = await (await fetch(`http://127.0.0.1:${port}/api/v1/outbound?recommendationId=${recId}`, { headers: auth })).json();
    expect(mine).toMatchObject({ actions: [{ status: 'dead-lettered', connector: 'maintainx' }] });
    const auditor = { authorization: `Bearer ${await token(['auditor'])}` };
    expect((await fetch(`http://127.0.0.1:${port}/api/v1/outbound/${dead[0]?.actionKey}/replay`, { method: 'POST', headers: auditor })).status).toBe(403);
    expect((await fetch(`http://127.0.0.1:${port}/api/v1/outbound/${dead[0]?.actionKey}/replay`, { method: 'POST' })).status).toBe(401);
    const replayed = await fetch(`http://127.0.0.1:${port}/api/v1/outbound/${dead[0]?.actionKey}/replay`, { method: 'POST', headers: auth });
    expect(await replayed.json()).toEqual({ actionKey: dead[0]?.actionKey, result: 'succeeded' });
    expect(cmms.orders.filter((o) => o.externalData.recommendationId === recId)).toHaveLength(1);
    expect((await fetch(`http://127.0.0.1:${port}/api/v1/outbound/${randomUUID()}.x/replay`, { method: 'POST', headers: auth })).status).toBe(404);
  });
});
