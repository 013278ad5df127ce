// Ports to the charter's action catalogue and cost model (services/charter exports neither yet),
// with in-memory defaults for the pump bearing case.

export interface CatalogueAction {
  readonly actionId: string;
  /** Imperative label; `{asset}` is replaced by the asset's name ("Inspect the {asset} bearing"). */
  readonly label: string;
  readonly maxResponseMinutes: number;
}

export interface ActionCatalogue {
  actionFor(useCaseId: string, assetKind: string, failureMode: string): CatalogueAction | undefined;
}

export interface CostModel {
  /** Cost of a missed failure and of a false alarm, in the use case's currency. */
  costOf(useCaseId: string): { readonly missedFailure: number; readonly falseAlarm: number; readonly currency: string } | undefined;
}

export const PUMP_BEARING_ACTION: CatalogueAction = {
  actionId: '0193a1b2-7c00-7a10-8b00-0000000000c1',
  label: 'inspect the {asset} bearing',
  maxResponseMinutes: 60,
};

export function inMemoryActionCatalogue(entries: ReadonlyArray<{ assetKind: string; failureMode: string; action: CatalogueAction }> = [
  { assetKind: 'pump', failureMode: 'bearing_failure', action: PUMP_BEARING_ACTION },
]): ActionCatalogue {
  return {
    actionFor: (_useCaseId, assetKind, failureMode) => entries.find((e) => e.assetKind === assetKind && e.failureMode === failureMode)?.action,
  };
}

export function inMemoryCostModel(costs: Readonly<Record<string, { missedFailure: number; falseAlarm: number; currency: string }>> = {}, fallback = { missedFailure: 25_000, falseAlarm: 150, currency: 'EUR' }): CostModel {
  return { costOf: (useCaseId) => costs[useCaseId] ?? fallback };
}
