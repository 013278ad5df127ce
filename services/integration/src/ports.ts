// What the integration service needs from the world, as ports: connectors to other systems
// (CMMS, MES, webhooks, mail, chat), the CMMS's work-order state, and inference's outcome command.
import type { AttemptResult } from './domain/outbound.ts';
import type { ActionKind, Trigger } from './domain/rules.ts';

/** The prompt as the integration service knows it (from RecommendationRaised, or the later event's context). */
export interface PromptView {
  recommendationId: string;
  useCaseId: string;
  assetPath: string;
  actionId: string | null;
  message: string | null;
  priority: 'low' | 'medium' | 'high' | 'critical';
  actBy: string | null;
  raisedAt: string | null;
}

export interface OutboundRequest {
  /** Same on every attempt and replay of the action: the other side deduplicates on it. */
  idempotencyKey: string;
  /** 1-based over the action's whole life (replays included). */
  attempt: number;
  kind: ActionKind;
  trigger: Trigger;
  prompt: PromptView;
  /** Recipient for e-mail and chat (address, channel); null for systems. */
  recipient: string | null;
}

export interface Connector {
  readonly name: string;
  /** One attempt; never throws for a failure of the other side (returns ok: false with the reason). */
  send(request: OutboundRequest): Promise<AttemptResult>;
}

export interface WorkOrderState {
  externalId: string;
  completed: boolean;
  /** The technician's finding when completed. */
  finding: string | null;
  completedAt: string | null;
}

/** A connector whose records have a life of their own (a CMMS work order) that flows back. */
export interface WorkOrderReader {
  workOrder(externalId: string): Promise<WorkOrderState | null>;
}

export interface OutcomeCommand {
  /** inference's POST /api/v1/recommendations/:id/outcome. */
  recordOutcome(
    recommendationId: string,
    outcome: { outcome: 'event-prevented' | 'event-occurred' | 'no-event' | 'unknown'; note: string; observedAt: string },
  ): Promise<void>;
}

/** inference's acknowledge command (an acknowledge from SCADA is the operator's decision). */
export interface AcknowledgeCommand {
  acknowledge(recommendationId: string, by: string): Promise<void>;
}
