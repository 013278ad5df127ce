// Data-quality rules per tag, evaluated in plant time (sample timestamps; `tick` takes the plant
// clock of the latest batch), never the wall clock. `evaluate` is a pure step: previous state +
// one sample → next state + transitions (issue raised / cleared). The caller turns transitions
// into DataQualityIssueRaised/Cleared events; replaying the same samples gives the same events.

export const QualityRule = {
  Stale: 'stale',
  Gap: 'gap',
  Flatline: 'flatline',
  OutOfRange: 'out-of-range',
  Spike: 'spike',
  RateOfChange: 'rate-of-change',
  BadQuality: 'bad-quality',
  Late: 'late',
} as const;
export type QualityRule = (typeof QualityRule)[keyof typeof QualityRule];

/** Issue kinds of the DataQualityIssueRaised contract. */
export type IssueKind = 'stale' | 'flatline' | 'out-of-range' | 'bad-quality' | 'gap' | 'spike' | 'clock-skew';
export type IssueSeverity = 'info' | 'warning' | 'critical';

export const KIND_OF_RULE: Readonly<Record<QualityRule, IssueKind>> = {
  stale: 'stale',
  gap: 'gap',
  flatline: 'flatline',
  'out-of-range': 'out-of-range',
  spike: 'spike',
  'rate-of-change': 'spike',
  'bad-quality': 'bad-quality',
  late: 'clock-skew',
};

const SEVERITY_OF_RULE: Readonly<Record<QualityRule, IssueSeverity>> = {
  stale: 'critical',
  gap: 'info',
  flatline: 'warning',
  'out-of-range': 'critical',
  spike: 'warning',
  'rate-of-change': 'warning',
  'bad-quality': 'warning',
  late: 'info',
};

export interface QualityRules {
  /** Expected sampling interval (from the catalog / TagMapped). */
  expectedIntervalMs: number;
  /** No sample for this many intervals → stale (and a later sample after such a silence → gap). */
  staleAfterIntervals: number;
  /** Value unchanged (within `flatlineTolerance`) for this long → flatline. 0 disables. */
  flatlineWindowMs: number;
  flatlineTolerance: number;
  /** Plausible physical range; outside → out-of-range. */
  range: { low: number; high: number } | null;
  /** A jump larger than this between consecutive samples → spike. null: 50 % of the range, or off without one. */
  spikeDelta: number | null;
  /** Largest plausible change per second. null disables. */
  maxRatePerS: number | null;
  /** Share of Bad samples among the last `badWindow` samples that raises bad-quality. */
  badShareThreshold: number;
  badWindow: number;
  /** Server minus source timestamp above this → late (clock-skew). */
  lateAfterMs: number;
}

export const DEFAULT_RULES: QualityRules = {
  expectedIntervalMs: 1000,
  staleAfterIntervals: 10,
  flatlineWindowMs: 10 * 60_000,
  flatlineTolerance: 0,
  range: null,
  spikeDelta: null,
  maxRatePerS: null,
  badShareThreshold: 0.2,
  badWindow: 50,
  lateAfterMs: 60_000,
};

export interface ActiveIssue {
  rule: QualityRule;
  kind: IssueKind;
  severity: IssueSeverity;
  /** Plant time the issue was raised, epoch ms. */
  raisedAt: number;
  detail: string;
  observed: number | null;
}

export interface TagQualityState {
  lastTs: number | null;
  lastValue: number | string | boolean | null;
  /** Start (plant time) of the current run of unchanged values. */
  flatSince: number | null;
  flatValue: number | null;
  /** Last `badWindow` samples: true = Bad. */
  recentBad: boolean[];
  samples: number;
  badSamples: number;
  active: Partial<Record<QualityRule, ActiveIssue>>;
}

export const initialQualityState = (): TagQualityState => ({
  lastTs: null,
  lastValue: null,
  flatSince: null,
  flatValue: null,
  recentBad: [],
  samples: 0,
  badSamples: 0,
  active: {},
});

export type QualityTransition =
  | { type: 'raised'; issue: ActiveIssue }
  | { type: 'cleared'; issue: ActiveIssue; clearedAt: number };

export interface QualitySample {
  ts: number;
  serverTs: number;
  value: number | string | boolean;
  bad: boolean;
}

const fmtMs = (ms: number): string => (ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(1)} s`);

class Step {
  readonly transitions: QualityTransition[] = [];
  constructor(
    readonly state: TagQualityState,
    readonly tag: string,
  ) {}
  set(rule: QualityRule, on: boolean, at: number, detail: () => string, observed: number | null): void {
    const current = this.state.active[rule];
    if (on && current === undefined) {
      const issue: ActiveIssue = { rule, kind: KIND_OF_RULE[rule], severity: SEVERITY_OF_RULE[rule], raisedAt: at, detail: detail(), observed };
      this.state.active[rule] = issue;
      this.transitions.push({ type: 'raised', issue });
    } else if (!on && current !== undefined) {
      delete this.state.active[rule];
      this.transitions.push({ type: 'cleared', issue: current, clearedAt: at });
    }
  }
}

function copy(s: TagQualityState): TagQualityState {
  return { ...s, recentBad: [...s.recentBad], active: { ...s.active } };
}

/** One sample through every rule. Samples older than the last one only count toward quality share. */
export function evaluate(prev: TagQualityState, tag: string, sample: QualitySample, rules: QualityRules): { state: TagQualityState; transitions: QualityTransition[] } {
  const step = new Step(copy(prev), tag);
  const s = step.state;
  s.samples += 1;
  if (sample.bad) s.badSamples += 1;
  s.recentBad.push(sample.bad);
  if (s.recentBad.length > rules.badWindow) s.recentBad.shift();
  const badShare = s.recentBad.filter(Boolean).length / s.recentBad.length;
  step.set('bad-quality', s.recentBad.length >= Math.min(rules.badWindow, 5) && badShare > rules.badShareThreshold, sample.ts,
    () => `${tag}: ${(badShare * 100).toFixed(0)} % of the last ${s.recentBad.length} samples have Bad quality (threshold ${(rules.badShareThreshold * 100).toFixed(0)} %)`, badShare);

  const lateBy = sample.serverTs - sample.ts;
  step.set('late', lateBy > rules.lateAfterMs, sample.ts, () => `${tag}: sample arrived ${fmtMs(lateBy)} after its source timestamp (limit ${fmtMs(rules.lateAfterMs)})`, lateBy);

  if (s.lastTs !== null && sample.ts < s.lastTs) return { state: s, transitions: step.transitions }; // out of order: no trend rules
  const staleAfter = rules.expectedIntervalMs * rules.staleAfterIntervals;
  // Data is flowing again: stale clears; a silence longer than the stale limit is recorded as a gap.
  step.set('stale', false, sample.ts, () => '', null);
  if (s.lastTs !== null && sample.ts - s.lastTs > staleAfter) {
    const silence = sample.ts - s.lastTs;
    step.set('gap', true, sample.ts, () => `${tag}: no samples for ${fmtMs(silence)} (expected every ${fmtMs(rules.expectedIntervalMs)}); the gap is kept, not filled`, null);
  }
  step.set('gap', false, sample.ts, () => '', null);

  if (sample.bad || typeof sample.value !== 'number') {
    s.lastTs = sample.ts;
    s.lastValue = sample.value;
    return { state: s, transitions: step.transitions };
  }
  const v = sample.value;
  if (rules.range !== null) {
    const { low, high } = rules.range;
    step.set('out-of-range', v < low || v > high, sample.ts, () => `${tag}: ${v} is outside the plausible range ${low}..${high}`, v);
  }
  const prevNum = typeof s.lastValue === 'number' ? s.lastValue : null;
  const spikeDelta = rules.spikeDelta ?? (rules.range === null ? null : 0.5 * (rules.range.high - rules.range.low));
  if (prevNum !== null && spikeDelta !== null) {
    const jump = Math.abs(v - prevNum);
    step.set('spike', jump > spikeDelta, sample.ts, () => `${tag}: jumped by ${jump.toPrecision(4)} between two samples (limit ${spikeDelta})`, v);
  }
  if (prevNum !== null && rules.maxRatePerS !== null && s.lastTs !== null && sample.ts > s.lastTs) {
    const rate = Math.abs(v - prevNum) / ((sample.ts - s.lastTs) / 1000);
    step.set('rate-of-change', rate > rules.maxRatePerS, sample.ts, () => `${tag}: changes at ${rate.toPrecision(4)}/s (limit ${rules.maxRatePerS}/s)`, v);
  }
  if (rules.flatlineWindowMs > 0) {
    if (s.flatValue === null || s.flatSince === null || Math.abs(v - s.flatValue) > rules.flatlineTolerance) {
      s.flatValue = v;
      s.flatSince = sample.ts;
      step.set('flatline', false, sample.ts, () => '', v);
    } else {
      const flatFor = sample.ts - s.flatSince;
      step.set('flatline', flatFor >= rules.flatlineWindowMs, sample.ts,
        () => `${tag}: value ${v} has not changed for ${fmtMs(flatFor)} (window ${fmtMs(rules.flatlineWindowMs)})`, v);
    }
  }
  s.lastTs = sample.ts;
  s.lastValue = v;
  return { state: s, transitions: step.transitions };
}

/** The plant clock moved to `plantNow` (a batch of the asset arrived): tags silent for too long go stale. */
export function tick(prev: TagQualityState, tag: string, plantNow: number, rules: QualityRules): { state: TagQualityState; transitions: QualityTransition[] } {
  if (prev.lastTs === null) return { state: prev, transitions: [] };
  const silence = plantNow - prev.lastTs;
  const limit = rules.expectedIntervalMs * rules.staleAfterIntervals;
  if (silence <= limit || prev.active.stale !== undefined) return { state: prev, transitions: [] };
  const step = new Step(copy(prev), tag);
  step.set('stale', true, plantNow, () => `${tag}: no new value for ${fmtMs(silence)}, expected every ${fmtMs(rules.expectedIntervalMs)}`, null);
  return { state: step.state, transitions: step.transitions };
}

const PENALTY: Readonly<Record<IssueSeverity, number>> = { info: 0.05, warning: 0.25, critical: 0.5 };

/** 1 = healthy. Active issues subtract by severity; the recent share of Bad samples scales the rest. */
export function healthScore(s: TagQualityState): number {
  const penalty = Object.values(s.active).reduce((sum, i) => sum + (i === undefined ? 0 : PENALTY[i.severity]), 0);
  const badShare = s.recentBad.length === 0 ? 0 : s.recentBad.filter(Boolean).length / s.recentBad.length;
  return Math.max(0, Math.min(1, (1 - penalty) * (1 - badShare)));
}
