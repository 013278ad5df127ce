// Helpers shared by both historian adapters: merging buckets of several batches by key (one
// upsert may touch a row once) in a stable order (consistent lock order across writers).
import { mergeStats, type BucketStats } from '../../domain/resample.ts';
import type { IngestBatch, StoredBucket } from '../../ports.ts';

export const SEVERITY_CODE = { Good: 0, Uncertain: 1, Bad: 2 } as const;
export const SEVERITY_NAME = ['Good', 'Uncertain', 'Bad'] as const;

export interface KeyedBucket extends BucketStats {
  seriesId: number;
}

export function mergeBuckets(
  batches: readonly IngestBatch[],
  pick: (b: IngestBatch) => readonly StoredBucket[],
  seriesId: (asset: string, tag: string) => number,
): KeyedBucket[] {
  const by = new Map<string, KeyedBucket>();
  for (const b of batches) {
    for (const s of pick(b)) {
      const id = seriesId(b.assetPath, s.tag);
      const key = `${id}:${s.start}`;
      const cur = by.get(key);
      const next: KeyedBucket = { seriesId: id, start: s.start, count: s.count, sum: s.sum, min: s.min, max: s.max, last: s.last, lastTs: s.lastTs };
      by.set(key, cur === undefined ? next : { ...mergeStats(cur, next), seriesId: id });
    }
  }
  return [...by.values()].sort((a, b) => a.seriesId - b.seriesId || a.start - b.start);
}

export const DAY_MS = 86_400_000;
