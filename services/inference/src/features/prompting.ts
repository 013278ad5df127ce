// Use case "prompt the operator": raising a recommendation (RecommendationRaised, in place for each
// update of the same developing fault) and its lifecycle — acknowledge, done (accept), not done
// (reject), override, outcome — each read → fold → decide → append through the kernel with the
// expected revision; problem reports and manual mode per asset or line; the list operators see.
// Callers pass the Cause (who acts, the conversation, the trace); errors are InferenceError.
import { streamFor, type EventData } from '@industrial/contracts';
import { uuidFromKey, uuidv7 } from '@industrial/contracts/ids';
import { ConcurrencyConflictError, serviceCause, type Aggregate, type Cause, type Draft, type Kernel } from '@industrial/kernel';
import { InferenceError } from '../domain/errors.ts';
import { currentMode, type AssetMode } from '../domain/mode.ts';
import { decideRecommendation, evolveRecommendation, statusAt, type RecommendationCommand, type RecommendationState } from '../domain/recommendation.ts';
import { isShelvedAt } from '../domain/shelving.ts';
import type { UseCaseSpec } from '../domain/usecase.ts';
import type { RecommendationView, Tracing } from './ports.ts';
import type { Projection } from './projection.ts';

export interface RecommendationDto {
  recommendationId: string;
  useCaseId: string;
  assetPath: string;
  message: string;
  status: string;
  priority: string;
  urgency: string;
  source: string;
  modelVersionId: string | null;
  raisedAt: string;
  actBy: string;
  expiresAt: string;
  mode: string;
  update: number;
  score: number;
  threshold: number;
  /** Whether what was found afterwards has been recorded (OutcomeRecorded). */
  outcomeRecorded: boolean;
  /** Shelved now (ISA-18.2): until when (wall clock), why, by whom; null: on the active list. */
  shelf: { shelvedAt: string; until: string; reason: string; endOfShift: boolean; by: string | null } | null;
  record: Record<string, unknown>;
}

export function toDto(v: RecommendationView, nowMs: number): RecommendationDto {
  const r = v.state.raised;
  return {
    recommendationId: v.state.recommendationId,
    useCaseId: v.state.context.useCaseId,
    assetPath: v.state.context.assetPath,
    message: r.message as string,
    status: statusAt(v.state, nowMs),
    priority: r.priority as string,
    urgency: r.urgency as string,
    source: v.state.context.source,
    modelVersionId: v.state.context.modelVersionId,
    raisedAt: v.raisedAt,
    actBy: r.actBy as string,
    expiresAt: r.expiresAt as string,
    mode: v.state.mode,
    update: r.update as number,
    score: r.score as number,
    threshold: r.threshold as number,
    outcomeRecorded: v.state.outcomeRecorded,
    shelf: isShelvedAt(v.shelf, nowMs)
      ? {
          shelvedAt: new Date(v.shelf.shelvedAtMs).toISOString(),
          until: new Date(v.shelf.untilMs).toISOString(),
          reason: v.shelf.reason,
          endOfShift: v.shelf.endOfShift,
          by: v.shelf.by,
        }
      : null,
    record: { ...r },
  };
}

export type DecideInput =
  | { decision: 'done'; note?: string }
  | { decision: 'not-done'; reason: 'false-alarm' | 'already-handled' | 'not-safe-now' | 'no-capacity' | 'other'; note?: string }
  | { decision: 'overridden'; actionTaken: string; reason: string };

export interface OutcomeInput {
  outcome: 'event-prevented' | 'event-occurred' | 'no-event' | 'unknown';
  observedAtMs?: number;
  note?: string;
  costImpact: { amount: number; currency: string } | null;
}

export interface ProblemInput {
  assetPath: string;
  description: string;
  severity: 'minor' | 'major' | 'stop';
  observedAtMs?: number;
  missedFailure: boolean;
  relatedRecommendationId: string | null;
  useCaseId: string | null;
}

export interface Prompting {
  acknowledge(id: string, cause: Cause): Promise<RecommendationDto>;
  decide(id: string, input: DecideInput, cause: Cause): Promise<RecommendationDto>;
  recordOutcome(id: string, input: OutcomeInput, cause: Cause): Promise<RecommendationDto>;
  reportProblem(input: ProblemInput, cause: Cause): Promise<{ problemId: string }>;
  setMode(input: { path: string; mode: AssetMode; reason: string }, cause: Cause): Promise<{ path: string; mode: AssetMode; previousMode: AssetMode }>;
  list(filter: { openOnly?: boolean; assetPath?: string; includeUnshown?: boolean; max?: number }): RecommendationDto[];
}

export interface PromptingDeps {
  kernel: Kernel;
  projection: Projection;
  useCases: readonly UseCaseSpec[];
  now: () => number;
  /** Each operator decision recorded (ISA-18.2 figures per operator): the command, its use case, who. */
  decided?: (kind: RecommendationCommand['kind'], useCaseId: string, operator: string) => void;
}

const LIFECYCLE = [
  'RecommendationRaised',
  'RecommendationAcknowledged',
  'RecommendationAccepted',
  'RecommendationRejected',
  'RecommendationOverridden',
  'OutcomeRecorded',
] as const;
type LifecycleType = (typeof LIFECYCLE)[number];

/** One recommendation's stream folded by the domain's lifecycle. */
export const recommendationAggregate: Aggregate<RecommendationState | null, LifecycleType> = {
  types: LIFECYCLE,
  initial: () => null,
  evolve: (s, e) => evolveRecommendation(s, e),
};

export function createPrompting(deps: PromptingDeps): Prompting {
  const { kernel, projection } = deps;
  const specOf = (useCaseId: string, field = 'use_case_id'): UseCaseSpec => {
    const s = deps.useCases.find((u) => u.useCaseId === useCaseId);
    if (s === undefined) throw new InferenceError('INVALID_ARGUMENT', `unknown use case ${useCaseId}`, field);
    return s;
  };

  /** Waits until the projection has applied everything appended so far (our event included). */
  async function caughtUp(): Promise<void> {
    await projection.waitFor(await kernel.reader.headPosition());
  }

  async function run(id: string, cmd: RecommendationCommand, cause: Cause): Promise<RecommendationDto> {
    try {
      await kernel.execute(
        streamFor('RecommendationRaised', id),
        recommendationAggregate,
        (state) => {
          const d = decideRecommendation(cmd, state, id);
          return [{ type: d.type, data: d.data } as Draft];
        },
        cause,
      );
    } catch (error) {
      if (error instanceof ConcurrencyConflictError)
        throw new InferenceError('ABORTED', `recommendation ${id} changed meanwhile; read it again`, 'recommendation_id', undefined, { cause: error });
      throw error;
    }
    await caughtUp();
    const view = projection.get(id);
    if (view === undefined) throw new InferenceError('NOT_FOUND', `recommendation ${id} does not exist`, 'recommendation_id');
    deps.decided?.(cmd.kind, view.state.context.useCaseId, cause.actor);
    return toDto(view, deps.now());
  }

  return {
    acknowledge: (id, cause) => run(id, { kind: 'acknowledge', atMs: deps.now() }, cause),
    decide(id, input, cause) {
      const atMs = deps.now();
      switch (input.decision) {
        case 'done':
          return run(id, { kind: 'accept', atMs, ...(input.note ? { note: input.note } : {}) }, cause);
        case 'not-done':
          return run(id, { kind: 'reject', atMs, reason: input.reason, ...(input.note ? { note: input.note } : {}) }, cause);
        case 'overridden':
          return run(id, { kind: 'override', atMs, actionId: null, actionTaken: input.actionTaken, reason: input.reason }, cause);
        default: {
          const never: never = input;
          throw new InferenceError('INVALID_ARGUMENT', `unknown decision ${JSON.stringify(never)}`, 'decision');
        }
      }
    },
    recordOutcome(id, input, cause) {
      const view = projection.get(id);
      const label = view ? (deps.useCases.find((u) => u.useCaseId === view.state.context.useCaseId)?.label ?? 'failure') : 'failure';
      return run(
        id,
        {
          kind: 'record-outcome',
          atMs: input.observedAtMs ?? deps.now(),
          outcome: input.outcome,
          costImpact: input.costImpact,
          failureLabel: label,
          ...(input.note ? { note: input.note } : {}),
        },
        cause,
      );
    },
    async reportProblem(input, cause) {
      const spec = input.useCaseId === null ? null : specOf(input.useCaseId);
      const problemId = uuidv7(deps.now());
      const observedAtMs = input.observedAtMs ?? deps.now();
      const label = input.missedFailure && spec ? spec.label : null;
      const data: EventData<'ProblemReported'> = {
        problemId,
        assetPath: input.assetPath,
        description: input.description,
        severity: input.severity,
        observedAt: new Date(observedAtMs).toISOString(),
        relatedRecommendationId: input.relatedRecommendationId,
        useCaseId: input.useCaseId,
        missedFailure: input.missedFailure,
        label,
        // The failure developed over the horizon before it was seen: that window is the positive label.
        labelWindow:
          label === null || spec === null
            ? null
            : { from: new Date(observedAtMs - spec.horizonHours * 3_600_000).toISOString(), to: new Date(observedAtMs).toISOString() },
      };
      await kernel.append(streamFor('ProblemReported', input.assetPath), [{ type: 'ProblemReported', data }], cause);
      return { problemId };
    },
    async setMode(input, cause) {
      const tokens = input.path.split('.').length;
      if (tokens !== 4 && tokens !== 5) throw new InferenceError('INVALID_ARGUMENT', 'must be a line path (4 tokens) or an asset path (5 tokens)', 'path');
      const previousMode = currentMode(projection.modes(), input.path);
      if (previousMode === input.mode)
        throw new InferenceError('FAILED_PRECONDITION', `${input.path} is already in ${input.mode} mode`, 'mode', { state: previousMode });
      const r = await kernel.append(
        streamFor('AssetModeChanged', input.path),
        [
          {
            type: 'AssetModeChanged',
            data: {
              scope: tokens === 5 ? 'asset' : 'line',
              path: input.path,
              from: previousMode,
              to: input.mode,
              reason: input.reason,
              changedAt: new Date(deps.now()).toISOString(),
            },
          },
        ],
        cause,
      );
      await projection.waitFor(r.position);
      return { path: input.path, mode: input.mode, previousMode };
    },
    list(filter) {
      const now = deps.now();
      return projection.list(filter, now).map((v) => toDto(v, now));
    },
  };
}

/** What a raised (or updated) prompt says; the scoring and shadow features fill it in. */
export type RaisedData = Omit<EventData<'RecommendationRaised'>, 'recommendationId' | 'useCaseId' | 'assetPath' | 'update' | 'traceId' | 'expiresAt'>;

/**
 * Records RecommendationRaised for `recommendationId` (update n in place), inside an always-recorded
 * span whose trace id goes into the event. The event id derives from (recommendation, update), so a
 * retried raise is idempotent.
 */
export async function raiseRecommendation(
  kernel: Kernel,
  tracing: Tracing,
  r: { useCaseId: string; assetPath: string; recommendationId: string; update: number; expiresAtMs: number; data: RaisedData },
): Promise<void> {
  const span = tracing.important(r.data.mode === 'shadow' ? 'record shadow recommendation' : 'raise recommendation', {
    'inference.use_case': r.useCaseId,
    'inference.asset': r.assetPath,
    'inference.source': r.data.source,
    'inference.mode': r.data.mode,
  });
  try {
    const data: EventData<'RecommendationRaised'> = {
      recommendationId: r.recommendationId,
      useCaseId: r.useCaseId,
      ...r.data,
      assetPath: r.assetPath,
      update: r.update,
      traceId: span.traceId,
      expiresAt: new Date(r.expiresAtMs).toISOString(),
    };
    await kernel.append(
      streamFor('RecommendationRaised', r.recommendationId),
      [{ id: uuidFromKey(`raised|${r.recommendationId}|${r.update}`), type: 'RecommendationRaised', data }],
      serviceCause('inference', r.recommendationId, { traceparent: span.traceparent }),
    );
  } finally {
    span.end();
  }
}
