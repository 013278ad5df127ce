// Resampling: uniform time buckets with a declared aggregation. Partial aggregates (count, sum,
// min, max, last) merge associatively, so the same code folds samples into refined buckets at
// ingest, merges stored buckets into coarser ones at query time, and fills the bucket grid.
// Empty buckets are returned as gaps (value null), never interpolated.

export const Aggregation = {
  Mean: 'mean',
  Min: 'min',
  Max: 'max',
  Sum: 'sum',
  Count: 'count',
  Last: 'last',
} as const;
export type Aggregation = (typeof Aggregation)[keyof typeof Aggregation];
export const AGGREGATIONS: readonly Aggregation[] = Object.values(Aggregation);
export function isAggregation(v: unknown): v is Aggregation {
  return typeof v === 'string' && (AGGREGATIONS as readonly string[]).includes(v);
}

/** Mergeable statistics of the samples inside one bucket. */
export interface BucketStats {
  /** Bucket start, epoch ms (aligned to the interval). */
  start: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  last: number;
  /** Source timestamp of `last`, epoch ms (decides which `last` wins on merge). */
  lastTs: number;
}

export interface ResampledPoint {
  /** Bucket start, epoch ms. */
  t: number;
  value: number | null;
  count: number;
  /** No usable sample in the bucket: a gap in the data, reported, not filled. */
  gap: boolean;
}

export const bucketStart = (ts: number, intervalMs: number): number => Math.floor(ts / intervalMs) * intervalMs;

export function mergeStats(a: BucketStats, b: BucketStats): BucketStats {
  const bLater = b.lastTs >= a.lastTs;
  return {
    start: a.start,
    count: a.count + b.count,
    sum: a.sum + b.sum,
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
    last: bLater ? b.last : a.last,
    lastTs: bLater ? b.lastTs : a.lastTs,
  };
}

/** Folds (ts, value) pairs into buckets of `intervalMs`, keyed by bucket start. */
export function foldSamples(
  samples: Iterable<{ ts: number; value: number }>,
  intervalMs: number,
  into = new Map<number, BucketStats>(),
): Map<number, BucketStats> {
  for (const { ts, value } of samples) {
    const start = bucketStart(ts, intervalMs);
    const cur = into.get(start);
    if (cur === undefined) into.set(start, { start, count: 1, sum: value, min: value, max: value, last: value, lastTs: ts });
    else {
      cur.count += 1;
      cur.sum += value;
      if (value < cur.min) cur.min = value;
      if (value > cur.max) cur.max = value;
      if (ts >= cur.lastTs) {
        cur.last = value;
        cur.lastTs = ts;
      }
    }
  }
  return into;
}

/** Merges finer buckets (any alignment that nests in `intervalMs`) into `intervalMs` buckets. */
export function regroup(stats: Iterable<BucketStats>, intervalMs: number): Map<number, BucketStats> {
  const out = new Map<number, BucketStats>();
  for (const s of stats) {
    const start = bucketStart(s.start, intervalMs);
    const cur = out.get(start);
    out.set(start, cur === undefined ? { ...s, start } : mergeStats(cur, { ...s, start }));
  }
  return out;
}

export function valueOf(s: BucketStats, aggregation: Aggregation): number {
  switch (aggregation) {
    case 'mean':
      return s.sum / s.count;
    case 'min':
      return s.min;
    case 'max':
      return s.max;
    case 'sum':
      return s.sum;
    case 'count':
      return s.count;
    case 'last':
      return s.last;
    default: {
      const never: never = aggregation;
      throw new Error(`unknown aggregation ${String(never)}`);
    }
  }
}

/**
 * The full bucket grid of [from, to): every bucket present, empty ones marked as gaps.
 * `from` is aligned down to the interval, so buckets are the same whoever asks.
 */
export function toGrid(stats: ReadonlyMap<number, BucketStats>, from: number, to: number, intervalMs: number, aggregation: Aggregation): ResampledPoint[] {
  const out: ResampledPoint[] = [];
  for (let t = bucketStart(from, intervalMs); t < to; t += intervalMs) {
    const s = stats.get(t);
    if (s === undefined || s.count === 0) out.push({ t, value: null, count: 0, gap: true });
    else out.push({ t, value: valueOf(s, aggregation), count: s.count, gap: false });
  }
  return out;
}

/** Most buckets one query may produce: a guard against a 1-ms grid over a year. */
export const MAX_BUCKETS = 1_000_000;
