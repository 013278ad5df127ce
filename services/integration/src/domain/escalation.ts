// Who is told about a prompt, when: the roster in escalation order, each person's quiet hours and
// their prompts-per-hour limit, and when an unacknowledged prompt goes to the next person (not
// while it is shelved; its time on the shelf does not count towards a deadline). Pure: the clock and what was sent before come in as data.
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
 * A time a prompt spent on the shelf (ISA-18.2 shelving, recorded by inference): from `fromMs` until
 * its timer ran out or someone put it back (`untilMs`, exclusive).
 */
export interface ShelfSpan {
  readonly fromMs: number;
  readonly untilMs: number;
}

/** The spans after the prompt was shelved from `fromMs` until `untilMs` (the shelf's timer). */
export function shelve(spans: readonly ShelfSpan[], fromMs: number, untilMs: number): ShelfSpan[] {
  return untilMs > fromMs ? [...spans, { fromMs, untilMs }] : [...spans];
}

/** The spans after the prompt was put back at `atMs`: a shelf standing then ends there. */
export function unshelve(spans: readonly ShelfSpan[], atMs: number): ShelfSpan[] {
  return spans
    .map((s) => (s.fromMs <= atMs && atMs < s.untilMs ? { fromMs: s.fromMs, untilMs: Math.max(s.fromMs, atMs) } : s))
    .filter((s) => s.untilMs > s.fromMs);
}

/** True while the prompt is on a shelf at `nowMs`. */
export const isShelvedAt = (spans: readonly ShelfSpan[], nowMs: number): boolean => spans.some((s) => s.fromMs <= nowMs && nowMs < s.untilMs);

/** The shelf spans from `raisedAtMs` on, in time order, overlaps merged. */
function merged(spans: readonly ShelfSpan[], raisedAtMs: number): ShelfSpan[] {
  const out: { fromMs: number; untilMs: number }[] = [];
  for (const s of [...spans].sort((a, b) => a.fromMs - b.fromMs)) {
    const fromMs = Math.max(s.fromMs, raisedAtMs);
    if (s.untilMs <= fromMs) continue;
    const last = out.at(-1);
    if (last !== undefined && fromMs <= last.untilMs) last.untilMs = Math.max(last.untilMs, s.untilMs);
    else out.push({ fromMs, untilMs: s.untilMs });
  }
  return out;
}

/** How long the prompt has waited for an acknowledge at `nowMs`: since it was raised, less its time on the shelf. */
export function waitingMs(raisedAtMs: number, nowMs: number, spans: readonly ShelfSpan[] = []): number {
  let shelved = 0;
  for (const s of merged(spans, raisedAtMs)) if (s.fromMs < nowMs) shelved += Math.min(s.untilMs, nowMs) - s.fromMs;
  return Math.max(0, nowMs - raisedAtMs - shelved);
}

/**
 * When escalation `level` falls due: `level` acknowledge deadlines after the prompt was raised,
 * pushed back by the time it spent on the shelf before then (the deadline's clock stops while shelved).
 */
export function deadlineOf(roster: Roster, raisedAtMs: number, level: number, spans: readonly ShelfSpan[] = []): number {
  let at = raisedAtMs + level * roster.ackWithinMinutes * 60_000;
  for (const s of merged(spans, raisedAtMs)) if (s.fromMs < at) at += s.untilMs - s.fromMs;
  return at;
}

/**
 * The escalation level a prompt should be at: 0 (first person) until the first deadline, n after n
 * deadlines have passed unacknowledged, capped at the last person. Null when acknowledged, and
 * while it is shelved (ISA-18.2: a shelved prompt is not escalated). The time on a shelf does not
 * count towards a deadline: back from the shelf, the prompt escalates when the rest of its time is up.
 */
export function dueLevel(roster: Roster, raisedAtMs: number, nowMs: number, acknowledged: boolean, spans: readonly ShelfSpan[] = []): number | null {
  if (acknowledged || isShelvedAt(spans, nowMs)) return null;
  const passed = Math.floor(waitingMs(raisedAtMs, nowMs, spans) / (roster.ackWithinMinutes * 60_000));
  return Math.max(0, Math.min(roster.people.length - 1, passed));
}
