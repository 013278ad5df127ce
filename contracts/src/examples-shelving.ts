// Contract examples of prompt shelving (issue 17), split from examples.ts to keep each file readable.
import type { EventData } from './registry.ts';
import { exampleAssetPath, exampleIds } from './example-ids.ts';

type ShelvingTypes = 'RecommendationShelved' | 'RecommendationUnshelved';

const context: EventData<'RecommendationShelved'>['context'] = {
  useCaseId: exampleIds.useCase,
  assetPath: exampleAssetPath,
  modelVersionId: exampleIds.modelVersion,
  source: 'model',
  featureWindow: { from: '2025-03-05T09:45:00Z', to: '2025-03-05T10:00:00Z' },
  explanation: [{ feature: 'nozzle_pressure_mean_5m', contribution: 0.31 }],
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
};

export const shelvingExamples: { readonly [T in ShelvingTypes]: EventData<T> } = {
  RecommendationShelved: {
    recommendationId: exampleIds.recommendation,
    shelvedAt: '2025-03-05T10:02:00Z',
    until: '2025-03-05T10:17:00Z',
    durationSeconds: 900,
    endOfShift: false,
    reason: 'Nozzle bank is being cleaned by maintenance right now.',
    context,
  },
  RecommendationUnshelved: {
    recommendationId: exampleIds.recommendation,
    unshelvedAt: '2025-03-05T10:09:00Z',
    context,
  },
};
