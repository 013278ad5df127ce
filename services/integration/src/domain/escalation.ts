// Who is told about a prompt, when: the roster in escalation order, each person's quiet hours and
// their prompts-per-hour limit, and when an unacknowledged prompt goes to the next person.
// Pure: the clock and what was sent before come in as data.
import type { Roster, RosterEntry } from './rules.ts';

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** True when `nowMs` falls in the person's quiet hours (local time; a window may wrap midnight). */
export function inQuietHours(person: RosterEntry, nowMs: number): boolean {
  if (person.quietHours === undefined) return false;
  const [from, to] = person.quietHours.split('-') as [string, string];
  const local = (((Math.floor(nowMs / 60_000) + person.timeZoneOffsetMinutes) % 1440) + 1440) % 1440;
  const a = minutesOf(from);
  const b = minutesOf(to);
  return a <= b ? local >= a && local < b : local >= a || local < b;
}

/** True when the person may get one more notification: fewer than `maxPerHour` in the hour before `nowMs`. */
export function underFloodLimit(sentAtMs: readonly number[], nowMs: number, maxPerHour: number): boolean {
  return sentAtMs.filter((t) => t > nowMs - 3_600_000 && t <= nowMs).length < maxPerHour;
}

export type Delivery = { notify: true } | { notify: false; reason: 'quiet-hours' | 'flood' };

export function deliveryFor(person: RosterEntry, sentAtMs: readonly number[], nowMs: number, maxPerHour: number): Delivery {
  if (inQuietHours(person, nowMs)) return { notify: false, reason: 'quiet-hours' };
  if (!underFloodLimit(sentAtMs, nowMs, maxPerHour)) return { notify: false, reason: 'flood' };
  return { notify: true };
}

/**
 * The escalation level a prompt should be at: 0 (first person) until the first deadline, n after n
 * deadlines have passed unacknowledged, capped at the last person. Null when acknowledged.
 */
export function dueLevel(roster: Roster, raisedAtMs: number, nowMs: number, acknowledged: boolean): number | null {
  if (acknowledged) return null;
  const passed = Math.floor((nowMs - raisedAtMs) / (roster.ackWithinMinutes * 60_000));
  return Math.max(0, Math.min(roster.people.length - 1, passed));
}
