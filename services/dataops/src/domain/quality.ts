// Data-quality rules per tag, evaluated in plant time (sample timestamps; `tick` takes the plant
// clock of the latest batch), never the wall clock. `evaluate` is a pure step: previous state +
// one sample → next state + transitions (issue raised / cleared). The caller turns warning and
// critical transitions into DataQualityIssueRaised/Cleared events (info findings stay in the
// report); replaying the same samples gives the same events.
//
// Samples arrive in bursts (one UNS batch per publishing interval; at ×10 plant speed a 250 ms
// wall interval is 2.5 s of plant time) and, from OPC UA, only when a value changed. So silence
// and lateness are judged against a window of max(staleAfterIntervals × expected interval,
// minWindowMs) — the expected interval from declared metadata (catalog sampling rate, batch
// spacing), not from observed sample spacing — and stale/late clear only after a clear window.

export const QualityRule = {
  Stale: 'stale',
  Gap: 'gap',
  Flatline: 'flatline',
  OutOfRange: 'out-of-range',
  Spike: 'spike',
  RateOfChange: 'rate-of-change',
  BadQuality: 'bad-quality',
  Late: 'late',
  /** Outside the tag's adaptive (rolling) limits: mean ± k·σ of its own recent values. */
  AdaptiveLimits: 'adaptive-limits',
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
  'adaptive-limits': 'out-of-range',
};

// Severity decides where a finding goes: warning and critical issues become events (decisions
// recorded for good); info findings (a past gap) only show in the quality report and health score.
const SEVERITY_OF_RULE: Readonly<Record<QualityRule, IssueSeverity>> = {
  stale: 'critical',
  gap: 'info',
  flatline: 'warning',
  'out-of-range': 'critical',
  spike: 'warning',
  'rate-of-change': 'warning',
  'bad-quality': 'warning',
  // Server vs source time is a hint, not proof (an accelerated or replayed plant clock runs apart
  // from the server's): report only.
  late: 'info',
  // Unusual for this tag lately, not implausible: a warning (the fixed range stays the critical one).
  'adaptive-limits': 'warning',
};

export const severityOf = (rule: QualityRule): IssueSeverity => SEVERITY_OF_RULE[rule];

export interface QualityRules {
  /** Declared sampling interval (catalog / TagMapped), or this default when none is declared. */
  expectedIntervalMs: number;
  /**
   * Plant-time spacing of the asset's UNS batches (their `plantTime` is the end of a publishing
   * interval); samples arrive in bursts of this spacing, so nothing is expected more often. null: unknown.
   */
  publishingIntervalMs: number | null;
  /** Floor of the expected interval, whatever is declared or observed. */
  minExpectedIntervalMs: number;
  /** The stale / gap / late window is this many expected intervals … */
  staleAfterIntervals: number;
  /** … and at least this long (plant time): shorter silences are normal burst spacing. */
  minWindowMs: number;
  /** Stale and late clear only after this long healthy (plant time). null: the raise window. */
  clearWindowMs: number | null;
  /**
   * The source reports by exception (OPC UA monitored items send a value only when it changed, or
   * left the deadband): a silent tag holds its last value and is not missing. Silence then counts
   * as no data only when the whole asset falls silent while its source keeps publishing.
   */
  reportByException: boolean;
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
  /** Server minus source timestamp above this (for the whole window) → late (clock-skew). */
  lateAfterMs: number;
  /** Gaps within this much plant time before the latest sample lower the health score. */
  gapMemoryMs: number;
  /** Adaptive (rolling) limits configured for this tag; null: none. The limits come with each sample. */
  adaptive: AdaptiveLimitsRule | null;
}

/** A live adaptive-limits rule: outside mean ± k·σ of the tag's last `windowMs` (Good samples). */
export interface AdaptiveLimitsRule {
  windowMs: number;
  k: number;
  /** Limits exist once the window holds this many samples. */
  minPoints: number;
  /** Raised once outside for this long (plant time; 0: at the first sample outside) … */
  raiseAfterMs: number;
  /** … cleared once inside for this long. */
  clearAfterMs: number;
}

/** An adaptive-limits rule as configured: for `tag` on every asset, or on assets under `assetPath` (a UNS path prefix). */
export interface AdaptiveLimitsConfig {
  tag: string;
  assetPath?: string;
  windowMs: number;
  k: number;
  minPoints?: number;
  raiseAfterMs?: number;
  clearAfterMs?: number;
}

/** The rule of a tag: the most specific configured entry (longest asset prefix) naming it, or null. */
export function adaptiveRuleFor(configs: readonly AdaptiveLimitsConfig[], assetPath: string, tag: string): AdaptiveLimitsRule | null {
  const hit = configs
    .filter((c) => c.tag === tag && (c.assetPath === undefined || assetPath === c.assetPath || assetPath.startsWith(`${c.assetPath}.`)))
    .sort((x, y) => (y.assetPath?.length ?? -1) - (x.assetPath?.length ?? -1))[0];
  if (hit === undefined) return null;
  return { windowMs: hit.windowMs, k: hit.k, minPoints: hit.minPoints ?? 30, raiseAfterMs: hit.raiseAfterMs ?? 0, clearAfterMs: hit.clearAfterMs ?? 60_000 };
}

export const DEFAULT_RULES: QualityRules = {
  expectedIntervalMs: 1000,
  publishingIntervalMs: null,
  minExpectedIntervalMs: 100,
  staleAfterIntervals: 10,
  minWindowMs: 60_000,
  clearWindowMs: null,
  reportByException: true,
  flatlineWindowMs: 10 * 60_000,
  flatlineTolerance: 0,
  range: null,
  spikeDelta: null,
  maxRatePerS: null,
  badShareThreshold: 0.2,
  badWindow: 50,
  lateAfterMs: 60_000,
  gapMemoryMs: 60 * 60_000,
  adaptive: null,
};

export interface QualityWindows {
  /** max(declared sampling, publishing interval, floor). */
  expectedMs: number;
  /** Silence / lateness must last this long before an issue: max(staleAfterIntervals × expected, minWindowMs). */
  windowMs: number;
  /** Healthy this long before stale / late clear. */
  clearMs: number;
}

export function qualityWindows(r: QualityRules): QualityWindows {
  const expectedMs = Math.max(r.expectedIntervalMs, r.publishingIntervalMs ?? 0, r.minExpectedIntervalMs, 1);
  const windowMs = Math.max(r.staleAfterIntervals * expectedMs, r.minWindowMs);
  return { expectedMs, windowMs, clearMs: r.clearWindowMs ?? windowMs };
}

export interface ActiveIssue {
  rule: QualityRule;
  kind: IssueKind;
  severity: IssueSeverity;
  /** Plant time the issue was raised, epoch ms. */
  raisedAt: number;
  detail: string;
  observed: number | null;
}

/** A silence longer than the window, seen after the fact (info: report and health score only). */
export interface GapNote {
  from: number;
  to: number;
  detail: string;
}

const MAX_GAP_NOTES = 20;

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
  /** Hysteresis: since when a not-yet-raised condition has held … */
  pendingSince: Partial<Record<QualityRule, number>>;
  /** … and since when an active issue's condition has been absent. */
  healthySince: Partial<Record<QualityRule, number>>;
  /** Latest gaps (at most 20), oldest first, and totals since start. */
  gaps: GapNote[];
  gapCount: number;
  gapMs: number;
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
  pendingSince: {},
  healthySince: {},
  gaps: [],
  gapCount: 0,
  gapMs: 0,
});

export type QualityTransition = { type: 'raised'; issue: ActiveIssue } | { type: 'cleared'; issue: ActiveIssue; clearedAt: number };

export interface QualitySample {
  ts: number;
  serverTs: number;
  value: number | string | boolean;
  bad: boolean;
  /** The tag's adaptive limits at this sample (from the samples before it), when it has a rule; NaN while warming up. */
  limits?: { lower: number; upper: number } | null;
}

const fmtMs = (ms: number): string => (ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(1)} s`);

class Step {
  readonly transitions: QualityTransition[] = [];
  constructor(
    readonly state: TagQualityState,
    readonly tag: string,
  ) {}
  /** Raises or clears at once (rules whose condition already spans a window, or a value check). */
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
  /**
   * With hysteresis: raised once the condition has held for `raiseAfterMs`, cleared once it has
   * been absent for `clearAfterMs` (plant time). A condition that comes back while clearing keeps
   * the issue open, so a flapping condition is one issue.
   */
  hold(rule: QualityRule, on: boolean, at: number, raiseAfterMs: number, clearAfterMs: number, detail: () => string, observed: number | null): void {
    const s = this.state;
    if (on) {
      delete s.healthySince[rule];
      if (s.active[rule] !== undefined) return;
      const since = (s.pendingSince[rule] ??= at);
      if (at - since >= raiseAfterMs) {
        delete s.pendingSince[rule];
        this.set(rule, true, at, detail, observed);
      }
    } else {
      delete s.pendingSince[rule];
      if (s.active[rule] === undefined) return;
      const since = (s.healthySince[rule] ??= at);
      if (at - since >= clearAfterMs) {
        delete s.healthySince[rule];
        this.set(rule, false, at, () => '', observed);
      }
    }
  }
}

function copy(s: TagQualityState): TagQualityState {
  return {
    ...s,
    recentBad: [...s.recentBad],
    active: { ...s.active },
    pendingSince: { ...s.pendingSince },
    healthySince: { ...s.healthySince },
    gaps: [...s.gaps],
  };
}

function noteGapIn(s: TagQualityState, from: number, to: number, detail: string): void {
  s.gaps.push({ from, to, detail });
  if (s.gaps.length > MAX_GAP_NOTES) s.gaps.shift();
  s.gapCount += 1;
  s.gapMs += to - from;
}

/**
 * Records a silence of the whole asset (report-by-exception sources, where one tag's silence
 * proves nothing) as a gap note on the tag: info, for the report and health score, never an event.
 */
export function noteGap(prev: TagQualityState, tag: string, from: number, to: number, rules: QualityRules): TagQualityState {
  const s = copy(prev);
  const w = qualityWindows(rules);
  noteGapIn(s, from, to, `${tag}: the asset sent nothing for ${fmtMs(to - from)} (window ${fmtMs(w.windowMs)}); the gap is kept, not filled`);
  return s;
}

/** One sample through every rule. Samples older than the last one only count toward quality share. */
export function evaluate(
  prev: TagQualityState,
  tag: string,
  sample: QualitySample,
  rules: QualityRules,
): { state: TagQualityState; transitions: QualityTransition[] } {
  const step = new Step(copy(prev), tag);
  const s = step.state;
  const w = qualityWindows(rules);
  s.samples += 1;
  if (sample.bad) s.badSamples += 1;
  s.recentBad.push(sample.bad);
  if (s.recentBad.length > rules.badWindow) s.recentBad.shift();
  const badShare = s.recentBad.filter(Boolean).length / s.recentBad.length;
  step.set(
    'bad-quality',
    s.recentBad.length >= Math.min(rules.badWindow, 5) && badShare > rules.badShareThreshold,
    sample.ts,
    () =>
      `${tag}: ${(badShare * 100).toFixed(0)} % of the last ${s.recentBad.length} samples have Bad quality (threshold ${(rules.badShareThreshold * 100).toFixed(0)} %)`,
    badShare,
  );

  if (s.lastTs !== null && sample.ts < s.lastTs) return { state: s, transitions: step.transitions }; // out of order: no trend rules

  // Late: every sample over the limit for the whole window, and on time again for the clear window.
  const lateBy = sample.serverTs - sample.ts;
  step.hold(
    'late',
    lateBy > rules.lateAfterMs,
    sample.ts,
    w.windowMs,
    w.clearMs,
    () => `${tag}: samples arrive ${fmtMs(lateBy)} after their source timestamp (limit ${fmtMs(rules.lateAfterMs)}) for ${fmtMs(w.windowMs)}`,
    lateBy,
  );

  // Data is flowing: stale starts clearing (it clears after the clear window, see `tick`).
  step.hold('stale', false, sample.ts, 0, w.clearMs, () => '', null);
  // A silence between two samples is a gap only for sources that send every sample: with report by
  // exception an unchanged value is not sent and not missing. Longer than the window only; a note.
  if (!rules.reportByException && s.lastTs !== null && sample.ts - s.lastTs > w.windowMs) {
    const silence = sample.ts - s.lastTs;
    noteGapIn(
      s,
      s.lastTs,
      sample.ts,
      `${tag}: no samples for ${fmtMs(silence)} (expected every ${fmtMs(w.expectedMs)}, window ${fmtMs(w.windowMs)}); the gap is kept, not filled`,
    );
  }

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
  const a = rules.adaptive;
  const lim = sample.limits;
  if (a !== null && lim != null && !Number.isNaN(lim.lower) && !Number.isNaN(lim.upper)) {
    step.hold(
      'adaptive-limits',
      v < lim.lower || v > lim.upper,
      sample.ts,
      a.raiseAfterMs,
      a.clearAfterMs,
      () =>
        `${tag}: ${v} is outside its adaptive limits ${lim.lower.toPrecision(4)}..${lim.upper.toPrecision(4)} (mean ± ${a.k}σ of the last ${fmtMs(a.windowMs)})`,
      v,
    );
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
  // Flatline: the value keeps being reported unchanged although it is expected to move.
  if (rules.flatlineWindowMs > 0) {
    if (s.flatValue === null || s.flatSince === null || Math.abs(v - s.flatValue) > rules.flatlineTolerance) {
      s.flatValue = v;
      s.flatSince = sample.ts;
      step.set('flatline', false, sample.ts, () => '', v);
    } else {
      const flatFor = sample.ts - s.flatSince;
      step.set(
        'flatline',
        flatFor >= rules.flatlineWindowMs,
        sample.ts,
        () => `${tag}: value ${v} has not changed for ${fmtMs(flatFor)} (window ${fmtMs(rules.flatlineWindowMs)})`,
        v,
      );
    }
  }
  s.lastTs = sample.ts;
  s.lastValue = v;
  return { state: s, transitions: step.transitions };
}

/**
 * The plant clock of the tag's source moved to `plantNow` (a batch of the source arrived).
 * No data for longer than the window → stale; it clears once data has flowed (no silence over
 * half the window) for the clear window.
 * Sources that send every sample: the tag's own silence counts. Report by exception: a silent tag
 * holds its value, so only a silence of the whole asset (`assetSeenAt`, its latest batch) counts.
 */
export function tick(
  prev: TagQualityState,
  tag: string,
  plantNow: number,
  rules: QualityRules,
  assetSeenAt: number | null = null,
): { state: TagQualityState; transitions: QualityTransition[] } {
  if (prev.lastTs === null) return { state: prev, transitions: [] };
  const w = qualityWindows(rules);
  const since = rules.reportByException ? Math.max(assetSeenAt ?? prev.lastTs, prev.lastTs) : prev.lastTs;
  const silence = plantNow - since;
  const on = silence > w.windowMs;
  // Nothing to do: healthy and nothing to clear (the common case; no copy).
  if (!on && prev.active.stale === undefined) return { state: prev, transitions: [] };
  if (on && prev.active.stale !== undefined && prev.healthySince.stale === undefined) return { state: prev, transitions: [] };
  if (!on && silence > w.windowMs / 2) {
    // Hysteresis band: not stale again, but not flowing either — clearing starts over.
    if (prev.healthySince.stale === undefined) return { state: prev, transitions: [] };
    const s = copy(prev);
    delete s.healthySince.stale;
    return { state: s, transitions: [] };
  }
  const step = new Step(copy(prev), tag);
  step.hold(
    'stale',
    on,
    plantNow,
    0,
    w.clearMs,
    () =>
      rules.reportByException
        ? `${tag}: the asset sent no value for ${fmtMs(silence)} while its source kept publishing (window ${fmtMs(w.windowMs)})`
        : `${tag}: no new value for ${fmtMs(silence)}, expected every ${fmtMs(w.expectedMs)} (window ${fmtMs(w.windowMs)})`,
    silence,
  );
  return { state: step.state, transitions: step.transitions };
}

const PENALTY: Readonly<Record<IssueSeverity, number>> = { info: 0.05, warning: 0.25, critical: 0.5 };

/** 1 = healthy. Active issues subtract by severity; the recent share of Bad samples scales the rest. */
export function healthScore(s: TagQualityState, gapMemoryMs: number = DEFAULT_RULES.gapMemoryMs): number {
  const penalty = Object.values(s.active).reduce((sum, i) => sum + (i === undefined ? 0 : PENALTY[i.severity]), 0);
  const badShare = s.recentBad.length === 0 ? 0 : s.recentBad.filter(Boolean).length / s.recentBad.length;
  return Math.max(0, Math.min(1, (1 - penalty) * (1 - badShare) * (1 - recentGapShare(s, gapMemoryMs))));
}

/** Share of the last `memoryMs` (plant time, up to the latest sample) lost in gaps. */
export function recentGapShare(s: TagQualityState, memoryMs: number): number {
  if (s.lastTs === null || memoryMs <= 0 || s.gaps.length === 0) return 0;
  const from = s.lastTs - memoryMs;
  let lost = 0;
  for (const g of s.gaps) lost += Math.max(0, Math.min(g.to, s.lastTs) - Math.max(g.from, from));
  return Math.min(1, lost / memoryMs);
}
