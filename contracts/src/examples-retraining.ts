// Contract examples of the retraining events (owner training, `retraining-<id>`, #16).
import type { EventData } from './registry.ts';
import { exampleIds, hash } from './example-ids.ts';

type RetrainingTypes = 'RetrainingTriggered' | 'RetrainingSnapshotTaken' | 'RetrainingCandidateRegistered' | 'RetrainingRefused';

const window = { from: '2025-02-24T06:00:00Z', to: '2025-03-03T06:00:00Z' };

export const retrainingExamples: { readonly [T in RetrainingTypes]: EventData<T> } = {
  RetrainingTriggered: {
    retrainingId: exampleIds.retraining,
    useCaseId: exampleIds.useCase,
    trigger: { kind: 'drift', driftId: exampleIds.drift, retrainingRequestId: null, scheduleTick: null, schedule: null, requestedBy: null },
    baseModelVersionId: exampleIds.previousModelVersion,
    baseRunId: exampleIds.run,
    window,
    triggeredAt: '2025-03-03T06:00:01Z',
  },
  RetrainingSnapshotTaken: {
    retrainingId: exampleIds.retraining,
    useCaseId: exampleIds.useCase,
    datasetId: exampleIds.dataset,
    snapshotId: exampleIds.snapshot,
    snapshotHash: hash('a'),
    window,
    rowCount: 4032,
    positives: 57,
  },
  RetrainingCandidateRegistered: {
    retrainingId: exampleIds.retraining,
    useCaseId: exampleIds.useCase,
    snapshotId: exampleIds.snapshot,
    runId: exampleIds.run,
    modelVersionId: exampleIds.modelVersion,
    version: 4,
    shadowApprovalRequestId: exampleIds.approvalRequest,
    registeredAt: '2025-03-03T06:00:41Z',
  },
  RetrainingRefused: {
    retrainingId: exampleIds.retraining,
    useCaseId: exampleIds.useCase,
    stage: 'fresh-data',
    reason: 'the fresh snapshot over the last 7 days holds 3 positive rows of bearing_failure_within_120m; at least 10 are needed',
    snapshotId: exampleIds.snapshot,
    runId: null,
    refusedAt: '2025-03-03T06:00:05Z',
  },
};
