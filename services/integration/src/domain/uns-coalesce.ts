// How the centre hands an edge site's UNS batches on to the central UNS stream: consecutive sample
// records of one asset that arrived together (a backlog after the uplink returns, or what one read
// across the link brought) become ONE larger UNS batch, so dataops' historian takes in a minute of an
// asset in one message instead of sixty. Nothing waits for more records (online, a read usually brings
// one record per asset and it goes on as it is). A run is cut at `maxSamples` samples, at `maxSpanMs`
// of edge time between its first and last record, and where the source changes. Its samples keep the
// edge's order; its id comes from the site, the asset and the first and last edge sequence (see
// `runKey`), so the same run handed on again is the same message (deduplicated). Pure.
import type { UnsSampleBatch } from '@industrial/contracts';

export interface CoalesceLimits {
  /** Most samples in one coalesced batch (the contract allows 10 000). */
  maxSamples: number;
  /** Most edge time between the first and the last record of a batch, ms. */
  maxSpanMs: number;
}

export const DEFAULT_COALESCE: CoalesceLimits = { maxSamples: 2_000, maxSpanMs: 60_000 };

/** A sample record of one asset, in the edge's order. */
export interface SampleRecord {
  seq: number;
  /** Edge clock, ISO. */
  at: string;
  batch: UnsSampleBatch;
}

export interface SampleRun {
  site: string;
  assetPath: string;
  /** Edge sequence of the first and last record in the run. */
  first: number;
  last: number;
  /** The records' samples in their order; source and the latest plant time of the run. */
  batch: Omit<UnsSampleBatch, 'batchId'>;
  /** How many edge UNS batches it holds. */
  records: number;
}

/** The dedup key of a run (the adapter turns it into the batch's uuid). */
export const runKey = (r: Pick<SampleRun, 'site' | 'assetPath' | 'first' | 'last'>): string => `uns-run/${r.site}/${r.assetPath}/${r.first}-${r.last}`;

/**
 * Splits one asset's sample records (ascending sequence; other records of the asset may sit between
 * them) into runs. A single record larger than `maxSamples` is a run of its own.
 */
export function coalesceSamples(site: string, records: readonly SampleRecord[], limits: CoalesceLimits = DEFAULT_COALESCE): SampleRun[] {
  const groups: { startMs: number; samples: number; recs: SampleRecord[] }[] = [];
  for (const r of records) {
    const atMs = Date.parse(r.at);
    const g = groups[groups.length - 1];
    const head = g?.recs[0]?.batch;
    const fits =
      g !== undefined &&
      head !== undefined &&
      r.batch.sourceId === head.sourceId &&
      r.batch.assetPath === head.assetPath &&
      g.samples + r.batch.samples.length <= limits.maxSamples &&
      Math.abs(atMs - g.startMs) <= limits.maxSpanMs;
    if (fits) {
      g.recs.push(r);
      g.samples += r.batch.samples.length;
    } else groups.push({ startMs: atMs, samples: r.batch.samples.length, recs: [r] });
  }
  return groups.map(({ recs }) => {
    const head = (recs[0] as SampleRecord).batch;
    let plantTime = head.plantTime;
    for (const { batch } of recs) if (Date.parse(batch.plantTime) > Date.parse(plantTime)) plantTime = batch.plantTime;
    return {
      site,
      assetPath: head.assetPath,
      first: (recs[0] as SampleRecord).seq,
      last: (recs[recs.length - 1] as SampleRecord).seq,
      batch: { sourceId: head.sourceId, assetPath: head.assetPath, plantTime, samples: recs.flatMap((r) => r.batch.samples) },
      records: recs.length,
    };
  });
}
