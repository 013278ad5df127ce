// Use case: labels — time windows of an asset that carry a class (a failure, what an inspection
// found), for training targets and snapshot lineage. Recorded as LabelRecorded in dataops' own
// `label-<assetPath>` stream (through the kernel, idempotent by label id), then in the read model
// that snapshots query. Besides people (RecordLabel), the label policy turns integration events
// into labels, each with a name-based id so a redelivered event records nothing new:
//   FaultLabelled (the simulator's ground truth: fault start → failure) → source `simulator`, confidence 1;
//   OutcomeRecorded with a label class (what the operator found after a prompt, over the window
//     the model saw) → `operator`, confidence 1 when the event occurred, else 0.8;
//   ProblemReported with a label class and window (a missed failure among them) → `operator`, 0.8.
// Other services read labels through listLabels (DataOpsService.ListLabels), never the streams.
import { streamFor, type IntegrationEvent } from '@industrial/contracts';
import { uuidFromKey, uuidv7 } from '@industrial/contracts/ids';
import type { Cause, Kernel } from '@industrial/kernel';
import { InvalidArgumentError } from '../domain/errors.ts';
import { toMs } from '../domain/time.ts';
import type { MetaStore, StoredLabel } from '../ports.ts';

export interface RecordLabelInput {
  assetPath: string;
  label: string;
  from: string;
  to: string;
  source: 'operator' | 'engineer' | 'maintenance-record' | 'simulator';
  confidence?: number;
  useCaseId?: string | null;
  note?: string;
  /** Client-chosen id → idempotent retries. */
  labelId?: string;
}

export type RecordLabel = (input: RecordLabelInput, cause: Cause) => Promise<{ labelId: string; created: boolean }>;

const LABEL = /^[a-z0-9_-]{1,64}$/;
const ASSET_PATH = /^[a-z0-9_-]+(\.[a-z0-9_-]+){4}$/;

export function createLabels(deps: { kernel: Kernel; meta: MetaStore; now: () => Date }): RecordLabel {
  const { kernel, meta, now } = deps;
  return async function recordLabel(input, cause) {
    const from = toMs('from', input.from);
    const to = toMs('to', input.to);
    if (to <= from) throw new InvalidArgumentError('to', 'must be after from');
    if (!LABEL.test(input.label)) throw new InvalidArgumentError('label', 'must use lowercase letters, digits, "_" and "-" only');
    if (!ASSET_PATH.test(input.assetPath)) throw new InvalidArgumentError('assetPath', 'must be "enterprise.site.area.line.asset"');
    const confidence = input.confidence ?? 1;
    if (!(confidence >= 0 && confidence <= 1)) throw new InvalidArgumentError('confidence', 'must be within 0..1');
    const labelId = input.labelId ?? uuidv7();
    const data = {
      labelId,
      assetPath: input.assetPath,
      useCaseId: input.useCaseId ?? null,
      label: input.label,
      window: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
      source: input.source,
      confidence,
      ...(input.note === undefined || input.note.trim() === '' ? {} : { note: input.note.slice(0, 1000) }),
    };
    // The event first (source of truth, idempotent by id), then the read model.
    await kernel.append(streamFor('LabelRecorded', input.assetPath), [{ type: 'LabelRecorded', data, id: uuidFromKey(`label-event:${labelId}`) }], cause);
    const created = await meta.putLabel({
      labelId,
      assetPath: input.assetPath,
      label: input.label,
      from,
      to,
      source: input.source,
      useCaseId: input.useCaseId ?? null,
      confidence,
      note: input.note ?? null,
      actor: cause.actor,
      recordedAt: now().toISOString(),
    });
    return { labelId, created };
  };
}

/** Where a page of labels ends: the last label's window start and id (labels are ordered by both). */
export interface LabelCursor {
  from: number;
  labelId: string;
}

export interface ListLabelsQuery {
  assetPath: string;
  /** Epoch ms, half-open [from, to): labels whose window overlaps it. */
  from: number;
  to: number;
  /** Most labels in the page. */
  limit: number;
  /** The previous page's `next`: the page starts after it. */
  after?: LabelCursor;
}

export interface LabelPage {
  /** By window start, then label id. */
  labels: StoredLabel[];
  /** Where the next page starts; null on the last page. */
  next: LabelCursor | null;
}

export type ListLabels = (q: ListLabelsQuery) => Promise<LabelPage>;

const byWindowStart = (a: LabelCursor, b: LabelCursor): number => a.from - b.from || (a.labelId < b.labelId ? -1 : a.labelId > b.labelId ? 1 : 0);

/** The labels of one asset overlapping a time range, from the read model, a page at a time (keyset: stable while labels are added). */
export function createListLabels(deps: { meta: MetaStore }): ListLabels {
  const { meta } = deps;
  return async function listLabels(q) {
    if (!ASSET_PATH.test(q.assetPath)) throw new InvalidArgumentError('assetPath', 'must be "enterprise.site.area.line.asset"');
    if (!Number.isSafeInteger(q.from)) throw new InvalidArgumentError('from', 'must be an integer (epoch ms)');
    if (!Number.isSafeInteger(q.to) || q.to <= q.from) throw new InvalidArgumentError('to', 'must be after from (the range is half-open [from, to))');
    if (!Number.isSafeInteger(q.limit) || q.limit < 1) throw new InvalidArgumentError('limit', 'must be a positive integer');
    const { after } = q;
    const labels = (await meta.listLabels({ assetPath: q.assetPath, from: q.from, to: q.to }))
      .filter((l) => after === undefined || byWindowStart(l, after) > 0)
      .sort(byWindowStart);
    const page = labels.slice(0, q.limit);
    const last = page.at(-1);
    return { labels: page, next: labels.length > q.limit && last !== undefined ? { from: last.from, labelId: last.labelId } : null };
  };
}

/** Integration events the label policy turns into labels. */
export const LABELLING_EVENTS = ['FaultLabelled', 'OutcomeRecorded', 'ProblemReported'] as const;
export type LabellingEventType = (typeof LABELLING_EVENTS)[number];

/** The label policy: the label an integration event implies, or null (no class, no window, not a labelling event). */
export function labelOfEvent(event: IntegrationEvent<LabellingEventType>): RecordLabelInput | null {
  switch (event.type) {
    case 'FaultLabelled': {
      const f = event.data;
      // An instantaneous failure (failureAt = startedAt) still gets a window: the millisecond it happened.
      const endMs = Math.max(Date.parse(f.failureAt ?? f.plantTime), Date.parse(f.startedAt) + 1);
      return {
        labelId: uuidFromKey(`fault-label:${f.faultId}:${f.failureAt ?? 'cleared'}`),
        assetPath: f.assetPath,
        label: f.faultType,
        from: f.startedAt,
        to: new Date(endMs).toISOString(),
        source: 'simulator',
        confidence: 1,
        note: `simulated fault ${f.faultId} (${f.cause}), ${f.failureAt === undefined ? 'cleared before failure' : `failed at ${f.failureAt}`}`,
      };
    }
    case 'OutcomeRecorded': {
      // What the operator found after a prompt: a training label over the window the model saw,
      // up to when it was observed (no label class → nothing to learn from).
      const o = event.data;
      if (o.label === null) return null;
      const from = Date.parse(o.context.featureWindow.from);
      const to = Math.max(Date.parse(o.context.featureWindow.to), Date.parse(o.observedAt), from + 1);
      return {
        labelId: uuidFromKey(`outcome-label:${o.recommendationId}`),
        assetPath: o.context.assetPath,
        label: o.label,
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        source: 'operator',
        // A failure that happened is certain; what an inspection found is an operator's judgement.
        confidence: o.outcome === 'event-occurred' ? 1 : 0.8,
        useCaseId: o.context.useCaseId,
        note: `outcome ${o.outcome} of recommendation ${o.recommendationId}${o.note === undefined ? '' : `: ${o.note}`}`,
      };
    }
    case 'ProblemReported': {
      // A problem an operator reported (a missed failure among them): a label when it names a class and a window.
      const p = event.data;
      if (p.label === null || p.labelWindow === null) return null;
      return {
        labelId: uuidFromKey(`problem-label:${p.problemId}`),
        assetPath: p.assetPath,
        label: p.label,
        from: p.labelWindow.from,
        to: p.labelWindow.to,
        source: 'operator',
        confidence: 0.8,
        useCaseId: p.useCaseId,
        note: `${p.missedFailure ? 'missed failure' : 'problem'} reported (${p.severity}): ${p.description}`,
      };
    }
  }
}
