// Cost models from the charter's records: the use case's `usecase-<id>` stream in the shared event
// store, read (never written) through training's kernel. The charter's own cost model
// (CostModelSet, the latest) wins; without one, the serving spec's (UseCaseServingSpecDefined,
// the latest). Mapped to the ML library's cost model: a missed failure costs its repair plus its
// downtime, an inspection the intervention, a false alarm what acting on it costs beyond the inspection.
import type { EventData } from '@industrial/contracts';
import type { Kernel } from '@industrial/kernel';
import type { CostModel, CostModelSource } from '../../ports.ts';

type CharterCost = Omit<EventData<'CostModelSet'>, 'useCaseId'>;
type ServingCost = EventData<'UseCaseServingSpecDefined'>['spec']['costModel'];

export function fromCharterCostModel(c: CharterCost): CostModel {
  return {
    missedFailure: c.missedEventCost + c.downtimeHoursPerFailure * c.downtimeCostPerHour,
    inspection: c.interventionCost,
    falseAlarm: Math.max(0, c.falseAlarmCost - c.interventionCost),
  };
}

export function fromServingCostModel(c: ServingCost): CostModel {
  return { missedFailure: c.failure, inspection: c.inspection, falseAlarm: Math.max(0, c.falseAlarm - c.inspection) };
}

export function createCharterStoreCostModels(kernel: Pick<Kernel, 'read'>): CostModelSource {
  return {
    async get(useCaseId) {
      let charter: CostModel | null = null;
      let serving: CostModel | null = null;
      for (const e of await kernel.read(`usecase-${useCaseId}`)) {
        if (e.type === 'CostModelSet') charter = fromCharterCostModel(e.data);
        else if (e.type === 'UseCaseServingSpecDefined') serving = fromServingCostModel(e.data.spec.costModel);
      }
      return charter ?? serving;
    },
  };
}
