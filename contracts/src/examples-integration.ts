// Contract examples of the integration service's events (outbound actions of a prompt, work orders,
// escalations), split from examples.ts to keep each file readable.
import type { EventData } from './registry.ts';
import { exampleAssetPath, exampleIds } from './example-ids.ts';

type IntegrationTypes =
  'OutboundActionSucceeded' | 'OutboundActionFailed' | 'OutboundActionReplayed' | 'WorkOrderCompleted' | 'PromptEscalated' | 'NotificationSuppressed';

const actionKey = `${exampleIds.recommendation}.work-order`;
const target = {
  actionKey,
  recommendationId: exampleIds.recommendation,
  useCaseId: exampleIds.useCase,
  assetPath: exampleAssetPath,
  ruleId: 'work-order',
  trigger: 'raised',
  kind: 'work-order',
  connector: 'maintainx',
  recipient: null,
} as const;

export const integrationExamples: { readonly [T in IntegrationTypes]: EventData<T> } = {
  OutboundActionSucceeded: { ...target, externalId: '12345', attempts: 2, alreadyThere: false, succeededAt: '2025-03-05T10:01:10Z' },
  OutboundActionFailed: {
    ...target,
    attempt: 1,
    status: 503,
    reason: 'CMMS answered 503 Service Unavailable',
    retryAt: '2025-03-05T10:01:05Z',
    deadLettered: false,
    failedAt: '2025-03-05T10:01:04Z',
  },
  OutboundActionReplayed: { actionKey, requestedBy: 'ines@plant1', replayedAt: '2025-03-05T12:00:00Z' },
  WorkOrderCompleted: {
    actionKey,
    recommendationId: exampleIds.recommendation,
    connector: 'maintainx',
    externalId: '12345',
    finding: 'Nozzle 3 partly clogged with residue; cleaned and flow back to nominal.',
    outcome: 'event-prevented',
    completedAt: '2025-03-05T11:20:00Z',
  },
  PromptEscalated: {
    recommendationId: exampleIds.recommendation,
    useCaseId: exampleIds.useCase,
    level: 1,
    from: 'olga@plant1.example',
    to: 'ines@plant1.example',
    deadline: '2025-03-05T10:15:00Z',
    escalatedAt: '2025-03-05T10:15:02Z',
  },
  NotificationSuppressed: {
    recommendationId: exampleIds.recommendation,
    recipient: 'olga@plant1.example',
    channel: 'email',
    reason: 'flood',
    suppressedAt: '2025-03-05T10:01:00Z',
  },
};
