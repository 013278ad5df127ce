// Inference events (owner: inference): recommendations and operator decisions in `recommendation-<id>`,
// asset modes and problem reports in `asset-<uns path>`, drift in `drift-<model>`.
import { z } from 'zod';
import { Service, StreamFamily, defineContract } from '../contract.ts';
import { IsoDateTime, Money, Ratio, Sha256Hex, TimeRange, UnsAssetPath, UnsScope, UnsToken, Uuid, text } from '../primitives.ts';

/** Features that pushed the score most (margin space), for "why am I seeing this". */
const Explanation = z.array(z.strictObject({ feature: UnsToken, contribution: z.number() })).max(10);

/** W3C trace id (32 lowercase hex) of the scoring that raised the prompt: one trace from sample to tap. */
const TraceId = z.string().regex(/^[0-9a-f]{32}$/, 'must be a W3C trace id (32 lowercase hex digits)');

/**
 * What every lifecycle event of a recommendation carries, so a decision can be traced to the model
 * version (null = the declared rule-based limits), the input window, the explanation and the trace
 * without joining back to the RecommendationRaised event.
 */
export const RecommendationContext = z.strictObject({
  useCaseId: Uuid,
  assetPath: UnsAssetPath,
  modelVersionId: Uuid.nullable(),
  source: z.enum(['model', 'rules']),
  featureWindow: TimeRange,
  explanation: Explanation,
  traceId: TraceId.nullable(),
});

/** An asset path (5 tokens) or a line path `enterprise.site.area.line` (4 tokens). */
const UnsAssetOrLinePath = z
  .string()
  .max(330)
  .regex(/^[a-z0-9_-]+(\.[a-z0-9_-]+){3,4}$/, 'must be a line path "enterprise.site.area.line" or an asset path "enterprise.site.area.line.asset"');

export const recommendationRaised = defineContract({
  service: Service.Inference,
  streamFamily: StreamFamily.Recommendation,
  description: 'A model score crossed its threshold and an operator was prompted to take an action.',
  versions: [
    z.strictObject({
      recommendationId: Uuid,
      useCaseId: Uuid,
      /** null: raised by the declared rule-based limits (model unavailable, inputs bad, drift severe). */
      modelVersionId: Uuid.nullable(),
      /** model: scored by `modelVersionId`; rules: the fallback limits (the message says so). */
      source: z.enum(['model', 'rules']),
      assetPath: UnsAssetPath,
      actionId: Uuid,
      /** What the operator reads, in plain words ("Nozzle 3 likely clogging within 2 h: clean it"). */
      message: text(280),
      urgency: z.enum(['info', 'soon', 'now']),
      /** urgency × consequence (ISA-18.2 style), from the cost model. */
      priority: z.enum(['low', 'medium', 'high', 'critical']),
      /** When the recommended action should be done by. */
      actBy: IsoDateTime,
      score: Ratio,
      threshold: Ratio,
      /** Features that pushed the score most, for "why am I seeing this". */
      explanation: Explanation,
      /** The numbers behind the message (kept in the record, never in the operator text). */
      evidence: z.array(z.strictObject({ feature: UnsToken, value: z.number(), unit: z.string().max(20) })).max(20),
      /** Inputs that were missing or Bad/stale in the window and imputed as the model card says. */
      imputed: z.array(UnsToken).max(50),
      featureWindow: TimeRange,
      /** shadow: logged for comparison, never shown; suppressed: the asset or line is in manual mode. */
      mode: z.enum(['production', 'shadow', 'suppressed']),
      /** 0 when first raised; n for the n-th update in place of the same developing fault. */
      update: z.int().min(0),
      traceId: TraceId.nullable(),
      expiresAt: IsoDateTime,
    }),
  ],
  upcasters: [],
});

export const recommendationAcknowledged = defineContract({
  service: Service.Inference,
  streamFamily: StreamFamily.Recommendation,
  description: 'An operator saw and acknowledged a recommendation.',
  versions: [z.strictObject({ recommendationId: Uuid, acknowledgedAt: IsoDateTime, context: RecommendationContext })],
  upcasters: [],
});

export const recommendationAccepted = defineContract({
  service: Service.Inference,
  streamFamily: StreamFamily.Recommendation,
  description: 'An operator did the recommended action.',
  versions: [z.strictObject({ recommendationId: Uuid, actionId: Uuid, doneAt: IsoDateTime, note: text(1000).optional(), context: RecommendationContext })],
  upcasters: [],
});

export const RejectionReason = z.enum(['false-alarm', 'already-handled', 'not-safe-now', 'no-capacity', 'other']);

export const recommendationRejected = defineContract({
  service: Service.Inference,
  streamFamily: StreamFamily.Recommendation,
  description: 'An operator declined a recommendation, with a reason.',
  versions: [
    z
      .strictObject({ recommendationId: Uuid, reason: RejectionReason, note: text(1000).optional(), rejectedAt: IsoDateTime, context: RecommendationContext })
      .refine((r) => r.reason !== 'other' || r.note !== undefined, { message: 'is required when the reason is "other"', path: ['note'] }),
  ],
  upcasters: [],
});

export const recommendationOverridden = defineContract({
  service: Service.Inference,
  streamFamily: StreamFamily.Recommendation,
  description: 'An operator took a different action than the one recommended.',
  versions: [
    z.strictObject({
      recommendationId: Uuid,
      /** Catalogued action taken instead, or null with `actionTaken` describing it. */
      actionId: Uuid.nullable(),
      actionTaken: text(500),
      reason: text(1000),
      overriddenAt: IsoDateTime,
      context: RecommendationContext,
    }),
  ],
  upcasters: [],
});

export const outcomeRecorded = defineContract({
  service: Service.Inference,
  streamFamily: StreamFamily.Recommendation,
  description: 'What actually happened after a recommendation was recorded (the ground truth for KPIs).',
  versions: [
    z.strictObject({
      recommendationId: Uuid,
      outcome: z.enum(['event-prevented', 'event-occurred', 'no-event', 'unknown']),
      observedAt: IsoDateTime,
      /** Estimated cost avoided (positive) or incurred (negative), in the use case's currency. */
      costImpact: Money.nullable(),
      note: text(1000).optional(),
      /** Label class for dataops (e.g. `bearing_failure`, `normal`): outcomes become training labels. */
      label: UnsToken.nullable(),
      context: RecommendationContext,
    }),
  ],
  upcasters: [],
});

export const problemReported = defineContract({
  service: Service.Inference,
  streamFamily: StreamFamily.Asset,
  description: 'An operator reported a problem on an asset (possibly one no model warned about).',
  versions: [
    z.strictObject({
      problemId: Uuid,
      assetPath: UnsAssetPath,
      description: text(2000),
      severity: z.enum(['minor', 'major', 'stop']),
      observedAt: IsoDateTime,
      relatedRecommendationId: Uuid.nullable(),
      useCaseId: Uuid.nullable(),
      /** true: a failure no prompt warned about (a false negative for live recall). */
      missedFailure: z.boolean(),
      /** Label class for dataops (e.g. `bearing_failure`) and the window it covers; null when unknown. */
      label: UnsToken.nullable(),
      labelWindow: TimeRange.nullable(),
    }),
  ],
  upcasters: [],
});

export const AssetMode = z.enum(['auto', 'manual', 'maintenance', 'offline']);

export const assetModeChanged = defineContract({
  service: Service.Inference,
  streamFamily: StreamFamily.Asset,
  description: 'An asset was switched between automatic, manual, maintenance and offline modes.',
  versions: [
    z
      .strictObject({
        /** asset: one asset; line: every asset of the line (the path has four tokens). */
        scope: z.enum(['asset', 'line']),
        path: UnsAssetOrLinePath,
        from: AssetMode,
        to: AssetMode,
        reason: text(500),
        changedAt: IsoDateTime,
      })
      .refine((m) => m.from !== m.to, { message: 'must differ from "from"', path: ['to'] })
      .refine((m) => m.path.split('.').length === (m.scope === 'asset' ? 5 : 4), { message: 'must have 5 tokens for an asset, 4 for a line', path: ['path'] }),
  ],
  upcasters: [],
});

export const driftDetected = defineContract({
  service: Service.Inference,
  streamFamily: StreamFamily.Drift,
  description: 'Input, prediction or performance drift of a production model exceeded its threshold.',
  versions: [
    z.strictObject({
      driftId: Uuid,
      useCaseId: Uuid,
      modelVersionId: Uuid,
      kind: z.enum(['data', 'prediction', 'performance']),
      /** Feature that drifted (data drift), else null. */
      feature: UnsToken.nullable(),
      statistic: z.enum(['psi', 'ks', 'wasserstein', 'error-rate']),
      value: z.number(),
      threshold: z.number(),
      window: TimeRange,
      severity: z.enum(['warning', 'critical']),
    }),
  ],
  upcasters: [],
});

export const retrainingRequested = defineContract({
  service: Service.Inference,
  streamFamily: StreamFamily.Drift,
  description: 'Retraining of a use case model was requested (humans decide whether to run it).',
  versions: [
    z
      .strictObject({
        requestId: Uuid,
        useCaseId: Uuid,
        modelVersionId: Uuid,
        trigger: z.enum(['drift', 'kpi-miss', 'schedule', 'manual']),
        driftId: Uuid.nullable(),
        reason: text(1000),
      })
      .refine((r) => r.trigger !== 'drift' || r.driftId !== null, { message: 'is required when the trigger is "drift"', path: ['driftId'] }),
  ],
  upcasters: [],
});

export const modelRefused = defineContract({
  service: Service.Inference,
  streamFamily: StreamFamily.Serving,
  description:
    'Inference refused to serve a registered model version (integrity, load, parity or input check failed); the previous version or the rules keep serving.',
  versions: [
    z.strictObject({
      useCaseId: Uuid,
      modelVersionId: Uuid,
      /** Registered version number, null when the version was never registered. */
      version: z.int().min(1).nullable(),
      /** The stage it was promoted to. */
      stage: z.enum(['shadow', 'production']),
      /** Which check refused it. */
      check: z.enum(['integrity', 'load', 'parity', 'inputs', 'not-registered']),
      reason: text(2000),
      /** Integrity refusals: the sha256 recorded at registration and the one of the bytes found; else null. */
      expectedSha256: Sha256Hex.nullable(),
      actualSha256: Sha256Hex.nullable(),
      /** The version that keeps serving the stage; null = the rule-based limits (production) or no shadow. */
      keptModelVersionId: Uuid.nullable(),
      /** The deployment it was promoted to; absent = the use-case-wide one. */
      scope: UnsScope.optional(),
    }),
  ],
  upcasters: [],
});
