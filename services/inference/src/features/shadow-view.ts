// Use case "judge a shadow candidate" (ListShadowComparisons): per window where production or the
// candidate raised a prompt, what each said (verdict, score, prompt id) and what operators recorded
// on that asset — the production prompt's decision and outcome, or a missed failure reported on the
// asset soon after — newest first, in pages; and per candidate a summary: windows scored beside
// production and how many agreed (the sums of ShadowWindowsCompared), alarms of each side, and the
// compared prompts against the outcomes. Read from `serving-<useCaseId>`, the prompts' streams and
// the assets' streams in the store (any replica answers the same).
import { streamFor, type EventData } from '@industrial/contracts';
import type { Kernel, TypedEvent } from '@industrial/kernel';
import { InferenceError, InferenceErrorCode } from '../domain/errors.ts';

export interface ShadowQuery {
  readonly useCaseId: string;
  /** An ISA-95 path prefix (line, asset, …); null: every asset. */
  readonly scope: string | null;
  /** Only this candidate; null: every candidate. */
  readonly candidateVersionId: string | null;
  readonly pageSize: number;
  /** next_page_token of the previous page; null: the first page. */
  readonly pageToken: string | null;
}

export interface OperatorRecord {
  /** The production prompt's decision; null when no production prompt is named. */
  readonly decision: 'done' | 'not-done' | 'overridden' | 'open' | null;
  readonly rejectionReason: string | null;
  /** OutcomeRecorded on the production prompt, else null. */
  readonly outcome: 'event-prevented' | 'event-occurred' | 'no-event' | 'unknown' | null;
  /** A missed failure was reported on the asset within the look-ahead after the window. */
  readonly missedFailureReported: boolean;
  /** A failure was confirmed (prevented, occurred, or reported missed); false: a false alarm; null: not known. */
  readonly failure: boolean | null;
}

export type ShadowComparisonRow = EventData<'ShadowPromptCompared'> & { readonly operator: OperatorRecord };

export interface ShadowSummary {
  readonly candidateVersionId: string;
  readonly productionVersionIds: readonly (string | null)[];
  readonly windows: number;
  readonly agreeing: number;
  /** agreeing / windows; null before any window was counted. */
  readonly agreement: number | null;
  readonly productionAlarms: number;
  readonly candidateAlarms: number;
  /** Plant time of the first and last counted window (ISO), null before any. */
  readonly periodFrom: string | null;
  readonly periodTo: string | null;
  readonly promptsCompared: number;
  readonly promptsAgreeing: number;
  readonly productionPrompts: number;
  readonly candidatePrompts: number;
  readonly confirmedFailures: number;
  readonly falseAlarms: number;
  /** Confirmed failures the candidate alarmed on / stayed silent on. */
  readonly candidateCaught: number;
  readonly candidateMissed: number;
  /** False alarms the candidate alarmed on too. */
  readonly candidateFalseAlarms: number;
}

export interface ShadowComparisonPage {
  readonly comparisons: readonly ShadowComparisonRow[];
  /** Empty on the last page. */
  readonly nextPageToken: string;
  readonly summaries: readonly ShadowSummary[];
}

export interface ShadowViewing {
  listShadowComparisons(q: ShadowQuery): Promise<ShadowComparisonPage>;
}

const within = (path: string, scope: string | null) => scope === null || path === scope || path.startsWith(`${scope}.`);

export function createShadowViewing(deps: {
  kernel: Pick<Kernel, 'read'>;
  /** How long after a window a reported missed failure counts for it (plant time). Default 24 h. */
  missedLookaheadMs?: number;
}): ShadowViewing {
  const lookahead = deps.missedLookaheadMs ?? 24 * 3_600_000;

  async function promptRecord(recommendationId: string): Promise<Omit<OperatorRecord, 'missedFailureReported' | 'failure'>> {
    let decision: OperatorRecord['decision'] = 'open';
    let rejectionReason: string | null = null;
    let outcome: OperatorRecord['outcome'] = null;
    for (const e of await deps.kernel.read(streamFor('RecommendationRaised', recommendationId))) {
      if (e.type === 'RecommendationAccepted') decision = 'done';
      else if (e.type === 'RecommendationOverridden') decision = 'overridden';
      else if (e.type === 'RecommendationRejected') {
        decision = 'not-done';
        rejectionReason = e.data.reason;
      } else if (e.type === 'OutcomeRecorded') outcome = e.data.outcome;
    }
    return { decision, rejectionReason, outcome };
  }

  async function operatorRecords(rows: readonly EventData<'ShadowPromptCompared'>[]): Promise<OperatorRecord[]> {
    const missed = new Map<string, number[]>();
    for (const asset of new Set(rows.map((r) => r.assetPath))) {
      const times: number[] = [];
      for (const e of await deps.kernel.read(streamFor('ProblemReported', asset)))
        if (e.type === 'ProblemReported' && e.data.missedFailure) times.push(Date.parse(e.data.observedAt));
      missed.set(asset, times);
    }
    const prompts = new Map<string, Promise<Omit<OperatorRecord, 'missedFailureReported' | 'failure'>>>();
    return Promise.all(
      rows.map(async (r) => {
        const id = r.production.recommendationId;
        if (id !== null && !prompts.has(id)) prompts.set(id, promptRecord(id));
        const p = id === null ? { decision: null, rejectionReason: null, outcome: null } : await prompts.get(id)!;
        const at = Date.parse(r.at);
        const missedFailureReported = (missed.get(r.assetPath) ?? []).some((t) => t >= at && t <= at + lookahead);
        const failure =
          missedFailureReported || p.outcome === 'event-prevented' || p.outcome === 'event-occurred'
            ? true
            : p.outcome === 'no-event' || p.rejectionReason === 'false-alarm'
              ? false
              : null;
        return { ...p, missedFailureReported, failure };
      }),
    );
  }

  function summarise(
    candidate: string,
    batches: readonly EventData<'ShadowWindowsCompared'>[],
    rows: readonly EventData<'ShadowPromptCompared'>[],
    records: readonly OperatorRecord[],
  ): ShadowSummary {
    const mine = batches.filter((b) => b.candidateVersionId === candidate);
    const sum = (f: (b: EventData<'ShadowWindowsCompared'>) => number) => mine.reduce((s, b) => s + f(b), 0);
    const windows = sum((b) => b.windows);
    const agreeing = sum((b) => b.agreeing);
    const idx = rows.flatMap((r, i) => (r.candidateVersionId === candidate ? [i] : []));
    const count = (p: (r: EventData<'ShadowPromptCompared'>, o: OperatorRecord) => boolean) => idx.filter((i) => p(rows[i]!, records[i]!)).length;
    const froms = mine.map((b) => Date.parse(b.period.from));
    const tos = mine.map((b) => Date.parse(b.period.to));
    return {
      candidateVersionId: candidate,
      productionVersionIds: [...new Set([...mine.map((b) => b.productionVersionId), ...idx.map((i) => rows[i]!.productionVersionId)])],
      windows,
      agreeing,
      agreement: windows === 0 ? null : agreeing / windows,
      productionAlarms: sum((b) => b.productionAlarms),
      candidateAlarms: sum((b) => b.candidateAlarms),
      periodFrom: mine.length === 0 ? null : new Date(Math.min(...froms)).toISOString(),
      periodTo: mine.length === 0 ? null : new Date(Math.max(...tos)).toISOString(),
      promptsCompared: idx.length,
      promptsAgreeing: count((r) => r.agree),
      productionPrompts: count((r) => r.raisedBy !== 'candidate'),
      candidatePrompts: count((r) => r.raisedBy !== 'production'),
      confirmedFailures: count((_, o) => o.failure === true),
      falseAlarms: count((_, o) => o.failure === false),
      candidateCaught: count((r, o) => o.failure === true && r.candidate.alarm),
      candidateMissed: count((r, o) => o.failure === true && !r.candidate.alarm),
      candidateFalseAlarms: count((r, o) => o.failure === false && r.candidate.alarm),
    };
  }

  return {
    async listShadowComparisons(q) {
      let before = Infinity;
      if (q.pageToken !== null) {
        if (!/^\d{1,15}$/.test(q.pageToken))
          throw new InferenceError(InferenceErrorCode.InvalidArgument, 'page_token is not a next_page_token of this list', 'pageToken');
        before = Number(q.pageToken);
      }
      const events = await deps.kernel.read(streamFor('ShadowPromptCompared', q.useCaseId));
      const wanted = (candidate: string) => q.candidateVersionId === null || candidate === q.candidateVersionId;
      const compared = events
        .filter((e): e is TypedEvent<'ShadowPromptCompared'> => e.type === 'ShadowPromptCompared')
        .filter((e) => wanted(e.data.candidateVersionId) && within(e.data.assetPath, q.scope))
        .reverse(); // newest first
      // A use-case-wide deployment's counts cover every asset: they are summed only when no scope is asked for.
      const batches = events
        .filter((e): e is TypedEvent<'ShadowWindowsCompared'> => e.type === 'ShadowWindowsCompared')
        .map((e) => e.data)
        .filter((b) => wanted(b.candidateVersionId) && (q.scope === null || (b.scope !== undefined && within(b.scope, q.scope))));
      const rows = compared.map((e) => e.data);
      const records = await operatorRecords(rows);
      const candidates = [...new Set([...batches.map((b) => b.candidateVersionId), ...rows.map((r) => r.candidateVersionId)])];
      const start = compared.findIndex((e) => e.revision < before);
      const from = start < 0 ? compared.length : start;
      const page = compared.slice(from, from + q.pageSize);
      const more = from + q.pageSize < compared.length;
      return {
        comparisons: page.map((e, i) => ({ ...e.data, operator: records[from + i]! })),
        nextPageToken: more && page.length > 0 ? String(page[page.length - 1]!.revision) : '',
        summaries: candidates.map((c) => summarise(c, batches, rows, records)),
      };
    },
  };
}
