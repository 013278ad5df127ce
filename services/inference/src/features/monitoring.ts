// Use case "monitor the production model": the last N live rows per input and the live scores in
// ring buffers, evaluated against the reference every `evaluateEvery` scored windows (the training
// sample the model carries, or a healthy live window of `referenceRows` rows: MonitorConfig)
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
  sortedFinite,
  driftSeverity,
  type FeatureDrift,
  type LiveOutcomeCounts,
  type PersistenceState,
} from '../domain/drift.ts';
import { concat, medianOf, rankOf, Ring } from '../domain/drift-sample.ts';
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
  /** Live rows kept per asset (an excluded asset's rows are dropped whole). */
  readonly perAssetCapacity: number;
  /** Included assets needed before drift is evaluated (or every asset seen, when fewer). */
  readonly minAssets: number;
  /** Consecutive evaluations with a population shift before the model is paused (hysteresis). */
  readonly pauseAfter: number;
  /** Consecutive evaluations without one before it serves again. */
  readonly resumeAfter: number;
  /** A shift counts for the population when more than this share of the included assets show it (a fault is a minority). */
  readonly shiftedShare: number;
  /**
   * 0: drift is measured against the training sample the model carries. N > 0: against a healthy
   * live window instead, the first N rows the version scores in a deployment from assets not left
   * out (no open prompt, no labelled fault, in auto mode); nothing is evaluated until it is full.
   * The training sample can describe another fleet than the one served: a part of the assets (a
   * split by asset), an older period (bearings that warm as they wear) and the faults in it.
   */
  readonly referenceRows: number;
}

export const DEFAULT_MONITOR_CONFIG: MonitorConfig = {
  capacity: 2_000,
  minSamples: 200,
  evaluateEvery: 50,
  persistAfter: 3,
  ksAlpha: 0.01,
  perAssetCapacity: 500,
  minAssets: 2,
  pauseAfter: 3,
  resumeAfter: 2,
  shiftedShare: 0.5,
  referenceRows: 0,
};

/** Whether the model is paused for a use case (severe drift shared by the population), since when and why in plain words. */
export interface PauseState {
  readonly paused: boolean;
  readonly sinceMs: number | null;
  readonly explanation: string | null;
}

export interface MonitorDeps {
  /**
   * Assets left out of the drift comparison (an open prompt, a labelled fault, maintenance): the
   * failure the model exists to detect must not pass for a shift of the population. Their rows
   * are dropped, so an asset comes back with fresh rows only.
   */
  readonly excluded?: (assetPath: string, atMs: number) => boolean;
}

export interface DriftReport {
  readonly useCaseId: string;
  /** The model's prompts give way to the declared limits (a population shift persisted). */
  readonly paused?: boolean;
  /** Why, in plain words (null when serving). */
  readonly explanation?: string | null;
  /** Assets compared / left out at the last evaluation. */
  readonly assetsCompared?: number;
  readonly assetsExcluded?: number;
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

interface AssetRows {
  rings: Ring[];
  scores: Ring;
  times: Ring;
}

/** The sorted samples drift is measured against: per input, and the scores. */
interface Reference {
  readonly sorted: readonly Float64Array[];
  readonly scoresSorted: Float64Array;
}

/** The live window being collected as the reference (config.referenceRows > 0). */
interface Baseline {
  readonly cols: Float64Array[];
  readonly scores: Float64Array;
  n: number;
}

interface UseCaseMonitor {
  versionId: string;
  /** null while the live reference window fills (config.referenceRows > 0). */
  reference: Reference | null;
  baseline: Baseline | null;
  inputs: readonly string[];
  assets: Map<string, AssetRows>;
  seen: Set<string>;
  excluded: Set<string>;
  pauseStreak: number;
  clearStreak: number;
  pause: PauseState;
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
  /** One scored row of `assetPath` (absent: one anonymous population, nothing excluded). */
  observe(useCaseId: string, model: LoadedModel, row: Float64Array, score: number, atMs: number, assetPath?: string): EvaluationResult | null;
  pauseState(useCaseId: string): PauseState;
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

const NOT_PAUSED: PauseState = { paused: false, sinceMs: null, explanation: null };

/** How an input reads to an operator: the tag it is computed from, in words. */
function inputWords(model: LoadedModel, feature: string): string {
  const tag = model.featureInfo.get(feature)?.source?.tag ?? feature.split('__')[0] ?? feature;
  return tag.replace(/_/g, ' ');
}

export function createMonitor(config: MonitorConfig = DEFAULT_MONITOR_CONFIG, deps: MonitorDeps = {}): Monitor {
  const byUseCase = new Map<string, UseCaseMonitor>();

  const monitorOf = (useCaseId: string, model: LoadedModel): UseCaseMonitor => {
    let m = byUseCase.get(useCaseId);
    if (m === undefined || m.versionId !== model.registered.modelVersionId) {
      // A new production version starts a fresh comparison against its own reference.
      const live = config.referenceRows > 0;
      m = {
        versionId: model.registered.modelVersionId,
        reference: live ? null : { sorted: model.referenceSorted, scoresSorted: model.referenceScoresSorted },
        baseline: live ? { cols: model.inputs.map(() => new Float64Array(config.referenceRows)), scores: new Float64Array(config.referenceRows), n: 0 } : null,
        inputs: model.inputs,
        assets: new Map(),
        seen: new Set(),
        excluded: new Set(),
        pauseStreak: 0,
        clearStreak: 0,
        pause: NOT_PAUSED,
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

  /**
   * Rows per asset in the current sample: the population's newest `capacity` rows, shared out.
   * Without it each asset's own older rows (up to `perAssetCapacity`) would outvote a shift every
   * sensor went through an hour ago, and many assets would hold far more than `capacity` rows.
   */
  const recentPerAsset = (m: UseCaseMonitor): number => Math.max(1, Math.ceil(config.capacity / Math.max(1, m.assets.size)));

  function compute(
    useCaseId: string,
    m: UseCaseMonitor,
    ref: Reference,
    nowMs: number,
  ): { features: FeatureDrift[]; predictionPsi: number; severity: 'none' | 'warning' | 'critical' } {
    const rows = [...m.assets.values()];
    const k = recentPerAsset(m);
    const features = m.inputs.map((name, j) => featureDrift(name, ref.sorted[j]!, concat(rows.map((r) => r.rings[j]!.newest(k)))));
    const scores = concat(rows.map((r) => r.scores.newest(k)));
    const predictionPsi = ref.scoresSorted.length > 0 && scores.length > 0 ? psiOf(ref.scoresSorted, scores) : 0;
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
    observe(useCaseId, model, row, score, atMs, assetPath = '') {
      const m = monitorOf(useCaseId, model);
      m.seen.add(assetPath);
      if (assetPath !== '' && deps.excluded?.(assetPath, atMs) === true) {
        // the fault the model exists to detect is not a shift of the population: its rows go
        m.assets.delete(assetPath);
        m.excluded.add(assetPath);
        return null;
      }
      m.excluded.delete(assetPath);
      if (m.reference === null) {
        // the healthy live window the version is compared with from now on; its rows are not the current sample
        const b = m.baseline!;
        for (let j = 0; j < b.cols.length; j++) b.cols[j]![b.n] = row[j]!;
        b.scores[b.n] = score;
        b.n++;
        if (b.n >= b.scores.length) {
          m.reference = { sorted: b.cols.map((c) => sortedFinite(c)), scoresSorted: sortedFinite(b.scores) };
          m.baseline = null;
        }
        return null;
      }
      const ref = m.reference;
      let a = m.assets.get(assetPath);
      if (a === undefined) {
        const cap = assetPath === '' ? config.capacity : config.perAssetCapacity;
        m.assets.set(assetPath, (a = { rings: m.inputs.map(() => new Ring(cap)), scores: new Ring(cap), times: new Ring(cap) }));
      }
      for (let j = 0; j < a.rings.length; j++) a.rings[j]!.push(row[j]!);
      a.scores.push(score);
      a.times.push(atMs);
      m.sinceEval++;
      let total = 0;
      for (const r of m.assets.values()) total += r.scores.count;
      // a minimum sample, from enough assets: one asset's window is not the population
      if (m.sinceEval < config.evaluateEvery || total < config.minSamples || m.assets.size < Math.min(config.minAssets, m.seen.size)) return null;
      m.sinceEval = 0;
      const { features, predictionPsi, severity } = compute(useCaseId, m, ref, atMs);
      const newFindings: DriftFinding[] = [];
      const widespread: { feature: string; shifted: number }[] = [];
      for (const [j, f] of features.entries()) {
        const s = driftSeverity(f, config.ksAlpha);
        if (s === 'critical') {
          // shared by the population? each asset's median against the reference's middle 90 %, one
          // direction counted at a time: a recalibration moves every sensor the same way
          let up = 0,
            down = 0,
            compared = 0;
          for (const r of m.assets.values()) {
            if (r.scores.count < 5) continue;
            compared++;
            const rank = rankOf(ref.sorted[j]!, medianOf(r.rings[j]!.newest(recentPerAsset(m))));
            if (rank > 0.95) up++;
            else if (rank < 0.05) down++;
          }
          const shifted = Math.max(up, down);
          if (compared > 0 && shifted / compared > config.shiftedShare) widespread.push({ feature: f.feature, shifted });
        }
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
      const populationShift = widespread.length > 0;
      const p = evolvePersistence(m.persistence, populationShift, config.persistAfter);
      m.persistence = p.state;
      // hysteresis: paused after `pauseAfter` evaluations in a row with a population shift, serving again after `resumeAfter` without
      if (populationShift) {
        m.pauseStreak++;
        m.clearStreak = 0;
      } else {
        m.clearStreak++;
        m.pauseStreak = 0;
      }
      const compared = m.assets.size;
      if (populationShift && (m.pause.paused || m.pauseStreak >= config.pauseAfter)) {
        const words = [...new Set(widespread.map((w) => inputWords(model, w.feature)))];
        const most = Math.max(...widespread.map((w) => w.shifted));
        const assetsWord = m.seen.size === 1 && m.seen.has('') ? 'the assets' : `${most} of ${compared} assets`;
        m.pause = {
          paused: true,
          sinceMs: m.pause.sinceMs ?? atMs,
          explanation:
            `The model is paused: the ${words.slice(0, 3).join(', ')} readings of ${assetsWord} no longer look like the data it learned from, ` +
            'as after a sensor is recalibrated, replaced or moved, or a change in how the plant runs. ' +
            'Prompts come from the fixed limits until the readings look familiar again or the model is retrained.',
        };
      } else if (m.pause.paused && m.clearStreak >= config.resumeAfter) m.pause = NOT_PAUSED;
      m.severe = m.pause.paused;
      let from = Infinity,
        to = -Infinity;
      for (const r of m.assets.values()) {
        for (const t of r.times.values()) {
          if (t < from) from = t;
          if (t > to) to = t;
        }
      }
      const report: DriftReport = {
        // keyed by deployment (a scoped pilot-line model has its own reference); reported per use case
        useCaseId: parseDeploymentKey(useCaseId).useCaseId,
        paused: m.pause.paused,
        explanation: m.pause.explanation,
        assetsCompared: m.assets.size,
        assetsExcluded: m.excluded.size,
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
    pauseState: (useCaseId) => byUseCase.get(useCaseId)?.pause ?? NOT_PAUSED,
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
      if (m === undefined || model === null || m.versionId !== model.registered.modelVersionId || m.reference === null) {
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
      const { features, predictionPsi, severity } = compute(useCaseId, m, m.reference, nowMs);
      return {
        useCaseId,
        paused: m.pause.paused,
        explanation: m.pause.explanation,
        assetsCompared: m.assets.size,
        assetsExcluded: m.excluded.size,
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
      for (const [u, m] of byUseCase) {
        let windows = 0;
        for (const r of m.assets.values()) windows += r.scores.count;
        out[u] = { windows, severe: m.severe, reportedFeatures: m.reported.size };
      }
      return out;
    },
  };
}
