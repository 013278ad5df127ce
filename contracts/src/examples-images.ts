// Contract examples of the image events of visual inspection (#22).
import type { EventData } from './registry.ts';
import { exampleIds, hash } from './example-ids.ts';

type ImageTypes = 'ImageCaptured' | 'ImageRejected' | 'ImageRegionLabelled' | 'BoardInspected' | 'BoardVerdictGiven';

export const imageExamples: { readonly [T in ImageTypes]: EventData<T> } = {
  ImageCaptured: {
    sourceId: 'aoi-1',
    stationId: 'aoi-1',
    partId: '13000188',
    via: 'folder',
    sha256: hash('d'),
    width: 640,
    height: 640,
    bytes: 17020,
    format: 'jpeg',
    capturedAt: '2025-03-05T10:00:00Z',
    receivedAt: '2025-03-05T10:00:00.2Z',
  },
  ImageRejected: {
    sourceId: 'aoi-1',
    stationId: 'aoi-1',
    partId: null,
    via: 'http',
    reason: 'no-part-id',
    message: 'upload without a part id',
    origin: '/api/v1/images',
    rejectedAt: '2025-03-05T10:00:01Z',
  },
  ImageRegionLabelled: {
    sha256: hash('d'),
    stationId: 'aoi-1',
    partId: '13000188',
    region: { x1: 32, y1: 48, x2: 96, y2: 112 },
    verdict: 'defect-confirmed',
    defectType: 'short',
    labelledBy: 'ines@plant1',
    labelledAt: '2025-03-05T10:02:00Z',
  },
  BoardInspected: {
    recommendationId: exampleIds.recommendation,
    useCaseId: exampleIds.useCase,
    modelVersionId: exampleIds.modelVersion,
    stationId: 'aoi-1',
    partId: '13000188',
    sha256: hash('d'),
    width: 640,
    height: 640,
    regions: [{ x1: 32, y1: 48, x2: 96, y2: 112, score: 0.91, place: 'upper left' }],
    message: 'Board 13000188: possible short near the upper left — check before soldering',
    mode: 'production',
    threshold: 0.42,
    capturedAt: '2025-03-05T10:00:00Z',
    inspectedAt: '2025-03-05T10:00:00.4Z',
  },
  BoardVerdictGiven: {
    recommendationId: exampleIds.recommendation,
    useCaseId: exampleIds.useCase,
    sha256: hash('d'),
    stationId: 'aoi-1',
    partId: '13000188',
    region: { x1: 32, y1: 48, x2: 96, y2: 112 },
    verdict: 'defect-confirmed',
    defectType: 'short',
    decidedBy: 'ines@plant1',
    decidedAt: '2025-03-05T10:02:00Z',
  },
};
