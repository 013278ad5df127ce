// Contract examples of inference's shadow evidence (issue 16), split from examples.ts to keep each
// file readable.
import type { EventData } from './registry.ts';
import { exampleAssetPath, exampleIds } from './example-ids.ts';

type ShadowTypes = 'ShadowPromptCompared' | 'ShadowWindowsCompared';

export const shadowExamples: { readonly [T in ShadowTypes]: EventData<T> } = {
  ShadowPromptCompared: {
    comparisonId: exampleIds.event,
    useCaseId: exampleIds.useCase,
    assetPath: exampleAssetPath,
    scope: 'acme.plant1.packaging.line-1',
    candidateVersionId: exampleIds.modelVersion,
    productionVersionId: exampleIds.previousModelVersion,
    reference: 'production',
    at: '2025-03-05T10:00:00Z',
    raisedBy: 'candidate',
    production: { alarm: false, score: 0.41, recommendationId: null },
    candidate: { alarm: true, score: 0.77, recommendationId: exampleIds.recommendation },
    agree: false,
  },
  ShadowWindowsCompared: {
    useCaseId: exampleIds.useCase,
    scope: 'acme.plant1.packaging.line-1',
    candidateVersionId: exampleIds.modelVersion,
    productionVersionId: exampleIds.previousModelVersion,
    reference: 'production',
    windows: 100,
    agreeing: 96,
    productionAlarms: 3,
    candidateAlarms: 5,
    period: { from: '2025-03-05T08:00:00Z', to: '2025-03-05T10:00:00Z' },
    recordedAt: '2025-03-05T10:00:05Z',
  },
};
