// The lifecycle of one recommendation: Raised → Acknowledged → Accepted ("Done") / Rejected
// ("Not done", reason) / Overridden → OutcomeRecorded. decide(command, state) returns the event
// data or a FAILED_PRECONDITION naming the current state; evolve folds the stream. Expiry is
// derived from `expiresAt` and the command's time (time arrives as data). Pure.
import { InferenceError } from './errors.ts';

export type RecommendationStatus = 'open' | 'acknowledged' | 'accepted' | 'rejected' | 'overridden' | 'expired';

export interface RecommendationContext {
  readonly useCaseId: string;
  readonly assetPath: string;
  readonly modelVersionId: string | null;
  readonly source: 'model' | 'rules';
  readonly featureWindow: { readonly from: string; readonly to: string };
  readonly explanation: ReadonlyArray<{ readonly feature: string; readonly contribution: number }>;
  readonly traceId: string | null;
}

export interface RecommendationState {
  readonly recommendationId: string;
  readonly status: Exclude<RecommendationStatus, 'expired'>;
  readonly mode: 'production' | 'shadow' | 'suppressed';
  readonly actionId: string;
  readonly expiresAtMs: number;
  readonly outcomeRecorded: boolean;
  readonly context: RecommendationContext;
  /** The latest RecommendationRaised data (message, priority, evidence…). */
  readonly raised: Readonly<Record<string, unknown>>;
}

/** Minimal event shape the fold reads (the store's RecordedEvent fits). */
export interface LifecycleEvent {
  readonly type: string;
  readonly data: unknown;
}

type Raised = {
  recommendationId: string;
  useCaseId: string;
  assetPath: string;
  modelVersionId: string | null;
  source: 'model' | 'rules';
  featureWindow: { from: string; to: string };
  explanation: { feature: string; contribution: number }[];
  traceId: string | null;
  mode: 'production' | 'shadow' | 'suppressed';
  actionId: string;
  expiresAt: string;
};

export function evolveRecommendation(s: RecommendationState | null, e: LifecycleEvent): RecommendationState | null {
  switch (e.type) {
    case 'RecommendationRaised': {
      const d = e.data as Raised;
      const context: RecommendationContext = {
        useCaseId: d.useCaseId,
        assetPath: d.assetPath,
        modelVersionId: d.modelVersionId,
        source: d.source,
        featureWindow: d.featureWindow,
        explanation: d.explanation,
        traceId: d.traceId,
      };
      // A later Raised on the same stream is an update in place: new evidence, same lifecycle.
      return {
        recommendationId: d.recommendationId,
        status: s?.status ?? 'open',
        mode: d.mode,
        actionId: d.actionId,
        expiresAtMs: Date.parse(d.expiresAt),
        outcomeRecorded: s?.outcomeRecorded ?? false,
        context,
        raised: e.data as Record<string, unknown>,
      };
    }
    case 'RecommendationAcknowledged':
      return s && { ...s, status: 'acknowledged' };
    case 'RecommendationAccepted':
      return s && { ...s, status: 'accepted' };
    case 'RecommendationRejected':
      return s && { ...s, status: 'rejected' };
    case 'RecommendationOverridden':
      return s && { ...s, status: 'overridden' };
    case 'OutcomeRecorded':
      return s && { ...s, outcomeRecorded: true };
    default:
      return s;
  }
}

export function foldRecommendation(events: readonly LifecycleEvent[]): RecommendationState | null {
  let s: RecommendationState | null = null;
  for (const e of events) s = evolveRecommendation(s, e);
  return s;
}

/** Status as seen at `nowMs`: an open or acknowledged prompt past its expiry is expired. */
export function statusAt(s: RecommendationState, nowMs: number): RecommendationStatus {
  return (s.status === 'open' || s.status === 'acknowledged') && nowMs >= s.expiresAtMs ? 'expired' : s.status;
}

export const isClosed = (status: RecommendationStatus): boolean => status !== 'open' && status !== 'acknowledged';

export type RecommendationCommand =
  | { readonly kind: 'acknowledge'; readonly atMs: number }
  | { readonly kind: 'accept'; readonly atMs: number; readonly note?: string }
  | {
      readonly kind: 'reject';
      readonly atMs: number;
      readonly reason: 'false-alarm' | 'already-handled' | 'not-safe-now' | 'no-capacity' | 'other';
      readonly note?: string;
    }
  | { readonly kind: 'override'; readonly atMs: number; readonly actionId: string | null; readonly actionTaken: string; readonly reason: string }
  | {
      readonly kind: 'record-outcome';
      readonly atMs: number;
      readonly outcome: 'event-prevented' | 'event-occurred' | 'no-event' | 'unknown';
      readonly costImpact: { readonly amount: number; readonly currency: string } | null;
      readonly note?: string;
      /** Label class of the use case (bearing_failure, as the plant's ground truth names it), used when the outcome says the failure was real. */
      readonly failureLabel: string;
    };

export type RecommendationDecision = { readonly type: string; readonly data: Record<string, unknown> };

const iso = (ms: number) => new Date(ms).toISOString();

export function decideRecommendation(cmd: RecommendationCommand, s: RecommendationState | null, recommendationId: string): RecommendationDecision {
  if (s === null) throw new InferenceError('NOT_FOUND', `recommendation ${recommendationId} does not exist`, 'recommendation_id');
  if (s.mode !== 'production') {
    throw new InferenceError(
      'FAILED_PRECONDITION',
      `recommendation ${recommendationId} was never shown (${s.mode}); it cannot be decided`,
      'recommendation_id',
      { state: s.mode },
    );
  }
  const status = statusAt(s, cmd.atMs);
  const context = s.context;
  const refuse = (what: string): never => {
    throw new InferenceError('FAILED_PRECONDITION', `recommendation ${recommendationId} is ${status}; it cannot be ${what}`, 'recommendation_id', {
      state: status,
    });
  };
  switch (cmd.kind) {
    case 'acknowledge':
      if (status !== 'open') refuse('acknowledged');
      return { type: 'RecommendationAcknowledged', data: { recommendationId, acknowledgedAt: iso(cmd.atMs), context } };
    case 'accept':
      if (isClosed(status)) refuse('marked done');
      return {
        type: 'RecommendationAccepted',
        data: { recommendationId, actionId: s.actionId, doneAt: iso(cmd.atMs), ...(cmd.note ? { note: cmd.note } : {}), context },
      };
    case 'reject':
      if (isClosed(status)) refuse('declined');
      if (cmd.reason === 'other' && !cmd.note) throw new InferenceError('INVALID_ARGUMENT', 'a note is required when the reason is "other"', 'note');
      return {
        type: 'RecommendationRejected',
        data: { recommendationId, reason: cmd.reason, ...(cmd.note ? { note: cmd.note } : {}), rejectedAt: iso(cmd.atMs), context },
      };
    case 'override':
      if (isClosed(status)) refuse('overridden');
      return {
        type: 'RecommendationOverridden',
        data: { recommendationId, actionId: cmd.actionId, actionTaken: cmd.actionTaken, reason: cmd.reason, overriddenAt: iso(cmd.atMs), context },
      };
    case 'record-outcome': {
      if (s.outcomeRecorded) refuse('given a second outcome');
      const label = cmd.outcome === 'event-occurred' || cmd.outcome === 'event-prevented' ? cmd.failureLabel : cmd.outcome === 'no-event' ? 'normal' : null;
      return {
        type: 'OutcomeRecorded',
        data: {
          recommendationId,
          outcome: cmd.outcome,
          observedAt: iso(cmd.atMs),
          costImpact: cmd.costImpact,
          ...(cmd.note ? { note: cmd.note } : {}),
          label,
          context,
        },
      };
    }
    default: {
      const never: never = cmd;
      throw new Error(`unknown command ${JSON.stringify(never)}`);
    }
  }
}
