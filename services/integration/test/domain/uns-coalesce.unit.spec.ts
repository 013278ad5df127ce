// How the centre coalesces an edge site's UNS batches, given/when/then: a backlog of one asset
// becomes few larger batches in the edge's order, cut at the sample and time limits and where the
// source changes; the key of a run names site, asset and first/last sequence.
import type { UnsSampleBatch } from '@industrial/contracts';
import { describe, expect, it } from 'vitest';
import { coalesceSamples, runKey, type SampleRecord } from '../../src/domain/uns-coalesce.ts';

const SOURCE = '0193a1b2-7c00-7a10-8b00-0000000000e1';
const OTHER = '0193a1b2-7c00-7a10-8b00-0000000000e2';
const asset = 'acme.plant1.packaging.line-1.filler-1';
const t0 = Date.parse('2025-03-05T10:00:00Z');

function rec(seq: number, second: number, sourceId = SOURCE, tags = 2): SampleRecord {
  const at = new Date(t0 + second * 1000).toISOString();
  const batch: UnsSampleBatch = {
    batchId: `0193a1b2-7c00-7a10-8b00-${String(seq).padStart(12, '0')}`,
    sourceId,
    assetPath: asset,
    plantTime: at,
    samples: Array.from({ length: tags }, (_, k) => ({
      tag: `t${k}`,
      value: seq * 10 + k,
      quality: { severity: 'Good' as const, code: 0 },
      sourceTimestamp: at,
      serverTimestamp: at,
    })),
  };
  return { seq, at, batch };
}

describe('a backlog of one asset', () => {
  it('becomes one batch per run, its samples in the edge order, the latest plant time, every record once', () => {
    const records = Array.from({ length: 150 }, (_, i) => rec(i + 1, i));
    const runs = coalesceSamples('plant1', records, { maxSamples: 2_000, maxSpanMs: 60_000 });
    expect(runs.map((r) => [r.first, r.last, r.records])).toEqual([
      [1, 61, 61],
      [62, 122, 61],
      [123, 150, 28],
    ]);
    expect(runs.flatMap((r) => r.batch.samples.map((s) => s.value))).toEqual(records.flatMap((r) => r.batch.samples.map((s) => s.value)));
    expect(runs[0]?.batch.plantTime).toBe(records[60]?.at);
    expect(runs[0]?.batch).toMatchObject({ sourceId: SOURCE, assetPath: asset });
  });
  it('is cut at the sample limit and where the source changes; a sequence may skip (other records between)', () => {
    const records = [rec(1, 0), rec(2, 1), rec(4, 2), rec(5, 3, OTHER), rec(6, 4, OTHER, 5)];
    const runs = coalesceSamples('plant1', records, { maxSamples: 6, maxSpanMs: 60_000 });
    expect(runs.map((r) => [r.first, r.last, r.batch.samples.length, r.batch.sourceId])).toEqual([
      [1, 4, 6, SOURCE],
      [5, 5, 2, OTHER],
      [6, 6, 5, OTHER],
    ]);
  });
  it('online (one record per read) goes on as it is', () => {
    const [run] = coalesceSamples('plant1', [rec(7, 0)]);
    expect(run).toMatchObject({ first: 7, last: 7, records: 1 });
    expect(coalesceSamples('plant1', [])).toEqual([]);
  });
});

describe('the key of a run', () => {
  it('names the site, the asset and the first and last edge sequence', () => {
    expect(runKey({ site: 'plant1', assetPath: asset, first: 3, last: 9 })).toBe(`uns-run/plant1/${asset}/3-9`);
  });
});
