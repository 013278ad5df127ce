// Sensor faults are a data-quality matter, not a maintenance one: a dropped-out, stuck or spiking
// sensor must not read as a failing asset. Before a window is scored, the tags it reads are checked
// with simple tests on the samples already held (their quality flags, their timing, their values);
// a problem holds the asset's prompts and is shown as a plain notice instead. Pure.
import type { AssetWindow } from './window.ts';

export type DataQualityKind = 'dropout' | 'stuck' | 'spike';

export interface DataQualityIssue {
  readonly tag: string;
  readonly kind: DataQualityKind;
  /** Plain words for the operator. */
  readonly words: string;
}

export interface DataQualityLimits {
  /** Bad-quality readings this recent mean the sensor is out (plant ms). */
  readonly recentMs: number;
  /** A tag that used to update and has been silent (or repeated one value) this long is stuck (plant ms). */
  readonly stuckMs: number;
  /** An isolated jump this many small steps (the lower quartile) away from both neighbours is a spike. */
  readonly spikeSteps: number;
  /** Isolated spikes needed (one outlier may be the process). */
  readonly minSpikes: number;
  /** Spikes this recent hold the asset (they sit in the window's statistics meanwhile; plant ms). */
  readonly spikeRecentMs: number;
}

export const DEFAULT_DATA_QUALITY_LIMITS: DataQualityLimits = {
  recentMs: 5 * 60_000,
  stuckMs: 15 * 60_000,
  spikeSteps: 12,
  minSpikes: 3,
  spikeRecentMs: 60 * 60_000,
};

/**
 * The `q` quantile of `xs`: the value at index ⌊q·n⌋ of `xs` sorted ascending. Selected in place
 * (Wirth's quickselect, reorders `xs`) instead of sorted: this runs for every window scored.
 * `xs` holds finite numbers only.
 */
export function lowerQuantile(xs: Float64Array, q: number): number {
  if (xs.length === 0) return NaN;
  const k = Math.min(xs.length - 1, Math.floor(q * xs.length));
  let lo = 0,
    hi = xs.length - 1;
  while (lo < hi) {
    const pivot = xs[k]!;
    let i = lo,
      j = hi;
    do {
      while (xs[i]! < pivot) i++;
      while (pivot < xs[j]!) j--;
      if (i <= j) {
        const x = xs[i]!;
        xs[i++] = xs[j]!;
        xs[j--] = x;
      }
    } while (i <= j);
    if (j < k) lo = i;
    if (k < i) hi = j;
  }
  return xs[k]!;
}

const plainTag = (tag: string) => tag.replaceAll('_', ' ');

/** The first data-quality problem among `tags` in the window ending at `toMs`, or null. */
export function dataQualityIssue(window: AssetWindow, tags: readonly string[], toMs: number, limits = DEFAULT_DATA_QUALITY_LIMITS): DataQualityIssue | null {
  for (const tag of new Set(tags)) {
    const s = window.seriesOf(tag);
    if (s === undefined) continue;
    const n = s.timestampsMs.length;
    const t = s.timestampsMs,
      v = s.values,
      g = s.good;
    // Dropout: the source itself flags recent readings as bad.
    for (let i = n - 1; i >= 0 && t[i]! > toMs - limits.recentMs; i--) {
      if (!g[i])
        return {
          tag,
          kind: 'dropout',
          words: `The ${plainTag(tag)} sensor reports bad readings: prompts for this asset are held until its recent readings are all good again.`,
        };
    }
    // Stuck: a reading that moves all the time (not a state code, not a counter, which rest
    // legitimately) stopped changing: silent under report-by-exception, or one value repeated.
    // Its history may have left the window by now.
    const life = window.changesOf(tag);
    const typicalChangeMs = (t[n - 1]! - life.sinceMs) / Math.max(1, life.changes);
    if (life.changes >= 30 && life.falls >= 10 && typicalChangeMs * 10 <= limits.stuckMs) {
      let same = n - 1;
      while (same > 0 && v[same - 1] === v[n - 1]) same--;
      const frozenSinceMs = t[same]!;
      if (toMs - frozenSinceMs >= limits.stuckMs) {
        const min = Math.round((toMs - frozenSinceMs) / 60_000);
        return {
          tag,
          kind: 'stuck',
          words: `The ${plainTag(tag)} reading has not changed for ${min} min: the sensor looks stuck, so prompts for this asset are held.`,
        };
      }
    }
    // The typical gap and step of a reading that moves. This runs for every window scored (a
    // window holds thousands of samples per tag), so: typed arrays, and distinct values counted
    // only up to the 8 the test needs.
    const gapsAll = new Float64Array(n),
      stepsAll = new Float64Array(n);
    let pairs = 0;
    const distinct = new Set<number>();
    for (let i = 0; i < n; i++) {
      if (!g[i]) continue;
      if (distinct.size < 8) distinct.add(v[i]!);
      if (i > 0 && g[i - 1]) {
        gapsAll[pairs] = t[i]! - t[i - 1]!;
        stepsAll[pairs++] = Math.abs(v[i]! - v[i - 1]!);
      }
    }
    if (distinct.size < 8 || pairs < 8) continue;
    const gap = lowerQuantile(gapsAll.subarray(0, pairs), 0.5);
    // Spike: one reading far from both neighbours, which agree with each other, within a few
    // typical gaps. The scale is the lower quartile of the steps, so spikes among them do not set it.
    const step = lowerQuantile(stepsAll.subarray(0, pairs), 0.25);
    if (!(step > 0)) continue;
    const far = limits.spikeSteps * step;
    let spikes = 0;
    for (let i = n - 2; i >= 1 && t[i]! > toMs - limits.spikeRecentMs; i--) {
      if (!g[i] || !g[i - 1] || !g[i + 1]) continue;
      const isolated = t[i + 1]! - t[i - 1]! <= 4 * gap;
      const spike = isolated && Math.abs(v[i]! - v[i - 1]!) > far && Math.abs(v[i]! - v[i + 1]!) > far && Math.abs(v[i + 1]! - v[i - 1]!) < far / 2;
      if (spike && ++spikes >= limits.minSpikes) {
        return {
          tag,
          kind: 'spike',
          words: `The ${plainTag(tag)} reading jumps and falls straight back: the sensor looks faulty, so prompts for this asset are held.`,
        };
      }
    }
  }
  return null;
}
