// Use case "monitor the production model": the last N live rows per input and the live scores in
// ring buffers, evaluated against the training reference every `evaluateEvery` scored windows
// (PSI + KS per input, PSI of the scores). A feature whose severity rises is reported once as
// DriftDetected; critical drift that persists for `persistAfter` evaluations emits
// RetrainingRequested (a request to humans; nothing is promoted here). Shadow agreement and live
// precision/recall are kept here too for the drift report.
import { parseDeploymentKey } from '../domain/deployments.ts';
import {
  evolvePersistence,
  featureDrift,
  livePrecisionRecall,
  psiOf,
  driftSeverity,
  type FeatureDrift,
  type LiveOutcomeCounts,
  type PersistenceState,
} from '../domain/drift.ts';
import type { LoadedModel } from './ports.ts';

export interface MonitorConfig {
  /** Live rows kept per input (the current distribution). */
  readonly capacity: number;
  /** Minimum live rows before drift is evaluated. */
  readonly minSamples: number;
  /** Evaluate every this many scored windows. */
  readonly evaluateEvery: number;
  /** Consecutive critical evaluations before retraining is requested. */
  readonly persistAfter: number;
  readonly ksAlpha: number;
}

export const DEFAULT_MONITOR_CONFIG: MonitorConfig = { capacity: 2_000, minSamples: 200, evaluateEvery: 50, persistAfter: 3, ksAlpha: 0.01 };

export interface DriftReport {
  readonly useCaseId: string;
  readonly modelVersionId: string | null;
  readonly features: readonly FeatureDrift[];
  readonly predictionPsi: number;
  readonly severity: 'none' | 'warning' | 'critical';
  readonly livePrecision: number | null;
  readonly liveRecall: number | null;
  readonly shadow: ShadowComparison | null;
  readonly computedAtMs: number;
}

export interface ShadowComparison {
  readonly candidateVersionId: string;
  readonly windows: number;
  readonly agreement: number | null;
  readonly productionAlarms: number;
  readonly candidateAlarms: number;
  /** Prompts the candidate would have raised (recorded as shadow recommendations). */
  readonly wouldHaveRaised: number;
  /** Of the candidate's would-have-raised prompts, how many were on assets whose production prompt got a confirmed outcome. */
  readonly outcomes: { readonly confirmed: number; readonly falseAlarms: number };
}

export interface DriftFinding {
  readonly kind: 'data' | 'prediction';
  readonly feature: string | null;
  readonly statistic: 'psi' | 'ks';
  readonly value: number;
  readonly threshold: number;
  readonly severity: 'warning' | 'critical';
}

export interface EvaluationResult {
  readonly report: DriftReport;
  readonly newFindings: readonly DriftFinding[];
  readonly requestRetraining: boolean;
  readonly windowFromMs: number;
  readonly windowToMs: number;
}

class Ring {
  readonly data: Float64Array;
  count = 0;
  next = 0;
  constructor(capacity: number) {
    this.data = new Float64Array(capacity);
  }
  push(v: number): void {
    this.data[this.next] = v;
    this.next = (this.next + 1) % this.data.length;
    if (this.count < this.data.length) this.count++;
  }
  values(): Float64Array {
    return this.count < this.data.length ? this.data.subarray(0, this.count) : this.data;
  }
}

interface UseCaseMonitor {
  versionId: string;
  inputs: readonly string[];
  rings: Ring[];
  scores: Ring;
  times: Ring;
  sinceEval: number;
  reported: Map<string, 'warning' | 'critical'>;
  persistence: PersistenceState;
  severe: boolean;
  last: DriftReport | null;
  shadow: {
    versionId: string;
    windows: number;
    agree: number;
    prodAlarms: number;
    candAlarms: number;
    wouldHaveRaised: number;
    raisedAssets: Set<string>;
  } | null;
}

export interface Monitor {
  observe(useCaseId: string, model: LoadedModel, row: Float64Array, score: number, atMs: number): EvaluationResult | null;
  observeShadow(useCaseId: string, candidateVersionId: string, productionAlarm: boolean, candidateAlarm: boolean): void;
  shadowRaised(useCaseId: string, candidateVersionId: string, assetPath: string): void;
  isSevere(useCaseId: string): boolean;
  report(
    useCaseId: string,
    model: LoadedModel | null,
    outcomes: LiveOutcomeCounts,
    nowMs: number,
    shadowOutcomes?: (assets: ReadonlySet<string>) => { confirmed: number; falseAlarms: number },
  ): DriftReport;
  counters(): Record<string, { windows: number; severe: boolean; reportedFeatures: number }>;
  /** PSI per input at each use case's last evaluation (for the `inference.drift.psi` gauge). */
  lastPsi(): { useCaseId: string; modelVersionId: string | null; feature: string; psi: number }[];
}

export function createMonitor(config: MonitorConfig = DEFAULT_MONITOR_CONFIG): Monitor {
  const byUseCase = new Map<string, UseCaseMonitor>();

  const monitorOf = (useCaseId: string, model: LoadedModel): UseCaseMonitor => {
    let m = byUseCase.get(useCaseId);
    if (m === undefined || m.versionId !== model.registered.modelVersionId) {
      // A new production version starts a fresh comparison against its own reference.
      m = {
        versionId: model.registered.modelVersionId,
        inputs: model.inputs,
        rings: model.inputs.map(() => new Ring(config.capacity)),
        scores: new Ring(config.capacity),
        times: new Ring(config.capacity),
        sinceEval: 0,
        reported: new Map(),
        persistence: { consecutive: 0, requested: false },
        severe: false,
        last: null,
        shadow: m?.shadow ?? null,
      };
      byUseCase.set(useCaseId, m);
    }
    return m;
  };

  function compute(
    useCaseId: string,
    m: UseCaseMonitor,
    model: LoadedModel,
    nowMs: number,
  ): { features: FeatureDrift[]; predictionPsi: number; severity: 'none' | 'warning' | 'critical' } {
    const features = m.inputs.map((name, j) => featureDrift(name, model.referenceSorted[j]!, m.rings[j]!.values()));
    const predictionPsi = model.referenceScoresSorted.length > 0 && m.scores.count > 0 ? psiOf(model.referenceScoresSorted, m.scores.values()) : 0;
    let severity: 'none' | 'warning' | 'critical' = 'none';
    for (const f of features) {
      const s = driftSeverity(f, config.ksAlpha);
      if (s === 'critical') severity = 'critical';
      else if (s === 'warning' && severity === 'none') severity = 'warning';
    }
    void useCaseId;
    void nowMs;
    return { features, predictionPsi, severity };
  }

  return {
    observe(useCaseId, model, row, score, atMs) {
      const m = monitorOf(useCaseId, model);
      for (let j = 0; j < m.rings.length; j++) m.rings[j]!.push(row[j]!);
      m.scores.push(score);
      m.times.push(atMs);
      m.sinceEval++;
      if (m.sinceEval < config.evaluateEvery || m.scores.count < config.minSamples) return null;
      m.sinceEval = 0;
      const { features, predictionPsi, severity } = compute(useCaseId, m, model, atMs);
      const newFindings: DriftFinding[] = [];
      let anyCritical = false;
      for (const f of features) {
        const s = driftSeverity(f, config.ksAlpha);
        if (s === 'critical') anyCritical = true;
        const before = m.reported.get(f.feature);
        if (s === 'none') {
          m.reported.delete(f.feature);
          continue;
        }
        if (before === s || (before === 'critical' && s === 'warning')) continue;
        m.reported.set(f.feature, s);
        newFindings.push({ kind: 'data', feature: f.feature, statistic: 'psi', value: f.psi, threshold: s === 'critical' ? 0.25 : 0.1, severity: s });
      }
      if (predictionPsi > 0.25 && !m.reported.has('__prediction')) {
        m.reported.set('__prediction', 'critical');
        newFindings.push({ kind: 'prediction', feature: null, statistic: 'psi', value: predictionPsi, threshold: 0.25, severity: 'critical' });
      } else if (predictionPsi <= 0.1) m.reported.delete('__prediction');
      const p = evolvePersistence(m.persistence, anyCritical, config.persistAfter);
      m.persistence = p.state;
      m.severe = anyCritical;
      const times = m.times.values();
      let from = Infinity,
        to = -Infinity;
      for (const t of times) {
        if (t < from) from = t;
        if (t > to) to = t;
      }
      const report: DriftReport = {
        // keyed by deployment (a scoped pilot-line model has its own reference); reported per use case
        useCaseId: parseDeploymentKey(useCaseId).useCaseId,
        modelVersionId: m.versionId,
        features,
        predictionPsi,
        severity,
        livePrecision: null,
        liveRecall: null,
        shadow: null,
        computedAtMs: atMs,
      };
      m.last = report;
      return { report, newFindings, requestRetraining: p.requestRetraining, windowFromMs: from, windowToMs: to };
    },
    observeShadow(useCaseId, candidateVersionId, productionAlarm, candidateAlarm) {
      let m = byUseCase.get(useCaseId);
      if (m === undefined) return;
      if (m.shadow === null || m.shadow.versionId !== candidateVersionId) {
        m.shadow = { versionId: candidateVersionId, windows: 0, agree: 0, prodAlarms: 0, candAlarms: 0, wouldHaveRaised: 0, raisedAssets: new Set() };
      }
      const s = m.shadow;
      s.windows++;
      if (productionAlarm === candidateAlarm) s.agree++;
      if (productionAlarm) s.prodAlarms++;
      if (candidateAlarm) s.candAlarms++;
      m = undefined;
    },
    shadowRaised(useCaseId, candidateVersionId, assetPath) {
      const s = byUseCase.get(useCaseId)?.shadow;
      if (s && s.versionId === candidateVersionId) {
        s.wouldHaveRaised++;
        s.raisedAssets.add(assetPath);
      }
    },
    isSevere: (useCaseId) => byUseCase.get(useCaseId)?.severe ?? false,
    report(useCaseId, model, outcomes, nowMs, shadowOutcomes) {
      const m = byUseCase.get(useCaseId);
      const pr = livePrecisionRecall(outcomes);
      const s = m?.shadow ?? null;
      const shadow: ShadowComparison | null =
        s === null
          ? null
          : {
              candidateVersionId: s.versionId,
              windows: s.windows,
              agreement: s.windows === 0 ? null : s.agree / s.windows,
              productionAlarms: s.prodAlarms,
              candidateAlarms: s.candAlarms,
              wouldHaveRaised: s.wouldHaveRaised,
              outcomes: shadowOutcomes?.(s.raisedAssets) ?? { confirmed: 0, falseAlarms: 0 },
            };
      if (m === undefined || model === null || m.versionId !== model.registered.modelVersionId) {
        return {
          useCaseId,
          modelVersionId: model?.registered.modelVersionId ?? null,
          features: [],
          predictionPsi: 0,
          severity: 'none',
          livePrecision: pr.precision,
          liveRecall: pr.recall,
          shadow,
          computedAtMs: nowMs,
        };
      }
      const { features, predictionPsi, severity } = compute(useCaseId, m, model, nowMs);
      return {
        useCaseId,
        modelVersionId: m.versionId,
        features,
        predictionPsi,
        severity,
        livePrecision: pr.precision,
        liveRecall: pr.recall,
        shadow,
        computedAtMs: nowMs,
      };
    },
    lastPsi() {
      const out: { useCaseId: string; modelVersionId: string | null; feature: string; psi: number }[] = [];
      for (const [useCaseId, m] of byUseCase) {
        for (const f of m.last?.features ?? []) out.push({ useCaseId, modelVersionId: m.versionId, feature: f.feature, psi: f.psi });
      }
      return out;
    },
    counters() {
      const out: Record<string, { windows: number; severe: boolean; reportedFeatures: number }> = {};
      for (const [u, m] of byUseCase) out[u] = { windows: m.scores.count, severe: m.severe, reportedFeatures: m.reported.size };
      return out;
    },
  };
}
