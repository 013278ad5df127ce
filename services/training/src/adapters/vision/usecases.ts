// Visual use cases as training reads them (#22): from the charter's records in the shared event
// store (the latest UseCaseServingSpecDefined of `usecase-<id>`, its cost model as the charter
// cost-model adapter maps it), or from a use-case file (`usecases/visual/*.json`: `useCaseId` and
// `serving`, the same data the charter records) when the command runs without the store.
import { readFileSync } from 'node:fs';
import { UseCaseServingSpec } from '@industrial/contracts';
import type { Kernel } from '@industrial/kernel';
import { VisionTrainingRefused } from '../../domain/vision.ts';
import type { VisualUseCase, VisualUseCases } from '../../features/vision-training.ts';
import { createCharterStoreCostModels, fromServingCostModel } from '../costmodels/charter-store.ts';

export function visualUseCasesFromStore(kernel: Pick<Kernel, 'read'>): VisualUseCases {
  const costs = createCharterStoreCostModels(kernel);
  return {
    async get(useCaseId) {
      let found: VisualUseCase | null = null;
      for (const e of await kernel.read(`usecase-${useCaseId}`))
        if (e.type === 'UseCaseServingSpecDefined') found = { name: e.data.spec.name, taskKind: e.data.spec.task.kind, cost: null };
      return found === null ? null : { ...found, cost: await costs.get(useCaseId) };
    },
  };
}

/** A use-case file; `flag` names the option it came from in refusals. */
export function visualUseCasesFromFile(path: string, flag = 'usecase_file'): VisualUseCases {
  let raw: { useCaseId?: unknown; serving?: unknown };
  try {
    raw = JSON.parse(readFileSync(path, 'utf8')) as typeof raw;
  } catch (e) {
    throw new VisionTrainingRefused(flag, `cannot read ${path}: ${(e as Error).message}`);
  }
  const parsed = UseCaseServingSpec.safeParse(raw.serving);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new VisionTrainingRefused(flag, `${path}: serving.${issue?.path.join('.') ?? ''} ${issue?.message ?? 'is not a serving spec'}`);
  }
  const spec = parsed.data;
  return {
    async get(useCaseId) {
      if (raw.useCaseId !== useCaseId) throw new VisionTrainingRefused('use_case_id', `${path} holds use case ${String(raw.useCaseId)}, not ${useCaseId}`);
      return { name: spec.name, taskKind: spec.task.kind, cost: fromServingCostModel(spec.costModel) };
    },
  };
}
