// Use case "report drift": a drift evaluation's new findings become DriftDetected, and critical
// drift that persisted becomes RetrainingRequested (a request to humans; nothing is promoted here),
// both in the model version's `drift-<modelVersionId>` stream. The drift report (GetDriftReport)
// joins the monitor's statistics with live outcomes from the projection.
import { streamFor, type EventData } from '@industrial/contracts';
import { uuidv7 } from '@industrial/contracts/ids';
import { serviceCause, type Kernel } from '@industrial/kernel';
import { InferenceError } from '../domain/errors.ts';
import type { UseCaseSpec } from '../domain/usecase.ts';
import type { ModelHost } from './models.ts';
import type { DriftReport, EvaluationResult, Monitor } from './monitoring.ts';
import type { LoadedModel } from './ports.ts';
import type { Projection } from './projection.ts';
import { isSuppressed } from '../domain/mode.ts';

const iso = (ms: number) => new Date(ms).toISOString();

export interface DriftRecorder {
  /** Records an evaluation's findings; returns how many DriftDetected and RetrainingRequested were appended. */
  record(spec: UseCaseSpec, model: LoadedModel, ev: EvaluationResult): Promise<{ detected: number; retraining: number }>;
}

export function createDriftRecorder(deps: { kernel: Kernel; now: () => number }): DriftRecorder {
  const lastCriticalDrift = new Map<string, string>();
  return {
    async record(spec, model, ev) {
      const versionId = model.registered.modelVersionId;
      const stream = streamFor('DriftDetected', versionId);
      const window = { from: iso(ev.windowFromMs), to: iso(Math.max(ev.windowToMs, ev.windowFromMs + 1)) };
      let detected = 0,
        retraining = 0;
      for (const f of ev.newFindings) {
        const driftId = uuidv7(deps.now());
        if (f.severity === 'critical') lastCriticalDrift.set(spec.useCaseId, driftId);
        detected++;
        const data: EventData<'DriftDetected'> = {
          driftId,
          useCaseId: spec.useCaseId,
          modelVersionId: versionId,
          kind: f.kind,
          feature: f.feature,
          statistic: f.statistic,
          value: f.value,
          threshold: f.threshold,
          window,
          severity: f.severity,
        };
        await deps.kernel.append(stream, [{ type: 'DriftDetected', data }], serviceCause('inference', driftId));
      }
      if (ev.requestRetraining) {
        const driftId = lastCriticalDrift.get(spec.useCaseId) ?? null;
        const drifted = ev.report.features.filter((f) => f.band === 'major').map((f) => `${f.feature} (PSI ${f.psi.toFixed(2)})`);
        const requestId = uuidv7(deps.now());
        retraining++;
        const data: EventData<'RetrainingRequested'> = {
          requestId,
          useCaseId: spec.useCaseId,
          modelVersionId: versionId,
          trigger: driftId === null ? 'manual' : 'drift',
          driftId,
          reason:
            `Input drift persisted over consecutive evaluations: ${drifted.join(', ') || 'several inputs'}. Humans decide whether to retrain; nothing is promoted automatically.`.slice(
              0,
              1000,
            ),
        };
        await deps.kernel.append(streamFor('RetrainingRequested', versionId), [{ type: 'RetrainingRequested', data }], serviceCause('inference', requestId));
      }
      return { detected, retraining };
    },
  };
}

export interface DriftReporting {
  driftReport(useCaseId: string): DriftReport;
}

/** GetDriftReport: the use-case-wide production model against its reference, with live precision/recall and the shadow comparison. */
export function createDriftReporting(deps: {
  models: ModelHost;
  monitor: Monitor;
  projection: Projection;
  useCases: readonly UseCaseSpec[];
  now: () => number;
}): DriftReporting {
  return {
    driftReport(useCaseId) {
      if (!deps.useCases.some((u) => u.useCaseId === useCaseId)) throw new InferenceError('INVALID_ARGUMENT', `unknown use case ${useCaseId}`, 'use_case_id');
      const model = deps.models.slots(useCaseId).production;
      return deps.monitor.report(useCaseId, model, deps.projection.outcomes(useCaseId), deps.now(), (assets) =>
        deps.projection.outcomesOnAssets(useCaseId, assets),
      );
    },
  };
}

/**
 * Which assets the drift comparison leaves out: one with an open production prompt (its fault is
 * what the model exists to detect), one not in auto mode (maintenance, manual) and one with an
 * active labelled fault (`activeFault`: reported problems, labels; absent: none known).
 */
export function createDriftExclusion(deps: {
  projection: Projection;
  now: () => number;
  activeFault?: (assetPath: string, atMs: number) => boolean;
}): (assetPath: string, atMs: number) => boolean {
  return (assetPath, atMs) =>
    deps.projection.list({ assetPath, openOnly: true, max: 1 }, deps.now()).length > 0 ||
    isSuppressed(deps.projection.modes(), assetPath) ||
    (deps.activeFault?.(assetPath, atMs) ?? false);
}
