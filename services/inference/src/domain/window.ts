// Per-asset sliding windows of live samples and their aggregation into model inputs. Pure.
//
// A model declares its raw inputs by name; a window input is `<tag>__<aggregate>` (e.g.
// `bearing_temperature__mean`, `vibration_rms__slope`). The aggregates here are the ONLY place
// the window → row step is defined; training builds its rows with the same `aggregateWindow`
// (exported from the package) and the engineered features come from @industrial/ml's feature
// module inside the model, so live rows and training rows are computed by the same code.
//
// Bad-quality samples never enter an aggregate. A tag whose last Good sample is older than the
// staleness limit, or that has no Good sample in the window, yields NaN and is reported as
// missing with its reason — the caller decides (impute as the model card says, or fall back),
// so a gap is never filled silently.

export const WindowAggregate = { Mean: 'mean', Last: 'last', Slope: 'slope', Min: 'min', Max: 'max', Std: 'std' } as const;
export type WindowAggregate = (typeof WindowAggregate)[keyof typeof WindowAggregate];
const AGGREGATES: ReadonlySet<string> = new Set(Object.values(WindowAggregate));

export type MissingReason = 'absent' | 'bad' | 'stale';

/** `<tag>__<aggregate>` → its parts, or null for a name that is not a window input. */
export function parseWindowInput(name: string): { tag: string; aggregate: WindowAggregate } | null {
  const i = name.lastIndexOf('__');
  if (i <= 0) return null;
  const aggregate = name.slice(i + 2);
  if (!AGGREGATES.has(aggregate)) return null;
  return { tag: name.slice(0, i), aggregate: aggregate as WindowAggregate };
}

export const windowInput = (tag: string, aggregate: WindowAggregate): string => `${tag}__${aggregate}`;

/** Samples of one tag, oldest first, in growable typed arrays (no per-sample objects). */
class TagSeries {
  t = new Float64Array(64);
  v = new Float64Array(64);
  good = new Uint8Array(64);
  start = 0;
  end = 0;

  push(tMs: number, value: number, good: boolean): void {
    // Out-of-order samples (a redelivered batch) are dropped: windows only move forward.
    if (this.end > this.start && tMs < this.t[this.end - 1]!) return;
    if (this.end === this.t.length) this.compact();
    this.t[this.end] = tMs;
    this.v[this.end] = value;
    this.good[this.end] = good ? 1 : 0;
    this.end++;
  }

  private compact(): void {
    const n = this.end - this.start;
    const cap = n * 2 > this.t.length ? this.t.length * 2 : this.t.length;
    const t = new Float64Array(cap), v = new Float64Array(cap), g = new Uint8Array(cap);
    t.set(this.t.subarray(this.start, this.end));
    v.set(this.v.subarray(this.start, this.end));
    g.set(this.good.subarray(this.start, this.end));
    this.t = t; this.v = v; this.good = g;
    this.start = 0; this.end = n;
  }

  pruneBefore(tMs: number): void {
    while (this.start < this.end && this.t[this.start]! < tMs) this.start++;
  }

  get size(): number {
    return this.end - this.start;
  }
}

/** The live window of one asset: every tag's recent samples. */
export class AssetWindow {
  private readonly series = new Map<string, TagSeries>();
  private latestMs = -Infinity;

  constructor(readonly lengthMs: number) {}

  add(tag: string, tMs: number, value: number, good: boolean): void {
    let s = this.series.get(tag);
    if (s === undefined) this.series.set(tag, (s = new TagSeries()));
    s.push(tMs, Number.isFinite(value) ? value : NaN, good && Number.isFinite(value));
    if (tMs > this.latestMs) this.latestMs = tMs;
  }

  /** Drops samples older than the window (relative to the newest sample seen). */
  prune(): void {
    const cut = this.latestMs - this.lengthMs;
    for (const s of this.series.values()) s.pruneBefore(cut);
  }

  get newestMs(): number {
    return this.latestMs;
  }

  /** @internal read access for aggregation */
  seriesOf(tag: string): TagSeries | undefined {
    return this.series.get(tag);
  }

  sampleCount(): number {
    let n = 0;
    for (const s of this.series.values()) n += s.size;
    return n;
  }
}

export interface AggregatedWindow {
  /** One value per requested input, NaN when missing. */
  readonly values: Float64Array;
  readonly missing: ReadonlyArray<{ readonly input: string; readonly reason: MissingReason }>;
  readonly fromMs: number;
  readonly toMs: number;
}

/**
 * Aggregates the window `[toMs − lengthMs, toMs]` into the requested inputs. `staleMs`: a tag
 * whose newest Good sample is older than `toMs − staleMs` counts as stale (missing).
 * Slope is per hour (least squares over Good samples).
 */
export function aggregateWindow(window: AssetWindow, inputs: readonly string[], toMs: number, staleMs: number): AggregatedWindow {
  const fromMs = toMs - window.lengthMs;
  const values = new Float64Array(inputs.length);
  const missing: { input: string; reason: MissingReason }[] = [];
  for (let k = 0; k < inputs.length; k++) {
    const name = inputs[k]!;
    const parsed = parseWindowInput(name);
    const s = parsed === null ? undefined : window.seriesOf(parsed.tag);
    if (parsed === null || s === undefined || s.size === 0) {
      values[k] = NaN;
      missing.push({ input: name, reason: 'absent' });
      continue;
    }
    let n = 0, sum = 0, sumSq = 0, min = Infinity, max = -Infinity, last = NaN, lastT = -Infinity, anyInWindow = false;
    let st = 0, stt = 0, stv = 0;
    for (let i = s.start; i < s.end; i++) {
      const t = s.t[i]!;
      if (t < fromMs || t > toMs) continue;
      anyInWindow = true;
      if (s.good[i] === 0) continue;
      const v = s.v[i]!;
      n++; sum += v; sumSq += v * v;
      if (v < min) min = v;
      if (v > max) max = v;
      last = v; lastT = t;
      const th = (t - fromMs) / 3_600_000;
      st += th; stt += th * th; stv += th * v;
    }
    if (n === 0) {
      values[k] = NaN;
      missing.push({ input: name, reason: anyInWindow ? 'bad' : 'absent' });
      continue;
    }
    if (lastT < toMs - staleMs) {
      values[k] = NaN;
      missing.push({ input: name, reason: 'stale' });
      continue;
    }
    const mean = sum / n;
    switch (parsed.aggregate) {
      case 'mean': values[k] = mean; break;
      case 'last': values[k] = last; break;
      case 'min': values[k] = min; break;
      case 'max': values[k] = max; break;
      case 'std': values[k] = n > 1 ? Math.sqrt(Math.max(0, (sumSq - n * mean * mean) / (n - 1))) : 0; break;
      case 'slope': {
        const den = n * stt - st * st;
        values[k] = n > 1 && den > 1e-12 ? (n * stv - st * sum) / den : 0;
        break;
      }
      default: {
        const never: never = parsed.aggregate;
        throw new Error(`unknown aggregate ${String(never)}`);
      }
    }
  }
  return { values, missing, fromMs, toMs };
}
