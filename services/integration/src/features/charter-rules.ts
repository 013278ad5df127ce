// Use case: the action rules a use case's serving spec carries (the charter's UseCaseServingSpecDefined,
// optional `outbound`), read from the event store's global log: the newest spec version of each
// use case wins, a revision without `outbound` clears that use case's rules. These come before the
// setup file's rules (the setup keeps the plant-wide ones and the connectors themselves). A rule
// the integration cannot take (a connector name it cannot use) is left out and reported.
import type { StoreReader } from '@industrial/kernel';
import { ActionRule } from '../domain/rules.ts';

export interface CharterRules {
  /** Reads what was recorded since the last refresh. */
  refresh(): Promise<void>;
  rules(): ActionRule[];
}

const PAGE = 1000;

interface SpecDefined {
  useCaseId: string;
  specVersion: number;
  spec: { outbound?: readonly Record<string, unknown>[] };
}

export function createCharterRules(reader: StoreReader, onRefused?: (useCaseId: string, rule: unknown, reason: string) => void): CharterRules {
  const byUseCase = new Map<string, { version: number; rules: ActionRule[] }>();
  let position = 0;
  let refreshing: Promise<void> | null = null;

  function apply(d: SpecDefined): void {
    const known = byUseCase.get(d.useCaseId);
    if (known && known.version >= d.specVersion) return;
    const rules: ActionRule[] = [];
    for (const r of d.spec.outbound ?? []) {
      const parsed = ActionRule.safeParse({ ...r, useCaseId: d.useCaseId });
      if (parsed.success) rules.push(parsed.data);
      else onRefused?.(d.useCaseId, r, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    }
    byUseCase.set(d.useCaseId, { version: d.specVersion, rules });
  }

  async function readNew(): Promise<void> {
    for (;;) {
      const page = await reader.readAll({ fromPosition: position + 1, maxCount: PAGE });
      for (const e of page) {
        position = e.position;
        if (e.type === 'UseCaseServingSpecDefined') apply(e.data as SpecDefined);
      }
      if (page.length < PAGE) return;
    }
  }

  return {
    async refresh() {
      while (refreshing !== null) await refreshing;
      refreshing = readNew().finally(() => (refreshing = null));
      await refreshing;
    },
    rules: () => [...byUseCase.values()].flatMap((u) => u.rules),
  };
}
