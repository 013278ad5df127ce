// Use case: the outbound actions people can see: every action's last state, the dead-letter list
// (with the reason) and the actions of one prompt (the operator's screen says when one failed).
// A fold of the integration service's own events, read from the event store's global log.
import type { StoreReader } from '@industrial/kernel';

export interface ActionSummary {
  actionKey: string;
  recommendationId: string;
  useCaseId: string;
  assetPath: string;
  ruleId: string;
  trigger: 'raised' | 'acknowledged' | 'done';
  kind: string;
  connector: string;
  recipient: string | null;
  status: 'retrying' | 'succeeded' | 'dead-lettered';
  attempts: number;
  externalId: string | null;
  lastReason: string | null;
  lastStatus: number | null;
  completed: boolean;
  updatedAt: string;
}

export interface Ledger {
  /** Reads what was recorded since the last refresh. */
  refresh(): Promise<void>;
  list(filter?: { recommendationId?: string; status?: ActionSummary['status'] }): ActionSummary[];
  get(actionKey: string): ActionSummary | undefined;
}

const PAGE = 1000;

export function createLedger(reader: StoreReader): Ledger {
  const actions = new Map<string, ActionSummary>();
  let position = 0;
  let refreshing: Promise<void> | null = null;

  function apply(type: string, data: Record<string, unknown>, at: string): void {
    const key = data.actionKey as string;
    const prev = actions.get(key);
    switch (type) {
      case 'OutboundActionSucceeded':
      case 'OutboundActionFailed': {
        const base = prev ?? {
          actionKey: key,
          recommendationId: data.recommendationId as string,
          useCaseId: data.useCaseId as string,
          assetPath: data.assetPath as string,
          ruleId: data.ruleId as string,
          trigger: data.trigger as ActionSummary['trigger'],
          kind: data.kind as string,
          connector: data.connector as string,
          recipient: (data.recipient as string | null) ?? null,
          status: 'retrying' as const,
          attempts: 0,
          externalId: null,
          lastReason: null,
          lastStatus: null,
          completed: false,
          updatedAt: at,
        };
        if (type === 'OutboundActionSucceeded')
          actions.set(key, {
            ...base,
            status: 'succeeded',
            attempts: data.attempts as number,
            externalId: (data.externalId as string | null) ?? null,
            updatedAt: at,
          });
        else
          actions.set(key, {
            ...base,
            status: data.deadLettered === true ? 'dead-lettered' : 'retrying',
            attempts: data.attempt as number,
            lastReason: data.reason as string,
            lastStatus: (data.status as number | null) ?? null,
            updatedAt: at,
          });
        return;
      }
      case 'OutboundActionReplayed':
        if (prev) actions.set(key, { ...prev, status: 'retrying', updatedAt: at });
        return;
      case 'WorkOrderCompleted':
        if (prev) actions.set(key, { ...prev, completed: true, updatedAt: at });
        return;
      default:
        return;
    }
  }

  async function readNew(): Promise<void> {
    for (;;) {
      const page = await reader.readAll({ fromPosition: position + 1, maxCount: PAGE });
      for (const e of page) {
        position = e.position;
        if (e.stream.startsWith('outbound-')) apply(e.type, e.data as Record<string, unknown>, e.metadata.recordedAt);
      }
      if (page.length < PAGE) return;
    }
  }

  return {
    async refresh() {
      // One reader at a time; a caller arriving meanwhile waits for it and then reads what came after.
      while (refreshing !== null) await refreshing;
      refreshing = readNew().finally(() => (refreshing = null));
      await refreshing;
    },
    list(filter = {}) {
      return [...actions.values()].filter(
        (a) =>
          (filter.recommendationId === undefined || a.recommendationId === filter.recommendationId) &&
          (filter.status === undefined || a.status === filter.status),
      );
    },
    get: (key) => actions.get(key),
  };
}
