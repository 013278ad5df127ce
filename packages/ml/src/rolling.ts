// Adaptive (rolling) limits one sample at a time, for a live data-quality rule: the same limits as
// `rollingLimits` (mean ± k·σ over the trailing `windowMs` before each sample, the sample itself
// excluded, NaN until `minPoints` samples are in the window), kept as running sums over a queue of
// the window's samples, so each sample costs O(1) amortised instead of a pass over the window.

export interface RollingLimitsOptions {
  readonly windowMs: number;
  readonly k: number;
  readonly minPoints?: number;
}

export interface RollingLimit {
  /** NaN while fewer than minPoints samples are in the window. */
  readonly lower: number;
  readonly upper: number;
  /** The sample is outside [lower, upper] (false while the limits are NaN). */
  readonly outside: boolean;
  /** Samples in the window the limits come from. */
  readonly points: number;
}

export class RollingLimitsTracker {
  readonly #o: Required<RollingLimitsOptions>;
  #times: number[] = [];
  #values: number[] = [];
  #head = 0;
  #s = 0;
  #sq = 0;
  #cnt = 0;
  #last = -Infinity;

  constructor(o: RollingLimitsOptions) {
    if (!(o.windowMs > 0)) throw new RangeError('windowMs must be > 0');
    if (!(o.k > 0)) throw new RangeError('k must be > 0');
    this.#o = { windowMs: o.windowMs, k: o.k, minPoints: o.minPoints ?? 10 };
  }

  /**
   * The limits at `timeMs` from the samples before it, then `value` joins the window (NaN values
   * are judged by nothing and do not join). A time before the previous one returns null and is
   * not added: the window only moves forward.
   */
  next(timeMs: number, value: number): RollingLimit | null {
    if (timeMs < this.#last) return null;
    this.#last = timeMs;
    while (this.#head < this.#times.length && this.#times[this.#head]! < timeMs - this.#o.windowMs) {
      const v = this.#values[this.#head]!;
      this.#s -= v;
      this.#sq -= v * v;
      this.#cnt--;
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#times.length) {
      this.#times = this.#times.slice(this.#head);
      this.#values = this.#values.slice(this.#head);
      this.#head = 0;
    }
    let lower = NaN,
      upper = NaN,
      outside = false;
    const points = this.#cnt;
    if (this.#cnt >= this.#o.minPoints) {
      const m = this.#s / this.#cnt;
      const sd = Math.sqrt(Math.max(0, (this.#sq - this.#cnt * m * m) / (this.#cnt - 1)));
      lower = m - this.#o.k * sd;
      upper = m + this.#o.k * sd;
      outside = !Number.isNaN(value) && (value < lower || value > upper);
    }
    if (!Number.isNaN(value)) {
      this.#times.push(timeMs);
      this.#values.push(value);
      this.#s += value;
      this.#sq += value * value;
      this.#cnt++;
    }
    return { lower, upper, outside, points };
  }
}
