// The action catalogue: what an operator is asked to do for an asset type and failure mode, in
// plain words with a deadline. Inference turns the action into a prompt (`promptFor`).
import type { EventData } from '@industrial/contracts';

export type CatalogAction = Omit<EventData<'ActionCatalogued'>, 'useCaseId'>;

/** The action for an asset type and failure mode (the latest catalogued wins), or undefined. */
export function actionFor(actions: readonly CatalogAction[], assetType: string, failureMode: string): CatalogAction | undefined {
  for (let i = actions.length - 1; i >= 0; i--) {
    const a = actions[i] as CatalogAction;
    if (a.assetType === assetType && a.failureMode === failureMode) return a;
  }
  return undefined;
}

/** 60 → "1 hour", 90 → "1 hour 30 minutes", 2880 → "2 days". */
export function formatDeadline(minutes: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const parts = [days > 0 ? plural(days, 'day') : '', hours > 0 ? plural(hours, 'hour') : '', mins > 0 ? plural(mins, 'minute') : ''].filter((p) => p !== '');
  return parts.length === 0 ? '0 minutes' : parts.join(' ');
}

/** The prompt text: "Inspect the pump bearing within 1 hour". */
export function promptFor(action: Pick<CatalogAction, 'label' | 'maxResponseMinutes'>): string {
  return `${action.label} within ${formatDeadline(action.maxResponseMinutes)}`;
}
