// Integration events (owner: integration): outbound actions of a prompt (work orders in a CMMS,
// quality checks in an MES, signed webhooks, e-mail and chat notifications) in `outbound-<key>`
// streams, one stream per (prompt, action rule) so the stream's revision makes a replay or a
// second delivery append nothing twice; escalations and suppressed notifications in `notify-<id>`.
import { z } from 'zod';
import { Service, StreamFamily, defineContract } from '../contract.ts';
import { IsoDateTime, UnsAssetPath, UnsToken, Uuid, text } from '../primitives.ts';

/** `<recommendationId>.<ruleId>`: one outbound action per prompt and rule, however often retried or replayed. */
export const OutboundActionKey = z
  .string()
  .max(140)
  .regex(/^[0-9a-f-]{36}\.[a-z0-9_-]{1,64}$/, 'must be "<recommendationId>.<ruleId>"');

/** The prompt lifecycle step a rule reacts to. */
export const OutboundTrigger = z.enum(['raised', 'acknowledged', 'done']);
/** What the connector does at the other end. */
export const OutboundKind = z.enum(['work-order', 'quality-check', 'webhook', 'email', 'chat']);

const Target = z.strictObject({
  actionKey: OutboundActionKey,
  recommendationId: Uuid,
  useCaseId: Uuid,
  assetPath: UnsAssetPath,
  ruleId: UnsToken,
  trigger: OutboundTrigger,
  kind: OutboundKind,
  /** Connector instance (config name), e.g. `maintainx`, `webhook-erp`, `smtp`. */
  connector: UnsToken,
  /** The person's address for e-mail and chat; null for systems. */
  recipient: z.string().max(320).nullable(),
});

export const outboundActionSucceeded = defineContract({
  service: Service.Integration,
  streamFamily: StreamFamily.Outbound,
  description: 'An outbound action of a prompt was accepted by the other system (a work order created, a webhook or message delivered).',
  versions: [
    Target.extend({
      /** The other system's id (work order number, message id); null when it returns none. */
      externalId: z.string().min(1).max(200).nullable(),
      attempts: z.int().min(1),
      /** true: found already done at the other end (an earlier attempt had succeeded without an answer). */
      alreadyThere: z.boolean(),
      succeededAt: IsoDateTime,
    }),
  ],
  upcasters: [],
});

export const outboundActionFailed = defineContract({
  service: Service.Integration,
  streamFamily: StreamFamily.Outbound,
  description: 'An attempt of an outbound action failed; it is retried at `retryAt`, or dead-lettered (visible, replayable) when `retryAt` is null.',
  versions: [
    Target.extend({
      attempt: z.int().min(1),
      /** HTTP status of the answer, null for a timeout, a refused connection or an SMTP error. */
      status: z.int().min(100).max(599).nullable(),
      reason: text(1000),
      retryAt: IsoDateTime.nullable(),
      deadLettered: z.boolean(),
      failedAt: IsoDateTime,
    }),
  ],
  upcasters: [],
});

export const outboundActionReplayed = defineContract({
  service: Service.Integration,
  streamFamily: StreamFamily.Outbound,
  description: 'Someone replayed a dead-lettered outbound action: it is attempted again with the same idempotency key.',
  versions: [z.strictObject({ actionKey: OutboundActionKey, requestedBy: z.string().min(1).max(200), replayedAt: IsoDateTime })],
  upcasters: [],
});

export const workOrderCompleted = defineContract({
  service: Service.Integration,
  streamFamily: StreamFamily.Outbound,
  description: "The work order of a prompt was completed in the CMMS, with the technician's finding (it becomes the prompt's outcome).",
  versions: [
    z.strictObject({
      actionKey: OutboundActionKey,
      recommendationId: Uuid,
      connector: UnsToken,
      externalId: z.string().min(1).max(200),
      /** The technician's words, as the CMMS holds them. */
      finding: text(2000),
      outcome: z.enum(['event-prevented', 'event-occurred', 'no-event', 'unknown']),
      completedAt: IsoDateTime,
    }),
  ],
  upcasters: [],
});

export const promptEscalated = defineContract({
  service: Service.Integration,
  streamFamily: StreamFamily.Notify,
  description: "A prompt was not acknowledged by its deadline and was passed to the next person on the use case's roster.",
  versions: [
    z.strictObject({
      recommendationId: Uuid,
      useCaseId: Uuid,
      /** 1 for the first escalation (roster entry 2), … */
      level: z.int().min(1),
      from: z.string().min(1).max(320),
      to: z.string().min(1).max(320),
      deadline: IsoDateTime,
      escalatedAt: IsoDateTime,
    }),
  ],
  upcasters: [],
});

export const notificationSuppressed = defineContract({
  service: Service.Integration,
  streamFamily: StreamFamily.Notify,
  description: 'A notification was not sent to a person: their quiet hours, or their prompts-per-hour limit was reached.',
  versions: [
    z.strictObject({
      recommendationId: Uuid,
      recipient: z.string().min(1).max(320),
      channel: z.enum(['email', 'chat']),
      reason: z.enum(['quiet-hours', 'flood']),
      suppressedAt: IsoDateTime,
    }),
  ],
  upcasters: [],
});
