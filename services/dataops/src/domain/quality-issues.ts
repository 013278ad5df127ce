// Open data-quality issues across restarts. The event store is the source of truth: a warning or
// critical issue is open from its DataQualityIssueRaised until a DataQualityIssueCleared with its
// id (whoever cleared it). `foldQualityEvents` folds a source stream's events into the set of
// open issues; `seedQualityState` turns a tag's open issues back into the per-tag rule state, so
// that after a restart a still-bad tag does not raise again and a recovered tag clears the
// recorded issue under its original id. Pure: ids are computed by the caller's `idOf`.
import {
  initialQualityState,
  KIND_OF_RULE,
  severityOf,
  type ActiveIssue,
  type IssueKind,
  type IssueSeverity,
  type QualityRule,
  type QualityRules,
  type TagQualityState,
} from './quality.ts';

/** An issue recorded as raised and not (yet) cleared: the active issue, and where it was recorded. */
export interface OpenQualityIssue extends ActiveIssue {
  issueId: string;
  sourceId: string;
  assetPath: string;
  tag: string;
}

/** The key an issue id is derived from: the same (asset, tag, rule, plant time) gives the same id. */
export const qualityIssueKey = (assetPath: string, tag: string, rule: QualityRule, raisedAt: number): string =>
  `quality:${assetPath}:${tag}:${rule}:${raisedAt}`;

/** What a fold needs of a recorded event. */
export interface QualityEventLike {
  type: string;
  data: unknown;
}

interface RaisedData {
  issueId: string;
  sourceId: string;
  assetPath: string;
  tag: string;
  kind: IssueKind;
  severity: IssueSeverity;
  detectedAt: string;
  detail: string;
  observed: number | null;
}

const RULES = Object.keys(KIND_OF_RULE) as QualityRule[];

/**
 * The rule behind a raised issue. The event names its kind, and two rules share one (`spike` and
 * `rate-of-change` → `spike`): the rule whose derived id equals the event's issue id is the one.
 * An id derived otherwise (an older key, another writer) falls back to the kind's first rule.
 */
export function ruleOfRaised(
  d: Pick<RaisedData, 'issueId' | 'assetPath' | 'tag' | 'kind'>,
  raisedAt: number,
  idOf: (key: string) => string,
): QualityRule | null {
  const candidates = RULES.filter((r) => KIND_OF_RULE[r] === d.kind && severityOf(r) !== 'info');
  if (candidates.length === 0) return null;
  return candidates.find((r) => idOf(qualityIssueKey(d.assetPath, d.tag, r, raisedAt)) === d.issueId) ?? (candidates[0] as QualityRule);
}

/**
 * Folds events (one stream, in order; other event types are skipped) into the open issues.
 * Returns the new set and its difference to `open`: issues opened (raised and still open at the
 * end) and ids closed (open before, cleared now). A clear of an unknown issue changes nothing; a
 * second raise of an open id keeps the first.
 */
export function foldQualityEvents(
  open: ReadonlyMap<string, OpenQualityIssue>,
  events: Iterable<QualityEventLike>,
  idOf: (key: string) => string,
): { open: Map<string, OpenQualityIssue>; opened: OpenQualityIssue[]; closed: string[] } {
  const next = new Map(open);
  for (const e of events) {
    if (e.type === 'DataQualityIssueRaised') {
      const d = e.data as RaisedData;
      if (next.has(d.issueId)) continue;
      const raisedAt = Date.parse(d.detectedAt);
      if (!Number.isFinite(raisedAt)) continue;
      const rule = ruleOfRaised(d, raisedAt, idOf);
      if (rule === null) continue;
      next.set(d.issueId, {
        issueId: d.issueId,
        sourceId: d.sourceId,
        assetPath: d.assetPath,
        tag: d.tag,
        rule,
        kind: d.kind,
        severity: d.severity,
        raisedAt,
        detail: d.detail,
        observed: d.observed,
      });
    } else if (e.type === 'DataQualityIssueCleared') {
      next.delete((e.data as { issueId: string }).issueId);
    }
  }
  const opened = [...next.values()].filter((i) => !open.has(i.issueId));
  const closed = [...open.keys()].filter((id) => !next.has(id));
  return { open: next, opened, closed };
}

/**
 * A tag's rule state from its open issues, as if the service had kept running: each issue is
 * active with its original raise time (so a clear derives the same issue id), and the state a
 * rule needs to see the condition as still holding —
 * - flatline: the flat value (the observed one) unchanged since at least a window before the raise;
 * - bad-quality: a recent-sample window with the Bad share observed at the raise, Bad ones newest.
 * Everything else (last sample, counters, gaps) starts empty: stale and late are judged on the
 * next samples, spike / rate-of-change / out-of-range on the next values.
 */
export function seedQualityState(issues: readonly OpenQualityIssue[], rules: QualityRules): TagQualityState {
  const s = initialQualityState();
  for (const i of [...issues].sort((a, b) => a.raisedAt - b.raisedAt)) {
    const issue: ActiveIssue = { rule: i.rule, kind: i.kind, severity: i.severity, raisedAt: i.raisedAt, detail: i.detail, observed: i.observed };
    s.active[i.rule] = issue; // the latest raise of a rule wins (one issue per rule is open at a time)
    if (i.rule === 'flatline' && i.observed !== null) {
      s.flatValue = i.observed;
      s.flatSince = i.raisedAt - rules.flatlineWindowMs;
    } else if (i.rule === 'bad-quality' && i.observed !== null && rules.badWindow > 0) {
      const bad = Math.min(rules.badWindow, Math.max(0, Math.ceil(i.observed * rules.badWindow - 1e-9))); // ≥ the observed share, so still over the threshold
      s.recentBad = [...Array<boolean>(rules.badWindow - bad).fill(false), ...Array<boolean>(bad).fill(true)];
    }
  }
  return s;
}

/** Open issues grouped per (asset, tag), keyed `${assetPath}.${tag}`. */
export function issuesByTag(issues: Iterable<OpenQualityIssue>): Map<string, OpenQualityIssue[]> {
  const out = new Map<string, OpenQualityIssue[]>();
  for (const i of issues) {
    const k = `${i.assetPath}.${i.tag}`;
    const list = out.get(k);
    if (list === undefined) out.set(k, [i]);
    else list.push(i);
  }
  return out;
}
