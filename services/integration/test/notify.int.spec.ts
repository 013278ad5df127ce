// Notifications on loopback: e-mail through a real SMTP server (smtp-server) and a chat webhook;
// an unacknowledged prompt escalates to the next person on the roster; quiet hours and the hourly
// limit withhold notifications with a record; an SMTP server that is down is retried, then
// dead-lettered with the reason, and a replay after it is back delivers the one message. A prompt
// an operator shelved (ISA-18.2) is not escalated while shelved, and escalates after the shelf's
// timer ran out or it was put back, its deadline moved by its time on the shelf.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventExamples } from '@industrial/contracts';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatConnector } from '../src/adapters/notify/chat.ts';
import { smtpConnector } from '../src/adapters/notify/smtp.ts';
import type { Roster } from '../src/domain/rules.ts';
import { createLedger } from '../src/features/ledger.ts';
import { createNotifier } from '../src/features/notify.ts';
import { createOutbound } from '../src/features/outbound.ts';
import { createPromptEvents } from '../src/features/prompts.ts';
import { createReplay } from '../src/features/replay.ts';
import type { Connector } from '../src/ports.ts';
import { acknowledged, raised, shelved, sqliteFixture, unshelved, type StoreFixture } from './fixture.ts';

interface Mail {
  to: string[];
  messageId: string;
}
let smtp: SMTPServer;
let smtpPort = 0;
const mails: Mail[] = [];
let chat: Server;
let chatUrl = '';
const chats: string[] = [];

function startSmtp(port: number): Promise<number> {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, done) {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), messageId: /^Message-ID:\s*(\S+)/im.exec(raw)?.[1] ?? '' });
        done();
      });
    },
  });
  return new Promise((resolve) => smtp.listen(port, '127.0.0.1', () => resolve((smtp.server.address() as AddressInfo).port)));
}
const stopSmtp = () => new Promise<void>((r) => smtp.close(() => r()));

beforeAll(async () => {
  smtpPort = await startSmtp(0);
  chat = createServer((req, res) => {
    let s = '';
    req.on('data', (c: Buffer) => (s += c.toString()));
    req.on('end', () => {
      chats.push((JSON.parse(s) as { text: string }).text);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => chat.listen(0, '127.0.0.1', r));
  chatUrl = `http://127.0.0.1:${(chat.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  await stopSmtp();
  await new Promise<void>((r) => chat.close(() => r()));
});

let fx: StoreFixture;
beforeEach(async () => {
  await fx?.cleanup();
  fx = await sqliteFixture();
  mails.length = 0;
  chats.length = 0;
});

const useCaseId = eventExamples.RecommendationRaised.useCaseId;
const roster = (over: Partial<Roster> = {}): Roster => ({
  useCaseId,
  ackWithinMinutes: 15,
  maxPerHour: 10,
  people: [
    { name: 'Olga', email: 'olga@plant1.example', chat: 'olga', timeZoneOffsetMinutes: 0 },
    { name: 'Ines', email: 'ines@plant1.example', timeZoneOffsetMinutes: 0 },
    { name: 'Max', email: 'max@plant1.example', timeZoneOffsetMinutes: 0 },
  ],
  ...over,
});

function build(r: Roster, clock: { t: number }) {
  const mail = smtpConnector({ name: 'smtp', host: '127.0.0.1', port: smtpPort, from: 'platform@plant1.example', timeoutMs: 1_000 });
  const connectors = new Map<string, Connector>([
    ['smtp', mail],
    ['chat', chatConnector({ name: 'chat', url: chatUrl })],
  ]);
  const outbound = createOutbound({
    kernel: fx.kernel,
    connectors,
    policy: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 10 },
    now: () => clock.t,
    sleep: (ms) => new Promise((res) => setTimeout(res, ms)),
  });
  const notifier = createNotifier({ kernel: fx.kernel, outbound, rosters: () => [r], channels: { email: 'smtp', chat: 'chat' }, now: () => clock.t });
  const events = createPromptEvents({ outbound, rules: () => [], followers: [notifier] });
  return { outbound, notifier, events, mail };
}

const T0 = Date.parse('2025-03-05T10:00:00Z');

describe('when a prompt is raised and nobody acknowledges it', () => {
  it('mails the first person, then escalates to the next one at each deadline, once', async () => {
    const clock = { t: T0 };
    const { events, notifier } = build(roster(), clock);
    const ev = raised();
    (ev.metadata as { recordedAt: string }).recordedAt = new Date(T0).toISOString();
    await events.handle(ev);
    expect(mails.map((m) => m.to)).toEqual([['olga@plant1.example']]);
    expect(chats).toHaveLength(1);
    expect(chats[0]).toMatch(/^@olga \[high\]/);
    clock.t = T0 + 10 * 60_000;
    expect(await notifier.tick()).toBe(0);
    clock.t = T0 + 16 * 60_000;
    expect(await notifier.tick()).toBe(1);
    expect(await notifier.tick()).toBe(0);
    expect(mails.map((m) => m.to[0])).toEqual(['olga@plant1.example', 'ines@plant1.example']);
    const recId = (ev.data as { recommendationId: string }).recommendationId;
    const escalations = (await fx.kernel.read(`notify-${recId}`)).filter((e) => e.type === 'PromptEscalated');
    expect(escalations.map((e) => e.data)).toEqual([expect.objectContaining({ level: 1, from: 'olga@plant1.example', to: 'ines@plant1.example' })]);
  });

  it('stops escalating once the prompt is acknowledged', async () => {
    const clock = { t: T0 };
    const { events, notifier } = build(roster(), clock);
    const ev = raised();
    const d = ev.data as { recommendationId: string; assetPath: string };
    await events.handle(ev);
    await events.handle(acknowledged(d.recommendationId, useCaseId, d.assetPath));
    clock.t = T0 + 60 * 60_000;
    expect(await notifier.tick()).toBe(0);
    expect(mails).toHaveLength(1);
  });
});

describe('when an operator shelves the prompt', () => {
  const M = 60_000;
  const raisedAt = (t: number) => {
    const ev = raised();
    (ev.metadata as { recordedAt: string }).recordedAt = new Date(t).toISOString();
    const d = ev.data as { recommendationId: string; assetPath: string };
    return { ev, id: d.recommendationId, asset: d.assetPath };
  };
  const escalations = async (id: string) =>
    (await fx.kernel.read(`notify-${id}`)).filter((e) => e.type === 'PromptEscalated').map((e) => e.data as { level: number; to: string; deadline: string });

  it('does not escalate it while shelved, and escalates it when the rest of its time is up after the shelf runs out', async () => {
    const clock = { t: T0 };
    const { events, notifier } = build(roster(), clock);
    const p = raisedAt(T0);
    await events.handle(p.ev);
    // 5 minutes after it was raised, shelved for an hour
    clock.t = T0 + 5 * M;
    await events.handle(shelved(p.id, useCaseId, p.asset, new Date(T0 + 5 * M), new Date(T0 + 65 * M)));
    for (const m of [16, 31, 46, 64]) {
      clock.t = T0 + m * M;
      expect(await notifier.tick()).toBe(0);
    }
    // back from the shelf at 65 with 10 of its 15 minutes left: nothing yet at 74
    clock.t = T0 + 74 * M;
    expect(await notifier.tick()).toBe(0);
    expect(mails.map((m) => m.to[0])).toEqual(['olga@plant1.example']);
    clock.t = T0 + 76 * M;
    expect(await notifier.tick()).toBe(1);
    expect(mails.map((m) => m.to[0])).toEqual(['olga@plant1.example', 'ines@plant1.example']);
    expect(await escalations(p.id)).toEqual([expect.objectContaining({ level: 1, to: 'ines@plant1.example', deadline: new Date(T0 + 75 * M).toISOString() })]);
  });

  it('escalates it from the moment it is put back early, and not at all once it is acknowledged while shelved', async () => {
    const clock = { t: T0 };
    const { events, notifier } = build(roster(), clock);
    const back = raisedAt(T0);
    const acked = raisedAt(T0);
    await events.handle(back.ev);
    await events.handle(acked.ev);
    clock.t = T0 + 5 * M;
    for (const p of [back, acked]) await events.handle(shelved(p.id, useCaseId, p.asset, new Date(T0 + 5 * M), new Date(T0 + 65 * M)));
    clock.t = T0 + 20 * M;
    expect(await notifier.tick()).toBe(0);
    await events.handle(unshelved(back.id, useCaseId, back.asset, new Date(T0 + 20 * M)));
    await events.handle(acknowledged(acked.id, useCaseId, acked.asset));
    // put back at 20 after 5 minutes waiting: due at 30
    clock.t = T0 + 29 * M;
    expect(await notifier.tick()).toBe(0);
    clock.t = T0 + 31 * M;
    expect(await notifier.tick()).toBe(1);
    expect((await escalations(back.id)).map((e) => [e.level, e.deadline])).toEqual([[1, new Date(T0 + 30 * M).toISOString()]]);
    clock.t = T0 + 200 * M;
    expect(await notifier.tick()).toBe(1); // the one put back reaches the last person
    expect(await escalations(acked.id)).toEqual([]);
    expect(mails.filter((m) => m.to[0] !== 'olga@plant1.example').map((m) => m.to[0])).toEqual(['ines@plant1.example', 'max@plant1.example']);
  });
});

describe('when a person is in quiet hours or has had enough prompts this hour', () => {
  it('withholds the notification and records why', async () => {
    const clock = { t: Date.parse('2025-03-05T23:30:00Z') };
    const quiet = roster({ people: [{ name: 'Olga', email: 'olga@plant1.example', quietHours: '22:00-06:00', timeZoneOffsetMinutes: 0 }] });
    const { events } = build(quiet, clock);
    const ev = raised();
    await events.handle(ev);
    expect(mails).toHaveLength(0);
    const recId = (ev.data as { recommendationId: string }).recommendationId;
    expect((await fx.kernel.read(`notify-${recId}`)).map((e) => [e.type, (e.data as { reason: string }).reason])).toEqual([
      ['NotificationSuppressed', 'quiet-hours'],
    ]);
  });

  it('sends at most maxPerHour to one person', async () => {
    const clock = { t: T0 };
    const { events } = build(roster({ maxPerHour: 2, people: [{ name: 'Olga', email: 'olga@plant1.example', timeZoneOffsetMinutes: 0 }] }), clock);
    for (let i = 0; i < 4; i++) {
      clock.t = T0 + i * 60_000;
      await events.handle(raised());
    }
    expect(mails).toHaveLength(2);
    const all = await fx.store.readAll({});
    expect(all.filter((e) => e.type === 'NotificationSuppressed').map((e) => (e.data as { reason: string }).reason)).toEqual(['flood', 'flood']);
  });
});

describe('when the SMTP server is down', () => {
  it('retries, dead-letters with the reason, and a replay after it is back sends the mail once', async () => {
    const clock = { t: T0 };
    const { events, outbound } = build(roster({ people: [{ name: 'Olga', email: 'olga@plant1.example', timeZoneOffsetMinutes: 0 }] }), clock);
    await stopSmtp();
    try {
      await events.handle(raised());
    } finally {
      await startSmtp(smtpPort);
    }
    const ledger = createLedger(fx.kernel.reader);
    await ledger.refresh();
    const dead = ledger.list({ status: 'dead-lettered' });
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ kind: 'email', attempts: 3 });
    expect(dead[0]?.lastReason).toMatch(/ECONNREFUSED/);
    const replay = createReplay({ ledger, outbound, rules: () => [], prompts: events.prompts });
    const result = await replay(dead[0]?.actionKey ?? '', 'ines@plant1');
    await ledger.refresh();
    expect([result, ledger.get(dead[0]?.actionKey ?? '')?.lastReason]).toEqual(['succeeded', expect.anything()]);
    await expect(replay(dead[0]?.actionKey ?? '', 'ines@plant1')).rejects.toThrow(/succeeded, not dead-lettered/);
    expect(mails).toHaveLength(1);
    expect(mails[0]?.messageId).toBe(`<${dead[0]?.actionKey}@industrial-integration>`);
  });
});
