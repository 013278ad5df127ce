// Per asset and use case, whether the asset is really being watched, in plain words: warming up
// (its window is filling), monitored (the model scores it), stale data (no fresh readings), manual
// (an operator set it out of auto: prompts are held), rules (the fixed limits stand in for the
// model) or not served here. The HMI must never say "Live, nothing to do" for an asset that is not
// `monitored`. Pure.
import type { ModeEntry } from './mode.ts';

export const MONITORING_STATES = ['warming_up', 'monitored', 'stale_data', 'manual', 'rules', 'not_served'] as const;
export type MonitoringStateKind = (typeof MONITORING_STATES)[number];

export interface MonitoringFacts {
  /** Wall clock now. */
  readonly nowMs: number;
  /** When this replica started serving (wall). */
  readonly startedAtMs: number;
  /** Whether this replica scores the asset (another replica may). */
  readonly owned: boolean;
  /** The asset's effective mode (its own or its line's); null: auto. */
  readonly mode: ModeEntry | null;
  /** Wall time the newest reading of the asset arrived (live or from the historian); null: none yet. */
  readonly lastReceivedMs: number | null;
  /** Data time covered by the asset's window: oldest and newest sample (plant time). */
  readonly windowFromMs: number | null;
  readonly windowToMs: number | null;
  /** History the use case needs before it can score (plant ms). */
  readonly windowSpanMs: number;
  /** Readings older than this (wall ms) count as stale. */
  readonly staleMs: number;
  /** The last scored window: who scored it and when (plant time). */
  readonly lastScore: { readonly source: 'model' | 'rules'; readonly atMs: number } | null;
  /** Whether an approved model serves the use case for this asset. */
  readonly hasModel: boolean;
  /** The model is paused for drift; the plain explanation. */
  readonly paused: { readonly explanation: string | null } | null;
  /** The fixed limits, in words ("bearing temperature above 75 °C, vibration above 4.5 mm/s"). */
  readonly limitsWords: string;
  /** A sensor of the asset is faulty (dropout, stuck, spikes): the notice in plain words; prompts are held. */
  readonly dataQuality?: string | null;
}

export interface MonitoringState {
  readonly state: MonitoringStateKind;
  readonly reason: string;
}

const minutes = (ms: number): number => Math.max(1, Math.round(ms / 60_000));

export function monitoringState(f: MonitoringFacts): MonitoringState {
  if (!f.owned) return { state: 'not_served', reason: 'Watched by another inference replica; ask it for this asset.' };
  if (f.mode !== null && f.mode.mode !== 'auto') {
    const why = f.mode.reason.trim() === '' ? '' : ` (${f.mode.reason.trim()})`;
    return { state: 'manual', reason: `Set to ${f.mode.mode} by ${f.mode.actor}${why}: prompts for this asset are held until it is back in auto.` };
  }
  if (f.lastReceivedMs === null) {
    return f.nowMs - f.startedAtMs < f.staleMs
      ? { state: 'warming_up', reason: 'Waiting for the first readings of this asset.' }
      : { state: 'stale_data', reason: `No readings from this asset for ${minutes(f.nowMs - f.startedAtMs)} min: it is not being watched.` };
  }
  if (f.nowMs - f.lastReceivedMs > f.staleMs) {
    return { state: 'stale_data', reason: `No fresh readings for ${minutes(f.nowMs - f.lastReceivedMs)} min: it is not being watched until data returns.` };
  }
  if (f.dataQuality != null) return { state: 'stale_data', reason: f.dataQuality };
  const covered = f.windowFromMs === null || f.windowToMs === null ? 0 : f.windowToMs - f.windowFromMs;
  if (covered < f.windowSpanMs || f.lastScore === null) {
    const left = Math.max(0, f.windowSpanMs - covered);
    return {
      state: 'warming_up',
      reason:
        left > 0
          ? `Collecting readings: watching starts in about ${minutes(left)} plant min.`
          : 'Readings collected: the first check is due at the next reading.',
    };
  }
  if (f.lastScore.source === 'rules' || !f.hasModel || f.paused !== null) {
    const why = f.paused?.explanation ?? (!f.hasModel ? 'No approved model for this use case yet.' : 'Some readings the model needs are missing or bad.');
    return { state: 'rules', reason: `${why} Only the fixed limits are checked (${f.limitsWords}).` };
  }
  return { state: 'monitored', reason: 'Watched by the model: every new reading is checked.' };
}

/** Keeps the time a state began: the same state carries its `since`, a new one starts now. */
export function evolveSince(prev: { state: MonitoringStateKind; sinceMs: number } | undefined, next: MonitoringStateKind, nowMs: number): number {
  return prev !== undefined && prev.state === next ? prev.sinceMs : nowMs;
}
