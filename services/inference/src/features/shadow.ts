// Use case "shadow a candidate": the deployment's shadow model scores the same window as
// production, its agreement is counted by the monitor, and the prompts it would have raised are
// recorded as RecommendationRaised{mode: shadow} — never shown, never in the operator feed. So
// that people (and governance's required shadow period) can judge it, the comparison is recorded
// in `serving-<useCaseId>` (shadow-evidence.ts): each window where either side raised a prompt,
// and running counts of the windows both scored.
import { uuidv7 } from '@industrial/contracts/ids';
import type { Kernel } from '@industrial/kernel';
import { decideTrack, evolveTrack, initialTrack, standingTrack, type TrackConfig, type TrackState } from '../domain/prompt-track.ts';
import { horizonMinutesOf, judge, modelWords } from '../domain/judgement.ts';
import { failureModeOf, type ServingAction, type UseCaseSpec } from '../domain/usecase.ts';
import { windowValues, type AssetWindow } from '../domain/window.ts';
import { actionText, evidencePhrases } from '../domain/wording.ts';
import type { Monitor } from './monitoring.ts';
import type { InferenceMetrics, LoadedModel, Log, RecommendationView, Tracing } from './ports.ts';
import { raiseRecommendation } from './prompting.ts';
import { createShadowEvidence, type ProductionVerdict } from './shadow-evidence.ts';

/** Evidence entries of an explanation: value in the model's unit, what it is computed from, its normal. */
export function explainedOf(model: LoadedModel, contributions: readonly { feature: string; value: number; contribution: number }[]) {
  return contributions.map((x) => {
    const info = model.featureInfo.get(x.feature);
    return {
      feature: x.feature,
      value: x.value,
      contribution: x.contribution,
      source: info?.source ?? null,
      normal: info?.normal ?? NaN,
      unit: info?.unit ?? '',
    };
  });
}

/** A model's explanation of a window's values (inputs in ONNX order; non-finite = missing). */
export function explainValues(model: LoadedModel, values: ArrayLike<number>) {
  const row: Record<string, number | null> = {};
  model.inputs.forEach((name, j) => (row[name] = Number.isFinite(values[j]!) ? values[j]! : null));
  return explainedOf(model, model.explain(row).contributions);
}

/** What the production scoring of the same window knows when the candidate runs. */
export interface ShadowContext {
  readonly spec: UseCaseSpec;
  readonly assetPath: string;
  /** The deployment key (monitor's key). */
  readonly deployment: string;
  readonly window: AssetWindow;
  readonly toMs: number;
  /** Production's alarm when the model decided it; false when the rules stood in. */
  readonly productionAlarm: boolean;
  readonly priority: string;
  readonly urgency: 'info' | 'soon' | 'now';
  /** The action a prompt of this window asks for (the use case's, as data). */
  readonly action: ServingAction;
  /** What production served on the window (model or rules), for the recorded comparison; absent: not recorded. */
  readonly production?: ProductionVerdict;
}

export interface ShadowScoring {
  score(candidate: LoadedModel, ctx: ShadowContext): Promise<void>;
  /** Carries on a standing shadow record of `candidateVersionId` (a takeover). */
  adopt(useCaseId: string, assetPath: string, candidateVersionId: string, view: RecommendationView): void;
  /** The asset moved to another replica. */
  drop(assetPath: string): void;
  counters(): { shadowScores: number; shadowRaised: number };
  /** Records the windows counted but not yet recorded (on stop). */
  flush(): Promise<void>;
}

export interface ShadowDeps {
  kernel: Kernel;
  monitor: Monitor;
  track: TrackConfig;
  tracing: Tracing;
  metrics: InferenceMetrics;
  wallNow: () => number;
  log: Log;
  /** Windows per ShadowWindowsCompared batch (default 50). */
  windowsPerBatch?: number;
}

export function createShadowScoring(deps: ShadowDeps): ShadowScoring {
  const tracks = new Map<string, TrackState>();
  const evidence = createShadowEvidence({ kernel: deps.kernel, wallNow: deps.wallNow, windowsPerBatch: deps.windowsPerBatch ?? 50 });
  let shadowScores = 0,
    shadowRaised = 0;
  return {
    async score(cand, ctx) {
      const { spec, assetPath } = ctx;
      const cagg = windowValues(ctx.window, cand.window, ctx.toMs, spec.staleMs);
      if (cagg.missing.length > spec.maxImputedInputs) return;
      try {
        const started = performance.now();
        const cs = (await cand.scorer.score(Float32Array.from(cagg.values), 1))[0]!;
        const versionId = cand.registered.modelVersionId;
        deps.metrics.scoreDuration(performance.now() - started, spec.useCaseId, versionId, 'shadow');
        shadowScores++;
        const j = judge(spec, cs, cand.threshold, deps.track.clearRatio);
        const calarm = j.alarm;
        deps.monitor.observeShadow(ctx.deployment, versionId, ctx.productionAlarm, calarm);
        const key = `${spec.useCaseId}|${assetPath}|${versionId}`;
        const st = tracks.get(key) ?? initialTrack;
        const wallMs = deps.wallNow();
        const obs = {
          atMs: ctx.toMs,
          wallMs,
          deadlineMinutes: ctx.action.deadlineMinutes,
          alarm: calarm,
          clear: j.clear,
          message: 'shadow',
          priority: ctx.priority,
          standingClosed: false,
          mode: 'production' as const,
          newRecommendationId: uuidv7(wallMs),
        };
        const d = decideTrack(st, obs, deps.track);
        tracks.set(key, evolveTrack(st, obs, d));
        const production = ctx.production;
        // The comparison is recorded after the shadow record it may name; its failure costs no prompt.
        const compare = async () => {
          if (production === undefined) return;
          try {
            await evidence.record({
              useCaseId: spec.useCaseId,
              deployment: ctx.deployment,
              assetPath,
              candidateVersionId: versionId,
              atMs: ctx.toMs,
              production,
              candidate: { alarm: calarm, score: cs, raisedId: d.kind === 'raise' ? d.recommendationId : null },
            });
          } catch (error) {
            deps.metrics.error('shadow_scoring_failed', spec.useCaseId);
            deps.log.warn({ err: error }, 'shadow comparison not recorded');
          }
        };
        if (d.kind !== 'raise') return await compare();
        shadowRaised++;
        deps.monitor.shadowRaised(ctx.deployment, versionId, assetPath);
        const explained = explainValues(cand, cagg.values);
        const words = modelWords(spec, {
          assetPath,
          phrases: evidencePhrases(explained, spec.evidence),
          likelihood: j.likelihood,
          output: cs,
          horizonMinutes: horizonMinutesOf(spec, cand.registered.horizonMinutes),
          failureWords: failureModeOf(spec).words,
        });
        const message = `${words} ${actionText(ctx.action.text, assetPath, ctx.action.deadlineMinutes)}`;
        const clamp = (x: number) => Math.min(1, Math.max(0, Number.isFinite(x) ? x : 0));
        await raiseRecommendation(deps.kernel, deps.tracing, {
          useCaseId: spec.useCaseId,
          assetPath,
          recommendationId: d.recommendationId,
          update: 0,
          expiresAtMs: d.expiresAtMs,
          data: {
            modelVersionId: versionId,
            source: 'model',
            actionId: ctx.action.actionId,
            message: message.length > 280 ? `${message.slice(0, 279)}…` : message,
            urgency: ctx.urgency,
            priority: ctx.priority as never,
            actBy: new Date(d.actByMs).toISOString(),
            score: clamp(cs),
            threshold: clamp(cand.threshold),
            explanation: [...explained]
              .sort((x, y) => Math.abs(y.contribution) - Math.abs(x.contribution))
              .slice(0, 10)
              .map((x) => ({ feature: x.feature, contribution: x.contribution })),
            evidence: [],
            imputed: cagg.missing.map((m) => m.input),
            featureWindow: { from: new Date(cagg.fromMs).toISOString(), to: new Date(Math.max(cagg.toMs, cagg.fromMs + 1)).toISOString() },
            mode: 'shadow',
          },
        });
        await compare();
      } catch (error) {
        deps.metrics.error('shadow_scoring_failed', spec.useCaseId);
        deps.log.warn({ err: error }, 'shadow scoring failed');
      }
    },
    adopt(useCaseId, assetPath, candidateVersionId, view) {
      tracks.set(`${useCaseId}|${assetPath}|${candidateVersionId}`, standingTrack(view.state, true));
    },
    drop(assetPath) {
      const part = `|${assetPath}|`;
      for (const key of tracks.keys()) if (key.includes(part)) tracks.delete(key);
    },
    counters: () => ({ shadowScores, shadowRaised }),
    flush: () => evidence.flush(),
  };
}
