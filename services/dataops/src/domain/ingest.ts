// Turns one UNS sample batch into what the historian writes: every sample as received (raw),
// plus refined buckets (uniform interval, units normalised to the catalog unit, Bad samples
// left out) and 1-minute rollups. Pure: the catalog lookup comes in as data.
import type { UnsSampleBatch } from '@industrial/contracts';
import { foldSamples, type BucketStats } from './resample.ts';
import { convert } from './units.ts';

export type Severity = 'Good' | 'Uncertain' | 'Bad';

export interface RawSample {
  tag: string;
  /** Source timestamp, epoch ms. */
  ts: number;
  serverTs: number;
  /** Numeric (or boolean as 0/1) value; null for strings. */
  value: number | null;
  /** String (and boolean) values as text; null for numbers. */
  text: string | null;
  unit: string | null;
  qualityCode: number;
  severity: Severity;
}

export interface StoredBucket extends BucketStats {
  tag: string;
  unit: string | null;
}

/** One UNS batch, already normalised: raw samples as received, refined and 1-minute buckets. */
export interface IngestBatch {
  batchId: string;
  sourceId: string;
  assetPath: string;
  plantTime: number;
  raw: RawSample[];
  refined: StoredBucket[];
  rollup: StoredBucket[];
}

export const ROLLUP_INTERVAL_MS = 60_000;

export interface UnitProblem {
  tag: string;
  reason: string;
}

/** Catalog unit per tag of this asset (the refined layer's unit), when declared. */
export type UnitOf = (tag: string) => string | null | undefined;

export function toIngestBatch(batch: UnsSampleBatch, unitOf: UnitOf, refinedIntervalMs: number): { batch: IngestBatch; problems: UnitProblem[] } {
  // Samples of one batch share few distinct timestamps (every tag of a scan): parse each once.
  const parsed = new Map<string, number>();
  const time = (iso: string): number => {
    let ms = parsed.get(iso);
    if (ms === undefined) parsed.set(iso, (ms = Date.parse(iso)));
    return ms;
  };
  const raw: RawSample[] = batch.samples.map((s) => {
    const v = s.value;
    return {
      tag: s.tag,
      ts: time(s.sourceTimestamp),
      serverTs: time(s.serverTimestamp),
      value: typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : null,
      text: typeof v === 'string' ? v : typeof v === 'boolean' ? String(v) : null,
      unit: s.unit ?? null,
      qualityCode: s.quality.code,
      severity: s.quality.severity,
    };
  });
  const problems: UnitProblem[] = [];
  const perTag = new Map<string, { unit: string | null; points: Array<{ ts: number; value: number }> }>();
  for (const s of raw) {
    if (s.severity === 'Bad' || s.value === null || Number.isNaN(s.ts)) continue;
    const target = unitOf(s.tag) ?? s.unit;
    let value = s.value;
    if (s.unit !== null && target !== null && s.unit !== target) {
      const c = convert(value, s.unit, target);
      if (!c.ok) {
        problems.push({ tag: s.tag, reason: c.reason });
        continue;
      }
      value = c.value;
    }
    let entry = perTag.get(s.tag);
    if (entry === undefined) {
      entry = { unit: target, points: [] };
      perTag.set(s.tag, entry);
    }
    entry.points.push({ ts: s.ts, value });
  }
  const refined: StoredBucket[] = [];
  const rollup: StoredBucket[] = [];
  for (const [tag, { unit, points }] of perTag) {
    for (const b of foldSamples(points, refinedIntervalMs).values()) refined.push({ ...b, tag, unit });
    for (const b of foldSamples(points, ROLLUP_INTERVAL_MS).values()) rollup.push({ ...b, tag, unit });
  }
  return {
    batch: { batchId: batch.batchId, sourceId: batch.sourceId, assetPath: batch.assetPath, plantTime: Date.parse(batch.plantTime), raw, refined, rollup },
    problems,
  };
}
