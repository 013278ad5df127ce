// Shelving (ISA-18.2, issue 17): decide on a prompt's state and its shelf, times as data; the
// return when the time runs out is derived; the next shift change in a time zone.
import { describe, expect, it } from 'vitest';
import { evolveRecommendation, type RecommendationState } from '../../src/domain/recommendation.ts';
import { decideShelving, evolveShelf, isShelvedAt, nextShiftChange, parseShiftChanges, type ShelfState } from '../../src/domain/shelving.ts';

const T0 = Date.parse('2030-01-01T10:00:00Z');
const raised = (mode: 'production' | 'shadow' = 'production') =>
  evolveRecommendation(null, {
    type: 'RecommendationRaised',
    data: {
      recommendationId: 'r',
      useCaseId: 'u',
      assetPath: 'acme.plant-1.utilities.cooling-water.pump-4',
      modelVersionId: null,
      source: 'rules',
      featureWindow: { from: 'a', to: 'b' },
      explanation: [],
      traceId: null,
      mode,
      actionId: 'x',
      expiresAt: '2030-01-01T12:00:00Z',
    },
  });

const shelve = (atMs: number, durationSeconds = 900, reason = 'fitter is on it') => ({
  kind: 'shelve' as const,
  atMs,
  durationSeconds,
  reason,
  endOfShift: false as const,
});
const fold = (rec: RecommendationState | null, d: { type: string; data: Record<string, unknown> }, actor = 'olga') => ({
  rec: evolveRecommendation(rec, d),
  shelf: evolveShelf(null, d, actor),
});

describe('shelving a prompt', () => {
  it('records until (wall clock), duration, reason and the context; who is the actor', () => {
    const d = decideShelving(shelve(T0, 900, '  fitter is on it '), raised(), null, 'r');
    expect(d.type).toBe('RecommendationShelved');
    expect(d.data).toMatchObject({
      recommendationId: 'r',
      shelvedAt: '2030-01-01T10:00:00.000Z',
      until: '2030-01-01T10:15:00.000Z',
      durationSeconds: 900,
      endOfShift: false,
      reason: 'fitter is on it',
    });
    expect((d.data.context as { useCaseId: string }).useCaseId).toBe('u');
    const { shelf } = fold(raised(), d);
    expect(shelf).toEqual({ shelvedAtMs: T0, untilMs: T0 + 900_000, reason: 'fitter is on it', endOfShift: false, by: 'olga' });
  });

  it('is shelved until its time runs out, then back by itself (no event needed)', () => {
    const shelf: ShelfState = { shelvedAtMs: T0, untilMs: T0 + 60_000, reason: 'x', endOfShift: false, by: 'olga' };
    expect(isShelvedAt(shelf, T0 + 59_999)).toBe(true);
    expect(isShelvedAt(shelf, T0 + 60_000)).toBe(false);
    expect(isShelvedAt(null, T0)).toBe(false);
    // after the time ran out it can be shelved again
    expect(decideShelving(shelve(T0 + 60_000), raised(), shelf, 'r').type).toBe('RecommendationShelved');
  });

  it('refuses to shelve one already shelved, naming the state', () => {
    const shelf: ShelfState = { shelvedAtMs: T0, untilMs: T0 + 60_000, reason: 'x', endOfShift: false, by: 'olga' };
    expect(() => decideShelving(shelve(T0 + 1000), raised(), shelf, 'r')).toThrow(
      expect.objectContaining({ code: 'FAILED_PRECONDITION', detail: { state: 'shelved' }, message: expect.stringContaining('already shelved until 10:01') }),
    );
  });

  it('refuses a prompt someone closed, one that expired, and one never shown, each with its state', () => {
    const done = evolveRecommendation(raised(), { type: 'RecommendationAccepted', data: {} });
    expect(() => decideShelving(shelve(T0), done, null, 'r')).toThrow(expect.objectContaining({ code: 'FAILED_PRECONDITION', detail: { state: 'accepted' } }));
    expect(() => decideShelving(shelve(Date.parse('2030-01-01T12:00:00Z')), raised(), null, 'r')).toThrow(
      expect.objectContaining({ code: 'FAILED_PRECONDITION', detail: { state: 'expired' } }),
    );
    expect(() => decideShelving(shelve(T0), raised('shadow'), null, 'r')).toThrow(
      expect.objectContaining({ code: 'FAILED_PRECONDITION', detail: { state: 'shadow' } }),
    );
    expect(() => decideShelving(shelve(T0), null, null, 'r')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });

  it('shelves an acknowledged prompt', () => {
    const ack = evolveRecommendation(raised(), { type: 'RecommendationAcknowledged', data: {} });
    expect(decideShelving(shelve(T0), ack, null, 'r').type).toBe('RecommendationShelved');
  });

  it('refuses a duration out of bounds or not whole, and a blank reason, naming the field', () => {
    for (const s of [9, 43_201, 1.5, Number.NaN])
      expect(() => decideShelving(shelve(T0, s), raised(), null, 'r')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'durationSeconds' }));
    expect(decideShelving(shelve(T0, 43_200), raised(), null, 'r').data.until).toBe('2030-01-01T22:00:00.000Z');
    expect(() => decideShelving(shelve(T0, 900, '   '), raised(), null, 'r')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'reason' }));
  });

  it('until the end of the shift: exactly the shift change, the duration rounded up; a change under 10 s away is refused', () => {
    const untilMs = Date.parse('2030-01-01T14:00:00Z');
    const d = decideShelving({ kind: 'shelve', atMs: T0 + 400, reason: 'handover', untilMs, endOfShift: true }, raised(), null, 'r');
    expect(d.data).toMatchObject({ until: '2030-01-01T14:00:00.000Z', durationSeconds: 4 * 3600, endOfShift: true });
    expect(() => decideShelving({ kind: 'shelve', atMs: T0, reason: 'x', untilMs: T0 + 9_000, endOfShift: true }, raised(), null, 'r')).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'endOfShift' }),
    );
  });
});

describe('unshelving', () => {
  const shelf: ShelfState = { shelvedAtMs: T0, untilMs: T0 + 60_000, reason: 'x', endOfShift: false, by: 'olga' };
  it('puts a shelved prompt back; the shelf is gone', () => {
    const d = decideShelving({ kind: 'unshelve', atMs: T0 + 1000 }, raised(), shelf, 'r');
    expect(d).toMatchObject({ type: 'RecommendationUnshelved', data: { recommendationId: 'r', unshelvedAt: '2030-01-01T10:00:01.000Z' } });
    expect(evolveShelf(shelf, d)).toBeNull();
  });
  it('refuses one that is not shelved (never, or its time ran out)', () => {
    expect(() => decideShelving({ kind: 'unshelve', atMs: T0 }, raised(), null, 'r')).toThrow(
      expect.objectContaining({ code: 'FAILED_PRECONDITION', detail: { state: 'open' } }),
    );
    expect(() => decideShelving({ kind: 'unshelve', atMs: T0 + 60_000 }, raised(), shelf, 'r')).toThrow(
      expect.objectContaining({ code: 'FAILED_PRECONDITION' }),
    );
  });
  it('other lifecycle events keep the shelf', () => {
    expect(evolveShelf(shelf, { type: 'RecommendationAcknowledged', data: {} })).toBe(shelf);
  });
});

describe('end of the shift', () => {
  const changes = parseShiftChanges('06:00, 14:00,22:00');
  it('parses times of day and refuses a bad one', () => {
    expect(changes).toEqual([360, 840, 1320]);
    expect(() => parseShiftChanges('06:00,25:00')).toThrow(/25:00/);
  });
  it('is the next change after now, the next day after the last one (UTC)', () => {
    expect(new Date(nextShiftChange(T0, changes, 'UTC')).toISOString()).toBe('2030-01-01T14:00:00.000Z');
    expect(new Date(nextShiftChange(Date.parse('2030-01-01T14:00:00Z'), changes, 'UTC')).toISOString()).toBe('2030-01-01T22:00:00.000Z');
    expect(new Date(nextShiftChange(Date.parse('2030-01-01T23:30:00Z'), changes, 'UTC')).toISOString()).toBe('2030-01-02T06:00:00.000Z');
  });
  it('reads the shift changes in the plant time zone, daylight saving included', () => {
    // Berlin is UTC+1 in January, UTC+2 in July: 14:00 local is 13:00 or 12:00 UTC
    expect(new Date(nextShiftChange(T0, changes, 'Europe/Berlin')).toISOString()).toBe('2030-01-01T13:00:00.000Z');
    expect(new Date(nextShiftChange(Date.parse('2030-07-01T10:00:00Z'), changes, 'Europe/Berlin')).toISOString()).toBe('2030-07-01T12:00:00.000Z');
    expect(new Date(nextShiftChange(Date.parse('2030-07-01T21:00:00Z'), changes, 'Europe/Berlin')).toISOString()).toBe('2030-07-02T04:00:00.000Z');
  });
  it('refuses when no shift changes are configured', () => {
    expect(() => nextShiftChange(T0, [], 'UTC')).toThrow(expect.objectContaining({ code: 'FAILED_PRECONDITION', field: 'endOfShift' }));
  });
});
