// Per-asset live windows: each tag's recent samples in growable typed arrays, and the model's
// inputs computed from them by @industrial/ml `computeWindowFeatures` with the window spec the
// model carries — the same function and the same spec training built its rows with. Pure.
//
// Bad-quality samples never enter a feature. A tag whose last Good sample is older than the
// staleness limit, or that has no Good sample, yields NaN and is reported as missing with its
// reason — the caller decides (impute as the model card says, or fall back), so a gap is never
// filled silently.
import { computeWindowFeatures, type TagSeries as MlTagSeries, type WindowMissingReason, type WindowSpec } from '@industrial/ml';

export type MissingReason = WindowMissingReason;
export type { WindowSpec };

/** Samples of one tag, oldest first, in growable typed arrays (no per-sample objects). */
class TagBuffer {
  t = new Float64Array(64);
  v = new Float64Array(64);
  good = new Uint8Array(64);
  start = 0;
  end = 0;
  /** Good samples whose value differed from the previous Good one, since the tag was first seen (a moving reading vs a state code). */
  changes = 0;
  /** Of those, the ones going down (a counter never does). */
  falls = 0;
  firstGoodMs = NaN;
  private lastGood = NaN;

  push(tMs: number, value: number, good: boolean): void {
    // Out-of-order and repeated samples (a redelivered batch, a replay meeting the live stream)
    // are dropped: windows only move forward.
    if (this.end > this.start && tMs <= this.t[this.end - 1]!) return;
    if (this.end === this.t.length) this.compact();
    this.t[this.end] = tMs;
    this.v[this.end] = value;
    this.good[this.end] = good ? 1 : 0;
    this.end++;
    if (good) {
      if (Number.isNaN(this.firstGoodMs)) this.firstGoodMs = tMs;
      else if (value !== this.lastGood) {
        this.changes++;
        if (value < this.lastGood) this.falls++;
      }
      this.lastGood = value;
    }
  }

  private compact(): void {
    const n = this.end - this.start;
    const cap = n * 2 > this.t.length ? this.t.length * 2 : this.t.length;
    const t = new Float64Array(cap),
      v = new Float64Array(cap),
      g = new Uint8Array(cap);
    t.set(this.t.subarray(this.start, this.end));
    v.set(this.v.subarray(this.start, this.end));
    g.set(this.good.subarray(this.start, this.end));
    this.t = t;
    this.v = v;
    this.good = g;
    this.start = 0;
    this.end = n;
  }

  /** Drops samples before `tMs`, keeping the last Good one before it (its value is held into the window). */
  pruneBefore(tMs: number): void {
    let keep = -1;
    let i = this.start;
    for (; i < this.end && this.t[i]! < tMs; i++) if (this.good[i]) keep = i;
    this.start = keep >= 0 ? keep : i;
  }

  view(): MlTagSeries {
    return {
      timestampsMs: this.t.subarray(this.start, this.end),
      values: this.v.subarray(this.start, this.end),
      good: this.good.subarray(this.start, this.end),
    };
  }

  get size(): number {
    return this.end - this.start;
  }
}

/** The live window of one asset: every tag's recent samples. */
export class AssetWindow {
  private readonly series = new Map<string, TagBuffer>();
  private latestMs = -Infinity;

  /** `lengthMs`: history kept (at least the longest window any model or rule reads). */
  constructor(public lengthMs: number) {}

  add(tag: string, tMs: number, value: number, good: boolean): void {
    let s = this.series.get(tag);
    if (s === undefined) this.series.set(tag, (s = new TagBuffer()));
    s.push(tMs, Number.isFinite(value) ? value : NaN, good && Number.isFinite(value));
    if (tMs > this.latestMs) this.latestMs = tMs;
  }

  /** Drops samples older than the kept history (relative to the newest sample seen). */
  prune(): void {
    const cut = this.latestMs - this.lengthMs;
    for (const s of this.series.values()) s.pruneBefore(cut);
  }

  get newestMs(): number {
    return this.latestMs;
  }

  /** One tag's samples as an @industrial/ml series (views, no copy), or undefined. */
  seriesOf(tag: string): MlTagSeries | undefined {
    const s = this.series.get(tag);
    return s === undefined || s.size === 0 ? undefined : s.view();
  }

  /** How often a tag's Good value changed (and went down) since its first Good sample, and when that was. */
  changesOf(tag: string): { changes: number; falls: number; sinceMs: number } {
    const s = this.series.get(tag);
    return s === undefined ? { changes: 0, falls: 0, sinceMs: NaN } : { changes: s.changes, falls: s.falls, sinceMs: s.firstGoodMs };
  }

  sampleCount(): number {
    let n = 0;
    for (const s of this.series.values()) n += s.size;
    return n;
  }
}

export interface WindowValues {
  /** One value per spec feature (spec order), NaN when missing. */
  readonly values: Float64Array;
  readonly missing: ReadonlyArray<{ readonly input: string; readonly reason: MissingReason }>;
  readonly fromMs: number;
  readonly toMs: number;
}

/** Span from the first to the last grid point of a spec's window (a full window needs this much history). */
export const windowSpanMs = (spec: WindowSpec): number => (spec.windowMinutes - spec.gridMinutes) * 60_000;

/**
 * The spec's features for the window ending at `toMs` (@industrial/ml computeWindowFeatures).
 * `staleMs`: a tag whose newest Good sample is older than this counts as missing (the stricter of
 * it and the spec's own limit).
 */
export function windowValues(window: AssetWindow, spec: WindowSpec, toMs: number, staleMs: number): WindowValues {
  const limit = Math.min(staleMs, spec.staleMinutes === undefined ? Infinity : spec.staleMinutes * 60_000);
  const row = computeWindowFeatures(spec, (tag) => window.seriesOf(tag), toMs, { staleMs: limit });
  return { values: row.values, missing: row.missing.map((m) => ({ input: m.feature, reason: m.reason })), fromMs: row.fromMs, toMs: row.toMs };
}
