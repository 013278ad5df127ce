// Use case: run one outbound action of a prompt (a work order, a quality check, a webhook, an
// e-mail) through its connector, retrying with backoff, recording every attempt in the action's
// stream `outbound-<recommendationId>.<ruleId>`. The stream makes it idempotent: a second
// delivery or a replay of the same integration event finds the action succeeded and does nothing;
// a dead-lettered action waits for a person's replay. The connector gets the same idempotency key
// on every attempt, so an attempt that reached the other side without an answer is found there.
import { ConcurrencyConflictError, serviceCause, type Aggregate, type Kernel } from '@industrial/kernel';
import {
  decideAttempt,
  evolveOutbound,
  initialOutbound,
  type ActionTarget,
  type OutboundEvent,
  type OutboundState,
  type RetryPolicy,
} from '../domain/outbound.ts';
import { actionKeyOf, type ActionRule, type Trigger } from '../domain/rules.ts';
import type { Connector, PromptView } from '../ports.ts';

type Counted = OutboundState & { round: number };

const aggregate: Aggregate<Counted, 'OutboundActionSucceeded' | 'OutboundActionFailed' | 'OutboundActionReplayed' | 'WorkOrderCompleted'> = {
  types: ['OutboundActionSucceeded', 'OutboundActionFailed', 'OutboundActionReplayed', 'WorkOrderCompleted'],
  initial: () => ({ ...initialOutbound(), round: 0 }),
  evolve: (state, event) => {
    const next = evolveOutbound(state, event as unknown as OutboundEvent);
    const round = event.type === 'OutboundActionFailed' ? state.round + 1 : event.type === 'OutboundActionReplayed' ? 0 : state.round;
    return { ...next, round };
  },
};

export const outboundStream = (actionKey: string): string => `outbound-${actionKey}`;

export type RunResult = 'succeeded' | 'already-succeeded' | 'dead-lettered' | 'busy' | 'no-connector';

export interface OutboundDeps {
  kernel: Kernel;
  connectors: ReadonlyMap<string, Connector>;
  policy: RetryPolicy;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export interface RunOptions {
  /** A person's replay of a dead-lettered action (else: an integration event started it). */
  replayBy?: string;
  recipient?: string | null;
  correlationId: string;
  causationId?: string | null;
}

export interface Outbound {
  run(prompt: PromptView, rule: ActionRule, trigger: Trigger, options: RunOptions): Promise<RunResult>;
  state(actionKey: string): Promise<OutboundState>;
}

export function createOutbound(deps: OutboundDeps): Outbound {
  const { kernel, connectors, policy, now, sleep } = deps;
  const running = new Map<string, Promise<RunResult>>();

  async function attemptLoop(target: ActionTarget, prompt: PromptView, options: RunOptions): Promise<RunResult> {
    const connector = connectors.get(target.connector);
    if (connector === undefined) return 'no-connector';
    const stream = outboundStream(target.actionKey);
    const cause = serviceCause('integration', options.correlationId, { causationId: options.causationId ?? null });
    let loaded = await kernel.load(stream, aggregate);
    if (loaded.state.status === 'succeeded') return 'already-succeeded';
    if (loaded.state.status === 'dead-lettered') {
      if (options.replayBy === undefined) return 'dead-lettered';
      await kernel.append(
        stream,
        [{ type: 'OutboundActionReplayed', data: { actionKey: target.actionKey, requestedBy: options.replayBy, replayedAt: new Date(now()).toISOString() } }],
        cause,
        {
          expectedRevision: loaded.revision ?? 'no-stream',
        },
      );
      loaded = await kernel.load(stream, aggregate);
    }
    for (;;) {
      const state = loaded.state;
      const result = await connector.send({
        idempotencyKey: target.actionKey,
        attempt: state.attempts + 1,
        kind: target.kind,
        trigger: target.trigger,
        prompt,
        recipient: target.recipient,
      });
      const decision = decideAttempt(target, state, result, state.round + 1, policy, now());
      try {
        await kernel.append(stream, [decision], cause, { expectedRevision: loaded.revision ?? 'no-stream' });
      } catch (error) {
        // Another instance recorded an attempt in between: it owns the action now.
        if (error instanceof ConcurrencyConflictError) return 'busy';
        throw error;
      }
      if (decision.type === 'OutboundActionSucceeded') return 'succeeded';
      if (decision.data.deadLettered) return 'dead-lettered';
      await sleep(Math.max(0, Date.parse(decision.data.retryAt ?? '') - now()));
      loaded = await kernel.load(stream, aggregate);
      if (loaded.state.status === 'succeeded') return 'already-succeeded';
    }
  }

  return {
    run(prompt, rule, trigger, options) {
      const actionKey = actionKeyOf(prompt.recommendationId, rule.ruleId);
      // One attempt loop per action in this process; a concurrent start waits for it and reads its result.
      const inFlight = running.get(actionKey);
      if (inFlight !== undefined) return inFlight.then((r) => (r === 'succeeded' ? 'already-succeeded' : r));
      const target: ActionTarget = {
        actionKey,
        recommendationId: prompt.recommendationId,
        useCaseId: prompt.useCaseId,
        assetPath: prompt.assetPath,
        ruleId: rule.ruleId,
        trigger,
        kind: rule.kind,
        connector: rule.connector,
        recipient: options.recipient ?? null,
      };
      const p = attemptLoop(target, prompt, options).finally(() => running.delete(actionKey));
      running.set(actionKey, p);
      return p;
    },
    async state(actionKey) {
      return (await kernel.load(outboundStream(actionKey), aggregate)).state;
    },
  };
}
