// OpenTelemetry metrics of live scoring, recorded through @industrial/telemetry/api. Without an
// SDK (the app embedded without initTelemetry) the global meter is a no-op and this costs nothing.
// Instruments are created when the app is created, so initTelemetry() must run first (main does).
import { metrics, ValueType, type Counter, type Histogram, type Meter, type ObservableResult } from '@industrial/telemetry/api';
import type { InferenceMetrics } from '../../features/ports.ts';

export const INFERENCE_METER = 'industrial.inference';

export type { ErrorKind, InferenceMetrics } from '../../features/ports.ts';

interface Instruments {
  readonly scoreDuration: Histogram;
  readonly windowsScored: Counter;
  readonly recommendationsRaised: Counter;
  readonly errors: Counter;
  readonly sampleToScore: Histogram;
  readonly membershipChanges: Counter;
  readonly assetsMoved: Counter;
}

const MS_BUCKETS = [0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000];

function instruments(meter: Meter): Instruments {
  return {
    scoreDuration: meter.createHistogram('inference.score.duration', {
      description: 'Duration of one model scoring call (ONNX), production or shadow',
      unit: 'ms',
      advice: { explicitBucketBoundaries: MS_BUCKETS },
    }),
    windowsScored: meter.createCounter('inference.windows.scored', {
      description: 'Asset windows scored (by the model or the rule-based fallback)',
      unit: '{window}',
      valueType: ValueType.INT,
    }),
    recommendationsRaised: meter.createCounter('inference.recommendations.raised', {
      description: 'Production recommendations raised (not updates, not shadow)',
      unit: '{recommendation}',
      valueType: ValueType.INT,
    }),
    errors: meter.createCounter('inference.errors', {
      description: 'Handled failures in live scoring and model loading, by kind',
      unit: '{error}',
      valueType: ValueType.INT,
    }),
    sampleToScore: meter.createHistogram('inference.sample_to_score.latency', {
      description: "Wall time from the newest sample's server timestamp to its window's score",
      unit: 'ms',
      advice: { explicitBucketBoundaries: MS_BUCKETS },
    }),
    membershipChanges: meter.createCounter('inference.membership.changes', {
      description: 'Replica membership changes applied by this replica (assets re-partitioned)',
      unit: '{change}',
      valueType: ValueType.INT,
    }),
    assetsMoved: meter.createCounter('inference.membership.assets_moved', {
      description: 'Assets this replica took over (direction=in, window rebuilt) or handed over (direction=out) on a membership change',
      unit: '{asset}',
      valueType: ValueType.INT,
    }),
  };
}

export function createInferenceMetrics(meter: Meter = metrics.getMeter(INFERENCE_METER)): InferenceMetrics {
  const i = instruments(meter);
  return {
    scoreDuration: (ms, useCase, modelVersion, stage) => i.scoreDuration.record(ms, { use_case: useCase, model_version: modelVersion, stage }),
    windowScored: (useCase) => i.windowsScored.add(1, { use_case: useCase }),
    recommendationRaised: (useCase, source, priority) => i.recommendationsRaised.add(1, { use_case: useCase, source, priority }),
    error: (kind, useCase) => i.errors.add(1, { kind, use_case: useCase }),
    sampleToScore: (ms, useCase, source) => i.sampleToScore.record(ms, { use_case: useCase, source }),
    membershipChanged: (cause, takenOver, dropped) => {
      i.membershipChanges.add(1, { cause });
      if (takenOver > 0) i.assetsMoved.add(takenOver, { direction: 'in' });
      if (dropped > 0) i.assetsMoved.add(dropped, { direction: 'out' });
    },
  };
}

/**
 * Counter `inference.recommendations.decided`: each operator decision on a prompt — `decision`
 * acknowledge, accept, reject, override or record-outcome — per `use_case` and `operator` (the
 * authenticated subject): prompts acknowledged / accepted per hour and per operator (ISA-18.2).
 */
export function promptDecisions(meter: Meter = metrics.getMeter(INFERENCE_METER)): (kind: string, useCase: string, operator: string) => void {
  const decided = meter.createCounter('inference.recommendations.decided', {
    description: 'Operator decisions on prompts (acknowledge, accept, reject, override, record-outcome), per use case and operator',
    unit: '{decision}',
    valueType: ValueType.INT,
  });
  return (kind, useCase, operator) => decided.add(1, { decision: kind, use_case: useCase, operator });
}

/**
 * Observable gauge `inference.drift.psi`: the PSI of each input at the last drift evaluation
 * (read from the monitor only when metrics are collected). Returns the callback's remover.
 */
export function observeDriftPsi(
  read: () => Iterable<{ readonly useCaseId: string; readonly modelVersionId: string | null; readonly feature: string; readonly psi: number }>,
  meter: Meter = metrics.getMeter(INFERENCE_METER),
): () => void {
  const gauge = meter.createObservableGauge('inference.drift.psi', {
    description: 'Population stability index of each model input at the last drift evaluation',
    unit: '1',
  });
  const callback = (result: ObservableResult): void => {
    for (const f of read()) {
      if (!Number.isFinite(f.psi)) continue;
      result.observe(f.psi, { use_case: f.useCaseId, model_version: f.modelVersionId ?? 'none', feature: f.feature });
    }
  };
  gauge.addCallback(callback);
  return () => gauge.removeCallback(callback);
}

/** Observable gauge `inference.membership.members`: the replicas in this replica's current hash ring. */
export function observeMembers(read: () => number, meter: Meter = metrics.getMeter(INFERENCE_METER)): () => void {
  const gauge = meter.createObservableGauge('inference.membership.members', {
    description: "Replicas in this replica's hash ring (live membership or the static configuration)",
    unit: '{replica}',
  });
  const callback = (result: ObservableResult): void => result.observe(read());
  gauge.addCallback(callback);
  return () => gauge.removeCallback(callback);
}
