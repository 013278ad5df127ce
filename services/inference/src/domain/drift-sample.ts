// The live sample of the drift monitor (features/monitoring.ts): a ring buffer of the newest values
// per input, and the order statistics its comparison uses. Pure.

export class Ring {
  readonly data: Float64Array;
  count = 0;
  next = 0;
  constructor(capacity: number) {
    this.data = new Float64Array(capacity);
  }
  push(v: number): void {
    this.data[this.next] = v;
    this.next = (this.next + 1) % this.data.length;
    if (this.count < this.data.length) this.count++;
  }
  values(): Float64Array {
    return this.count < this.data.length ? this.data.subarray(0, this.count) : this.data;
  }
  /** The newest `k` values (fewer when fewer were pushed), in no particular order. */
  newest(k: number): Float64Array {
    if (k >= this.count) return this.values();
    const out = new Float64Array(k);
    for (let i = 0; i < k; i++) out[i] = this.data[(this.next - 1 - i + this.data.length) % this.data.length]!;
    return out;
  }
}

/** Concatenated values of one ring per asset. */
export function concat(parts: readonly Float64Array[]): Float64Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Float64Array(n);
  let k = 0;
  for (const p of parts) {
    out.set(p, k);
    k += p.length;
  }
  return out;
}

/** Share of the reference at or below v (binary search on the sorted reference). */
export function rankOf(sortedRef: Float64Array, v: number): number {
  let lo = 0,
    hi = sortedRef.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sortedRef[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return sortedRef.length === 0 ? 0.5 : lo / sortedRef.length;
}

/** The median of the finite values (NaN without any). */
export function medianOf(values: Float64Array): number {
  const s = Float64Array.from(values).filter(Number.isFinite).sort();
  return s.length === 0 ? NaN : s[s.length >> 1]!;
}
