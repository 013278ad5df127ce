// Contract examples of governance's gates and rollback proposals (issue 16), split from examples.ts
// to keep each file readable.
import type { EventData } from './registry.ts';
import { exampleIds } from './example-ids.ts';

type GateTypes = 'ModelGatesSet' | 'ModelRollbackProposed';

export const gateExamples: { readonly [T in GateTypes]: EventData<T> } = {
  ModelGatesSet: {
    useCaseId: exampleIds.useCase,
    minMetrics: { f1: 0.6 },
    maxMetrics: {},
    maxNoiseDrop: 0.1,
    maxDropoutDrop: 0.2,
    snapshot: { minRows: 1000, minLabels: 20 },
    shadow: { minWindows: 500, minAgreement: 0.9 },
    savingsAtLeastProduction: true,
    minLiveOutcomes: 10,
  },
  ModelRollbackProposed: {
    proposalId: exampleIds.approvalRequest,
    useCaseId: exampleIds.useCase,
    modelVersionId: exampleIds.modelVersion,
    trigger: 'gate-breach',
    toModelVersionId: exampleIds.previousModelVersion,
    measure: 'precision',
    value: 0.52,
    limit: 0.6,
    basis: 25,
    reason: 'Live precision 0.52 over 25 recorded outcomes is below the gate 0.6.',
  },
};
