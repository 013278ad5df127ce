// Inference events (owner: inference): recommendations and operator decisions in `recommendation-<id>`,
// asset modes and problem reports in `asset-<uns path>`, drift in `drift-<model>`.
import { z } from 'zod';
import { Service, StreamFamily, defineContract } from '../contract.ts';
import { IsoDateTime, Money, Ratio, TimeRange, UnsAssetPath, UnsToken, Uuid, text } from '../primitives.ts';

export const recommendationRaised = defineContract({
  service: Service.Inference,
  streamFamily: StreamFamily.Recommendation,
  description: 'A model score crossed its threshold and an operator was prompted to take an action.',
  versions: [
    z.strictObject({
      recommendationId: Uuid,
      useCaseId: Uuid,
      modelVersionId: Uuid,
      assetPath: UnsAssetPath,
      actionId: Uuid,
      /** What the operator reads, in plain words ("Nozzle 3 likely clogging within 2 h: clean it"). */
      message: text(280),
      urgency: z.enum(['info', 'soon', 'now']),
      score: Ratio,
      threshold: Ratio,
      /** Features that pushed the score most, for "why am I seeing this". */
      explanation: z.array(z.strictObject({ feature: UnsToken, contribution: z.number() })).max(10),
      featureWindow: TimeRange,
      /** shadow: logged for comparison, never shown to the operator. */
      mode: z.enum(['production', 'shadow']),
      expiresAt: IsoDateTime,
    }),
  ],
  upcasters: [],
});

export const recommendationAcknowledged = defineContract({
  service: Service.Inference,
  streamFamily: StreamFamily.Recommendation,
  description: 'An operator saw and acknowledged a recommendation.',
  versions: [z.strictObject({ recommendationId: Uuid, acknowledgedAt: IsoDateTime })],
  upcasters: [],
});

export const recommendationAccepted = defineContract({
  service: Service.Inference,
  streamFamily: StreamFamily.Recommendation,
  description: 'An operator did the recommended action.',
  versions: [z.strictObject({ recommendationId: Uuid, actionId: Uuid, doneAt: IsoDateTime, note: text(1000).optional() })],
  upcasters: [],
});

export const RejectionReason = z.enum(['false-alarm', 'already-handled', 'not-safe-now', 'no-capacity', 'other']);

export const recommendationRejected = defineContract({
  service: Service.Inference,
  streamFamily: StreamFamily.Recommendation,
  description: 'An operator declined a recommendation, with a reason.',
  versions: [
    z
      .strictObject({ recommendationId: Uuid, reason: RejectionReason, note: text(1000).optional(), rejectedAt: IsoDateTime })
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
      .strictObject({ assetPath: UnsAssetPath, from: AssetMode, to: AssetMode, reason: text(500), changedAt: IsoDateTime })
      .refine((m) => m.from !== m.to, { message: 'must differ from "from"', path: ['to'] }),
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
  streamFamily: StreamFamily.Model,
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
