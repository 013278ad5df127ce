// Use case: a person replays a dead-lettered outbound action from the list. The same rule runs
// again with the same idempotency key (the connector finds an earlier success at the other end).
import type { ActionRule } from '../domain/rules.ts';
import type { PromptView } from '../ports.ts';
import type { Ledger } from './ledger.ts';
import type { Outbound, RunResult } from './outbound.ts';

export class ReplayError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'FAILED_PRECONDITION',
    message: string,
  ) {
    super(message);
    this.name = 'ReplayError';
  }
}

export interface ReplayDeps {
  ledger: Ledger;
  outbound: Outbound;
  rules: () => readonly ActionRule[];
  prompts: ReadonlyMap<string, PromptView>;
}

export function createReplay(deps: ReplayDeps): (actionKey: string, by: string) => Promise<RunResult> {
  return async (actionKey, by) => {
    await deps.ledger.refresh();
    const a = deps.ledger.get(actionKey);
    if (a === undefined) throw new ReplayError('NOT_FOUND', `no outbound action ${actionKey}`);
    if (a.status !== 'dead-lettered') throw new ReplayError('FAILED_PRECONDITION', `outbound action ${actionKey} is ${a.status}, not dead-lettered`);
    const rule = deps.rules().find((r) => r.ruleId === a.ruleId) ?? {
      ruleId: a.ruleId,
      useCaseId: a.useCaseId,
      on: a.trigger,
      kind: a.kind as ActionRule['kind'],
      connector: a.connector,
    };
    const prompt: PromptView = deps.prompts.get(a.recommendationId) ?? {
      recommendationId: a.recommendationId,
      useCaseId: a.useCaseId,
      assetPath: a.assetPath,
      actionId: null,
      message: null,
      priority: 'medium',
      actBy: null,
      raisedAt: null,
    };
    return deps.outbound.run(prompt, rule, a.trigger, { correlationId: `replay-${actionKey}`, replayBy: by, recipient: a.recipient });
  };
}
