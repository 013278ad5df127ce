// Use case: raising and clearing data-quality issues, and keeping them across restarts. A warning
// or critical finding of the quality rules is recorded for good as DataQualityIssueRaised, and its
// recovery as DataQualityIssueCleared, in dataops' own `quality-<sourceId>` stream (one per source,
// through the kernel). Dataops' store keeps a read model of those streams — the open issues and,
// per stream, the last revision folded in — that is only ever advanced by folding a stream's
// events from that revision on (`catchUp`), after they were appended: it is always a fold of a
// prefix of the stream, and an append whose read-model write was lost (crash, database error) is
// picked up by the next catch-up of that stream (at the source's next issue, or at start).
import { streamFor } from '@industrial/contracts';
import { uuidFromKey } from '@industrial/contracts/ids';
import { serviceCause, type Kernel } from '@industrial/kernel';
import type { QualityTransition } from '../domain/quality.ts';
import { foldQualityEvents, qualityIssueKey, type OpenQualityIssue } from '../domain/quality-issues.ts';
import type { DataopsLogger, MetaStore } from '../ports.ts';

/** The tag a transition is about, and the source whose stream records it. */
export interface QualitySubject {
  readonly assetPath: string;
  readonly tag: string;
  readonly sourceId: string;
}

export interface QualityIssues {
  /**
   * At start: the read model, plus each stream's events appended after it was last written.
   * Returns the open issues (the caller seeds the rule state of their tags from them).
   * Which streams: those the read model knows (entered before their first issue was appended;
   * on a first start, every source the historian has batches from).
   */
  restore(): Promise<{ open: OpenQualityIssue[]; streams: number }>;
  /**
   * Records one batch's transitions (info findings stay in the quality report), then folds the
   * new events into the read model. Calls run one at a time in call order, so a raise is
   * appended before its clear and a stream's read-model revision only moves forward.
   */
  record(changes: readonly { subject: QualitySubject; transitions: readonly QualityTransition[] }[], causationId: string): Promise<void>;
}

/** The stream of a source's data-quality issues. */
export const qualityStream = (sourceId: string): string => streamFor('DataQualityIssueRaised', sourceId);

export function createQualityIssues(deps: { kernel: Kernel; meta: MetaStore; logger: DataopsLogger }): QualityIssues {
  const { kernel, meta, logger } = deps;
  const open = new Map<string, OpenQualityIssue>();
  const revision = new Map<string, number>();
  let queue: Promise<void> = Promise.resolve();

  async function catchUp(sourceId: string): Promise<void> {
    for (;;) {
      const from = (revision.get(sourceId) ?? -1) + 1;
      const page = await kernel.read(qualityStream(sourceId), { fromRevision: from, maxCount: 10_000 });
      const last = page.at(-1)?.revision;
      if (last === undefined) return;
      const mine = new Map([...open].filter(([, i]) => i.sourceId === sourceId));
      const folded = foldQualityEvents(mine, page, uuidFromKey);
      await meta.applyQualityIssues(sourceId, last, folded);
      for (const id of folded.closed) open.delete(id);
      for (const i of folded.opened) open.set(i.issueId, i);
      revision.set(sourceId, last);
    }
  }

  async function emit(subject: QualitySubject, transitions: readonly QualityTransition[], causationId: string): Promise<boolean> {
    let appended = false;
    for (const t of transitions) {
      // An issue event is a decision recorded for good: info findings stay in the quality report.
      if (t.issue.severity === 'info') continue;
      const issueId = uuidFromKey(qualityIssueKey(subject.assetPath, subject.tag, t.issue.rule, t.issue.raisedAt));
      const cause = serviceCause('dataops', issueId, { causationId });
      if (!revision.has(subject.sourceId)) {
        // Before the stream's first quality event: a crash right after that append must leave the
        // stream known, so the next start folds the event in.
        await meta.watchQualityStream(subject.sourceId);
        revision.set(subject.sourceId, -1);
      }
      appended = true;
      const stream = qualityStream(subject.sourceId);
      if (t.type === 'raised') {
        const data = {
          issueId,
          sourceId: subject.sourceId,
          assetPath: subject.assetPath,
          tag: subject.tag,
          kind: t.issue.kind,
          severity: t.issue.severity,
          detectedAt: new Date(t.issue.raisedAt).toISOString(),
          detail: t.issue.detail.slice(0, 1000),
          observed: t.issue.observed,
        };
        await kernel.append(stream, [{ type: 'DataQualityIssueRaised', data, id: uuidFromKey(`raised:${issueId}`) }], cause);
      } else {
        const data = {
          issueId,
          sourceId: subject.sourceId,
          clearedAt: new Date(t.clearedAt).toISOString(),
          resolution: 'recovered' as const,
          note: `${t.issue.rule} no longer observed on ${subject.tag}`,
        };
        await kernel.append(stream, [{ type: 'DataQualityIssueCleared', data, id: uuidFromKey(`cleared:${issueId}`) }], cause);
      }
    }
    return appended;
  }

  async function recordNow(changes: readonly { subject: QualitySubject; transitions: readonly QualityTransition[] }[], causationId: string): Promise<void> {
    for (const { subject, transitions } of changes) {
      if (!(await emit(subject, transitions, causationId))) continue;
      // Events first, then the read model. A failure here loses nothing (the events are stored, and
      // the next catch-up of the stream folds them in): it is logged, not redelivered.
      await catchUp(subject.sourceId).catch((e: unknown) => {
        logger.warn({ err: e, sourceId: subject.sourceId }, 'data-quality read model not updated; it catches up at the next issue of this source or at start');
      });
    }
  }

  return {
    async restore() {
      const { streams, issues } = await meta.loadQualityIssues();
      for (const i of issues) open.set(i.issueId, i);
      for (const s of streams) revision.set(s.sourceId, s.revision);
      for (const s of streams) await catchUp(s.sourceId);
      return { open: [...open.values()], streams: streams.length };
    },
    record(changes, causationId) {
      const run = queue.then(() => recordNow(changes, causationId));
      queue = run.then(
        () => undefined,
        () => undefined,
      );
      return run;
    },
  };
}
