import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { foldQualityEvents, issuesByTag, qualityIssueKey, ruleOfRaised, seedQualityState, type OpenQualityIssue } from '../../src/domain/quality-issues.ts';
import { DEFAULT_RULES, evaluate, tick, type QualityRule, type QualityRules } from '../../src/domain/quality.ts';

const idOf = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 32);
const T0 = Date.parse('2025-03-05T10:00:00Z');
const SOURCE = '0193a1b2-7c00-7a10-8b00-000000000004';
const ASSET = 'acme.plant1.milling.line-1.mill-1';

function raised(tag: string, rule: QualityRule, kind: string, at: number, observed: number | null = null) {
  const issueId = idOf(qualityIssueKey(ASSET, tag, rule, at));
  return {
    type: 'DataQualityIssueRaised',
    data: {
      issueId,
      sourceId: SOURCE,
      assetPath: ASSET,
      tag,
      kind,
      severity: 'warning',
      detectedAt: new Date(at).toISOString(),
      detail: `${tag} ${rule}`,
      observed,
    },
  };
}
const cleared = (issueId: string) => ({
  type: 'DataQualityIssueCleared',
  data: { issueId, sourceId: SOURCE, clearedAt: new Date(T0).toISOString(), resolution: 'recovered' },
});
const idIn = (e: { data: unknown }) => (e.data as { issueId: string }).issueId;

describe('foldQualityEvents', () => {
  it('keeps raised issues open until a clear with their id, and skips other event types', () => {
    const a = raised('temp', 'out-of-range', 'out-of-range', T0);
    const b = raised('pressure', 'flatline', 'flatline', T0 + 1000, 5);
    const r = foldQualityEvents(new Map(), [a, { type: 'SourceConnected', data: {} }, b, cleared(idIn(a))], idOf);
    expect([...r.open.keys()]).toEqual([idIn(b)]);
    expect(r.opened).toEqual([
      {
        issueId: idIn(b),
        sourceId: SOURCE,
        assetPath: ASSET,
        tag: 'pressure',
        rule: 'flatline',
        kind: 'flatline',
        severity: 'warning',
        raisedAt: T0 + 1000,
        detail: 'pressure flatline',
        observed: 5,
      },
    ]);
    expect(r.closed).toEqual([]);
  });

  it('reports what changed against the issues already open: closed ids, newly opened ones', () => {
    const a = raised('temp', 'out-of-range', 'out-of-range', T0);
    const first = foldQualityEvents(new Map(), [a], idOf);
    const b = raised('temp', 'stale', 'stale', T0 + 5000);
    const second = foldQualityEvents(first.open, [cleared(idIn(a)), b], idOf);
    expect(second.closed).toEqual([idIn(a)]);
    expect(second.opened.map((i) => i.issueId)).toEqual([idIn(b)]);
    expect([...second.open.keys()]).toEqual([idIn(b)]);
    // Cleared and raised again within one fold (a replayed append): open before and after, no change.
    const third = foldQualityEvents(second.open, [cleared(idIn(b)), b], idOf);
    expect(third).toMatchObject({ opened: [], closed: [] });
    expect([...third.open.keys()]).toEqual([idIn(b)]);
  });

  it('ignores a clear of an unknown issue and a second raise of an open one', () => {
    const a = raised('temp', 'out-of-range', 'out-of-range', T0, 150);
    const first = foldQualityEvents(new Map(), [a], idOf);
    const again = { ...a, data: { ...a.data, detail: 'changed' } };
    const r = foldQualityEvents(first.open, [cleared('nope'), again], idOf);
    expect(r.opened).toEqual([]);
    expect(r.closed).toEqual([]);
    expect(r.open.get(idIn(a))?.detail).toBe('temp out-of-range');
  });

  it('tells spike from rate-of-change (one kind) by the issue id, and skips info kinds', () => {
    const roc = raised('temp', 'rate-of-change', 'spike', T0);
    const spike = raised('speed', 'spike', 'spike', T0);
    const gap = { type: 'DataQualityIssueRaised', data: { ...raised('temp', 'gap', 'gap', T0).data } };
    const r = foldQualityEvents(new Map(), [roc, spike, gap], idOf);
    expect(r.open.get(idIn(roc))?.rule).toBe('rate-of-change');
    expect(r.open.get(idIn(spike))?.rule).toBe('spike');
    expect(r.open.size).toBe(2);
    expect(ruleOfRaised({ issueId: 'from-elsewhere', assetPath: ASSET, tag: 'x', kind: 'spike' }, T0, idOf)).toBe('spike');
    expect(ruleOfRaised({ issueId: 'x', assetPath: ASSET, tag: 'x', kind: 'clock-skew' }, T0, idOf)).toBeNull();
  });

  it('groups open issues per tag', () => {
    const r = foldQualityEvents(
      new Map(),
      [raised('a', 'stale', 'stale', T0), raised('a', 'flatline', 'flatline', T0, 1), raised('b', 'stale', 'stale', T0)],
      idOf,
    );
    expect([...issuesByTag(r.open.values())].map(([k, l]) => [k, l.length])).toEqual([
      [`${ASSET}.a`, 2],
      [`${ASSET}.b`, 1],
    ]);
  });
});

describe('seedQualityState', () => {
  const rules: QualityRules = { ...DEFAULT_RULES, flatlineWindowMs: 10_000, range: { low: 0, high: 100 }, spikeDelta: 1e9, minWindowMs: 20_000 };
  const open = (rule: QualityRule, kind: string, at: number, observed: number | null): OpenQualityIssue =>
    ({
      issueId: `id-${rule}`,
      sourceId: SOURCE,
      assetPath: ASSET,
      tag: 't',
      rule,
      kind,
      severity: 'warning',
      raisedAt: at,
      detail: rule,
      observed,
    }) as OpenQualityIssue;
  const sample = (ts: number, value: number, bad = false) => ({ ts, serverTs: ts + 5, value, bad });

  it('keeps a flatline open while the value stays, and clears it (same raise time) when it moves', () => {
    let s = seedQualityState([open('flatline', 'flatline', T0, 5)], rules);
    const still = evaluate(s, 't', sample(T0 + 60_000, 5), rules);
    expect(still.transitions).toEqual([]);
    s = still.state;
    const moved = evaluate(s, 't', sample(T0 + 61_000, 6), rules);
    expect(moved.transitions).toEqual([{ type: 'cleared', issue: expect.objectContaining({ rule: 'flatline', raisedAt: T0 }), clearedAt: T0 + 61_000 }]);
  });

  it('keeps out-of-range open while out of range, and clears it when back', () => {
    const s = seedQualityState([open('out-of-range', 'out-of-range', T0, 150)], rules);
    expect(evaluate(s, 't', sample(T0 + 1000, 160), rules).transitions).toEqual([]);
    expect(evaluate(s, 't', sample(T0 + 1000, 50), rules).transitions).toMatchObject([{ type: 'cleared', issue: { raisedAt: T0 } }]);
  });

  it('keeps stale open while the tag is silent, and clears it after the clear window of flowing data', () => {
    let s = seedQualityState([open('stale', 'stale', T0, 30_000)], rules);
    expect(tick(s, 't', T0 + 120_000, rules, T0 + 120_000).transitions).toEqual([]);
    const out = [];
    for (let t = T0 + 200_000; t <= T0 + 230_000; t += 1000) {
      const e = evaluate(s, 't', sample(t, 50 + (t % 2000 === 0 ? 1 : 0)), rules);
      const k = tick(e.state, 't', t + 1, rules, t + 1);
      s = k.state;
      out.push(...e.transitions, ...k.transitions);
    }
    expect(out).toMatchObject([{ type: 'cleared', issue: { rule: 'stale', raisedAt: T0 } }]);
  });

  it('keeps bad-quality open at the Bad share it was raised with, and clears it once good samples dilute it', () => {
    let s = seedQualityState([open('bad-quality', 'bad-quality', T0, 0.3)], rules);
    expect(s.recentBad.filter(Boolean).length).toBe(15);
    expect(s.recentBad).toHaveLength(rules.badWindow);
    // Still 1 in 3 Bad: stays open.
    for (let i = 0; i < 30; i++) {
      const r = evaluate(s, 't', sample(T0 + i * 1000, 50 + (i % 2), i % 3 === 0), rules);
      expect(r.transitions).toEqual([]);
      s = r.state;
    }
    const out = [];
    for (let i = 30; i < 90; i++) {
      const r = evaluate(s, 't', sample(T0 + i * 1000, 50 + (i % 2)), rules);
      s = r.state;
      out.push(...r.transitions);
    }
    expect(out).toMatchObject([{ type: 'cleared', issue: { rule: 'bad-quality', raisedAt: T0 } }]);
  });

  it('starts from an empty state otherwise, with every open issue active under its raise time', () => {
    const s = seedQualityState([open('spike', 'spike', T0, 99), open('stale', 'stale', T0 + 5, null)], rules);
    expect(Object.keys(s.active).sort()).toEqual(['spike', 'stale']);
    expect(s.active.stale?.raisedAt).toBe(T0 + 5);
    expect(s).toMatchObject({ lastTs: null, lastValue: null, samples: 0, gaps: [] });
  });
});
