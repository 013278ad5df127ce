// The integration app wired as main.ts wires it, on the real NATS (a prefix of this run): a
// RecommendationRaised the relay signed reaches the MaintainX connector as one work order; a
// forged (unsigned) one is never acted on; the dead-letter list and its replay over the HTTP API
// with the platform's bearer tokens. A prompt an operator shelved (the signed RecommendationShelved
// on the bus) is not escalated while shelved, and escalates once put back and its time is up.
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKeySet, importKeySet, importSigningKey, issueToken, type KeySet, type SigningKey } from '@industrial/access';
import { connectNatsBus, eventSigningKey, eventVerifier, signatureHeaders, type Bus } from '@industrial/bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntegrationApp, type IntegrationApp } from '../src/app.ts';
import { IntegrationSetup } from '../src/domain/setup.ts';
import { startFakeMaintainx, type FakeMaintainx } from './fakes.ts';
import { raised, shelved, sqliteFixture, unshelved, type StoreFixture } from './fixture.ts';
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
    // the fake answers at once: a 500 ms timeout could only trip on a loaded machine (a stalled event loop) and change the attempts and reasons checked here
    connectors: { maintainx: { type: 'maintainx', baseUrl: `${cmms.url}/v1`, apiKeyFile: join(dir, 'mx.key'), timeoutMs: 10_000 } },
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
    await waitFor('the work order', async () => cmms.orders.length === 1);
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

describe('when an operator shelves a prompt that nobody acknowledged', () => {
  it('is not escalated while shelved, and is escalated once put back and the rest of its time is up', async () => {
    const chats: string[] = [];
    const chat = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        chats.push((JSON.parse(body) as { text: string }).text);
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => chat.listen(0, '127.0.0.1', r));
    const M = 60_000;
    const t0 = Date.now();
    const clock = { t: t0 };
    const useCaseId = randomUUID(); // a roster of its own: the prompts of the tests above are not escalated here
    const notifying = createIntegrationApp({
      kernel: fx.kernel,
      bus,
      keySet,
      logger: silent,
      setup: IntegrationSetup.parse({
        rules: [],
        rosters: [
          {
            useCaseId,
            ackWithinMinutes: 15,
            people: [
              { name: 'Olga', chat: 'olga' },
              { name: 'Ines', chat: 'ines' },
            ],
          },
        ],
        connectors: { chat: { type: 'chat', url: `http://127.0.0.1:${(chat.address() as AddressInfo).port}/hook` } },
        channels: { chat: 'chat' },
      }),
      config: {
        http: { host: '127.0.0.1', port: 0 },
        access: { issuer: 'industrial-access', audience: 'industrial-platform' },
        syncIntervalMs: 60_000,
        durable: `integration-notify-${prefix}`,
      },
      inference: null,
      now: () => clock.t,
    });
    await notifying.start();
    try {
      const ev = raised({ useCaseId });
      (ev.metadata as { recordedAt: string }).recordedAt = new Date(t0).toISOString();
      const d = ev.data as { recommendationId: string; useCaseId: string; assetPath: string };
      await publish(ev, true);
      await waitFor('the first person told', async () => chats.length === 1);
      expect(chats[0]).toMatch(/^@olga /);
      // Shelved 5 minutes after it was raised, for an hour.
      await publish(shelved(d.recommendationId, d.useCaseId, d.assetPath, new Date(t0 + 5 * M), new Date(t0 + 65 * M)), true);
      await waitFor('the shelf known to the notifier', async () => notifying.notifier.shelves(d.recommendationId).length === 1);
      // (the app's own escalation timer may tick too: the escalations are counted in the store)
      const escalated = async () => (await fx.kernel.read(`notify-${d.recommendationId}`)).filter((e) => e.type === 'PromptEscalated');
      clock.t = t0 + 30 * M; // past its first deadline, but shelved
      await notifying.notifier.tick();
      expect(await escalated()).toHaveLength(0);
      // Put back at 40 minutes: 5 minutes of waiting before the shelf, so the deadline is at 50.
      await publish(unshelved(d.recommendationId, d.useCaseId, d.assetPath, new Date(t0 + 40 * M)), true);
      await waitFor('the return known to the notifier', async () => notifying.notifier.shelves(d.recommendationId)[0]?.untilMs === t0 + 40 * M);
      clock.t = t0 + 49 * M;
      await notifying.notifier.tick();
      expect(await escalated()).toHaveLength(0);
      clock.t = t0 + 51 * M;
      await notifying.notifier.tick();
      await waitFor('the second person told', async () => chats.length === 2);
      expect(chats[1]).toMatch(/^@ines /);
      expect((await escalated()).map((e) => (e.data as { deadline: string }).deadline)).toEqual([new Date(t0 + 50 * M).toISOString()]);
    } finally {
      await notifying.stop();
      await new Promise<void>((r) => chat.close(() => r()));
    }
  });
});
