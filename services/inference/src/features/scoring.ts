// Use case "score live windows": UNS batches → per-asset windows → model inputs (the model's own
// window spec through domain/window.ts, as in training) → production score → prompt decisions
// (hysteresis, de-duplication, manual mode, rule-based fallback) → RecommendationRaised; the shadow
// candidate (shadow.ts) and drift monitoring (monitoring.ts, drift.ts) ride along. Only assets
// this replica owns are scored; while an asset is being taken over (replicas.ts) its live batches
// wait for the replayed window.
import type { UnsSampleBatch } from '@industrial/contracts';
import { uuidv7 } from '@industrial/contracts/ids';
import type { Kernel } from '@industrial/kernel';
import { DEFAULT_DATA_QUALITY_LIMITS, dataQualityIssue } from '../domain/data-quality.ts';
import { isSuppressed } from '../domain/mode.ts';
import { horizonMinutesOf, judge, modelWords } from '../domain/judgement.ts';
import { priorityOf, urgencyOf } from '../domain/priority.ts';
import { decideTrack, evolveTrack, initialTrack, standingTrack, type TrackConfig, type TrackState } from '../domain/prompt-track.ts';
import { failureModeOf, inScope, ruleViolations, type UseCaseSpec } from '../domain/usecase.ts';
import { AssetWindow, windowSpanMs, windowValues } from '../domain/window.ts';
import { actionText, evidencePhrases, rulePrompt, type Likelihood } from '../domain/wording.ts';
import type { DriftRecorder } from './drift.ts';
import type { ModelHost, Slots } from './models.ts';
import type { EvaluationResult, Monitor } from './monitoring.ts';
import type { InferenceMetrics, LoadedModel, Log, Tracing } from './ports.ts';
import type { Projection, RecommendationView } from './projection.ts';
import { raiseRecommendation } from './prompting.ts';
import { explainValues, type ShadowScoring } from './shadow.ts';

export interface ScoringDeps {
  kernel: Kernel;
  /** The served use cases (a live list, see usecases.ts). */
  useCases: readonly UseCaseSpec[];
  models: ModelHost;
  monitor: Monitor;
  drift: DriftRecorder;
  shadow: ShadowScoring;
  projection: Projection;
  track: TrackConfig;
  /** Severe drift switches the use case to the rules (default true). */
  fallbackOnSevereDrift: boolean;
  owns: (assetPath: string) => boolean;
  tracing: Tracing;
  metrics: InferenceMetrics;
  wallNow: () => number;
  log: Log;
}

export interface ScoredWindow {
  readonly useCaseId: string;
  readonly assetPath: string;
  readonly source: 'model' | 'rules';
  readonly score: number | null;
  readonly alarm: boolean;
  readonly fromMs: number;
  readonly toMs: number;
  /** Wall ms from the newest sample's server timestamp to the score. */
  readonly latencyMs: number;
  /** A sensor fault held the window (no score, no prompt): the notice in plain words. */
  readonly dataQuality?: string | null;
}

export interface PipelineCounters {
  batches: number;
  samples: number;
  badSamples: number;
  windowsScored: number;
  modelScores: number;
  ruleScores: number;
  imputedWindows: number;
  fallbackModelUnavailable: number;
  fallbackInputsBad: number;
  fallbackDrift: number;
  promptsRaised: number;
  promptsUpdated: number;
  promptsSuppressed: number;
  shadowScores: number;
  shadowRaised: number;
  driftDetected: number;
  retrainingRequested: number;
  notOwned: number;
  /** Windows held because a sensor of the asset is faulty (dropout, stuck, spikes). */
  dataQualityHolds: number;
}

export interface Pipeline {
  ingest(batch: UnsSampleBatch): Promise<void>;
  /** Feeds a replayed batch into the window only (no scoring): rebuilding after a takeover. */
  warm(batch: UnsSampleBatch): void;
  /**
   * This replica took the asset over: its window starts empty for the replay to fill (`warm`),
   * and live batches of the asset wait meanwhile — one arriving first would make the replayed,
   * older samples out of order and leave a partial window (a cold start).
   */
  beginTakeover(assetPath: string): void;
  /** Carries on the previous owner's standing prompts (from the projection), then ingests the batches that waited, in order. */
  endTakeover(assetPath: string): Promise<void>;
  /** The asset moved to another replica: its window and prompt tracks go. */
  dropAsset(assetPath: string): void;
  onScored(listener: (s: ScoredWindow) => void): () => void;
  counters(): PipelineCounters;
  latencies(): Float64Array;
  trackOf(useCaseId: string, assetPath: string): TrackState;
}

interface AssetState {
  window: AssetWindow;
  firstMs: number;
  lastScored: Map<string, number>;
}

type Fallback = 'model-unavailable' | 'inputs-bad' | 'drift';

const iso = (ms: number) => new Date(ms).toISOString();
const clamp = (x: number) => Math.min(1, Math.max(0, Number.isFinite(x) ? x : 0));

/** History an asset needs for a use case: its own, the rules' window and the serving models' windows. */
export function historyMs(spec: UseCaseSpec, slots: Slots): number {
  const spans = [spec.windowMs, windowSpanMs(spec.ruleWindow)];
  for (const m of [slots.production, slots.shadow]) if (m !== null) spans.push(windowSpanMs(m.window) + m.window.gridMinutes * 60_000);
  return Math.max(...spans);
}

export function createScoring(deps: ScoringDeps): Pipeline {
  const assets = new Map<string, AssetState>();
  const tracks = new Map<string, TrackState>();
  /** Assets being taken over → their live batches waiting for the replay. */
  const takingOver = new Map<string, UnsSampleBatch[]>();
  const listeners = new Set<(s: ScoredWindow) => void>();
  const m = deps.metrics;
  const latencyRing = new Float64Array(10_000);
  let latencyCount = 0;
  const c: PipelineCounters = {
    batches: 0,
    samples: 0,
    badSamples: 0,
    windowsScored: 0,
    modelScores: 0,
    ruleScores: 0,
    imputedWindows: 0,
    fallbackModelUnavailable: 0,
    fallbackInputsBad: 0,
    fallbackDrift: 0,
    promptsRaised: 0,
    promptsUpdated: 0,
    promptsSuppressed: 0,
    shadowScores: 0,
    shadowRaised: 0,
    driftDetected: 0,
    retrainingRequested: 0,
    notOwned: 0,
    dataQualityHolds: 0,
  };
  const keepMs = (assetPath: string) =>
    Math.max(0, ...deps.useCases.filter((u) => inScope(u, assetPath)).map((u) => historyMs(u, deps.models.slotsFor(u.useCaseId, assetPath))));

  function addToWindow(batch: UnsSampleBatch): AssetState {
    let a = assets.get(batch.assetPath);
    if (a === undefined) assets.set(batch.assetPath, (a = { window: new AssetWindow(0), firstMs: Infinity, lastScored: new Map() }));
    a.window.lengthMs = keepMs(batch.assetPath);
    for (const s of batch.samples) {
      if (typeof s.value !== 'number') continue;
      const t = Date.parse(s.sourceTimestamp);
      const good = s.quality.severity === 'Good';
      if (!good) c.badSamples++;
      a.window.add(s.tag, t, s.value, good);
      if (t < a.firstMs) a.firstMs = t;
      c.samples++;
    }
    a.window.prune();
    return a;
  }

  function newestServerMs(batch: UnsSampleBatch): number {
    let newest = -Infinity;
    for (const s of batch.samples) {
      const t = Date.parse(s.serverTimestamp);
      if (t > newest) newest = t;
    }
    return newest;
  }

  async function observe(
    spec: UseCaseSpec,
    key: string,
    prod: LoadedModel,
    values: Float64Array,
    score: number,
    toMs: number,
    assetPath: string,
  ): Promise<void> {
    // per asset: assets with an open prompt or a labelled fault are left out of the drift comparison
    const evaluation: EvaluationResult | null = deps.monitor.observe(key, prod, values, score, toMs, assetPath);
    if (evaluation === null) return;
    const r = await deps.drift.record(spec, prod, evaluation);
    c.driftDetected += r.detected;
    c.retrainingRequested += r.retraining;
  }

  /** The production score, or null (and why the rules stand in). */
  async function scoreProduction(
    spec: UseCaseSpec,
    prod: LoadedModel | null,
    values: Float64Array,
    missing: number,
    dkey: string,
  ): Promise<{ score: number | null; why: Fallback | null }> {
    let why: Fallback | null = null;
    if (prod === null) why = 'model-unavailable';
    else if (missing > spec.maxImputedInputs || (missing > 0 && !prod.imputes)) why = 'inputs-bad';
    else if (deps.fallbackOnSevereDrift && deps.monitor.isSevere(dkey)) why = 'drift';
    // Under severe drift the model still scores (monitoring must see whether drift persists or
    // clears); only the prompts come from the declared limits.
    if ((why !== null && why !== 'drift') || prod === null) return { score: null, why };
    const started = performance.now();
    try {
      const score = (await prod.scorer.score(Float32Array.from(values), 1))[0]!;
      m.scoreDuration(performance.now() - started, spec.useCaseId, prod.registered.modelVersionId, 'production');
      if (!Number.isFinite(score)) throw new Error('non-finite score');
      return { score, why };
    } catch (error) {
      m.error('scoring_failed', spec.useCaseId);
      deps.log.warn({ err: error, useCase: spec.useCaseId }, 'scoring failed; rules stand in');
      return { score: null, why: 'model-unavailable' };
    }
  }

  async function scoreWindow(spec: UseCaseSpec, assetPath: string, a: AssetState, toMs: number, serverMs: number): Promise<void> {
    // The deployment serving this asset: a pilot-line model where one is promoted, else the use case's.
    const slots = deps.models.slotsFor(spec.useCaseId, assetPath);
    const dkey = slots.key;
    const prod = slots.production;
    // A faulty sensor is a data-quality notice, not a maintenance prompt: the asset's prompts (and
    // its drift rows) are held while the tags this use case reads look wrong.
    const tags = [...spec.ruleWindow.features, ...(prod?.window.features ?? [])].map((f) => f.tag);
    // bad readings anywhere in the window scored hold it: the gap they leave skews its statistics
    const span = windowSpanMs(prod === null ? spec.ruleWindow : prod.window);
    const issue = dataQualityIssue(a.window, tags, toMs, { ...DEFAULT_DATA_QUALITY_LIMITS, recentMs: Math.max(DEFAULT_DATA_QUALITY_LIMITS.recentMs, span) });
    if (issue !== null) {
      c.dataQualityHolds++;
      const held: ScoredWindow = {
        useCaseId: spec.useCaseId,
        assetPath,
        source: 'rules',
        score: null,
        alarm: false,
        fromMs: toMs,
        toMs,
        latencyMs: NaN,
        dataQuality: issue.words,
      };
      for (const l of listeners) l(held);
      return;
    }
    const agg = windowValues(a.window, prod === null ? spec.ruleWindow : prod.window, toMs, spec.staleMs);
    const scored = await scoreProduction(spec, prod, agg.values, agg.missing.length, dkey);
    const score = scored.score;
    let why = scored.why;
    c.windowsScored++;
    m.windowScored(spec.useCaseId);
    const modeNow: 'production' | 'suppressed' = isSuppressed(deps.projection.modes(), assetPath) ? 'suppressed' : 'production';

    let alarm: boolean,
      clear: boolean,
      core = '',
      likelihood: Likelihood = 'medium',
      failureCode = spec.failureMode;
    let explanation: { feature: string; contribution: number }[] = [];
    let evidence: { feature: string; value: number; unit: string }[] = [];
    const imputed = why === null ? agg.missing.map((x) => x.input) : [];
    let observed = false;
    if (why === 'drift' && prod !== null && score !== null) {
      observed = true;
      await observe(spec, dkey, prod, agg.values, score, toMs, assetPath);
      if (!deps.monitor.isSevere(dkey)) why = null; // drift cleared on this evaluation
    }
    if (why === null && prod !== null && score !== null) {
      c.modelScores++;
      if (agg.missing.length > 0) c.imputedWindows++;
      const j = judge(spec, score, prod.threshold, deps.track.clearRatio);
      alarm = j.alarm;
      clear = j.clear;
      likelihood = j.likelihood;
      if (!observed) await observe(spec, dkey, prod, agg.values, score, toMs, assetPath);
      if (alarm) {
        const explained = explainValues(prod, agg.values);
        core = modelWords(spec, {
          assetPath,
          phrases: evidencePhrases(explained, spec.evidence),
          likelihood,
          output: score,
          horizonMinutes: horizonMinutesOf(spec, prod.registered.horizonMinutes),
          failureWords: failureModeOf(spec).words,
        });
        const ranked = [...explained].sort((x, y) => Math.abs(y.contribution) - Math.abs(x.contribution));
        explanation = ranked.slice(0, 10).map((x) => ({ feature: x.feature, contribution: x.contribution }));
        evidence = ranked.slice(0, 20).map((x) => ({ feature: x.feature, value: x.value, unit: x.unit }));
      }
    } else {
      c.ruleScores++;
      if (why === 'model-unavailable') c.fallbackModelUnavailable++;
      else if (why === 'inputs-bad') c.fallbackInputsBad++;
      else c.fallbackDrift++;
      const ruleAgg = prod === null ? agg : windowValues(a.window, spec.ruleWindow, toMs, spec.staleMs);
      const values = new Map(spec.ruleWindow.features.map((f, j) => [f.name, ruleAgg.values[j]!] as const));
      const violations = ruleViolations(spec, values);
      alarm = violations.length > 0;
      clear = !alarm;
      if (alarm) {
        // A broken limit names its own failure mode (and so its action); the first one leads.
        failureCode = violations[0]!.rule.failureMode;
        core = rulePrompt({ assetPath, violations, why: why ?? 'model-unavailable' });
        evidence = violations.map((v) => ({ feature: v.rule.feature, value: v.value, unit: v.rule.unit }));
      }
    }
    const source = why === null ? 'model' : 'rules';
    const action = failureModeOf(spec, failureCode).action;
    const urgency = urgencyOf(action.deadlineMinutes);
    const priority = priorityOf(likelihood, spec.costModel, action.priorityHint);

    // Production prompt track. The words before the action are what a change is judged on; the
    // action sentence says the time left until the prompt's own deadline (fixed when raised).
    const key = `${spec.useCaseId}|${assetPath}`;
    const track = tracks.get(key) ?? initialTrack;
    const wallMs = deps.wallNow();
    const standingClosed = track.recommendationId !== null && deps.projection.isClosedAt(track.recommendationId, toMs);
    const obs = {
      atMs: toMs,
      wallMs,
      deadlineMinutes: action.deadlineMinutes,
      alarm,
      clear,
      message: `${core}|${action.actionId}|${action.text}`,
      priority,
      standingClosed,
      mode: modeNow,
      newRecommendationId: uuidv7(wallMs),
    };
    const d = decideTrack(track, obs, deps.track);
    tracks.set(key, evolveTrack(track, obs, d));
    if (d.kind === 'raise' || d.kind === 'update') {
      if (d.kind === 'raise') {
        c.promptsRaised++;
        m.recommendationRaised(spec.useCaseId, source, priority);
      } else c.promptsUpdated++;
      if (modeNow === 'suppressed') c.promptsSuppressed++;
      const message = `${core} ${actionText(action.text, assetPath, (d.actByMs - wallMs) / 60_000)}`;
      await raiseRecommendation(deps.kernel, deps.tracing, {
        useCaseId: spec.useCaseId,
        assetPath,
        recommendationId: d.recommendationId,
        update: d.kind === 'raise' ? 0 : d.update,
        expiresAtMs: d.expiresAtMs,
        data: {
          modelVersionId: why === null ? prod!.registered.modelVersionId : null,
          source,
          actionId: action.actionId,
          message: message.length > 280 ? `${message.slice(0, 279)}…` : message,
          urgency,
          priority,
          actBy: iso(d.actByMs),
          score: clamp(score ?? 1),
          threshold: clamp(why === null && prod ? prod.threshold : 1),
          explanation: explanation.slice(0, 10),
          evidence: evidence.slice(0, 20),
          imputed,
          featureWindow: { from: iso(agg.fromMs), to: iso(Math.max(agg.toMs, agg.fromMs + 1)) },
          mode: modeNow,
        },
      });
    }

    // Shadow candidate: scored beside production, recorded, never shown.
    if (slots.shadow !== null) {
      await deps.shadow.score(slots.shadow, {
        spec,
        assetPath,
        deployment: dkey,
        window: a.window,
        toMs,
        productionAlarm: why === null ? alarm : false,
        priority,
        urgency,
        action,
        production: {
          source,
          modelVersionId: why === null ? prod!.registered.modelVersionId : null,
          alarm,
          score: why === null ? score : null,
          raisedId: d.kind === 'raise' ? d.recommendationId : null,
          standingId: tracks.get(key)?.recommendationId ?? null,
        },
      });
    }

    const latencyMs = deps.wallNow() - serverMs;
    latencyRing[latencyCount++ % latencyRing.length] = latencyMs;
    // A source stamping in plant time that runs ahead of the wall clock (an accelerated simulator)
    // gives no latency to measure and is not recorded; sub-second skew between clocks counts as 0.
    if (Number.isFinite(latencyMs) && latencyMs > -1000) m.sampleToScore(Math.max(0, latencyMs), spec.useCaseId, source);
    const result: ScoredWindow = { useCaseId: spec.useCaseId, assetPath, source, score, alarm, fromMs: agg.fromMs, toMs, latencyMs, dataQuality: null };
    for (const l of listeners) l(result);
  }

  /** One developing fault stays one prompt across a takeover: the new owner adopts the standing one. */
  function adoptTracks(spec: UseCaseSpec, assetPath: string): void {
    const shadowId = deps.models.slotsFor(spec.useCaseId, assetPath).shadow?.registered.modelVersionId ?? null;
    let production: RecommendationView | undefined, shadow: RecommendationView | undefined;
    // newest first
    for (const v of deps.projection.list({ assetPath, includeUnshown: true, max: Infinity }, deps.wallNow())) {
      if (v.state.context.useCaseId !== spec.useCaseId) continue;
      if (v.state.mode !== 'shadow') production ??= v;
      else if (v.state.context.modelVersionId === shadowId) shadow ??= v;
    }
    if (production !== undefined) tracks.set(`${spec.useCaseId}|${assetPath}`, standingTrack(production.state, false));
    if (shadow !== undefined && shadowId !== null) deps.shadow.adopt(spec.useCaseId, assetPath, shadowId, shadow);
  }

  async function ingestOwned(batch: UnsSampleBatch): Promise<void> {
    const specs = deps.useCases.filter((u) => inScope(u, batch.assetPath));
    if (specs.length === 0) return;
    const a = addToWindow(batch);
    const toMs = a.window.newestMs;
    const serverMs = newestServerMs(batch);
    for (const spec of specs) {
      // Only full windows: training rows are full windows, a partial one would skew slopes and means.
      const prod = deps.models.slotsFor(spec.useCaseId, batch.assetPath).production;
      if (toMs - a.firstMs < windowSpanMs(prod === null ? spec.ruleWindow : prod.window)) continue;
      const last = a.lastScored.get(spec.useCaseId) ?? -Infinity;
      if (toMs - last < spec.scoreEveryMs) continue;
      a.lastScored.set(spec.useCaseId, toMs);
      await deps.tracing.active('score window', () => scoreWindow(spec, batch.assetPath, a, toMs, serverMs));
    }
  }

  return {
    async ingest(batch) {
      c.batches++;
      if (!deps.owns(batch.assetPath)) {
        c.notOwned++;
        return;
      }
      const waiting = takingOver.get(batch.assetPath);
      if (waiting !== undefined) waiting.push(batch);
      else await ingestOwned(batch);
    },
    warm(batch) {
      addToWindow(batch);
    },
    beginTakeover(assetPath) {
      assets.delete(assetPath);
      if (!takingOver.has(assetPath)) takingOver.set(assetPath, []);
    },
    async endTakeover(assetPath) {
      const waiting = takingOver.get(assetPath);
      if (waiting === undefined) return;
      for (const spec of deps.useCases) if (inScope(spec, assetPath)) adoptTracks(spec, assetPath);
      // Batches arriving meanwhile keep queuing behind these, so the live order holds.
      while (waiting.length > 0) {
        const batch = waiting.shift()!;
        if (deps.owns(batch.assetPath)) await ingestOwned(batch);
      }
      takingOver.delete(assetPath);
    },
    dropAsset(assetPath) {
      assets.delete(assetPath);
      takingOver.delete(assetPath);
      const suffix = `|${assetPath}`;
      for (const key of tracks.keys()) if (key.endsWith(suffix)) tracks.delete(key);
      deps.shadow.drop(assetPath);
    },
    onScored(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    counters: () => ({ ...c, ...deps.shadow.counters() }),
    latencies: () => latencyRing.slice(0, Math.min(latencyCount, latencyRing.length)),
    trackOf: (useCaseId, assetPath) => tracks.get(`${useCaseId}|${assetPath}`) ?? initialTrack,
  };
}
