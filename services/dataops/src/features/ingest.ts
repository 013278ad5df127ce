// Use case: UNS batches into the historian (the hot path). A batch arrives validated once — by the
// consumer's fast contract check, whose parsed object is handed over as is (adapters/nats) — and
// is normalised once (domain/ingest.ts: raw samples, refined buckets in the catalog's units,
// 1-minute rollups). Concurrent batches share one transaction (group commit, the BatchWriter port);
// the batch is acknowledged after it committed. Only a batch written for the first time goes on
// to the quality rules: a redelivery changes nothing.
import type { UnsSampleBatch } from '@industrial/contracts';
import { toIngestBatch } from '../domain/ingest.ts';
import type { BatchWriter, DataopsLogger } from '../ports.ts';
import { tagKey, type Catalog } from './catalog.ts';
import type { Quality } from './quality.ts';

export interface Ingest {
  ingestBatch(batch: UnsSampleBatch): Promise<{ duplicate: boolean }>;
  /** Latest plant time written (epoch ms), or null before the first batch. */
  readonly plantNow: number | null;
}

export function createIngest(deps: { catalog: Catalog; quality: Quality; writer: BatchWriter; refinedIntervalMs: number; logger: DataopsLogger }): Ingest {
  const { catalog, quality, writer, refinedIntervalMs, logger } = deps;
  let plantNow: number | null = null;

  async function ingestBatch(batch: UnsSampleBatch): Promise<{ duplicate: boolean }> {
    await catalog.load();
    await quality.load();
    const assetPath = batch.assetPath;
    const { batch: ingest, problems } = toIngestBatch(batch, (tag) => catalog.peek(tagKey(assetPath, tag))?.unit, refinedIntervalMs);
    for (const p of problems) logger.warn({ assetPath, tag: p.tag, reason: p.reason }, 'sample kept in raw only: unit cannot be normalised');
    if (await writer.submit(ingest)) return { duplicate: true };
    plantNow = Math.max(plantNow ?? -Infinity, ingest.plantTime);
    await quality.observe(ingest);
    return { duplicate: false };
  }

  return {
    ingestBatch,
    get plantNow() {
      return plantNow;
    },
  };
}
