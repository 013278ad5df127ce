// One developing fault = one prompt: the hysteresis and de-duplication state machine per
// (use case, asset). decide(state, observation) says whether to raise, update in place, or do
// nothing; evolve(state, decision) moves the state. The deadline (act by) is fixed in wall-clock
// time when a prompt is raised — now + the action's deadline — and an update never moves it; a new
// prompt (after expiry, a decision or a mode change) gets a new one. Time and ids arrive as data. Pure.

export interface TrackConfig {
  /** Consecutive windows at or above the threshold before a prompt is raised. */
  readonly raiseAfter: number;
  /** Hysteresis: the fault counts as gone once the score stays below threshold × clearRatio … */
  readonly clearRatio: number;
  /** … for this many consecutive windows. */
  readonly clearAfter: number;
  /** A prompt not updated for this long expires. */
  readonly expireAfterMs: number;
}

export const DEFAULT_TRACK_CONFIG: TrackConfig = { raiseAfter: 2, clearRatio: 0.7, clearAfter: 3, expireAfterMs: 2 * 3_600_000 };

export interface TrackState {
  /** idle: no fault; pending: above threshold, not yet raised; active: a prompt stands for the fault. */
  readonly phase: 'idle' | 'pending' | 'active';
  readonly above: number;
  readonly below: number;
  readonly recommendationId: string | null;
  /** Update counter of the standing prompt (0 = as raised). */
  readonly update: number;
  /** What the standing prompt says before its action sentence (a change is an update). */
  readonly message: string | null;
  readonly priority: string | null;
  readonly expiresAtMs: number;
  /** Wall-clock deadline of the standing prompt (epoch ms); 0 when none stands. */
  readonly actByMs: number;
  /** How the standing prompt was recorded: shown, or suppressed because the asset is in manual mode. */
  readonly mode: 'production' | 'suppressed';
}

export const initialTrack: TrackState = {
  phase: 'idle',
  above: 0,
  below: 0,
  recommendationId: null,
  update: 0,
  message: null,
  priority: null,
  expiresAtMs: 0,
  actByMs: 0,
  mode: 'production',
};

export interface Observation {
  /** Plant time of the window (expiry and hysteresis run on it). */
  readonly atMs: number;
  /** Wall clock now (the deadline is the operator's time, not the plant's). */
  readonly wallMs: number;
  /** The action's deadline, minutes from raising. */
  readonly deadlineMinutes: number;
  /** Above the alarm threshold (model) or a declared limit broken (rules). */
  readonly alarm: boolean;
  /** Well below the threshold (score < threshold × clearRatio), counts towards clearing. */
  readonly clear: boolean;
  readonly message: string;
  readonly priority: string;
  /** The standing prompt was decided on by a person (Done / Not done / overridden). */
  readonly standingClosed: boolean;
  /** suppressed while the asset or its line is in manual mode. */
  readonly mode: 'production' | 'suppressed';
  /** Id to use if a new prompt is raised. */
  readonly newRecommendationId: string;
}

export type TrackDecision =
  | { readonly kind: 'none' }
  | { readonly kind: 'raise'; readonly recommendationId: string; readonly expiresAtMs: number; readonly actByMs: number }
  | { readonly kind: 'update'; readonly recommendationId: string; readonly update: number; readonly expiresAtMs: number; readonly actByMs: number }
  | { readonly kind: 'clear'; readonly recommendationId: string | null };

export function decideTrack(s: TrackState, o: Observation, c: TrackConfig = DEFAULT_TRACK_CONFIG): TrackDecision {
  const expiresAtMs = o.atMs + c.expireAfterMs;
  const raise = { kind: 'raise', recommendationId: o.newRecommendationId, expiresAtMs, actByMs: o.wallMs + o.deadlineMinutes * 60_000 } as const;
  if (s.phase === 'active') {
    const expired = o.atMs >= s.expiresAtMs;
    if (o.clear && s.below + 1 >= c.clearAfter) return { kind: 'clear', recommendationId: s.recommendationId };
    if (!o.alarm) return { kind: 'none' };
    // Manual → auto (or back): the fault is recorded again under the mode now in force.
    if (o.mode !== s.mode) return raise;
    // A decided prompt stays the answer for this fault until it expires; then, if the fault is
    // still there, the operator is asked again with a new prompt.
    if (o.standingClosed || expired) {
      return expired ? raise : { kind: 'none' };
    }
    const changed = o.message !== s.message || o.priority !== s.priority;
    const nearExpiry = s.expiresAtMs - o.atMs < c.expireAfterMs / 2;
    if (changed || nearExpiry)
      return { kind: 'update', recommendationId: s.recommendationId ?? o.newRecommendationId, update: s.update + 1, expiresAtMs, actByMs: s.actByMs };
    return { kind: 'none' };
  }
  if (o.alarm && s.above + 1 >= c.raiseAfter) return raise;
  return { kind: 'none' };
}

export function evolveTrack(s: TrackState, o: Observation, d: TrackDecision): TrackState {
  const above = o.alarm ? s.above + 1 : 0;
  const below = o.clear ? s.below + 1 : 0;
  switch (d.kind) {
    case 'raise':
      return {
        phase: 'active',
        above,
        below: 0,
        recommendationId: d.recommendationId,
        update: 0,
        message: o.message,
        priority: o.priority,
        expiresAtMs: d.expiresAtMs,
        actByMs: d.actByMs,
        mode: o.mode,
      };
    case 'update':
      return { ...s, above, below: 0, update: d.update, message: o.message, priority: o.priority, expiresAtMs: d.expiresAtMs, actByMs: s.actByMs };
    case 'clear':
      return { ...initialTrack };
    case 'none':
      if (s.phase === 'active') return { ...s, above, below };
      return { ...s, phase: o.alarm ? 'pending' : 'idle', above, below };
    default: {
      const never: never = d;
      throw new Error(`unknown decision ${JSON.stringify(never)}`);
    }
  }
}

/**
 * The track of a prompt another replica raised and left standing, so the new owner of the asset
 * updates it instead of raising a second one (shadow tracks keep 'shadow' as their message).
 */
export function standingTrack(
  s: { readonly recommendationId: string; readonly expiresAtMs: number; readonly mode: string; readonly raised: Readonly<Record<string, unknown>> },
  shadow: boolean,
): TrackState {
  return {
    phase: 'active',
    above: 0,
    below: 0,
    recommendationId: s.recommendationId,
    update: Number(s.raised.update ?? 0),
    message: shadow ? 'shadow' : String(s.raised.message ?? ''),
    priority: String(s.raised.priority ?? ''),
    expiresAtMs: s.expiresAtMs,
    actByMs: typeof s.raised.actBy === 'string' ? Date.parse(s.raised.actBy) : 0,
    mode: s.mode === 'suppressed' ? 'suppressed' : 'production',
  };
}
