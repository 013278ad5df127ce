// In-memory stand-ins for the charter's action catalogue and cost model (services/charter exports
// neither yet), with the pump bearing case as the default entry.
import type { ActionCatalogue, CatalogueAction, CostModel } from '../../features/ports.ts';

export type { ActionCatalogue, CatalogueAction, CostModel } from '../../features/ports.ts';

export const PUMP_BEARING_ACTION: CatalogueAction = {
  actionId: '0193a1b2-7c00-7a10-8b00-0000000000c1',
  label: 'inspect the {asset} bearing',
  maxResponseMinutes: 60,
};

export function inMemoryActionCatalogue(
  entries: ReadonlyArray<{ assetKind: string; failureMode: string; action: CatalogueAction }> = [
    { assetKind: 'pump', failureMode: 'bearing_failure', action: PUMP_BEARING_ACTION },
  ],
): ActionCatalogue {
  return {
    actionFor: (_useCaseId, assetKind, failureMode) => entries.find((e) => e.assetKind === assetKind && e.failureMode === failureMode)?.action,
  };
}

export function inMemoryCostModel(
  costs: Readonly<Record<string, { missedFailure: number; falseAlarm: number; currency: string }>> = {},
  fallback = { missedFailure: 25_000, falseAlarm: 150, currency: 'EUR' },
): CostModel {
  return { costOf: (useCaseId) => costs[useCaseId] ?? fallback };
}
