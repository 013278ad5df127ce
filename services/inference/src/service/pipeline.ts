// Live scoring: UNS batches → per-asset windows → model inputs (the model's own window spec through
// @industrial/ml computeWindowFeatures, as in training; the feature module inside the model) → ONNX score (production and shadow) → prompt decisions
// (hysteresis, de-duplication, manual mode, rule-based fallback) → events. Only assets this
// replica owns are processed; a replica taking an asset over rebuilds its window first.
import type { UnsSampleBatch } from '@industrial/contracts';
import type { EventStore } from '@industrial/eventstore';
import { explain } from '@industrial/ml';
import { importantSpanOptions, trace, type Tracer } from '@industrial/telemetry/api';
import { appendEvent, SERVICE_ACTOR, uuidFromKey, uuidv7 } from '../adapters/eventstore/append.ts';
import { isSuppressed } from '../domain/mode.ts';
import { consequenceOf, priorityOf, urgencyOf } from '../domain/priority.ts';
import { decideTrack, evolveTrack, initialTrack, type TrackConfig, type TrackState } from '../domain/prompt-track.ts';
import { inScope, ruleViolations, type UseCaseSpec } from '../domain/usecase.ts';
import { AssetWindow, windowSpanMs, windowValues, type WindowValues } from '../domain/window.ts';
import { actionText, evidencePhrases, likelihoodWords, modelPrompt, rulePrompt } from '../domain/wording.ts';
import type { ModelHost, LoadedModel, Slots } from './models.ts';
import { createInferenceMetrics, type InferenceMetrics } from './metrics.ts';
import type { EvaluationResult, Monitor } from './monitor.ts';
import type { ActionCatalogue, CostModel } from './ports.ts';
import type { Projection, RecommendationView } from './projection.ts';

export interface PipelineDeps {
  store: EventStore;
  useCases: readonly UseCaseSpec[];
  models: ModelHost;
  monitor: Monitor;
  projection: Projection;
  actions: ActionCatalogue;
  costs: CostModel;
  track: TrackConfig;
  /** Severe drift switches the use case to the rules (default true). */
  fallbackOnSevereDrift: boolean;
  owns: (assetPath: string) => boolean;
  tracer: Tracer;
  /** OpenTelemetry instruments; defaults to the global meter (a no-op without the SDK). */
  metrics?: InferenceMetrics;
  wallNow: () => number;
  log: { warn(o: object, m: string): void; error(o: object, m: string): void };
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

const iso = (ms: number) => new Date(ms).toISOString();

/** History an asset needs for a use case: its own, the rules' window and the serving models' windows. */
export function historyMs(spec: UseCaseSpec, slots: Slots): number {
  const spans = [spec.windowMs, windowSpanMs(spec.ruleWindow)];
  for (const m of [slots.production, slots.shadow]) if (m !== null) spans.push(windowSpanMs(m.window) + m.window.gridMinutes * 60_000);
  return Math.max(...spans);
}

/** Evidence entries of an explanation: value in the model's unit, what it is computed from, its normal. */
function explainedOf(model: LoadedModel, contributions: readonly { feature: string; value: number; contribution: number }[]) {
  return contributions.map((x) => {
    const info = model.featureInfo.get(x.feature);
    return { feature: x.feature, value: x.value, contribution: x.contribution, source: info?.source ?? null, normal: info?.normal ?? NaN, unit: info?.unit ?? '' };
  });
}

/** The track of a prompt another replica raised and left standing (shadow records track as 'shadow'). */
function standingTrack(v: RecommendationView, shadow: boolean): TrackState {
  const raised = v.state.raised;
  return {
    phase: 'active', above: 0, below: 0, recommendationId: v.state.recommendationId, update: Number(raised.update ?? 0),
    message: shadow ? 'shadow' : String(raised.message ?? ''), priority: String(raised.priority ?? ''),
    expiresAtMs: v.state.expiresAtMs, mode: v.state.mode === 'suppressed' ? 'suppressed' : 'production',
  };
}

export function createPipeline(deps: PipelineDeps): Pipeline {
  const assets = new Map<string, AssetState>();
  const tracks = new Map<string, TrackState>();
  const shadowTracks = new Map<string, TrackState>();
  /** Assets being taken over → their live batches waiting for the replay. */
  const takingOver = new Map<string, UnsSampleBatch[]>();
  const listeners = new Set<(s: ScoredWindow) => void>();
  const m = deps.metrics ?? createInferenceMetrics();
  const latencyRing = new Float64Array(10_000);
  let latencyCount = 0;
  const c: PipelineCounters = {
    batches: 0, samples: 0, badSamples: 0, windowsScored: 0, modelScores: 0, ruleScores: 0, imputedWindows: 0,
    fallbackModelUnavailable: 0, fallbackInputsBad: 0, fallbackDrift: 0, promptsRaised: 0, promptsUpdated: 0,
    promptsSuppressed: 0, shadowScores: 0, shadowRaised: 0, driftDetected: 0, retrainingRequested: 0, notOwned: 0,
  };
  const keepMs = (assetPath: string) => Math.max(0, ...deps.useCases.filter((u) => inScope(u, assetPath)).map((u) => historyMs(u, deps.models.slotsFor(u.useCaseId, assetPath))));

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

  async function emitRaised(
    spec: UseCaseSpec, assetPath: string, recommendationId: string, update: number, expiresAtMs: number, data: {
      source: 'model' | 'rules'; model: LoadedModel | null; message: string; urgency: string; priority: string; actBy: number; score: number; threshold: number;
      explanation: { feature: string; contribution: number }[]; evidence: { feature: string; value: number; unit: string }[]; imputed: string[];
      agg: WindowValues; mode: 'production' | 'shadow' | 'suppressed'; actionId: string;
    },
  ): Promise<void> {
    const span = deps.tracer.startSpan(data.mode === 'shadow' ? 'record shadow recommendation' : 'raise recommendation', importantSpanOptions({
      attributes: { 'inference.use_case': spec.useCaseId, 'inference.asset': assetPath, 'inference.source': data.source, 'inference.mode': data.mode },
    }));
    try {
      const sc = span.spanContext();
      const traceId = /^[0-9a-f]{32}$/.test(sc.traceId) && sc.traceId !== '0'.repeat(32) ? sc.traceId : null;
      const traceparent = traceId === null ? null : `00-${sc.traceId}-${sc.spanId}-0${sc.traceFlags & 1}`;
      const clamp = (x: number) => Math.min(1, Math.max(0, Number.isFinite(x) ? x : 0));
      await appendEvent(deps.store, 'RecommendationRaised', recommendationId, {
        recommendationId,
        useCaseId: spec.useCaseId,
        modelVersionId: data.model?.registered.modelVersionId ?? null,
        source: data.source,
        assetPath,
        actionId: data.actionId,
        message: data.message.length > 280 ? `${data.message.slice(0, 279)}…` : data.message,
        urgency: data.urgency,
        priority: data.priority,
        actBy: iso(data.actBy),
        score: clamp(data.score),
        threshold: clamp(data.threshold),
        explanation: data.explanation.slice(0, 10),
        evidence: data.evidence.slice(0, 20),
        imputed: data.imputed,
        featureWindow: { from: iso(data.agg.fromMs), to: iso(Math.max(data.agg.toMs, data.agg.fromMs + 1)) },
        mode: data.mode,
        update,
        traceId,
        expiresAt: iso(expiresAtMs),
      }, SERVICE_ACTOR(recommendationId, traceparent), { id: uuidFromKey(`raised|${recommendationId}|${update}`) });
    } finally {
      span.end();
    }
  }

  const lastCriticalDrift = new Map<string, string>();

  async function emitDrift(spec: UseCaseSpec, model: LoadedModel, ev: EvaluationResult): Promise<void> {
    const versionId = model.registered.modelVersionId;
    const window = { from: iso(ev.windowFromMs), to: iso(Math.max(ev.windowToMs, ev.windowFromMs + 1)) };
    for (const f of ev.newFindings) {
      const driftId = uuidv7(deps.wallNow());
      if (f.severity === 'critical') lastCriticalDrift.set(spec.useCaseId, driftId);
      c.driftDetected++;
      await appendEvent(deps.store, 'DriftDetected', versionId, {
        driftId, useCaseId: spec.useCaseId, modelVersionId: versionId, kind: f.kind, feature: f.feature, statistic: f.statistic,
        value: f.value, threshold: f.threshold, window, severity: f.severity,
      }, SERVICE_ACTOR(driftId));
    }
    if (ev.requestRetraining) {
      const driftId = lastCriticalDrift.get(spec.useCaseId) ?? null;
      const drifted = ev.report.features.filter((f) => f.band === 'major').map((f) => `${f.feature} (PSI ${f.psi.toFixed(2)})`);
      const requestId = uuidv7(deps.wallNow());
      c.retrainingRequested++;
      await appendEvent(deps.store, 'RetrainingRequested', spec.useCaseId, {
        requestId, useCaseId: spec.useCaseId, modelVersionId: versionId, trigger: driftId === null ? 'manual' : 'drift', driftId,
        reason: `Input drift persisted over consecutive evaluations: ${drifted.join(', ') || 'several inputs'}. Humans decide whether to retrain; nothing is promoted automatically.`.slice(0, 1000),
      }, SERVICE_ACTOR(requestId));
    }
  }

  async function scoreWindow(spec: UseCaseSpec, assetPath: string, a: AssetState, toMs: number, serverMs: number): Promise<void> {
    // The deployment serving this asset: a pilot-line model where one is promoted, else the use case's.
    const slots = deps.models.slotsFor(spec.useCaseId, assetPath);
    const dkey = slots.key;
    const prod = slots.production;
    const agg = windowValues(a.window, prod === null ? spec.ruleWindow : prod.window, toMs, spec.staleMs);
    let why: 'model-unavailable' | 'inputs-bad' | 'drift' | null = null;
    if (prod === null) why = 'model-unavailable';
    else if (agg.missing.length > spec.maxImputedInputs || (agg.missing.length > 0 && prod.model.pipeline.imputer.strategy === 'none')) why = 'inputs-bad';
    else if (deps.fallbackOnSevereDrift && deps.monitor.isSevere(dkey)) why = 'drift';

    let score: number | null = null;
    // Under severe drift the model still scores (monitoring must see whether drift persists or
    // clears); only the prompts come from the declared limits.
    if ((why === null || why === 'drift') && prod !== null) {
      const started = performance.now();
      try {
        score = (await prod.scorer.score(Float32Array.from(agg.values), 1))[0]!;
        m.scoreDuration(performance.now() - started, spec.useCaseId, prod.registered.modelVersionId, 'production');
        if (!Number.isFinite(score)) throw new Error('non-finite score');
      } catch (error) {
        m.error('scoring_failed', spec.useCaseId);
        deps.log.warn({ err: error, useCase: spec.useCaseId }, 'scoring failed; rules stand in');
        why = 'model-unavailable';
        score = null;
      }
    }
    c.windowsScored++;
    m.windowScored(spec.useCaseId);
    const action = deps.actions.actionFor(spec.useCaseId, spec.assetKind, spec.failureMode);
    if (action === undefined) {
      m.error('no_action', spec.useCaseId);
      deps.log.error({ useCase: spec.useCaseId }, 'no catalogued action for the use case; no prompt can be raised');
      return;
    }
    const cost = deps.costs.costOf(spec.useCaseId);
    const urgency = urgencyOf(action.maxResponseMinutes);
    const priority = priorityOf(urgency, consequenceOf(cost?.missedFailure ?? 0));
    const actionSentence = actionText(action.label, assetPath, action.maxResponseMinutes);
    const modeNow: 'production' | 'suppressed' = isSuppressed(deps.projection.modes(), assetPath) ? 'suppressed' : 'production';

    let alarm: boolean, clear: boolean, message = '';
    let explanation: { feature: string; contribution: number }[] = [];
    let evidence: { feature: string; value: number; unit: string }[] = [];
    const imputed = why === null ? agg.missing.map((m) => m.input) : [];
    let observed = false;
    if (why === 'drift' && prod !== null && score !== null) {
      observed = true;
      const evaluation = deps.monitor.observe(dkey, prod, agg.values, score, toMs);
      if (evaluation !== null) await emitDrift(spec, prod, evaluation);
      if (!deps.monitor.isSevere(dkey)) why = null; // drift cleared on this evaluation
    }
    if (why === null && prod !== null && score !== null) {
      c.modelScores++;
      if (agg.missing.length > 0) c.imputedWindows++;
      const threshold = prod.threshold;
      alarm = score >= threshold;
      clear = score < threshold * deps.track.clearRatio;
      if (!observed) {
        const evaluation = deps.monitor.observe(dkey, prod, agg.values, score, toMs);
        if (evaluation !== null) await emitDrift(spec, prod, evaluation);
      }
      if (alarm) {
        const row: Record<string, number | null> = {};
        prod.inputs.forEach((name, j) => (row[name] = Number.isFinite(agg.values[j]!) ? agg.values[j]! : null));
        const ex = explain(prod.model, row);
        const explained = explainedOf(prod, ex.contributions);
        const phrases = evidencePhrases(explained, spec.evidence);
        message = modelPrompt({ assetPath, phrases, likelihood: likelihoodWords(score, threshold), failureWords: 'failure', horizonHours: spec.horizonHours, action: actionSentence });
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
        message = rulePrompt({ assetPath, violations, why: why ?? 'model-unavailable', action: actionSentence });
        evidence = violations.map((v) => ({ feature: v.rule.feature, value: v.value, unit: v.rule.unit }));
      }
    }

    // Production prompt track.
    const key = `${spec.useCaseId}|${assetPath}`;
    const track = tracks.get(key) ?? initialTrack;
    const standingClosed = track.recommendationId !== null && deps.projection.isClosedAt(track.recommendationId, toMs);
    const obs = { atMs: toMs, alarm, clear, message, priority, standingClosed, mode: modeNow, newRecommendationId: uuidv7(deps.wallNow()) };
    const d = decideTrack(track, obs, deps.track);
    tracks.set(key, evolveTrack(track, obs, d));
    if (d.kind === 'raise' || d.kind === 'update') {
      const update = d.kind === 'raise' ? 0 : d.update;
      if (d.kind === 'raise') {
        c.promptsRaised++;
        m.recommendationRaised(spec.useCaseId, why === null ? 'model' : 'rules', priority);
      } else c.promptsUpdated++;
      if (modeNow === 'suppressed') c.promptsSuppressed++;
      await emitRaised(spec, assetPath, d.recommendationId, update, d.expiresAtMs, {
        source: why === null ? 'model' : 'rules', model: why === null ? prod : null, message, urgency, priority,
        actBy: toMs + action.maxResponseMinutes * 60_000, score: score ?? 1, threshold: why === null && prod ? prod.threshold : 1,
        explanation, evidence, imputed, agg, mode: modeNow, actionId: action.actionId,
      });
    }

    // Shadow candidate: scored beside production, recorded, never shown.
    const cand = slots.shadow;
    if (cand !== null) {
      const cagg = windowValues(a.window, cand.window, toMs, spec.staleMs);
      if (cagg.missing.length <= spec.maxImputedInputs) {
        try {
          const started = performance.now();
          const cs = (await cand.scorer.score(Float32Array.from(cagg.values), 1))[0]!;
          m.scoreDuration(performance.now() - started, spec.useCaseId, cand.registered.modelVersionId, 'shadow');
          c.shadowScores++;
          const calarm = cs >= cand.threshold;
          deps.monitor.observeShadow(dkey, cand.registered.modelVersionId, why === null ? alarm : false, calarm);
          const skey = `${key}|${cand.registered.modelVersionId}`;
          const st = shadowTracks.get(skey) ?? initialTrack;
          const sobs = { atMs: toMs, alarm: calarm, clear: cs < cand.threshold * deps.track.clearRatio, message: 'shadow', priority, standingClosed: false, mode: 'production' as const, newRecommendationId: uuidv7(deps.wallNow()) };
          const sd = decideTrack(st, sobs, deps.track);
          shadowTracks.set(skey, evolveTrack(st, sobs, sd));
          if (sd.kind === 'raise') {
            c.shadowRaised++;
            deps.monitor.shadowRaised(spec.useCaseId, cand.registered.modelVersionId, assetPath);
            const row: Record<string, number | null> = {};
            cand.inputs.forEach((name, j) => (row[name] = Number.isFinite(cagg.values[j]!) ? cagg.values[j]! : null));
            const ex = explain(cand.model, row);
            const explained = explainedOf(cand, ex.contributions);
            const smsg = modelPrompt({ assetPath, phrases: evidencePhrases(explained, spec.evidence), likelihood: likelihoodWords(cs, cand.threshold), failureWords: 'failure', horizonHours: spec.horizonHours, action: actionSentence });
            await emitRaised(spec, assetPath, sd.recommendationId, 0, sd.expiresAtMs, {
              source: 'model', model: cand, message: smsg, urgency, priority, actBy: toMs + action.maxResponseMinutes * 60_000, score: cs, threshold: cand.threshold,
              explanation: [...explained].sort((x, y) => Math.abs(y.contribution) - Math.abs(x.contribution)).slice(0, 10).map((x) => ({ feature: x.feature, contribution: x.contribution })),
              evidence: [], imputed: cagg.missing.map((m) => m.input), agg: cagg, mode: 'shadow', actionId: action.actionId,
            });
          }
        } catch (error) {
          m.error('shadow_scoring_failed', spec.useCaseId);
          deps.log.warn({ err: error }, 'shadow scoring failed');
        }
      }
    }

    const latencyMs = deps.wallNow() - serverMs;
    latencyRing[latencyCount++ % latencyRing.length] = latencyMs;
    // A source stamping in plant time that runs ahead of the wall clock (an accelerated simulator)
    // gives no latency to measure and is not recorded; sub-second skew between clocks counts as 0.
    if (Number.isFinite(latencyMs) && latencyMs > -1000) m.sampleToScore(Math.max(0, latencyMs), spec.useCaseId, why === null ? 'model' : 'rules');
    const scored: ScoredWindow = { useCaseId: spec.useCaseId, assetPath, source: why === null ? 'model' : 'rules', score, alarm, fromMs: agg.fromMs, toMs, latencyMs };
    for (const l of listeners) l(scored);
  }

  /** One developing fault stays one prompt across a takeover: the new owner adopts the standing one. */
  function adoptTracks(spec: UseCaseSpec, assetPath: string): void {
    const key = `${spec.useCaseId}|${assetPath}`;
    const shadowId = deps.models.slotsFor(spec.useCaseId, assetPath).shadow?.registered.modelVersionId ?? null;
    let production: RecommendationView | undefined, shadow: RecommendationView | undefined;
    // newest first
    for (const v of deps.projection.list({ assetPath, includeUnshown: true, max: Infinity }, deps.wallNow())) {
      if (v.state.context.useCaseId !== spec.useCaseId) continue;
      if (v.state.mode !== 'shadow') production ??= v;
      else if (v.state.context.modelVersionId === shadowId) shadow ??= v;
    }
    if (production !== undefined) tracks.set(key, standingTrack(production, false));
    if (shadow !== undefined) shadowTracks.set(`${key}|${shadowId}`, standingTrack(shadow, true));
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
      await trace.getTracer('inference').startActiveSpan('score window', async (span) => {
        try {
          await scoreWindow(spec, batch.assetPath, a, toMs, serverMs);
        } finally {
          span.end();
        }
      });
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
      for (const key of shadowTracks.keys()) if (key.includes(`${suffix}|`)) shadowTracks.delete(key);
    },
    onScored(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    counters: () => ({ ...c }),
    latencies: () => latencyRing.slice(0, Math.min(latencyCount, latencyRing.length)),
    trackOf: (useCaseId, assetPath) => tracks.get(`${useCaseId}|${assetPath}`) ?? initialTrack,
  };
}
