// The retraining schedule fires in plant time (issue 16): the plant's wall clock in its IANA zone,
// not the server's, across daylight-saving changes; a schedule that cannot be parsed is refused
// naming the field.
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCHEDULE, describeTick, dueTick, instantOfPlantTime, nextTick, parseSchedule, plantTime } from '../src/domain/schedule.ts';
import { InvalidTrainingRequestError } from '../src/domain/errors.ts';
import { emptyRetraining } from '../src/domain/retraining.ts';
import type { FreshRetraining } from '../src/features/fresh-retraining.ts';
import { createRetrainingScheduler } from '../src/features/retraining-schedule.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

describe('retraining schedule in plant time', () => {
  it('fires weekly at the plant wall-clock time, not UTC (Berlin, winter and summer)', () => {
    const s = parseSchedule('weekly mon 06:00', 'Europe/Berlin');
    // Sat 2025-03-01 in winter (UTC+1): next Monday 06:00 Berlin = 05:00 UTC
    expect(iso(nextTick(s, at('2025-03-01T12:00:00Z')))).toBe('2025-03-03T05:00:00.000Z');
    // in summer (UTC+2): 04:00 UTC
    expect(iso(nextTick(s, at('2025-07-01T12:00:00Z')))).toBe('2025-07-07T04:00:00.000Z');
    // Monday 05:30 UTC is already 06:30 in Berlin: the tick of that day has passed → the next Monday
    expect(iso(nextTick(s, at('2025-03-03T05:30:00Z')))).toBe('2025-03-10T05:00:00.000Z');
    expect(describeTick(at('2025-03-03T05:00:00Z'), 'Europe/Berlin')).toBe('Mon 2025-03-03 06:00 (Europe/Berlin)');
  });

  it('follows the plant calendar day where it differs from the UTC day (Tokyo, Chicago)', () => {
    // Mon 06:00 in Tokyo (UTC+9) is Sunday 21:00 UTC
    expect(iso(nextTick(parseSchedule('weekly monday 06:00', 'Asia/Tokyo'), at('2025-03-01T00:00:00Z')))).toBe('2025-03-02T21:00:00.000Z');
    // daily 23:30 in Chicago (UTC-6 in winter) is 05:30 UTC the next UTC day
    expect(iso(nextTick(parseSchedule('daily 23:30', 'America/Chicago'), at('2025-01-10T00:00:00Z')))).toBe('2025-01-10T05:30:00.000Z');
  });

  it('keeps the plant time across daylight-saving changes, and moves a time the spring-forward gap skips forward by the jump', () => {
    const s = parseSchedule('daily 02:30', 'Europe/Berlin');
    // 2025-03-30: clocks jump 02:00 → 03:00 in Berlin; 02:30 does not exist → moved forward by the jump: 03:30 plant time (01:30 UTC)
    expect(iso(nextTick(s, at('2025-03-29T12:00:00Z')))).toBe('2025-03-30T01:30:00.000Z');
    // the next day 02:30 CEST = 00:30 UTC
    expect(iso(nextTick(s, at('2025-03-30T12:00:00Z')))).toBe('2025-03-31T00:30:00.000Z');
    expect(plantTime(instantOfPlantTime(2025, 10, 26, 12, 0, 'Europe/Berlin'), 'Europe/Berlin')).toMatchObject({ hour: 12, minute: 0, weekday: 0 });
  });

  it('finds the latest tick due since the last check (one tick, not every one missed), none when none fell between', () => {
    const s = parseSchedule(DEFAULT_SCHEDULE, 'UTC');
    expect(iso(dueTick(s, at('2025-03-02T00:00:00Z'), at('2025-03-03T05:59:00Z')))).toBeNull();
    expect(iso(dueTick(s, at('2025-03-02T00:00:00Z'), at('2025-03-03T06:00:00Z')))).toBe('2025-03-03T06:00:00.000Z');
    expect(iso(dueTick(s, at('2025-01-01T00:00:00Z'), at('2025-03-12T00:00:00Z')))).toBe('2025-03-10T06:00:00.000Z');
    expect(dueTick(parseSchedule('off', 'UTC'), 0, at('2025-03-12T00:00:00Z'))).toBeNull();
  });

  it('refuses a schedule that cannot be parsed, naming the field', () => {
    const refused = (text: string, zone = 'UTC') => {
      try {
        parseSchedule(text, zone, 'retraining.schedules.pump-bearing', 'retraining.time_zone');
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidTrainingRequestError);
        return { field: (e as InvalidTrainingRequestError).field, message: (e as Error).message };
      }
      throw new Error(`"${text}" was accepted`);
    };
    expect(refused('weekly mon 25:00')).toMatchObject({ field: 'retraining.schedules.pump-bearing', message: expect.stringMatching(/not a time of day/) });
    expect(refused('weekly someday 06:00')).toMatchObject({
      field: 'retraining.schedules.pump-bearing',
      message: expect.stringMatching(/not a day of the week/),
    });
    expect(refused('every tuesday')).toMatchObject({ message: expect.stringMatching(/cannot be parsed/) });
    expect(refused('0 6 * * 1')).toMatchObject({ field: 'retraining.schedules.pump-bearing' });
    expect(refused('daily 06:00', 'Mars/Olympus')).toMatchObject({ field: 'retraining.time_zone', message: expect.stringMatching(/IANA/) });
  });
});

describe('the retraining scheduler', () => {
  it('triggers one retraining per use case when its plant-time tick falls due, with the tick and the schedule as the trigger', async () => {
    let nowMs = at('2025-03-03T04:00:00Z'); // Monday 05:00 in Berlin
    const triggered: Parameters<FreshRetraining['trigger']>[0][] = [];
    const scheduler = createRetrainingScheduler({
      retraining: {
        trainedUseCases: () => ['uc-pump', 'uc-mill'],
        trigger: async (req) => {
          triggered.push(req);
          return { ...emptyRetraining('r'), useCaseId: req.useCaseId, status: 'triggered' };
        },
      },
      schedules: new Map([['uc-pump', parseSchedule('weekly mon 06:00', 'Europe/Berlin')]]),
      defaultSchedule: parseSchedule('daily 23:00', 'Europe/Berlin'),
      logger: { info() {}, warn() {}, error() {} },
      now: () => new Date(nowMs),
    });
    nowMs = at('2025-03-03T04:59:00Z');
    expect(await scheduler.check()).toEqual([]);
    nowMs = at('2025-03-03T05:00:00Z'); // 06:00 in Berlin
    await scheduler.check();
    expect(triggered).toEqual([
      {
        useCaseId: 'uc-pump',
        modelVersionId: null,
        trigger: {
          kind: 'schedule',
          driftId: null,
          retrainingRequestId: null,
          scheduleTick: '2025-03-03T05:00:00.000Z',
          schedule: 'weekly mon 06:00 (Europe/Berlin)',
          requestedBy: null,
        },
      },
    ]);
    nowMs = at('2025-03-03T21:59:00Z'); // 22:59 Berlin: the mill's daily 23:00 not yet
    await scheduler.check();
    expect(triggered).toHaveLength(1);
    nowMs = at('2025-03-03T22:00:30Z');
    await scheduler.check();
    expect(triggered.map((t) => [t.useCaseId, t.trigger.scheduleTick])).toEqual([
      ['uc-pump', '2025-03-03T05:00:00.000Z'],
      ['uc-mill', '2025-03-03T22:00:00.000Z'],
    ]);
  });
});
