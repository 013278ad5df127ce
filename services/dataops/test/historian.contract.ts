// One historian contract, run against PostgreSQL and node:sqlite: idempotent batches, raw as
// received, refined buckets with units normalised, gaps kept, 1-minute rollups, retention.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toIngestBatch } from '../src/domain/ingest.ts';
import { regroup, toGrid } from '../src/domain/resample.ts';
import type { IngestBatch } from '../src/ports.ts';
import type { OpenQualityIssue } from '../src/domain/quality-issues.ts';
import { ASSET, SOURCE, unsBatch, type StoreFactory, type StoreHarness } from './harness.ts';

const T0 = Date.parse('2025-03-05T10:00:00Z');

function batch(samples: Parameters<typeof unsBatch>[0], unitOf: (tag: string) => string | null = () => null, batchId?: string): IngestBatch {
  return toIngestBatch(unsBatch(samples, batchId === undefined ? {} : { batchId }), unitOf, 1000).batch;
}

export function historianContract(name: string, factory: StoreFactory): void {
  describe(`historian contract (${name})`, () => {
    let h: StoreHarness;
    beforeEach(async () => {
      h = await factory(1000);
    });
    afterEach(async () => {
      await h.cleanup();
    });

    describe('when a group of batches is redelivered together with new ones (group commit)', () => {
      it('writes only the new batches and names the duplicates', async () => {
        const old = batch([{ tag: 'temp', ts: T0, value: 20, unit: 'degC' }]);
        await h.store.historian.writeBatches([old]);
        const fresh = batch([
          { tag: 'temp', ts: T0 + 200, value: 24, unit: 'degC' },
          { tag: 'note', ts: T0 + 200, value: 'say "hi" \\ {x,y}' },
        ]);
        const r = await h.store.historian.writeBatches([old, fresh]);
        expect(r).toEqual({ written: 1, duplicates: 1, duplicateIds: [old.batchId] });
        expect((await h.store.historian.counts()).raw).toBe(3);
        const [bucket] = await h.store.historian.readBuckets({ assetPath: ASSET, tag: 'temp', from: T0, to: T0 + 1000, layer: 'refined' });
        expect(bucket).toMatchObject({ count: 2, sum: 44 });
        const [text] = await h.store.historian.readRaw({ assetPath: ASSET, tag: 'note', from: T0, to: T0 + 1000 });
        expect(text?.text).toBe('say "hi" \\ {x,y}');
      });
    });

    describe('when a group holds new batches sharing buckets with each other and with a redelivered one', () => {
      it('merges only the new batches, the later batch winning a tie on the last value', async () => {
        const old = batch([{ tag: 'm', ts: T0 + 500, value: 100 }]);
        await h.store.historian.writeBatches([old]);
        const a = batch([
          { tag: 'm', ts: T0 + 100, value: 1 },
          { tag: 'm', ts: T0 + 700, value: 7 },
        ]);
        const b = batch([
          { tag: 'm', ts: T0 + 700, value: 8 },
          { tag: 'm', ts: T0 + 300, value: -2 },
        ]);
        expect(await h.store.historian.writeBatches([a, old, b])).toEqual({ written: 2, duplicates: 1, duplicateIds: [old.batchId] });
        for (const layer of ['refined', 'rollup'] as const) {
          const [bucket] = await h.store.historian.readBuckets({ assetPath: ASSET, tag: 'm', from: T0, to: T0 + 1000, layer });
          expect(bucket).toMatchObject({ start: T0, count: 5, sum: 114, min: -2, max: 100, last: 8, lastTs: T0 + 700 });
        }
        expect((await h.store.historian.counts()).raw).toBe(5);
      });
    });

    describe('when the same batch is twice in one group', () => {
      it('stores it once and reports the second copy as a duplicate', async () => {
        const b = batch([
          { tag: 'temp', ts: T0, value: 20 },
          { tag: 'temp', ts: T0 + 100, value: 22 },
        ]);
        expect(await h.store.historian.writeBatches([b, b])).toEqual({ written: 1, duplicates: 1, duplicateIds: [b.batchId] });
        const c = await h.store.historian.counts();
        expect(c).toMatchObject({ raw: 2, batches: 1 });
        const [bucket] = await h.store.historian.readBuckets({ assetPath: ASSET, tag: 'temp', from: T0, to: T0 + 1000, layer: 'refined' });
        expect(bucket).toMatchObject({ count: 2, sum: 42 });
      });
    });

    describe('when two writers store groups sharing a batch at the same time', () => {
      it('stores the shared batch once, and the buckets it touches count it once', async () => {
        const shared = batch([{ tag: 'c', ts: T0 + 100, value: 10 }]);
        const results = await Promise.all([
          h.store.historian.writeBatches([batch([{ tag: 'c', ts: T0 + 200, value: 1 }]), shared]),
          h.store.historian.writeBatches([shared, batch([{ tag: 'c', ts: T0 + 300, value: 2 }])]),
        ]);
        expect(results.map((r) => r.written).sort()).toEqual([1, 2]);
        expect(results.flatMap((r) => r.duplicateIds)).toEqual([shared.batchId]);
        expect(await h.store.historian.counts()).toMatchObject({ raw: 3, batches: 3 });
        const [bucket] = await h.store.historian.readBuckets({ assetPath: ASSET, tag: 'c', from: T0, to: T0 + 1000, layer: 'refined' });
        expect(bucket).toMatchObject({ count: 3, sum: 13 });
      });
    });

    describe('when samples carry extreme numbers and awkward text', () => {
      it('reads them back exactly as written', async () => {
        const values = [0.1 + 0.2, 5e-324, -1.7976931348623157e308, 123456789.12345679, -42];
        const texts = ['say "hi" \\ {x,y}', 'ünïcödé ✓ 𝄞', '', 'NULL', ' spaced '];
        const spec = [
          ...values.map((value, i) => ({ tag: 'num', ts: T0 + i, value, unit: 'bar' })),
          ...texts.map((value, i) => ({ tag: 'txt', ts: T0 + i, value })),
          { tag: 'flag', ts: T0, value: false },
        ];
        await h.store.historian.writeBatches([batch(spec)]);
        const num = await h.store.historian.readRaw({ assetPath: ASSET, tag: 'num', from: T0, to: T0 + 1000 });
        expect(num.map((s) => s.value)).toEqual(values);
        expect(num.every((s) => s.unit === 'bar' && s.text === null)).toBe(true);
        const txt = await h.store.historian.readRaw({ assetPath: ASSET, tag: 'txt', from: T0, to: T0 + 1000 });
        expect(txt.map((s) => [s.text, s.value, s.unit])).toEqual(texts.map((t) => [t, null, null]));
        const [flag] = await h.store.historian.readRaw({ assetPath: ASSET, tag: 'flag', from: T0, to: T0 + 1000 });
        expect(flag).toMatchObject({ value: 0, text: 'false', ts: T0, serverTs: T0 + 5 });
      });
    });

    describe('when a group spans two UTC days', () => {
      it('stores every sample of both days', async () => {
        const midnight = Date.parse('2025-03-06T00:00:00Z');
        await h.store.historian.writeBatches([
          batch([{ tag: 'd', ts: midnight - 100, value: 1 }]),
          batch([
            { tag: 'd', ts: midnight, value: 2 },
            { tag: 'd', ts: midnight + 100, value: 3 },
          ]),
        ]);
        const raw = await h.store.historian.readRaw({ assetPath: ASSET, tag: 'd', from: midnight - 1000, to: midnight + 1000 });
        expect(raw.map((s) => s.value)).toEqual([1, 2, 3]);
      });
    });

    describe('when a batch is written twice (redelivery)', () => {
      it('stores its samples once and reports the duplicate', async () => {
        const b = batch([
          { tag: 'temp', ts: T0, value: 20, unit: 'degC' },
          { tag: 'temp', ts: T0 + 100, value: 22, unit: 'degC' },
          { tag: 'running', ts: T0, value: true },
        ]);
        expect(await h.store.historian.writeBatches([b])).toEqual({ written: 1, duplicates: 0, duplicateIds: [] });
        expect(await h.store.historian.writeBatches([b])).toEqual({ written: 0, duplicates: 1, duplicateIds: [b.batchId] });
        const c = await h.store.historian.counts();
        expect(c.raw).toBe(3);
        expect(c.batches).toBe(1);
        const [bucket] = await h.store.historian.readBuckets({ assetPath: ASSET, tag: 'temp', from: T0, to: T0 + 1000, layer: 'refined' });
        expect(bucket).toMatchObject({ start: T0, count: 2, sum: 42, min: 20, max: 22, last: 22 });
      });
    });

    describe('when samples arrive in a unit other than the catalog unit', () => {
      it('keeps raw as received and normalises the refined layer', async () => {
        const b = batch([{ tag: 'pressure', ts: T0, value: 250, unit: 'kPa' }], (t) => (t === 'pressure' ? 'bar' : null));
        await h.store.historian.writeBatches([b]);
        const [raw] = await h.store.historian.readRaw({ assetPath: ASSET, tag: 'pressure', from: T0, to: T0 + 1 });
        expect(raw).toMatchObject({ value: 250, unit: 'kPa', severity: 'Good' });
        const [ref] = await h.store.historian.readBuckets({ assetPath: ASSET, tag: 'pressure', from: T0, to: T0 + 1000, layer: 'refined' });
        expect(ref?.last).toBeCloseTo(2.5, 10);
      });
    });

    describe('when a tag is silent for a while and one sample is Bad', () => {
      it('marks empty buckets as gaps and leaves Bad samples out of the refined layer', async () => {
        await h.store.historian.writeBatches([
          batch([
            { tag: 'flow', ts: T0, value: 1 },
            { tag: 'flow', ts: T0 + 1000, value: 99, bad: true },
            { tag: 'flow', ts: T0 + 3000, value: 3 },
          ]),
        ]);
        const stats = await h.store.historian.readBuckets({ assetPath: ASSET, tag: 'flow', from: T0, to: T0 + 4000, layer: 'refined' });
        const grid = toGrid(regroup(stats, 1000), T0, T0 + 4000, 1000, 'mean');
        expect(grid.map((p) => p.value)).toEqual([1, null, null, 3]);
        expect(grid.map((p) => p.gap)).toEqual([false, true, true, false]);
        expect((await h.store.historian.readRaw({ assetPath: ASSET, tag: 'flow', from: T0, to: T0 + 4000 })).length).toBe(3);
      });
    });

    describe('when batches from several writers touch the same buckets', () => {
      it('merges them (count, sum, min, max, last by time)', async () => {
        await h.store.historian.writeBatches([batch([{ tag: 'x', ts: T0 + 500, value: 5 }]), batch([{ tag: 'x', ts: T0 + 100, value: 1 }])]);
        await h.store.historian.writeBatches([batch([{ tag: 'x', ts: T0 + 900, value: 9 }])]);
        const [r] = await h.store.historian.readBuckets({ assetPath: ASSET, tag: 'x', from: T0, to: T0 + 60_000, layer: 'rollup' });
        expect(r).toMatchObject({ count: 3, sum: 15, min: 1, max: 9, last: 9 });
        const raw = await h.store.historian.rawBuckets({ assetPath: ASSET, tag: 'x', from: T0, to: T0 + 60_000, intervalMs: 30_000 });
        expect(raw[0]).toMatchObject({ start: T0, count: 3, sum: 15, min: 1, max: 9, last: 9 });
      });
    });

    describe('when raw data is older than the retention window', () => {
      it('drops the raw samples and keeps min/max/mean/count/last in the rollup', async () => {
        const old = T0 - 3 * 86_400_000;
        await h.store.historian.writeBatches([
          batch([
            { tag: 'y', ts: old, value: 4 },
            { tag: 'y', ts: old + 10_000, value: 8 },
          ]),
        ]);
        await h.store.historian.writeBatches([batch([{ tag: 'y', ts: T0, value: 1 }])]);
        const r = await h.store.historian.applyRetention(T0 - 86_400_000);
        expect(r.rawDeleted).toBe(2);
        expect((await h.store.historian.readRaw({ assetPath: ASSET, tag: 'y', from: old - 1, to: T0 + 1 })).map((s) => s.value)).toEqual([1]);
        const [roll] = await h.store.historian.readBuckets({ assetPath: ASSET, tag: 'y', from: old - 60_000, to: old + 60_000, layer: 'rollup' });
        expect(roll).toMatchObject({ count: 2, min: 4, max: 8, last: 8 });
        expect((roll?.sum ?? 0) / (roll?.count ?? 1)).toBe(6);
      });
    });

    describe('metadata store', () => {
      it('saves an import all-or-nothing and reads it back column by column', async () => {
        const table = {
          columns: [
            { name: 'udi', type: 'int32' as const, role: 'order' as const },
            { name: 'temp', type: 'float64' as const, role: 'feature' as const, unit: 'K' },
            { name: 'type', type: 'utf8' as const, role: 'context' as const },
          ],
          data: { udi: new Int32Array([1, 2]), temp: new Float64Array([300.1, Number.NaN]), type: ['L', 'M'] },
          rowCount: 2,
        };
        const rec = {
          importId: 'imp-1',
          name: 'x.csv',
          fileSha256: 'a'.repeat(64),
          fileBytes: 10,
          mapping: {},
          rowCount: 2,
          actor: 'alice',
          importedAt: new Date(T0).toISOString(),
        };
        await h.store.meta.saveImport(rec, table);
        await expect(h.store.meta.saveImport(rec, table)).rejects.toThrow();
        const back = await h.store.meta.getImport('imp-1');
        expect(Array.from(back?.table.data.udi as Int32Array)).toEqual([1, 2]);
        expect((back?.table.data.temp as Float64Array)[0]).toBe(300.1);
        expect(Number.isNaN((back?.table.data.temp as Float64Array)[1])).toBe(true);
        expect(back?.table.data.type).toEqual(['L', 'M']);
      });

      it('keeps the data-quality read model: open issues, and per stream a revision that never goes back', async () => {
        // A store written before the read model existed: the sources the historian has batches from are followed.
        await h.store.historian.writeBatches([batch([{ tag: 'temp', ts: T0, value: 20 }])]);
        expect(await h.store.meta.loadQualityIssues()).toEqual({ streams: [{ sourceId: SOURCE, revision: -1 }], issues: [] });
        const other = '0193a1b2-7c00-7a10-8b00-0000000000ff';
        await h.store.meta.watchQualityStream(other);
        await h.store.meta.watchQualityStream(other);
        const issue = (id: string, rule: 'stale' | 'flatline'): OpenQualityIssue => ({
          issueId: id,
          sourceId: other,
          assetPath: ASSET,
          tag: 'temp',
          rule,
          kind: rule,
          severity: rule === 'stale' ? 'critical' : 'warning',
          raisedAt: T0,
          detail: `${rule} "quoted"`,
          observed: rule === 'stale' ? null : 20.5,
        });
        await h.store.meta.applyQualityIssues(other, 7, { opened: [issue('i-1', 'stale'), issue('i-2', 'flatline')], closed: [] });
        await h.store.meta.applyQualityIssues(other, 3, { opened: [], closed: ['i-1'] });
        expect(await h.store.meta.loadQualityIssues()).toEqual({
          streams: [
            { sourceId: other, revision: 7 },
            { sourceId: SOURCE, revision: -1 },
          ].sort((a, b) => a.sourceId.localeCompare(b.sourceId)),
          issues: [issue('i-2', 'flatline')],
        });
        await h.store.meta.applyQualityIssues(other, 2_500_000_000, { opened: [], closed: ['i-2', 'unknown'] });
        expect(await h.store.meta.loadQualityIssues()).toMatchObject({
          streams: expect.arrayContaining([{ sourceId: other, revision: 2_500_000_000 }]),
          issues: [],
        });
      });
    });
  });
}
