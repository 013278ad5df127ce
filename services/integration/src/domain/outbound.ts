// The outbound action of one prompt and rule, as a decider: its state folded from its events and
// what one attempt's result means (done, retry after a backoff, or dead-lettered with the reason).
// Pure: the clock and the attempt's result come in as data.
import type { ActionKind, Trigger } from './rules.ts';

export interface RetryPolicy {
  /** Attempts before the action is dead-lettered. */
  maxAttempts: number;
  /** Delay after the first failed attempt; doubles after each one up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 60_000 };

/** What a connector's attempt returned. `status` null: no answer (timeout, refused connection, SMTP error). */
export type AttemptResult =
  | { ok: true; externalId: string | null; alreadyThere: boolean; recipient: string | null }
  | { ok: false; status: number | null; reason: string; permanent?: boolean };

export type OutboundStatus = 'new' | 'retrying' | 'succeeded' | 'dead-lettered';

export interface OutboundState {
  status: OutboundStatus;
  attempts: number;
  externalId: string | null;
  lastReason: string | null;
  lastStatus: number | null;
  completed: boolean;
}

export const initialOutbound = (): OutboundState => ({ status: 'new', attempts: 0, externalId: null, lastReason: null, lastStatus: null, completed: false });

export type OutboundEvent =
  | { type: 'OutboundActionSucceeded'; data: { externalId: string | null; attempts: number } }
  | { type: 'OutboundActionFailed'; data: { attempt: number; status: number | null; reason: string; deadLettered: boolean } }
  | { type: 'OutboundActionReplayed'; data: unknown }
  | { type: 'WorkOrderCompleted'; data: unknown };

export function evolveOutbound(state: OutboundState, event: OutboundEvent): OutboundState {
  switch (event.type) {
    case 'OutboundActionSucceeded':
      return { ...state, status: 'succeeded', attempts: event.data.attempts, externalId: event.data.externalId };
    case 'OutboundActionFailed':
      return {
        ...state,
        status: event.data.deadLettered ? 'dead-lettered' : 'retrying',
        attempts: event.data.attempt,
        lastReason: event.data.reason,
        lastStatus: event.data.status,
      };
    case 'OutboundActionReplayed':
      // A replay starts a fresh round of attempts; the count keeps growing (one record of every try).
      return { ...state, status: 'retrying' };
    case 'WorkOrderCompleted':
      return { ...state, completed: true };
    default: {
      const never: never = event;
      return never;
    }
  }
}

/** Timeouts, throttling and server errors are worth retrying; any other 4xx is a refusal. */
export function isRetryable(status: number | null): boolean {
  return status === null || status === 408 || status === 425 || status === 429 || status >= 500;
}

/** Delay after failed attempt n (1-based) within a round: base · 2^(n-1), at most maxDelayMs. */
export function backoffMs(policy: RetryPolicy, attemptInRound: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attemptInRound - 1));
}

export interface ActionTarget {
  actionKey: string;
  recommendationId: string;
  useCaseId: string;
  assetPath: string;
  ruleId: string;
  trigger: Trigger;
  kind: ActionKind;
  connector: string;
  recipient: string | null;
}

export type AttemptDecision =
  | {
      type: 'OutboundActionSucceeded';
      data: ActionTarget & { externalId: string | null; attempts: number; alreadyThere: boolean; succeededAt: string };
    }
  | {
      type: 'OutboundActionFailed';
      data: ActionTarget & { attempt: number; status: number | null; reason: string; retryAt: string | null; deadLettered: boolean; failedAt: string };
    };

/**
 * The event recording one attempt. `attemptInRound`: 1 for the first attempt since the action was
 * started or replayed (the backoff and the dead-letter limit count per round).
 */
export function decideAttempt(
  target: ActionTarget,
  state: OutboundState,
  result: AttemptResult,
  attemptInRound: number,
  policy: RetryPolicy,
  nowMs: number,
): AttemptDecision {
  const attempt = state.attempts + 1;
  const at = new Date(nowMs).toISOString();
  if (result.ok) {
    return {
      type: 'OutboundActionSucceeded',
      data: { ...target, externalId: result.externalId, attempts: attempt, alreadyThere: result.alreadyThere, succeededAt: at },
    };
  }
  const permanent = result.permanent === true || !isRetryable(result.status);
  const dead = permanent || attemptInRound >= policy.maxAttempts;
  const reason = (permanent ? `refused: ${result.reason}` : dead ? `gave up after ${attemptInRound} attempts: ${result.reason}` : result.reason).slice(0, 1000);
  return {
    type: 'OutboundActionFailed',
    data: {
      ...target,
      attempt,
      status: result.status,
      reason,
      retryAt: dead ? null : new Date(nowMs + backoffMs(policy, attemptInRound)).toISOString(),
      deadLettered: dead,
      failedAt: at,
    },
  };
}
