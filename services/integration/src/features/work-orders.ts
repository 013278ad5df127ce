// Use case: the work order's state flows back. Each succeeded work-order action not yet completed
// is looked up in its CMMS; a completed one is recorded (WorkOrderCompleted, once: the action's
// stream revision guards it) and becomes the prompt's outcome through inference's outcome command
// (inference's OutcomeRecorded carries the label that dataops records).
import { ConcurrencyConflictError, serviceCause, type Kernel } from '@industrial/kernel';
import { outcomeOfFinding } from '../domain/findings.ts';
import type { OutcomeCommand, WorkOrderReader } from '../ports.ts';
import type { Ledger } from './ledger.ts';
import { outboundStream } from './outbound.ts';

export interface WorkOrderSyncDeps {
  kernel: Kernel;
  ledger: Ledger;
  /** Work-order readers by connector name. */
  readers: ReadonlyMap<string, WorkOrderReader>;
  outcomes: OutcomeCommand;
}

export interface SyncReport {
  checked: number;
  completed: number;
  outcomesRecorded: number;
}

export function createWorkOrderSync(deps: WorkOrderSyncDeps): { syncOnce(): Promise<SyncReport> } {
  const { kernel, ledger, readers, outcomes } = deps;
  return {
    async syncOnce() {
      await ledger.refresh();
      const report: SyncReport = { checked: 0, completed: 0, outcomesRecorded: 0 };
      for (const a of ledger.list({ status: 'succeeded' })) {
        const reader = readers.get(a.connector);
        if (a.completed || a.kind !== 'work-order' || a.externalId === null || reader === undefined) continue;
        report.checked++;
        const wo = await reader.workOrder(a.externalId);
        if (wo === null || !wo.completed) continue;
        const finding = wo.finding?.trim() || 'Completed without a finding.';
        const outcome = outcomeOfFinding(wo.finding ?? '');
        const completedAt = wo.completedAt ?? new Date().toISOString();
        const stream = outboundStream(a.actionKey);
        const events = await kernel.read(stream);
        if (events.some((e) => e.type === 'WorkOrderCompleted')) continue;
        // The outcome first (inference refuses a second one, which the adapter counts as done), then
        // the record: a crash in between repeats the outcome call, never skips it.
        await outcomes.recordOutcome(a.recommendationId, {
          outcome,
          note: `Work order ${a.externalId} (${a.connector}): ${finding}`.slice(0, 1000),
          observedAt: completedAt,
        });
        report.outcomesRecorded++;
        try {
          await kernel.append(
            stream,
            [
              {
                type: 'WorkOrderCompleted',
                data: {
                  actionKey: a.actionKey,
                  recommendationId: a.recommendationId,
                  connector: a.connector,
                  externalId: a.externalId,
                  finding: finding.slice(0, 2000),
                  outcome,
                  completedAt,
                },
              },
            ],
            serviceCause('integration', a.recommendationId),
            { expectedRevision: events.length - 1 },
          );
        } catch (error) {
          if (error instanceof ConcurrencyConflictError) continue;
          throw error;
        }
        report.completed++;
      }
      return report;
    },
  };
}
