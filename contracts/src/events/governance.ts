// Governance events (owner: governance): approvals and promotions in `model-<useCase>`; anchors in `audit-<date>`.
import { z } from 'zod';
import { Service, StreamFamily, defineContract } from '../contract.ts';
import { IsoDateTime, KeyId, Metrics, Ratio, Sha256Hex, UnsScope, Uuid, text } from '../primitives.ts';

export const DeploymentStage = z.enum(['shadow', 'production']);

export const modelApprovalRequested = defineContract({
  service: Service.Governance,
  streamFamily: StreamFamily.Model,
  description: 'Approval was requested to put a model version into shadow or production.',
  versions: [
    z.strictObject({
      requestId: Uuid,
      useCaseId: Uuid,
      modelVersionId: Uuid,
      targetStage: DeploymentStage,
      justification: text(2000),
      /** Evidence the approver sees: metrics of this model and of the one it would replace. */
      metrics: Metrics,
      comparedToModelVersionId: Uuid.nullable(),
      comparedToMetrics: Metrics.nullable(),
      /** The deployment asked for: a path prefix (a pilot line); absent = the use-case-wide one. Optional: older requests stay valid. */
      scope: UnsScope.optional(),
    }),
  ],
  upcasters: [],
});

export const modelApproved = defineContract({
  service: Service.Governance,
  streamFamily: StreamFamily.Model,
  description: 'A quality lead approved a model version for a stage (four-eyes: not the requester).',
  versions: [
    z.strictObject({
      requestId: Uuid,
      useCaseId: Uuid,
      modelVersionId: Uuid,
      targetStage: DeploymentStage,
      conditions: z.array(text(500)),
      comment: text(2000).optional(),
      /** The deployment approved (as requested); absent = the use-case-wide one. */
      scope: UnsScope.optional(),
    }),
  ],
  upcasters: [],
});

export const modelRejected = defineContract({
  service: Service.Governance,
  streamFamily: StreamFamily.Model,
  description: 'An approval request for a model version was rejected, with the reason.',
  versions: [
    z.strictObject({
      requestId: Uuid,
      useCaseId: Uuid,
      modelVersionId: Uuid,
      targetStage: DeploymentStage,
      reason: text(2000),
    }),
  ],
  upcasters: [],
});

export const modelPromoted = defineContract({
  service: Service.Governance,
  streamFamily: StreamFamily.Model,
  description: 'An approved model version was promoted to shadow or production.',
  versions: [
    z.strictObject({
      useCaseId: Uuid,
      modelVersionId: Uuid,
      stage: DeploymentStage,
      approvalRequestId: Uuid,
      /** Model that held the stage before, null for the first one. */
      previousModelVersionId: Uuid.nullable(),
      /** Where it serves: a path prefix (a pilot line); absent = every asset of the use case without a narrower deployment. */
      scope: UnsScope.optional(),
    }),
  ],
  upcasters: [],
});

export const modelRolledBack = defineContract({
  service: Service.Governance,
  streamFamily: StreamFamily.Model,
  description: 'Production was rolled back from a model version to a previous one or to the fallback rules.',
  versions: [
    z.strictObject({
      useCaseId: Uuid,
      fromModelVersionId: Uuid,
      /** null: no model, inference falls back to the rule-based prompts. */
      toModelVersionId: Uuid.nullable(),
      trigger: z.enum(['manual', 'gate-breach', 'drift', 'kpi-miss']),
      reason: text(2000),
      /** The deployment rolled back (as promoted); absent = the use-case-wide one. */
      scope: UnsScope.optional(),
    }),
  ],
  upcasters: [],
});

export const chainAnchored = defineContract({
  service: Service.Governance,
  streamFamily: StreamFamily.Audit,
  description: 'The head of the event hash chain was signed and stored outside the database.',
  versions: [
    z.strictObject({
      position: z.int().min(1),
      hash: Sha256Hex,
      signedAt: IsoDateTime,
      keyId: KeyId,
      /** Ed25519 signature, base64, over `anchor|v1|<position>|<hash>|<signedAt>`. */
      signature: z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'must be a 64-byte Ed25519 signature in base64 (88 characters)'),
      /** Where the anchor was stored, e.g. `file:///var/lib/anchors`, `s3://audit-anchors`. */
      sink: text(500),
    }),
  ],
  upcasters: [],
});

export const modelGatesSet = defineContract({
  service: Service.Governance,
  streamFamily: StreamFamily.Model,
  description: 'The gates a model version of a use case must pass at approval and promotion to production were set (beside the charter minimum metrics).',
  versions: [
    z.strictObject({
      useCaseId: Uuid,
      /** Extra minimum test metrics (`f1: 0.6`), beside the charter's minModelMetrics; names the use case's task produces. */
      minMetrics: Metrics,
      /** Maximum test metrics for lower-is-better ones (`rmse: 40`, `brier: 0.1`). */
      maxMetrics: Metrics,
      /** Largest allowed drop of the stress metric under any Gaussian noise level of the model card; null = not gated. */
      maxNoiseDrop: z.number().nonnegative().nullable(),
      /** Largest allowed drop of the stress metric when any one sensor is dropped (imputed); null = not gated. */
      maxDropoutDrop: z.number().nonnegative().nullable(),
      /** Snapshot data quality: the snapshot must be recorded with the registered hash and hold at least these rows and labels; null = not gated. */
      snapshot: z.strictObject({ minRows: z.int().nonnegative(), minLabels: z.int().nonnegative() }).nullable(),
      /** Required shadow period before production: scored windows and agreement with production (or the rules for a first model); null = none required. */
      shadow: z.strictObject({ minWindows: z.int().min(1), minAgreement: Ratio }).nullable(),
      /** The candidate's expected savings under the charter's cost model must be at least production's. */
      savingsAtLeastProduction: z.boolean(),
      /** Live monitoring: operator outcomes needed before live precision/recall is compared with the gates. */
      minLiveOutcomes: z.int().min(1),
    }),
  ],
  upcasters: [],
});

export const modelRollbackProposed = defineContract({
  service: Service.Governance,
  streamFamily: StreamFamily.Model,
  description:
    'Live monitoring proposed rolling a production model version back (a gate breached or a KPI missed); a quality lead decides, nothing is rolled back automatically.',
  versions: [
    z.strictObject({
      proposalId: Uuid,
      useCaseId: Uuid,
      modelVersionId: Uuid,
      /** The deployment (as promoted); absent = the use-case-wide one. */
      scope: UnsScope.optional(),
      trigger: z.enum(['gate-breach', 'kpi-miss']),
      /** The version that served before (the proposed target); null = the rule-based limits. */
      toModelVersionId: Uuid.nullable(),
      /** What was measured: a live metric (`precision`) or a KPI name, its value, the limit it crossed, how many outcomes or measurements back it. */
      measure: text(120),
      value: z.number(),
      limit: z.number(),
      basis: z.int().nonnegative(),
      reason: text(2000),
    }),
  ],
  upcasters: [],
});
