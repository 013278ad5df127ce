// In-memory cost models by use case: the stand-in for the charter service until its client
// adapter exists (same CostModelSource port). The one-process launcher can feed it from
// CostModelSet events.
import type { CostModel } from '@industrial/ml';
import type { CostModelSource } from '../../ports.ts';

export function createMemoryCostModels(initial: Readonly<Record<string, CostModel>> = {}): CostModelSource & { set(useCaseId: string, cost: CostModel): void } {
  const byUseCase = new Map(Object.entries(initial));
  return {
    async get(useCaseId) {
      return byUseCase.get(useCaseId) ?? null;
    },
    set(useCaseId, cost) {
      byUseCase.set(useCaseId, cost);
    },
  };
}
