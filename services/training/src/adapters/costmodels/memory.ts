// In-memory cost models by use case (same CostModelSource port as the charter-store adapter the
// app uses by default): for tests and tools that train without charter records.
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
