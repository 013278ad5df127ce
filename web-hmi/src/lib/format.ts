// Plain-language formatting shared by pages (browser and server): asset names from UNS paths,
// time left to a deadline, priority order and the words for states and reasons.

/** `acme.plant-1.utilities.cooling-water.pump-4` → `Pump 4`. */
export function assetName(path: string): string {
  const last = path.slice(path.lastIndexOf('.') + 1);
  const words = last.replace(/[-_]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Where the asset is: `cooling water line, utilities`. */
export function placeOf(path: string): string {
  const t = path.split('.');
  if (t.length === 4) return `${t[3]!.replace(/[-_]+/g, ' ')} line (whole line), ${t[2]!.replace(/[-_]+/g, ' ')}`;
  if (t.length < 5) return path;
  return `${t[3]!.replace(/[-_]+/g, ' ')} line, ${t[2]!.replace(/[-_]+/g, ' ')}`;
}

export function linePathOf(assetPath: string): string {
  return assetPath.slice(0, assetPath.lastIndexOf('.'));
}

/** "45 min left", "1 h 05 min left", "5 min overdue". */
export function timeLeft(deadlineMs: number, nowMs: number): { text: string; overdue: boolean; soon: boolean } {
  const diff = deadlineMs - nowMs;
  const span = spanOf(Math.abs(diff));
  return diff >= 0 ? { text: `${span} left`, overdue: false, soon: diff < 15 * 60_000 } : { text: `${span} overdue`, overdue: true, soon: true };
}

/** A span of time in words: "1 h 05 min", "12 min", "4 min 09 s". */
export function spanOf(abs: number): string {
  const totalMin = Math.floor(abs / 60_000);
  const h = Math.floor(totalMin / 60);
  const m = totalMin % 60;
  const s = Math.floor((abs % 60_000) / 1000);
  return h > 0 ? `${h} h ${String(m).padStart(2, '0')} min` : totalMin >= 10 ? `${m} min` : `${m} min ${String(s).padStart(2, '0')} s`;
}

export const PRIORITY_RANK: Record<string, number> = { critical: 3, high: 2, medium: 1, low: 0 };
export const PRIORITY_WORD: Record<string, string> = { critical: 'Urgent', high: 'High', medium: 'Medium', low: 'Low' };

export const STATUS_WORD: Record<string, string> = {
  open: 'new',
  acknowledged: 'acknowledged',
  accepted: 'done',
  rejected: 'not done',
  overridden: 'handled differently',
  expired: 'expired',
  shelved: 'shelved',
};

export const NOT_DONE_REASONS = [
  { value: 'false-alarm', label: 'Nothing wrong found' },
  { value: 'already-handled', label: 'Already being handled' },
  { value: 'not-safe-now', label: 'Not safe to do now' },
  { value: 'no-capacity', label: 'No one free to do it' },
  { value: 'other', label: 'Other (say why)' },
] as const;

export const OUTCOMES = [
  { value: 'event-occurred', label: 'Failure confirmed', hint: 'The part had failed or was failing' },
  { value: 'event-prevented', label: 'Worn part', hint: 'Found wear and fixed it before it failed' },
  { value: 'no-event', label: 'No fault found', hint: 'Everything looked normal' },
] as const;

export const EVENT_WORD: Record<string, string> = {
  RecommendationRaised: 'Prompt raised',
  RecommendationAcknowledged: 'Acknowledged',
  RecommendationAccepted: 'Marked done',
  RecommendationRejected: 'Marked not done',
  RecommendationOverridden: 'Handled differently',
  OutcomeRecorded: 'Outcome recorded',
  RecommendationShelved: 'Shelved',
  RecommendationUnshelved: 'Put back from the shelf',
};

export function clock(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString('en-GB', { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** The values of one evidence signal over a prompt's updates, with its normal band when known. */
export interface Trend {
  feature: string;
  unit: string;
  points: { at: string; value: number }[];
  band: { low: number | null; high: number | null } | null;
}
