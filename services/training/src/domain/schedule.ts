// Retraining schedules in plant time (issue 16): "weekly mon 06:00", "daily 02:30" or "off", read
// in the plant's IANA time zone. A schedule fires at that wall-clock time of the plant, whatever
// the server's zone and across daylight-saving changes (a time that does not exist on the
// spring-forward day is moved forward by the jump, 02:30 → 03:30, as calendars do). Pure: no clock; instants come
// in and go out as epoch milliseconds. A schedule that cannot be parsed is refused naming the field.
import { InvalidTrainingRequestError } from './errors.ts';

export const DEFAULT_SCHEDULE = 'weekly mon 06:00';

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

export interface RetrainingSchedule {
  /** As configured (normalised to lower case, single spaces). */
  readonly text: string;
  readonly every: 'daily' | 'weekly' | 'off';
  /** Weekly: 0 = Sunday … 6 = Saturday, plant calendar; else null. */
  readonly day: number | null;
  readonly hour: number;
  readonly minute: number;
  /** IANA time zone of the plant. */
  readonly timeZone: string;
}

const refuse = (field: string, message: string) => new InvalidTrainingRequestError(field, message, 'invalid_schedule');

/** Checks an IANA zone name; refused naming `field`. */
export function checkTimeZone(timeZone: string, field: string): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    throw refuse(field, `"${timeZone}" is not an IANA time zone (e.g. Europe/Berlin, UTC)`);
  }
}

/** Parses `weekly <day> <HH:MM>`, `daily <HH:MM>` or `off` (plant time); INVALID_ARGUMENT naming `field` otherwise. */
export function parseSchedule(text: string, timeZone: string, field = 'schedule', zoneField = 'time_zone'): RetrainingSchedule {
  const zone = checkTimeZone(timeZone, zoneField);
  const words = text.trim().toLowerCase().split(/\s+/);
  const norm = words.join(' ');
  const expected = 'expected "weekly <mon|tue|…|sun> <HH:MM>", "daily <HH:MM>" or "off" (plant time)';
  if (norm === 'off') return { text: norm, every: 'off', day: null, hour: 0, minute: 0, timeZone: zone };
  const time = (t: string | undefined): { hour: number; minute: number } => {
    const m = /^(\d{1,2}):(\d{2})$/.exec(t ?? '');
    const hour = Number(m?.[1]);
    const minute = Number(m?.[2]);
    if (m === null || hour > 23 || minute > 59) throw refuse(field, `"${text}": "${t ?? ''}" is not a time of day HH:MM (00:00–23:59); ${expected}`);
    return { hour, minute };
  };
  if (words[0] === 'daily' && words.length === 2) return { text: norm, every: 'daily', day: null, ...time(words[1]), timeZone: zone };
  if (words[0] === 'weekly' && words.length === 3) {
    const names = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
    const w = words[1] ?? '';
    const day = names.findIndex((d) => w.length >= 3 && d.startsWith(w));
    if (day < 0) throw refuse(field, `"${text}": "${words[1]}" is not a day of the week; ${expected}`);
    return { text: norm, every: 'weekly', day, ...time(words[2]), timeZone: zone };
  }
  throw refuse(field, `"${text}" cannot be parsed; ${expected}`);
}

export interface PlantTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  /** 0 = Sunday. */
  readonly weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The plant's wall clock at an instant. */
export function plantTime(ms: number, timeZone: string): PlantTime {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    weekday: DAYS.indexOf((parts.weekday ?? '').toLowerCase().slice(0, 3) as (typeof DAYS)[number]),
  };
}

/** Offset of the zone from UTC at an instant, ms (plant wall clock − UTC). */
function offsetAt(ms: number, timeZone: string): number {
  const t = plantTime(ms, timeZone);
  const wall = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute);
  return wall - (ms - (((ms % 60_000) + 60_000) % 60_000));
}

/** The instant of a plant wall-clock minute (y, m 1–12, d, hh, mm); in a spring-forward gap, moved forward by the jump. */
export function instantOfPlantTime(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  let guess = wall - offsetAt(wall, timeZone);
  guess = wall - offsetAt(guess, timeZone);
  const t = plantTime(guess, timeZone);
  if (t.hour !== hour || t.minute !== minute) {
    // The wall time does not exist (the clock jumped over it): read with the offset before the jump.
    const before = wall - offsetAt(wall - 86_400_000, timeZone);
    const after = wall - offsetAt(wall + 86_400_000, timeZone);
    return Math.max(before, after);
  }
  return guess;
}

/** The first tick of the schedule strictly after `afterMs`; null for `off`. */
export function nextTick(s: RetrainingSchedule, afterMs: number): number | null {
  if (s.every === 'off') return null;
  const start = plantTime(afterMs, s.timeZone);
  for (let i = 0; i <= 8; i++) {
    const d = new Date(Date.UTC(start.year, start.month - 1, start.day + i));
    if (s.every === 'weekly' && d.getUTCDay() !== s.day) continue;
    const at = instantOfPlantTime(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), s.hour, s.minute, s.timeZone);
    if (at > afterMs) return at;
  }
  return null;
}

/** The latest tick in (sinceMs, nowMs], or null when none fell in between (missed ticks are not replayed one by one). */
export function dueTick(s: RetrainingSchedule, sinceMs: number, nowMs: number): number | null {
  let due: number | null = null;
  // Only the latest tick matters: a long pause (a stopped service) is not walked tick by tick.
  let t = nextTick(s, Math.max(sinceMs, nowMs - 8 * 86_400_000));
  while (t !== null && t <= nowMs) {
    due = t;
    t = nextTick(s, t);
  }
  return due;
}

/** The tick in plant words: "Mon 2025-03-03 06:00 (Europe/Berlin)". */
export function describeTick(ms: number, timeZone: string): string {
  const t = plantTime(ms, timeZone);
  const p = (n: number) => String(n).padStart(2, '0');
  const day = DAYS[t.weekday] ?? '';
  return `${day.charAt(0).toUpperCase()}${day.slice(1)} ${t.year}-${p(t.month)}-${p(t.day)} ${p(t.hour)}:${p(t.minute)} (${timeZone})`;
}
