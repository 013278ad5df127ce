// Outbound actions end to end on loopback: prompt events → action rules → the MaintainX connector
// and the signed webhook against loopback servers with injected failures (5xx, no answer, an
// answer lost after the work order was stored, a rejection), the event store as the record, the
// dead-letter list and its replay; the completed work order flows back as the prompt's outcome.
import { eventExamples } from '@industrial/contracts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { maintainxConnector } from '../src/adapters/cmms/maintainx.ts';
import { webhookConnector } from '../src/adapters/http/webhook.ts';
import type { ActionRule } from '../src/domain/rules.ts';
import { createLedger } from '../src/features/ledger.ts';
import { createOutbound } from '../src/features/outbound.ts';
import { createPromptEvents } from '../src/features/prompts.ts';
import { createWorkOrderSync } from '../src/features/work-orders.ts';
import type { Connector } from '../src/ports.ts';
import { startFakeMaintainx, startWebhookReceiver, type FakeMaintainx, type FakeReceiver } from './fakes.ts';
import { accepted, raised, sqliteFixture, type StoreFixture } from './fixture.ts';

const SECRET = 'whsec-test';
const rules: ActionRule[] = [
  { ruleId: 'work-order', useCaseId: '*', on: 'raised', kind: 'work-order', connector: 'maintainx' },
  { ruleId: 'erp-hook', useCaseId: eventExamples.RecommendationRaised.useCaseId, on: 'raised', kind: 'webhook', connector: 'erp' },
  { ruleId: 'done-hook', useCaseId: '*', on: 'done', kind: 'webhook', connector: 'erp' },
];

let fx: StoreFixture;
let cmms: FakeMaintainx;
let receiver: FakeReceiver;

beforeAll(async () => {
  cmms = await startFakeMaintainx();
  receiver = await startWebhookReceiver(SECRET);
});
afterAll(async () => {
  await cmms.close();
  await receiver.close();
});
beforeEach(async () => {
  await fx?.cleanup();
  fx = await sqliteFixture();
  cmms.reset();
  receiver.records.clear();
});

function build() {
  // 2 s, not 300 ms: the 'hang' faults need a timeout, but a loaded machine could stall an answered call
  // past 300 ms and count an extra attempt (the attempt counts below are exact).
  const mx = maintainxConnector({ name: 'maintainx', baseUrl: `${cmms.url}/v1`, apiKey: 'test-key', timeoutMs: 2_000 });
  const connectors = new Map<string, Connector>([
    ['maintainx', mx],
    ['erp', webhookConnector({ name: 'erp', url: `${receiver.url}/hooks/prompts`, secret: SECRET, timeoutMs: 2_000 })],
  ]);
  const outbound = createOutbound({
    kernel: fx.kernel,
    connectors,
    policy: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 },
    now: Date.now,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  });
  const events = createPromptEvents({ outbound, rules: () => rules });
  const ledger = createLedger(fx.kernel.reader);
  return { mx, outbound, events, ledger };
}

describe('when a prompt is raised and the CMMS fails in every way but the last', () => {
  it('creates exactly one work order, however often the event is delivered again', async () => {
    const { events, ledger } = build();
    // 503, then no answer at all, then stored-but-answer-lost, then (lookup finds it) — one work order.
    cmms.postFaults = [503, 'hang', 'accept-then-hang'];
    // The webhook receiver too: a 500, no answer, then taken but the answer lost.
    receiver.faults = [500, 'hang', 'accept-then-hang'];
    const deliveriesBefore = receiver.deliveries;
    const ev = raised({ priority: 'critical' });
    await events.handle(ev);
    await events.handle(ev); // redelivery of the same integration event
    await events.handle(ev); // and a replay of the stream
    expect(cmms.orders).toHaveLength(1);
    expect(cmms.orders[0]?.priority).toBe('HIGH');
    await ledger.refresh();
    const wo = ledger.list({ status: 'succeeded' }).find((a) => a.connector === 'maintainx');
    expect(wo?.externalId).toBe(String(cmms.orders[0]?.id));
    expect(wo?.attempts).toBe(4);
    const stream = await fx.kernel.read(`outbound-${wo?.actionKey}`);
    expect(stream.map((e) => e.type)).toEqual(['OutboundActionFailed', 'OutboundActionFailed', 'OutboundActionFailed', 'OutboundActionSucceeded']);
    expect((stream[3]?.data as { alreadyThere: boolean }).alreadyThere).toBe(true);
    expect((stream[0]?.data as { status: number }).status).toBe(503);
    expect((stream[1]?.data as { reason: string }).reason).toMatch(/no answer within/);
    // The signed webhook of the same prompt: taken once despite its failures, signature checked by the receiver.
    expect(receiver.records.size).toBe(1);
    expect(receiver.badSignatures).toBe(0);
    expect(receiver.deliveries - deliveriesBefore).toBe(4);
    const hook = ledger.list({ status: 'succeeded' }).find((a) => a.connector === 'erp');
    expect(hook?.attempts).toBe(4);
  });
});

describe('when the CMMS rejects the work order', () => {
  it('dead-letters it at once with the reason, visible in the list', async () => {
    const { events, ledger } = build();
    await events.handle(raised({ assetPath: 'acme.plant1.packaging.line-1.ghost-9', message: 'Check acme.plant1.packaging.line-1.ghost-9' }));
    await ledger.refresh();
    const dead = ledger.list({ status: 'dead-lettered' });
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ connector: 'maintainx', attempts: 1, lastStatus: 400 });
    expect(dead[0]?.lastReason).toMatch(/^refused: .*400.*Invalid asset/);
    expect(cmms.orders).toHaveLength(0);
  });
});

describe('when the CMMS stays down past the retries', () => {
  it('dead-letters the action, and a replay after recovery creates the one work order', async () => {
    const { events, outbound, ledger } = build();
    cmms.postFaults = [502, 502, 502, 502];
    const ev = raised();
    await events.handle(ev);
    await ledger.refresh();
    const dead = ledger.list({ status: 'dead-lettered' });
    expect(dead.map((d) => d.connector)).toEqual(['maintainx']);
    expect(dead[0]?.lastReason).toMatch(/gave up after 4 attempts/);
    // A redelivery does not retry a dead-lettered action: it waits for a person.
    await events.handle(ev);
    expect(cmms.posts).toBe(4);
    const prompt = events.prompts.get((ev.data as { recommendationId: string }).recommendationId);
    if (!prompt) throw new Error('prompt not known');
    const rule = rules[0] as ActionRule;
    expect(await outbound.run(prompt, rule, 'raised', { correlationId: 'replay-1', replayBy: 'ines@plant1' })).toBe('succeeded');
    expect(await outbound.run(prompt, rule, 'raised', { correlationId: 'replay-2', replayBy: 'ines@plant1' })).toBe('already-succeeded');
    expect(cmms.orders).toHaveLength(1);
    await ledger.refresh();
    expect(ledger.list({ status: 'dead-lettered' })).toHaveLength(0);
  });
});

describe('when the work order is completed in the CMMS', () => {
  it('records the completion once and gives the prompt its outcome from the finding', async () => {
    const { events, mx, ledger } = build();
    const ev = raised();
    const recId = (ev.data as { recommendationId: string }).recommendationId;
    await events.handle(ev);
    const outcomes: { id: string; outcome: string; note: string }[] = [];
    const sync = createWorkOrderSync({
      kernel: fx.kernel,
      ledger,
      readers: new Map([['maintainx', mx]]),
      outcomes: { recordOutcome: async (id, o) => void outcomes.push({ id, outcome: o.outcome, note: o.note }) },
    });
    expect((await sync.syncOnce()).completed).toBe(0);
    cmms.complete(cmms.orders[0]?.id ?? 0, 'Nozzle 3 partly clogged; cleaned and flow back to nominal.', '2025-03-05T11:20:00.000Z');
    expect(await sync.syncOnce()).toMatchObject({ completed: 1, outcomesRecorded: 1 });
    expect(await sync.syncOnce()).toMatchObject({ completed: 0 });
    expect(outcomes).toEqual([{ id: recId, outcome: 'event-prevented', note: expect.stringContaining('Nozzle 3 partly clogged') }]);
    // Marked done on the HMI → the done rule's webhook, once.
    await events.handle(
      accepted(recId, eventExamples.RecommendationRaised.useCaseId, eventExamples.RecommendationRaised.assetPath, eventExamples.RecommendationRaised.actionId),
    );
    expect([...receiver.records.keys()].filter((k) => k.endsWith('.done-hook'))).toEqual([`${recId}.done-hook`]);
  });
});
