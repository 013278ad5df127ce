// The integration service's pure rules, given/when/then: retry classification and backoff, one
// attempt's decision, rule matching, quiet hours across midnight, the flood limit, escalation levels
// (and none while a prompt is shelved).
import { describe, expect, it } from 'vitest';
import { deadlineOf, deliveryFor, dueLevel, inQuietHours, isShelvedAt, shelve, unshelve, waitingMs } from '../../src/domain/escalation.ts';
import { outcomeOfFinding } from '../../src/domain/findings.ts';
import { backoffMs, decideAttempt, initialOutbound, isRetryable, type ActionTarget } from '../../src/domain/outbound.ts';
import { rulesFor, type ActionRule, type Roster } from '../../src/domain/rules.ts';

const target: ActionTarget = {
  actionKey: '0193a1b2-7c00-7a10-8b00-00000000000d.wo',
  recommendationId: '0193a1b2-7c00-7a10-8b00-00000000000d',
  useCaseId: '0193a1b2-7c00-7a10-8b00-000000000001',
  assetPath: 'a.b.c.d.e',
  ruleId: 'wo',
  trigger: 'raised',
  kind: 'work-order',
  connector: 'maintainx',
  recipient: null,
};
const policy = { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 3_000 };

describe('an attempt that failed', () => {
  it('is retried after a doubling backoff when the answer was a timeout, 429 or 5xx', () => {
    expect([null, 408, 429, 500, 503].map(isRetryable)).toEqual([true, true, true, true, true]);
    expect([400, 401, 404, 422].map(isRetryable)).toEqual([false, false, false, false]);
    expect([1, 2, 3, 4].map((n) => backoffMs(policy, n))).toEqual([1_000, 2_000, 3_000, 3_000]);
    const d = decideAttempt(target, initialOutbound(), { ok: false, status: 503, reason: 'down' }, 1, policy, 0);
    expect(d).toMatchObject({ type: 'OutboundActionFailed', data: { attempt: 1, deadLettered: false, retryAt: '1970-01-01T00:00:01.000Z' } });
  });
  it('is dead-lettered at once when refused, and after the last attempt otherwise', () => {
    expect(decideAttempt(target, initialOutbound(), { ok: false, status: 400, reason: 'bad' }, 1, policy, 0).data).toMatchObject({
      deadLettered: true,
      retryAt: null,
      reason: 'refused: bad',
    });
    expect(decideAttempt(target, { ...initialOutbound(), attempts: 2 }, { ok: false, status: null, reason: 'no answer' }, 3, policy, 0).data).toMatchObject({
      attempt: 3,
      deadLettered: true,
      reason: 'gave up after 3 attempts: no answer',
    });
  });
});

describe('action rules', () => {
  const rules: ActionRule[] = [
    { ruleId: 'all', useCaseId: '*', on: 'raised', kind: 'webhook', connector: 'erp' },
    {
      ruleId: 'wo',
      useCaseId: target.useCaseId,
      actionId: '0193a1b2-7c00-7a10-8b00-000000000003',
      on: 'raised',
      kind: 'work-order',
      connector: 'mx',
      priorities: ['high', 'critical'],
    },
    { ruleId: 'done', useCaseId: '*', on: 'done', kind: 'webhook', connector: 'erp' },
  ];
  const prompt = {
    recommendationId: target.recommendationId,
    useCaseId: target.useCaseId,
    actionId: '0193a1b2-7c00-7a10-8b00-000000000003',
    assetPath: 'a.b.c.d.e',
    priority: 'high' as const,
  };
  it('start for the matching use case, action, priority and step only', () => {
    expect(rulesFor(rules, prompt, 'raised').map((r) => r.ruleId)).toEqual(['all', 'wo']);
    expect(rulesFor(rules, { ...prompt, priority: 'low' }, 'raised').map((r) => r.ruleId)).toEqual(['all']);
    expect(rulesFor(rules, prompt, 'done').map((r) => r.ruleId)).toEqual(['done']);
  });
});

describe('who is told, when', () => {
  const person = { name: 'Olga', quietHours: '22:00-06:00', timeZoneOffsetMinutes: 60 };
  it("keeps quiet hours that wrap midnight, in the person's local time", () => {
    expect(inQuietHours(person, Date.parse('2025-03-05T21:30:00Z'))).toBe(true); // 22:30 local
    expect(inQuietHours(person, Date.parse('2025-03-06T04:59:00Z'))).toBe(true); // 05:59 local
    expect(inQuietHours(person, Date.parse('2025-03-06T05:00:00Z'))).toBe(false); // 06:00 local
  });
  it('withholds past the hourly limit', () => {
    const now = Date.parse('2025-03-05T12:00:00Z');
    expect(deliveryFor({ name: 'x', timeZoneOffsetMinutes: 0 }, [now - 10_000, now - 20_000], now, 2)).toEqual({ notify: false, reason: 'flood' });
    expect(deliveryFor({ name: 'x', timeZoneOffsetMinutes: 0 }, [now - 3_700_000, now - 20_000], now, 2)).toEqual({ notify: true });
  });
  it('escalates one level per missed deadline, up to the last person, never once acknowledged', () => {
    const roster: Roster = { useCaseId: '*', ackWithinMinutes: 10, maxPerHour: 5, people: [1, 2, 3].map((i) => ({ name: `p${i}`, timeZoneOffsetMinutes: 0 })) };
    expect([0, 9, 10, 25, 200].map((m) => dueLevel(roster, 0, m * 60_000, false))).toEqual([0, 0, 1, 2, 2]);
    expect(dueLevel(roster, 0, 60 * 60_000, true)).toBeNull();
  });
});

describe('escalation of a shelved prompt (ISA-18.2)', () => {
  const M = 60_000;
  const roster: Roster = { useCaseId: '*', ackWithinMinutes: 10, maxPerHour: 5, people: [1, 2, 3].map((i) => ({ name: `p${i}`, timeZoneOffsetMinutes: 0 })) };

  it('does not escalate while shelved, and the time on the shelf does not count towards a deadline', () => {
    // raised at 0, shelved at 5 for an hour (until 65)
    const spans = shelve([], 5 * M, 65 * M);
    expect([4, 5, 10, 30, 64].map((m) => dueLevel(roster, 0, m * M, false, spans))).toEqual([0, null, null, null, null]);
    // back at 65: waited 5 min before the shelf, so the first deadline is at 70, the second at 80
    expect([65, 69, 70, 79, 80, 500].map((m) => dueLevel(roster, 0, m * M, false, spans))).toEqual([0, 0, 1, 1, 2, 2]);
    expect([1, 2].map((l) => deadlineOf(roster, 0, l, spans) / M)).toEqual([70, 80]);
    expect(waitingMs(0, 70 * M, spans)).toBe(10 * M);
    // without the shelf it would have been at the last person long before
    expect(dueLevel(roster, 0, 30 * M, false)).toBe(2);
  });

  it('escalates from the moment it is put back before its timer runs out, and never once acknowledged', () => {
    const spans = unshelve(shelve([], 5 * M, 65 * M), 20 * M);
    expect(spans).toEqual([{ fromMs: 5 * M, untilMs: 20 * M }]);
    expect(isShelvedAt(spans, 19 * M)).toBe(true);
    expect(isShelvedAt(spans, 20 * M)).toBe(false);
    expect([20, 24, 25, 35].map((m) => dueLevel(roster, 0, m * M, false, spans))).toEqual([0, 0, 1, 2]);
    expect(dueLevel(roster, 0, 25 * M, true, spans)).toBeNull();
  });

  it('keeps a level that fell due before the shelf, adds up repeated shelves, and ignores shelf time before the prompt', () => {
    // 12 min unacknowledged (level 1 due at 10), then shelved 12–30, back, shelved again 35–50
    const spans = shelve(unshelve(shelve([], 12 * M, 72 * M), 30 * M), 35 * M, 50 * M);
    expect(dueLevel(roster, 0, 31 * M, false, spans)).toBe(1);
    expect(dueLevel(roster, 0, 40 * M, false, spans)).toBeNull();
    // waited 12 + 5 + (m − 50): the second deadline (20 min of waiting) is at 53
    expect(deadlineOf(roster, 0, 2, spans) / M).toBe(53);
    expect([52, 53].map((m) => dueLevel(roster, 0, m * M, false, spans))).toEqual([1, 2]);
    // a shelf ending before the prompt was raised moves nothing
    expect(deadlineOf(roster, 100 * M, 1, shelve([], 0, 90 * M)) / M).toBe(110);
  });
});

describe("a technician's finding", () => {
  it('becomes the outcome in plain words', () => {
    expect(outcomeOfFinding('Bearing worn, replaced before it failed.')).toBe('event-prevented');
    expect(outcomeOfFinding('No fault found, vibration within spec.')).toBe('no-event');
    expect(outcomeOfFinding('Pump had already failed, seized shaft.')).toBe('event-occurred');
    expect(outcomeOfFinding('  ')).toBe('unknown');
  });
});
