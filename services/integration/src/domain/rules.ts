// Action rules: which outbound actions a prompt's lifecycle step starts, per use case and action.
// Pure data and matching. The charter's use-case serving spec names the actions and their
// deadlines; which system each action reaches (a CMMS, an MES, a webhook, a person) is plant
// configuration, kept here as data (INTEGRATION_RULES_FILE).
import { z } from 'zod';

export const Trigger = z.enum(['raised', 'acknowledged', 'done']);
export type Trigger = z.infer<typeof Trigger>;
export const ActionKind = z.enum(['work-order', 'quality-check', 'webhook', 'email', 'chat']);
export type ActionKind = z.infer<typeof ActionKind>;

const Token = z.string().regex(/^[a-z0-9_-]{1,64}$/, 'must be 1–64 lowercase letters, digits, "_" or "-"');

export const ActionRule = z.strictObject({
  ruleId: Token,
  /** A use case id, or "*" for every use case. */
  useCaseId: z.union([z.uuid(), z.literal('*')]),
  /** Only prompts recommending this catalogued action; absent: every action of the use case. */
  actionId: z.uuid().optional(),
  on: Trigger,
  kind: ActionKind,
  /** Connector instance name (a key of the connectors config). */
  connector: Token,
  /** Only prompts of these priorities; absent: all. */
  priorities: z.array(z.enum(['low', 'medium', 'high', 'critical'])).optional(),
});
export type ActionRule = z.infer<typeof ActionRule>;

/** A person on a use case's roster, in escalation order. */
export const RosterEntry = z.strictObject({
  name: z.string().min(1).max(200),
  email: z.email().optional(),
  chat: z.string().min(1).max(200).optional(),
  /** Local quiet hours "HH:MM-HH:MM" (may wrap midnight), in `timeZoneOffsetMinutes`. */
  quietHours: z
    .string()
    .regex(/^\d{2}:\d{2}-\d{2}:\d{2}$/)
    .optional(),
  timeZoneOffsetMinutes: z.int().min(-840).max(840).default(0),
});
export type RosterEntry = z.infer<typeof RosterEntry>;

export const Roster = z.strictObject({
  useCaseId: z.union([z.uuid(), z.literal('*')]),
  people: z.array(RosterEntry).min(1).max(20),
  /** Minutes a prompt may stay unacknowledged before it goes to the next person. */
  ackWithinMinutes: z.int().min(1).max(10_080),
  /** At most this many notifications per person per hour (flood suppression). */
  maxPerHour: z.int().min(1).max(1000).default(10),
});
export type Roster = z.infer<typeof Roster>;

export const IntegrationRules = z.strictObject({
  rules: z.array(ActionRule).max(500),
  rosters: z.array(Roster).max(200).default([]),
});
export type IntegrationRules = z.infer<typeof IntegrationRules>;

export interface PromptFacts {
  recommendationId: string;
  useCaseId: string;
  actionId: string;
  assetPath: string;
  priority: 'low' | 'medium' | 'high' | 'critical';
}

/** The rules a prompt's lifecycle step starts, in configuration order (each ruleId once). */
export function rulesFor(rules: readonly ActionRule[], prompt: PromptFacts, on: Trigger): ActionRule[] {
  const seen = new Set<string>();
  return rules.filter((r) => {
    if (r.on !== on || seen.has(r.ruleId)) return false;
    if (r.useCaseId !== '*' && r.useCaseId !== prompt.useCaseId) return false;
    if (r.actionId !== undefined && r.actionId !== prompt.actionId) return false;
    if (r.priorities !== undefined && !r.priorities.includes(prompt.priority)) return false;
    seen.add(r.ruleId);
    return true;
  });
}

/** The roster of a use case (its own before the "*" one), or null. */
export function rosterFor(rosters: readonly Roster[], useCaseId: string): Roster | null {
  return rosters.find((r) => r.useCaseId === useCaseId) ?? rosters.find((r) => r.useCaseId === '*') ?? null;
}

/** One outbound action per prompt and rule: the idempotency key and the stream id. */
export const actionKeyOf = (recommendationId: string, ruleId: string): string => `${recommendationId}.${ruleId}`;
