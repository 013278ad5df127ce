// Contract examples of the plant floor's events (inference's prompts, drift and serving; the
// simulator's ground truth), split from examples.ts to keep each file readable.
import type { EventData } from './registry.ts';
import { exampleAssetPath, exampleIds, hash } from './example-ids.ts';

type OperationsTypes =
  | 'RecommendationRaised'
  | 'RecommendationAcknowledged'
  | 'RecommendationAccepted'
  | 'RecommendationRejected'
  | 'RecommendationOverridden'
  | 'OutcomeRecorded'
  | 'ProblemReported'
  | 'AssetModeChanged'
  | 'DriftDetected'
  | 'RetrainingRequested'
  | 'ModelRefused'
  | 'FaultInjected'
  | 'FaultLabelled';

export const operationsExamples: { readonly [T in OperationsTypes]: EventData<T> } = {
  RecommendationRaised: {
    recommendationId: exampleIds.recommendation,
    useCaseId: exampleIds.useCase,
    modelVersionId: exampleIds.modelVersion,
    source: 'model',
    assetPath: exampleAssetPath,
    actionId: exampleIds.action,
    message: 'Filler 3 nozzles likely to clog within the hour: clean the nozzle bank at the next stop.',
    urgency: 'soon',
    priority: 'high',
    actBy: '2025-03-05T11:00:00Z',
    score: 0.74,
    threshold: 0.62,
    explanation: [
      { feature: 'nozzle_pressure_mean_5m', contribution: 0.31 },
      { feature: 'flow_rate_slope_15m', contribution: 0.18 },
    ],
    evidence: [{ feature: 'nozzle_pressure_mean_5m', value: 3.9, unit: 'bar' }],
    imputed: [],
    featureWindow: { from: '2025-03-05T09:45:00Z', to: '2025-03-05T10:00:00Z' },
    mode: 'production',
    update: 0,
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    expiresAt: '2025-03-05T11:00:00Z',
  },
  RecommendationAcknowledged: {
    recommendationId: exampleIds.recommendation,
    acknowledgedAt: '2025-03-05T10:01:30Z',
    context: {
      useCaseId: exampleIds.useCase,
      assetPath: exampleAssetPath,
      modelVersionId: exampleIds.modelVersion,
      source: 'model',
      featureWindow: { from: '2025-03-05T09:45:00Z', to: '2025-03-05T10:00:00Z' },
      explanation: [{ feature: 'nozzle_pressure_mean_5m', contribution: 0.31 }],
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    },
  },
  RecommendationAccepted: {
    recommendationId: exampleIds.recommendation,
    actionId: exampleIds.action,
    doneAt: '2025-03-05T10:25:00Z',
    note: 'Nozzle 7 was partly blocked.',
    context: {
      useCaseId: exampleIds.useCase,
      assetPath: exampleAssetPath,
      modelVersionId: exampleIds.modelVersion,
      source: 'model',
      featureWindow: { from: '2025-03-05T09:45:00Z', to: '2025-03-05T10:00:00Z' },
      explanation: [{ feature: 'nozzle_pressure_mean_5m', contribution: 0.31 }],
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    },
  },
  RecommendationRejected: {
    recommendationId: exampleIds.recommendation,
    reason: 'already-handled',
    note: 'Cleaned during the 09:50 changeover.',
    rejectedAt: '2025-03-05T10:02:00Z',
    context: {
      useCaseId: exampleIds.useCase,
      assetPath: exampleAssetPath,
      modelVersionId: exampleIds.modelVersion,
      source: 'model',
      featureWindow: { from: '2025-03-05T09:45:00Z', to: '2025-03-05T10:00:00Z' },
      explanation: [{ feature: 'nozzle_pressure_mean_5m', contribution: 0.31 }],
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    },
  },
  RecommendationOverridden: {
    recommendationId: exampleIds.recommendation,
    actionId: null,
    actionTaken: 'Reduced line speed to 80% until the planned stop at 11:00.',
    reason: 'No stop possible before 11:00 because of a rush order.',
    overriddenAt: '2025-03-05T10:03:00Z',
    context: {
      useCaseId: exampleIds.useCase,
      assetPath: exampleAssetPath,
      modelVersionId: exampleIds.modelVersion,
      source: 'model',
      featureWindow: { from: '2025-03-05T09:45:00Z', to: '2025-03-05T10:00:00Z' },
      explanation: [{ feature: 'nozzle_pressure_mean_5m', contribution: 0.31 }],
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    },
  },
  OutcomeRecorded: {
    recommendationId: exampleIds.recommendation,
    outcome: 'event-prevented',
    observedAt: '2025-03-05T12:00:00Z',
    costImpact: { amount: 1800, currency: 'EUR' },
    note: 'No clog until the next scheduled cleaning.',
    label: 'nozzle-clog',
    context: {
      useCaseId: exampleIds.useCase,
      assetPath: exampleAssetPath,
      modelVersionId: exampleIds.modelVersion,
      source: 'model',
      featureWindow: { from: '2025-03-05T09:45:00Z', to: '2025-03-05T10:00:00Z' },
      explanation: [{ feature: 'nozzle_pressure_mean_5m', contribution: 0.31 }],
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    },
  },
  ProblemReported: {
    problemId: exampleIds.problem,
    assetPath: exampleAssetPath,
    description: 'Bottles underfilled on nozzles 4 to 6, no prompt was shown.',
    severity: 'major',
    observedAt: '2025-03-06T14:20:00+01:00',
    relatedRecommendationId: null,
    useCaseId: exampleIds.useCase,
    missedFailure: true,
    label: 'underfill',
    labelWindow: { from: '2025-03-06T13:50:00+01:00', to: '2025-03-06T14:20:00+01:00' },
  },
  AssetModeChanged: {
    scope: 'asset',
    path: exampleAssetPath,
    from: 'auto',
    to: 'manual',
    reason: 'Cleaning the nozzle bank.',
    changedAt: '2025-03-05T10:10:00Z',
  },
  DriftDetected: {
    driftId: exampleIds.drift,
    useCaseId: exampleIds.useCase,
    modelVersionId: exampleIds.modelVersion,
    kind: 'data',
    feature: 'product_temp',
    statistic: 'psi',
    value: 0.31,
    threshold: 0.2,
    window: { from: '2025-04-01T00:00:00Z', to: '2025-04-08T00:00:00Z' },
    severity: 'warning',
  },
  RetrainingRequested: {
    requestId: exampleIds.retraining,
    useCaseId: exampleIds.useCase,
    modelVersionId: exampleIds.modelVersion,
    trigger: 'drift',
    driftId: exampleIds.drift,
    reason: 'Product temperature distribution shifted after the new recipe (PSI 0.31).',
  },
  ModelRefused: {
    useCaseId: exampleIds.useCase,
    modelVersionId: exampleIds.modelVersion,
    version: 3,
    stage: 'production',
    check: 'integrity',
    reason: 'The ONNX bytes do not match the sha256 recorded at registration.',
    expectedSha256: hash('b'),
    actualSha256: hash('f'),
    keptModelVersionId: exampleIds.previousModelVersion,
  },
  FaultInjected: {
    faultId: exampleIds.fault,
    assetPath: exampleAssetPath,
    faultType: 'nozzle-clog',
    severity: 0.6,
    affectedTags: ['nozzle_pressure', 'flow_rate'],
    developMinutes: 20,
    startedAt: '2025-03-10T08:00:00Z',
    plantTime: '2025-03-10T08:00:00Z',
    source: 'http',
    seed: 7,
  },
  FaultLabelled: {
    faultId: exampleIds.fault,
    assetPath: exampleAssetPath,
    faultType: 'nozzle-clog',
    cause: 'injected',
    startedAt: '2025-03-10T08:00:00Z',
    failureAt: '2025-03-10T11:30:00Z',
    plantTime: '2025-03-10T11:30:00Z',
  },
};
