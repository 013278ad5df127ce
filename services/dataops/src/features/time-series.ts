// Use case: querying the historian. Raw samples as received, or resampled onto a uniform grid from
// the layer that answers cheapest (1-minute rollups, refined buckets, or raw samples aggregated in
// the database), gaps as such — never filled. A restricted tag needs data.read_restricted and its
// read is recorded (restricted-reads.ts).
import { resourceOfAssetPath } from '@industrial/kernel';
import { InvalidArgumentError, NotFoundError } from '../domain/errors.ts';
import { MAX_BUCKETS, bucketStart, isAggregation, regroup, toGrid, type Aggregation, type BucketStats, type ResampledPoint } from '../domain/resample.ts';
import { toMs } from '../domain/time.ts';
import type { Historian, RawSample } from '../ports.ts';
import { tagKey, type Catalog } from './catalog.ts';
import type { ReadCall, RestrictedReads } from './restricted-reads.ts';

export interface TimeSeriesQuery {
  assetPath: string;
  tags: string[];
  /** ISO-8601 or epoch ms; half-open [from, to). */
  from: string | number;
  to: string | number;
  /** Absent: raw samples as received. */
  intervalMs?: number;
  aggregation?: Aggregation;
}

export interface SeriesResult {
  tag: string;
  unit: string | null;
  aggregation: Aggregation | null;
  /** `raw`, `refined`, `rollup` or `raw-aggregated`: which layer answered. */
  layer: string;
  points: ResampledPoint[];
  raw: RawSample[];
}

export type QueryTimeSeries = (q: TimeSeriesQuery, call?: ReadCall) => Promise<SeriesResult[]>;

export function createTimeSeries(deps: { historian: Historian; catalog: Catalog; restricted: RestrictedReads }): QueryTimeSeries {
  const { historian, catalog, restricted } = deps;
  return async function queryTimeSeries(q, call) {
    const from = toMs('from', q.from);
    const to = toMs('to', q.to);
    if (to <= from) throw new InvalidArgumentError('to', `must be after from (got from ${new Date(from).toISOString()}, to ${new Date(to).toISOString()})`);
    if (q.tags.length === 0) throw new InvalidArgumentError('tags', 'name at least one tag');
    if (q.intervalMs !== undefined && (!Number.isInteger(q.intervalMs) || q.intervalMs <= 0))
      throw new InvalidArgumentError('intervalMs', 'must be a positive integer');
    if (q.intervalMs !== undefined && (to - from) / q.intervalMs > MAX_BUCKETS)
      throw new InvalidArgumentError('intervalMs', `would produce more than ${MAX_BUCKETS} buckets`);
    if (q.aggregation !== undefined && !isAggregation(q.aggregation))
      throw new InvalidArgumentError('aggregation', `unknown aggregation "${String(q.aggregation)}"`);
    const known = new Map((await historian.listSeries(q.assetPath)).filter((s) => s.assetPath === q.assetPath).map((s) => [s.tag, s]));
    for (const tag of q.tags) if (!known.has(tag)) throw new NotFoundError('tags', `tag "${tag}" of asset ${q.assetPath}`);
    const out: SeriesResult[] = [];
    for (const tag of q.tags) {
      const meta = await catalog.tag(q.assetPath, tag);
      if (meta?.accessLevel === 'restricted')
        await restricted.authorize(call, { kind: 'tag', target: tagKey(q.assetPath, tag), datasetId: null }, resourceOfAssetPath(q.assetPath));
      const unit = meta?.unit ?? known.get(tag)?.unit ?? null;
      if (q.intervalMs === undefined) {
        out.push({ tag, unit, aggregation: null, layer: 'raw', points: [], raw: await historian.readRaw({ assetPath: q.assetPath, tag, from, to }) });
        continue;
      }
      const interval = q.intervalMs;
      const aggregation = q.aggregation ?? meta?.aggregation ?? 'mean';
      const alignedFrom = bucketStart(from, interval);
      let layer: string;
      let stats: BucketStats[];
      if (interval % 60_000 === 0) {
        layer = 'rollup';
        stats = await historian.readBuckets({ assetPath: q.assetPath, tag, from: alignedFrom, to, layer: 'rollup' });
      } else if (interval % historian.refinedIntervalMs === 0) {
        layer = 'refined';
        stats = await historian.readBuckets({ assetPath: q.assetPath, tag, from: alignedFrom, to, layer: 'refined' });
      } else {
        layer = 'raw-aggregated';
        stats = await historian.rawBuckets({ assetPath: q.assetPath, tag, from: alignedFrom, to, intervalMs: interval });
      }
      out.push({ tag, unit, aggregation, layer, points: toGrid(regroup(stats, interval), from, to, interval, aggregation), raw: [] });
    }
    return out;
  };
}
