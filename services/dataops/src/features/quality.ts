// Use case: data-quality evaluation. Every sample of a newly written batch goes through the
// quality rules of its tag (flatline, spike, range, bad quality, lateness — domain/quality.ts) in
// plant time; the source's clock moving makes silent tags stale; a whole asset's silence is a
// gap note under report by exception. Transitions of warning/critical issues are recorded by
// quality-issues.ts; the report (GetQualityReport) is computed from the state here. After a
// restart, each tag with an open issue gets its rule state back before any batch is evaluated.
import { RollingLimitsTracker } from '@industrial/ml';
import type { IngestBatch } from '../domain/ingest.ts';
import {
  DEFAULT_RULES,
  adaptiveRuleFor,
  type AdaptiveLimitsConfig,
  evaluate,
  healthScore,
  initialQualityState,
  noteGap,
  qualityWindows,
  tick,
  type ActiveIssue,
  type GapNote,
  type QualityRules,
  type QualityTransition,
  type TagQualityState,
} from '../domain/quality.ts';
import { issuesByTag, seedQualityState, type OpenQualityIssue } from '../domain/quality-issues.ts';
import type { DataopsLogger } from '../ports.ts';
import { tagKey, type Catalog } from './catalog.ts';
import type { QualityIssues, QualitySubject } from './quality-issues.ts';

export interface QualityReport {
  tags: Array<{
    assetPath: string;
    tag: string;
    score: number;
    samples: number;
    badShare: number;
    /** Issues open now, info ones (late) included; only warning/critical ones are events. */
    activeIssues: ActiveIssue[];
    /** Silences longer than the window, seen after the fact: info, here and in the score only. */
    gaps: { count: number; totalMs: number; recent: GapNote[] };
  }>;
  assets: Array<{ assetPath: string; score: number; tags: number }>;
}

export interface Quality {
  /** Restores the open issues once (retried by the next call after a failure). */
  load(): Promise<void>;
  /** Evaluates a batch written for the first time (a redelivery changes nothing) and records the transitions. */
  observe(ingest: IngestBatch): Promise<void>;
  report(filter?: { assetPath?: string }): QualityReport;
}

interface TagEntry extends QualitySubject {
  state: TagQualityState;
}

export function createQuality(deps: {
  catalog: Catalog;
  issues: QualityIssues;
  rules: Partial<QualityRules>;
  /** Adaptive (rolling) limits per tag (@industrial/ml RollingLimitsTracker, one per tag, in memory). */
  adaptive?: readonly AdaptiveLimitsConfig[];
  logger: DataopsLogger;
}): Quality {
  const { catalog, issues, logger } = deps;
  const tags = new Map<string, TagEntry>();
  const adaptiveConfigs = deps.adaptive ?? [];
  /** The trailing window of each tag with an adaptive rule (refilled after a restart: no limits until minPoints). */
  const trackers = new Map<string, RollingLimitsTracker>();
  /** Plant clock per source (latest batch plantTime) and per asset, with the asset's recent batch spacing. */
  const sourceClock = new Map<string, number>();
  const assetClock = new Map<string, { last: number; deltas: number[]; publishingMs: number | null }>();
  /** Rules per tag, derived from the catalog; dropped whenever the tag's metadata changes. */
  const rules = new Map<string, QualityRules>();
  catalog.onChange((key) => (key === null ? rules.clear() : rules.delete(key)));
  let loaded: Promise<void> | null = null;

  /**
   * Quality rules of a tag: the catalog's declared sampling rate and range over the configured
   * defaults, and the asset's publishing interval in plant time (spacing of its batches).
   */
  function rulesFor(assetPath: string, tag: string): QualityRules {
    const k = tagKey(assetPath, tag);
    const publishingIntervalMs = assetClock.get(assetPath)?.publishingMs ?? null;
    let r = rules.get(k);
    if (r === undefined) {
      const meta = catalog.peek(k);
      r = {
        ...DEFAULT_RULES,
        ...deps.rules,
        ...(meta?.samplingIntervalMs == null ? {} : { expectedIntervalMs: meta.samplingIntervalMs }),
        ...(meta?.range == null ? {} : { range: meta.range }),
        adaptive: adaptiveRuleFor(adaptiveConfigs, assetPath, tag),
        publishingIntervalMs,
      };
      rules.set(k, r);
    } else if (r.publishingIntervalMs !== publishingIntervalMs) {
      r = { ...r, publishingIntervalMs };
      rules.set(k, r);
    }
    return r;
  }

  /** Moves the asset's and the source's plant clocks; returns the asset's previous batch time. */
  function advanceClocks(sourceId: string, assetPath: string, plantTime: number): number | null {
    sourceClock.set(sourceId, Math.max(sourceClock.get(sourceId) ?? -Infinity, plantTime));
    const a = assetClock.get(assetPath);
    if (a === undefined) {
      assetClock.set(assetPath, { last: plantTime, deltas: [], publishingMs: null });
      return null;
    }
    const previous = a.last;
    if (plantTime > a.last) {
      a.deltas.push(plantTime - a.last);
      if (a.deltas.length > 15) a.deltas.shift();
      const sorted = [...a.deltas].sort((x, y) => x - y);
      a.publishingMs = sorted[Math.floor(sorted.length / 2)] ?? null; // median: robust to bursts and reordering
      a.last = plantTime;
    }
    return previous;
  }

  async function restore(): Promise<void> {
    await catalog.load();
    const { open, streams } = await issues.restore();
    for (const [k, list] of issuesByTag(open)) {
      const first = list[0] as OpenQualityIssue;
      tags.set(k, {
        assetPath: first.assetPath,
        tag: first.tag,
        sourceId: first.sourceId,
        state: seedQualityState(list, rulesFor(first.assetPath, first.tag)),
      });
    }
    if (open.length > 0) logger.info({ openIssues: open.length, streams }, 'open data-quality issues restored from the event store');
  }

  async function observe(ingest: IngestBatch): Promise<void> {
    const { assetPath, sourceId, plantTime } = ingest;
    const changes: Array<{ subject: QualitySubject; transitions: QualityTransition[] }> = [];
    const assetBefore = advanceClocks(sourceId, assetPath, plantTime);
    if (assetBefore !== null && plantTime > assetBefore) {
      // Report by exception: one tag's silence proves nothing, the whole asset's does (a gap note).
      for (const entry of tags.values()) {
        if (entry.assetPath !== assetPath) continue;
        const r = rulesFor(entry.assetPath, entry.tag);
        if (r.reportByException && plantTime - assetBefore > qualityWindows(r).windowMs)
          entry.state = noteGap(entry.state, entry.tag, assetBefore, plantTime, r);
      }
    }
    for (const s of ingest.raw) {
      const k = tagKey(assetPath, s.tag);
      let entry = tags.get(k);
      if (entry === undefined) {
        entry = { assetPath, tag: s.tag, sourceId, state: initialQualityState() };
        tags.set(k, entry);
      }
      const value = s.value !== null && s.text === null ? s.value : (s.text ?? '');
      const tagRules = rulesFor(assetPath, s.tag);
      const bad = s.severity === 'Bad';
      let limits: { lower: number; upper: number } | null = null;
      if (tagRules.adaptive !== null && typeof value === 'number' && !bad) {
        let t = trackers.get(k);
        if (t === undefined) {
          t = new RollingLimitsTracker(tagRules.adaptive);
          trackers.set(k, t);
        }
        limits = t.next(s.ts, value);
      }
      const r = evaluate(entry.state, s.tag, { ts: s.ts, serverTs: s.serverTs, value, bad, limits }, tagRules);
      entry.state = r.state;
      if (r.transitions.length > 0) changes.push({ subject: entry, transitions: r.transitions });
    }
    // The source's clock moved: tags of its assets that sent nothing for the window go stale.
    const sourceNow = sourceClock.get(sourceId) ?? plantTime;
    for (const entry of tags.values()) {
      if (entry.sourceId !== sourceId) continue;
      const r = tick(entry.state, entry.tag, sourceNow, rulesFor(entry.assetPath, entry.tag), assetClock.get(entry.assetPath)?.last ?? null);
      entry.state = r.state;
      if (r.transitions.length > 0) changes.push({ subject: entry, transitions: r.transitions });
    }
    // Recorded in the order the batches were evaluated (this call follows the evaluation synchronously).
    if (changes.length > 0) await issues.record(changes, ingest.batchId);
  }

  function report(filter: { assetPath?: string } = {}): QualityReport {
    const list = [...tags.values()]
      .filter((e) => filter.assetPath === undefined || e.assetPath === filter.assetPath || e.assetPath.startsWith(`${filter.assetPath}.`))
      .map((e) => ({
        assetPath: e.assetPath,
        tag: e.tag,
        score: healthScore(e.state, rulesFor(e.assetPath, e.tag).gapMemoryMs),
        samples: e.state.samples,
        badShare: e.state.samples === 0 ? 0 : e.state.badSamples / e.state.samples,
        activeIssues: Object.values(e.state.active).filter((i): i is ActiveIssue => i !== undefined),
        gaps: { count: e.state.gapCount, totalMs: e.state.gapMs, recent: [...e.state.gaps] },
      }))
      .sort((a, b) => (tagKey(a.assetPath, a.tag) < tagKey(b.assetPath, b.tag) ? -1 : 1));
    const byAsset = new Map<string, number[]>();
    for (const t of list) byAsset.set(t.assetPath, [...(byAsset.get(t.assetPath) ?? []), t.score]);
    // An asset is as healthy as its tags on average, but one dead tag must show: weight the minimum.
    const assets = [...byAsset].map(([assetPath, scores]) => ({
      assetPath,
      tags: scores.length,
      score: 0.5 * (scores.reduce((s, x) => s + x, 0) / scores.length) + 0.5 * Math.min(...scores),
    }));
    return { tags: list, assets };
  }

  return {
    load: () =>
      (loaded ??= restore().catch((e: unknown) => {
        loaded = null; // retried by the next batch or start
        throw e;
      })),
    observe,
    report,
  };
}
