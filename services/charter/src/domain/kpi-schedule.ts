// When KPIs are measured on a schedule: "every <n><m|h|d|w>" (e.g. `every 8h`, `every 1d`), in
// plant time (the historian's newest sample) or wall time. Periods are aligned to multiples of the
// interval since the epoch (UTC): `every 1d` measures [00:00, 24:00) UTC days. Pure.

export type KpiClock = 'plant' | 'wall';

export interface KpiSchedule {
  /** As configured, e.g. `every 8h`. */
  readonly text: string;
  readonly everyMs: number;
  readonly clock: KpiClock;
}

const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** The interval of a schedule text, or why it cannot be parsed. */
export function parseKpiSchedule(text: string): { ok: true; everyMs: number } | { ok: false; reason: string } {
  const m = /^every\s+(\d{1,6})\s*(m|h|d|w)$/.exec(text.trim());
  if (m === null) return { ok: false, reason: 'must be "every <n><m|h|d|w>", e.g. "every 8h" or "every 1d"' };
  const everyMs = Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  if (everyMs < 60_000) return { ok: false, reason: 'must be at least one minute' };
  if (everyMs > 366 * 86_400_000) return { ok: false, reason: 'must be at most a year' };
  return { ok: true, everyMs };
}

/**
 * The periods due at `nowMs`: whole periods ending at or before now, from the end of the last one
 * measured (or, when none was, only the latest whole period), at most `max` of them, oldest first.
 */
export function duePeriods(lastEndMs: number | null, nowMs: number, everyMs: number, max: number): { fromMs: number; toMs: number }[] {
  const latestEnd = Math.floor(nowMs / everyMs) * everyMs;
  let start = lastEndMs === null ? latestEnd - everyMs : Math.ceil(lastEndMs / everyMs) * everyMs;
  const out: { fromMs: number; toMs: number }[] = [];
  while (start + everyMs <= latestEnd && out.length < max) {
    out.push({ fromMs: start, toMs: start + everyMs });
    start += everyMs;
  }
  return out;
}
