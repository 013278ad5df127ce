// Use case: react to inference's prompt events (RecommendationRaised, …Acknowledged, …Accepted)
// relayed on the bus: the action rules of the prompt's use case start their outbound actions,
// the prompt is handed to the SCADA publishers and to the notifier (also when an operator shelves
// it or puts it back: …Shelved, …Unshelved, which start no action). Shadow and suppressed prompts
// start nothing. Unknown event types are ignored (the consumer acks them).
import type { IntegrationEvent } from '@industrial/contracts';
import { rulesFor, type ActionRule, type Trigger } from '../domain/rules.ts';
import type { PromptView } from '../ports.ts';
import type { Outbound, RunResult } from './outbound.ts';

/** Someone else who follows the prompts (SCADA publishers, the notifier). Failures are theirs to record. */
export interface PromptFollower {
  raised?(prompt: PromptView, correlationId: string): Promise<void>;
  acknowledged?(prompt: PromptView, by: string, correlationId: string): Promise<void>;
  done?(prompt: PromptView, correlationId: string): Promise<void>;
  /** An operator shelved the prompt (ISA-18.2) from `fromMs` until `untilMs` (its timer). */
  shelved?(prompt: PromptView, shelf: { fromMs: number; untilMs: number }, correlationId: string): Promise<void>;
  /** Someone put the shelved prompt back at `atMs`, before its timer ran out. */
  unshelved?(prompt: PromptView, atMs: number, correlationId: string): Promise<void>;
}

export interface PromptEventsDeps {
  outbound: Outbound;
  rules: () => readonly ActionRule[];
  followers?: readonly PromptFollower[];
  /** Called with every action's result (metrics, logs). */
  onResult?: (rule: ActionRule, prompt: PromptView, result: RunResult) => void;
}

export interface PromptEvents {
  handle(event: IntegrationEvent): Promise<void>;
  /** Prompts seen raised, newest state (for the SCADA servers and the notifier). */
  prompts: ReadonlyMap<string, PromptView & { acknowledged: boolean; done: boolean }>;
}

interface Context {
  useCaseId: string;
  assetPath: string;
}

export function createPromptEvents(deps: PromptEventsDeps): PromptEvents {
  const prompts = new Map<string, PromptView & { acknowledged: boolean; done: boolean }>();
  const followers = deps.followers ?? [];

  const viewOf = (recommendationId: string, context: Context, actionId: string | null): PromptView => {
    const known = prompts.get(recommendationId);
    if (known) return known;
    return {
      recommendationId,
      useCaseId: context.useCaseId,
      assetPath: context.assetPath,
      actionId,
      message: null,
      priority: 'medium',
      actBy: null,
      raisedAt: null,
    };
  };

  async function runRules(prompt: PromptView, trigger: Trigger, event: IntegrationEvent): Promise<void> {
    const facts = { ...prompt, actionId: prompt.actionId ?? '' };
    const errors: unknown[] = [];
    for (const rule of rulesFor(deps.rules(), facts, trigger)) {
      try {
        const result = await deps.outbound.run(prompt, rule, trigger, { correlationId: event.metadata.correlationId, causationId: event.id });
        deps.onResult?.(rule, prompt, result);
      } catch (error) {
        errors.push(error);
      }
    }
    // A store failure (not a connector's: those are recorded) makes the bus deliver the event again.
    if (errors.length > 0) throw errors[0];
  }

  return {
    prompts,
    async handle(event) {
      const corr = event.metadata.correlationId;
      switch (event.type) {
        case 'RecommendationRaised': {
          const d = event.data as {
            recommendationId: string;
            useCaseId: string;
            assetPath: string;
            actionId: string;
            message: string;
            priority: PromptView['priority'];
            actBy: string;
            mode: string;
          };
          if (d.mode !== 'production') return;
          const isNew = !prompts.has(d.recommendationId);
          const prompt = {
            recommendationId: d.recommendationId,
            useCaseId: d.useCaseId,
            assetPath: d.assetPath,
            actionId: d.actionId,
            message: d.message,
            priority: d.priority,
            actBy: d.actBy,
            raisedAt: event.metadata.recordedAt,
            acknowledged: prompts.get(d.recommendationId)?.acknowledged ?? false,
            done: prompts.get(d.recommendationId)?.done ?? false,
          };
          prompts.set(d.recommendationId, prompt);
          if (isNew) for (const f of followers) await f.raised?.(prompt, corr);
          await runRules(prompt, 'raised', event);
          return;
        }
        case 'RecommendationAcknowledged': {
          const d = event.data as { recommendationId: string; context: Context };
          const prompt = viewOf(d.recommendationId, d.context, null);
          const known = prompts.get(d.recommendationId);
          if (known) known.acknowledged = true;
          for (const f of followers) await f.acknowledged?.(prompt, event.metadata.actor, corr);
          await runRules(prompt, 'acknowledged', event);
          return;
        }
        case 'RecommendationAccepted': {
          const d = event.data as { recommendationId: string; actionId: string; context: Context };
          const prompt = viewOf(d.recommendationId, d.context, d.actionId);
          const known = prompts.get(d.recommendationId);
          if (known) known.done = true;
          for (const f of followers) await f.done?.(prompt, corr);
          await runRules(prompt, 'done', event);
          return;
        }
        case 'RecommendationShelved': {
          const d = event.data as { recommendationId: string; shelvedAt: string; until: string; context: Context };
          const shelf = { fromMs: Date.parse(d.shelvedAt), untilMs: Date.parse(d.until) };
          for (const f of followers) await f.shelved?.(viewOf(d.recommendationId, d.context, null), shelf, corr);
          return;
        }
        case 'RecommendationUnshelved': {
          const d = event.data as { recommendationId: string; unshelvedAt: string; context: Context };
          for (const f of followers) await f.unshelved?.(viewOf(d.recommendationId, d.context, null), Date.parse(d.unshelvedAt), corr);
          return;
        }
        default:
          return;
      }
    },
  };
}
