// Durations as people type them: `90s`, `15m`, `8h`, `30d`, or combined `1h30m`.

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/** Whole seconds in `text` (0 allowed: callers that need a positive span check), or null when it is not a duration. */
export function parseDuration(text: string): number | null {
  const trimmed = text.trim();
  if (!/^(\d+[smhd])+$/.test(trimmed)) return null;
  let total = 0;
  for (const match of trimmed.matchAll(/(\d+)([smhd])/g)) {
    total += Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
  }
  return Number.isSafeInteger(total) && total >= 0 ? total : null;
}
