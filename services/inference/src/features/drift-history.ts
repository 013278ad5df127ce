// Drift over time for the engineer's screen: every drift evaluation the monitor makes is kept,
// per use case, in a bounded ring (newest last) — the largest input PSI, the prediction PSI, the
// severity and whether the model's prompts were paused — and served with the thresholds it is
// judged against (GET /api/v1/drift/history). Held in memory by the replica that evaluates; a
// restart starts an empty history.
import { PSI_MAJOR, PSI_MODERATE } from '../domain/drift.ts';
import type { DriftRecorder } from './drift.ts';
import type { DriftReport } from './monitoring.ts';

export interface DriftPoint {
  readonly at: string;
  readonly modelVersionId: string | null;
  readonly severity: DriftReport['severity'];
  readonly paused: boolean;
  /** The largest PSI of any input (0 when none was compared). */
  readonly maxPsi: number;
  readonly predictionPsi: number;
  /** The inputs with the largest PSI (at most five), largest first. */
  readonly top: readonly { readonly feature: string; readonly psi: number }[];
}

export interface DriftHistoryView {
  readonly useCaseId: string;
  /** PSI from which an input counts as a major shift; shared by most assets over consecutive evaluations, it pauses the model. */
  readonly pauseThreshold: number;
  readonly warnThreshold: number;
  readonly points: readonly DriftPoint[];
}

export interface DriftHistory {
  record(report: DriftReport): void;
  list(useCaseId: string): DriftHistoryView;
}

const round = (v: number) => (Number.isFinite(v) ? Math.round(v * 10_000) / 10_000 : 0);

/** A bounded history per use case (default 240 evaluations each, at most 200 use cases). */
export function createDriftHistory(capacity = 240, maxUseCases = 200): DriftHistory {
  const byUseCase = new Map<string, DriftPoint[]>();
  return {
    record(report) {
      let points = byUseCase.get(report.useCaseId);
      if (points === undefined) {
        if (byUseCase.size >= maxUseCases) byUseCase.delete(byUseCase.keys().next().value as string);
        points = [];
        byUseCase.set(report.useCaseId, points);
      }
      const ranked = [...report.features].sort((a, b) => b.psi - a.psi);
      points.push({
        at: new Date(report.computedAtMs).toISOString(),
        modelVersionId: report.modelVersionId,
        severity: report.severity,
        paused: report.paused ?? false,
        maxPsi: round(ranked[0]?.psi ?? 0),
        predictionPsi: round(report.predictionPsi),
        top: ranked.slice(0, 5).map((f) => ({ feature: f.feature, psi: round(f.psi) })),
      });
      if (points.length > capacity) points.splice(0, points.length - capacity);
    },
    list(useCaseId) {
      return { useCaseId, pauseThreshold: PSI_MAJOR, warnThreshold: PSI_MODERATE, points: [...(byUseCase.get(useCaseId) ?? [])] };
    },
  };
}

/** The recorder with every evaluation also kept in `history`. */
export function withDriftHistory(recorder: DriftRecorder, history: DriftHistory): DriftRecorder {
  return {
    async record(spec, model, ev) {
      history.record(ev.report);
      return recorder.record(spec, model, ev);
    },
  };
}
