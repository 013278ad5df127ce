// gRPC adapter of industrial.inference.v1.InferenceService: edge validation, the permission and
// plant location of each method (resourceOfAssetPath: partial paths give partial locations), and
// the mapping to the use cases in features/ (prompting, predict, drift). The caller's Cause is
// built from the authenticated call.
import { Permission } from '@industrial/access';
import { AssetMode, RejectionReason, UnsAssetPath, UnsScope, Uuid, lineText, multilineText } from '@industrial/contracts';
import { defineService, fromSchema, inferenceV1, unary, type CallContext } from '@industrial/grpc';
import { causeOfCall, resourceOfAssetPath, type Cause } from '@industrial/kernel';
import { z } from 'zod';
import type { Commands, RecommendationDto } from '../../features/commands.ts';
import type { ShadowComparisonRow, ShadowSummary } from '../../features/shadow-view.ts';
import type { Projection } from '../../features/projection.ts';
import { withKernelErrors } from '../kernel-errors.ts';

const { InferenceServiceService, Stage, Decision } = inferenceV1;

export const causeOf = (ctx: CallContext): Cause => causeOfCall(ctx, { service: 'inference' });

export function toProto(r: RecommendationDto): inferenceV1.Recommendation {
  return {
    recommendationId: r.recommendationId,
    useCaseId: r.useCaseId,
    assetPath: r.assetPath,
    message: r.message,
    status: r.status,
    priority: r.priority,
    urgency: r.urgency,
    source: r.source,
    modelVersionId: r.modelVersionId ?? '',
    raisedAt: r.raisedAt,
    actBy: r.actBy,
    expiresAt: r.expiresAt,
    mode: r.mode,
    update: r.update,
    score: r.score,
    threshold: r.threshold,
    recordJson: JSON.stringify(r.record),
  };
}

function comparisonToProto(c: ShadowComparisonRow): inferenceV1.ShadowComparison {
  return {
    comparisonId: c.comparisonId,
    assetPath: c.assetPath,
    at: c.at,
    candidateVersionId: c.candidateVersionId,
    productionVersionId: c.productionVersionId ?? '',
    reference: c.reference,
    raisedBy: c.raisedBy,
    productionAlarm: c.production.alarm,
    ...(c.production.score === null ? {} : { productionScore: c.production.score }),
    productionRecommendationId: c.production.recommendationId ?? '',
    candidateAlarm: c.candidate.alarm,
    candidateScore: c.candidate.score,
    candidateRecommendationId: c.candidate.recommendationId ?? '',
    agree: c.agree,
    operatorDecision: c.operator.decision ?? '',
    operatorOutcome: c.operator.outcome ?? '',
    missedFailureReported: c.operator.missedFailureReported,
    failure: c.operator.failure === null ? 'unknown' : c.operator.failure ? 'confirmed' : 'false-alarm',
  };
}

function summaryToProto(s: ShadowSummary): inferenceV1.ShadowSummary {
  const { productionVersionIds, agreement, periodFrom, periodTo, ...counts } = s;
  return {
    ...counts,
    productionVersionIds: productionVersionIds.map((v) => v ?? ''),
    ...(agreement === null ? {} : { agreement }),
    periodFrom: periodFrom ?? '',
    periodTo: periodTo ?? '',
  };
}

const idInput = fromSchema(z.object({ recommendationId: Uuid }));
const isoOrEmpty = z.string().refine((s) => s === '' || !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 date-time or empty');

export function inferenceGrpcService(edgeCommands: Commands, projection: Projection) {
  const commands = withKernelErrors(edgeCommands);
  const recResource = (i: { recommendationId: string }) => resourceOfAssetPath(projection.get(i.recommendationId)?.state.context.assetPath);
  return defineService(InferenceServiceService, {
    predict: unary({
      permission: Permission.ModelRead,
      input: fromSchema(z.object({ useCaseId: Uuid, features: z.record(z.string(), z.number()), stage: z.number() })),
      handle: async (q) => {
        const r = await commands.predict({ useCaseId: q.useCaseId, features: q.features, stage: q.stage === Stage.STAGE_SHADOW ? 'shadow' : 'production' });
        return r;
      },
    }),
    listRecommendations: unary({
      permission: Permission.RecommendationRead,
      input: fromSchema(
        z.object({
          openOnly: z.boolean(),
          assetPath: z.union([z.literal(''), UnsAssetPath]),
          includeUnshown: z.boolean(),
          maxCount: z.number().int().min(0).max(500),
        }),
      ),
      resource: (q) => resourceOfAssetPath(q.assetPath),
      handle: async (q) => ({
        recommendations: commands
          .list({
            openOnly: q.openOnly,
            ...(q.assetPath ? { assetPath: q.assetPath } : {}),
            includeUnshown: q.includeUnshown,
            max: q.maxCount === 0 ? 100 : q.maxCount,
          })
          .map(toProto),
      }),
    }),
    acknowledge: unary({
      permission: Permission.RecommendationDecide,
      input: idInput,
      resource: (q) => recResource(q),
      handle: async (q, ctx) => ({ recommendation: toProto(await commands.acknowledge(q.recommendationId, causeOf(ctx))) }),
    }),
    decide: unary({
      permission: Permission.RecommendationDecide,
      input: fromSchema(
        z
          .object({
            recommendationId: Uuid,
            decision: z.number(),
            reason: z.string(),
            note: z.string().max(1000).superRefine(multilineText),
            actionTaken: z.string().max(500).superRefine(multilineText),
          })
          .superRefine((q, ctx) => {
            if (q.decision === Decision.DECISION_NOT_DONE && !RejectionReason.safeParse(q.reason).success)
              ctx.addIssue({ code: 'custom', path: ['reason'], message: `must be one of ${RejectionReason.options.join(', ')}` });
            if (q.decision === Decision.DECISION_OVERRIDDEN && q.actionTaken.trim() === '')
              ctx.addIssue({ code: 'custom', path: ['actionTaken'], message: 'is required for OVERRIDDEN' });
            if (q.decision === Decision.DECISION_OVERRIDDEN && q.note.trim() === '')
              ctx.addIssue({ code: 'custom', path: ['note'], message: 'is required for OVERRIDDEN (why)' });
            if (![Decision.DECISION_DONE, Decision.DECISION_NOT_DONE, Decision.DECISION_OVERRIDDEN].includes(q.decision))
              ctx.addIssue({ code: 'custom', path: ['decision'], message: 'must be DONE, NOT_DONE or OVERRIDDEN' });
          }),
      ),
      resource: (q) => recResource(q),
      handle: async (q, ctx) => {
        const input =
          q.decision === Decision.DECISION_DONE
            ? { decision: 'done' as const, ...(q.note ? { note: q.note } : {}) }
            : q.decision === Decision.DECISION_NOT_DONE
              ? { decision: 'not-done' as const, reason: RejectionReason.parse(q.reason), ...(q.note ? { note: q.note } : {}) }
              : { decision: 'overridden' as const, actionTaken: q.actionTaken, reason: q.note };
        return { recommendation: toProto(await commands.decide(q.recommendationId, input, causeOf(ctx))) };
      },
    }),
    recordOutcome: unary({
      permission: Permission.RecommendationDecide,
      input: fromSchema(
        z.object({
          recommendationId: Uuid,
          outcome: z.enum(['event-prevented', 'event-occurred', 'no-event', 'unknown']),
          observedAt: isoOrEmpty,
          note: z.string().max(1000).superRefine(multilineText),
          costImpact: z.number().optional(),
          currency: z.string(),
        }),
      ),
      resource: (q) => recResource(q),
      handle: async (q, ctx) => ({
        recommendation: toProto(
          await commands.recordOutcome(
            q.recommendationId,
            {
              outcome: q.outcome,
              ...(q.observedAt ? { observedAtMs: Date.parse(q.observedAt) } : {}),
              ...(q.note ? { note: q.note } : {}),
              costImpact: q.costImpact === undefined ? null : { amount: q.costImpact, currency: q.currency || 'EUR' },
            },
            causeOf(ctx),
          ),
        ),
      }),
    }),
    reportProblem: unary({
      permission: Permission.ProblemReport,
      input: fromSchema(
        z.object({
          assetPath: UnsAssetPath,
          description: z.string().trim().min(1, 'is required').max(2000).superRefine(multilineText),
          severity: z.enum(['minor', 'major', 'stop']),
          observedAt: isoOrEmpty,
          missedFailure: z.boolean(),
          relatedRecommendationId: z.union([z.literal(''), Uuid]),
          useCaseId: z.union([z.literal(''), Uuid]),
        }),
      ),
      resource: (q) => resourceOfAssetPath(q.assetPath),
      handle: async (q, ctx) =>
        commands.reportProblem(
          {
            assetPath: q.assetPath,
            description: q.description,
            severity: q.severity,
            ...(q.observedAt ? { observedAtMs: Date.parse(q.observedAt) } : {}),
            missedFailure: q.missedFailure,
            relatedRecommendationId: q.relatedRecommendationId || null,
            useCaseId: q.useCaseId || null,
          },
          causeOf(ctx),
        ),
    }),
    setAssetMode: unary({
      permission: Permission.AssetSetMode,
      input: fromSchema(
        z.object({
          path: z.string().regex(/^[a-z0-9_-]+(\.[a-z0-9_-]+){3,4}$/, 'must be a line path (4 tokens) or an asset path (5 tokens)'),
          mode: AssetMode,
          reason: z.string().trim().min(1, 'is required (who switched and why is recorded)').max(500).superRefine(lineText),
        }),
      ),
      resource: (q) => resourceOfAssetPath(q.path),
      handle: async (q, ctx) => commands.setMode({ path: q.path, mode: q.mode, reason: q.reason }, causeOf(ctx)),
    }),
    listShadowComparisons: unary({
      permission: Permission.DriftRead,
      input: fromSchema(
        z.object({
          useCaseId: Uuid,
          scope: z.union([z.literal(''), UnsScope]),
          candidateVersionId: z.union([z.literal(''), Uuid]),
          pageSize: z.number().int().min(0).max(500, 'must be at most 500 (0: 50)'),
          pageToken: z.string().max(20),
        }),
      ),
      resource: (q) => resourceOfAssetPath(q.scope),
      handle: async (q) => {
        const page = await commands.listShadowComparisons({
          useCaseId: q.useCaseId,
          scope: q.scope || null,
          candidateVersionId: q.candidateVersionId || null,
          pageSize: q.pageSize === 0 ? 50 : q.pageSize,
          pageToken: q.pageToken || null,
        });
        return { comparisons: page.comparisons.map(comparisonToProto), nextPageToken: page.nextPageToken, summaries: page.summaries.map(summaryToProto) };
      },
    }),
    getDriftReport: unary({
      permission: Permission.DriftRead,
      input: fromSchema(z.object({ useCaseId: Uuid })),
      handle: async (q) => {
        const r = commands.driftReport(q.useCaseId);
        return {
          useCaseId: r.useCaseId,
          modelVersionId: r.modelVersionId ?? '',
          features: r.features.map((f) => ({
            feature: f.feature,
            psi: f.psi,
            band: f.band,
            ksD: f.ksD,
            ksP: f.ksP,
            referenceCount: f.referenceCount,
            currentCount: f.currentCount,
          })),
          predictionPsi: r.predictionPsi,
          ...(r.livePrecision === null ? {} : { livePrecision: r.livePrecision }),
          ...(r.liveRecall === null ? {} : { liveRecall: r.liveRecall }),
          shadowJson: JSON.stringify(r.shadow),
          severity: r.severity,
          computedAt: new Date(r.computedAtMs).toISOString(),
        };
      },
    }),
  });
}
