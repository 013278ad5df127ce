// Pure domain: resampling keeps gaps, quality rules run on plant time, snapshots hash canonically.
import { describe, expect, it } from 'vitest';
import { evaluate, initialQualityState, tick, DEFAULT_RULES, type QualityRules } from '../src/domain/quality.ts';
import { foldSamples, toGrid } from '../src/domain/resample.ts';
import { applySplits, canonicalChunks } from '../src/domain/snapshot.ts';
import { catalogHitKey, searchCatalog, defaultTagMetadata } from '../src/domain/catalog.ts';
import { convert } from '../src/domain/units.ts';

describe('resampling', () => {
  it('marks empty buckets as gaps and never interpolates', () => {
    const grid = toGrid(
      foldSamples(
        [
          { ts: 0, value: 1 },
          { ts: 2500, value: 5 },
        ],
        1000,
      ),
      0,
      4000,
      1000,
      'mean',
    );
    expect(grid.map((p) => [p.value, p.gap])).toEqual([
      [1, false],
      [null, true],
      [5, false],
      [null, true],
    ]);
  });
});

describe('quality rules (plant time)', () => {
  const rules: QualityRules = { ...DEFAULT_RULES, flatlineWindowMs: 3000, range: { low: 0, high: 100 } };
  it('raises flatline when the value is unchanged for the window, and clears on change', () => {
    let s = initialQualityState();
    const raised: number[] = [];
    for (let i = 0; i <= 4; i++) {
      const r = evaluate(s, 't', { ts: i * 1000, serverTs: i * 1000, value: 7, bad: false }, rules);
      s = r.state;
      if (r.transitions.some((t) => t.type === 'raised' && t.issue.kind === 'flatline')) raised.push(i * 1000);
    }
    expect(raised).toEqual([3000]);
    const r = evaluate(s, 't', { ts: 5000, serverTs: 5000, value: 8, bad: false }, rules);
    expect(r.transitions.map((t) => `${t.type}:${t.issue.rule}`)).toEqual(['cleared:flatline']);
  });
  it('raises out-of-range and a spike, and stale on the plant clock only', () => {
    let s = evaluate(initialQualityState(), 't', { ts: 0, serverTs: 0, value: 10, bad: false }, rules).state;
    const r = evaluate(s, 't', { ts: 1000, serverTs: 1000, value: 120, bad: false }, rules);
    expect(r.transitions.map((t) => t.issue.kind).sort()).toEqual(['out-of-range', 'spike']);
    s = r.state;
    // The window is max(10 × expected interval, 60 s) of plant time.
    expect(tick(s, 't', 1000 + 60_000, rules).transitions).toEqual([]);
    expect(tick(s, 't', 1000 + 60_001, rules).transitions.map((t) => t.issue.kind)).toEqual(['stale']);
  });
});

describe('snapshots', () => {
  const table = () => ({
    columns: [
      { name: 'cycle', type: 'int32' as const, role: 'order' as const },
      { name: 'x', type: 'float64' as const, role: 'feature' as const },
    ],
    data: { cycle: new Int32Array([3, 1, 2, 4]), x: new Float64Array([30, 10, 20, Number.NaN]) },
    rowCount: 4,
  });
  it('orders rows chronologically and declares the boundaries', () => {
    const { table: t, splits } = applySplits(table(), { kind: 'chronological', by: 'cycle', train: 0.5, validation: 0.25 });
    expect(Array.from(t.data.cycle as Int32Array)).toEqual([1, 2, 3, 4]);
    expect(splits).toMatchObject({
      train: { start: 0, end: 2 },
      validation: { start: 2, end: 3 },
      test: { start: 3, end: 4 },
      boundaries: { validationFrom: 3, testFrom: 4 },
    });
  });
  it('produces the same canonical bytes for the same inputs, whatever the key order', () => {
    const a = Buffer.concat(canonicalChunks({ b: 1, a: [1, 'x'] }, table()));
    const b = Buffer.concat(canonicalChunks({ a: [1, 'x'], b: 1 }, table()));
    expect(a.equals(b)).toBe(true);
  });
});

describe('catalog search and units', () => {
  it('finds tags by words and by UNS path prefix', () => {
    const t = { ...defaultTagMetadata('acme.plant1.milling.line-1.mill-1', 'spindle_temp', 'x'), description: 'Spindle bearing temperature' };
    const u = { ...defaultTagMetadata('acme.plant1.packaging.line-1.filler-3', 'flow', 'x'), description: 'Flow rate' };
    expect(searchCatalog([t, u], [], { text: 'bearing TEMP' }).map((h) => h.path)).toEqual(['acme.plant1.milling.line-1.mill-1.spindle_temp']);
    expect(searchCatalog([t, u], [], { pathPrefix: 'uns.v1.acme.plant1.packaging' })).toHaveLength(1);
  });
  it('pages after a hit: every entry once and in order, a tag and datasets on the same path included', () => {
    const t = defaultTagMetadata('acme.plant1.milling.line-1.mill-1', 'spindle_temp', 'x');
    const u = defaultTagMetadata('acme.plant1.packaging.line-1.filler-3', 'flow', 'x');
    const d = (datasetId: string) => ({
      datasetId,
      name: datasetId,
      description: '',
      owner: 'o',
      accessLevel: 'internal' as const,
      source: 'acme.plant1.milling.line-1.mill-1.spindle_temp',
      updatedAt: '2026-01-01T00:00:00.000Z',
    });
    const datasets = [d('b'), d('a')];
    const all = searchCatalog([u, t], datasets, {});
    expect(all.map((h) => (h.kind === 'tag' ? h.tag.tag : h.dataset.datasetId))).toEqual(['a', 'b', 'spindle_temp', 'flow']);
    const paged: string[] = [];
    let after: string | undefined;
    for (let page = searchCatalog([u, t], datasets, { limit: 1 }); page.length > 0; page = searchCatalog([u, t], datasets, { limit: 1, after })) {
      paged.push(...page.map(catalogHitKey));
      after = catalogHitKey(page[0]!);
    }
    expect(paged).toEqual(all.map(catalogHitKey));
  });
  it('converts within a dimension and refuses across', () => {
    expect(convert(1, 'bar', 'kPa')).toEqual({ ok: true, value: 100 });
    expect(convert(1, 'bar', 'K').ok).toBe(false);
  });
});

describe('group split stratified by a label column', () => {
  // 10 pumps × 3 rows; pumps 0–3 fail (label 1 on their last row).
  const n = 30;
  const pump = Array.from({ length: n }, (_, i) => `pump-${Math.floor(i / 3)}`);
  const label = Float64Array.from({ length: n }, (_, i) => (Math.floor(i / 3) < 4 && i % 3 === 2 ? 1 : 0));
  const t = {
    columns: [
      { name: 'pump', type: 'utf8' as const, role: 'group' as const },
      { name: 'y', type: 'float64' as const, role: 'label' as const },
    ],
    data: { pump, y: label },
    rowCount: n,
  };

  it('gives every split its share of failed and of healthy groups, whole groups only', () => {
    const { table: out, splits } = applySplits(t, { kind: 'group', by: 'pump', train: 0.5, validation: 0.25, stratifyBy: 'y' });
    const g = splits.groups!;
    const failed = new Set(['pump-0', 'pump-1', 'pump-2', 'pump-3']);
    expect(g.train.filter((k) => failed.has(k))).toHaveLength(2);
    expect(g.validation.filter((k) => failed.has(k))).toHaveLength(1);
    expect(g.test.filter((k) => failed.has(k))).toHaveLength(1);
    expect(g.train.length + g.validation.length + g.test.length).toBe(10);
    expect(new Set([...g.train, ...g.validation, ...g.test]).size).toBe(10);
    const rows = (r: { start: number; end: number }) => new Set((out.data.pump as string[]).slice(r.start, r.end));
    expect([...rows(splits.test)].sort()).toEqual([...g.test].sort());
    expect([...rows(splits.validation)].sort()).toEqual([...g.validation].sort());
  });

  it('refuses a text column to stratify by, naming the field', () => {
    expect(() => applySplits(t, { kind: 'group', by: 'pump', train: 0.5, validation: 0.25, stratifyBy: 'pump' })).toThrow(/split\.stratifyBy/);
    expect(() => applySplits(t, { kind: 'group', by: 'pump', train: 0.5, validation: 0.25, stratifyBy: 'nope' })).toThrow(/split\.stratifyBy/);
  });
});
