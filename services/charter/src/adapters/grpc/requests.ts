// Edge validation of CharterService requests: each request checked with its proto field names
// (INVALID_ARGUMENT names the field), proto defaults ('' and 0) turned into "absent", and the
// result shaped as the use case's input.
import { IsoDateTime, UnsAssetPath, UnsToken, Unit, UseCaseServingSpec, Uuid, lineText, multilineText } from '@industrial/contracts';
import { InvalidRequestError, fromSchema, issuePath } from '@industrial/grpc';
import { z } from 'zod';

/** Free text (line feeds and tabs allowed; no control or bidirectional-override characters). */
const text = (max: number) =>
  z.string().min(1, 'is required').max(max, `must be at most ${max} characters`).regex(/\S/, 'must not be blank').superRefine(multilineText);
/** One line of free text: a title, a name, a subject. */
const line = (max: number) => text(max).superRefine(lineText);
const optionalToken = z.string().transform((s, ctx) => {
  if (s === '') return undefined;
  const r = UnsToken.safeParse(s);
  if (!r.success) ctx.addIssue({ code: 'custom', message: r.error.issues[0]?.message ?? 'is invalid' });
  return s;
});
const optionalTime = z.union([z.literal('').transform(() => undefined), IsoDateTime]);
/** A proto string id: '' means "give me a new one". */
const optionalId = z.union([z.literal('').transform(() => undefined), Uuid]);
const optionalAsset = z.union([z.literal('').transform(() => undefined), UnsAssetPath]);
const required = { message: 'is required' };
const revision = z.number().int().min(-1).optional();
const useCaseId = z
  .string()
  .min(1, 'is required')
  .pipe(z.uuid({ message: 'must be a UUID' }));

export const draftInput = fromSchema(
  z.object({
    useCaseId: optionalId,
    useCase: z.object(
      {
        title: line(120),
        problem: text(4000),
        scope: z
          .object({ enterprise: UnsToken, site: UnsToken, area: optionalToken, line: optionalToken }, required)
          .refine((s) => s.line === undefined || s.area !== undefined, { message: 'is required when line is set (a line lies in an area)', path: ['area'] })
          .transform(({ enterprise, site, area, line }) => ({
            enterprise,
            site,
            ...(area === undefined ? {} : { area }),
            ...(line === undefined ? {} : { line }),
          })),
        assetPaths: z.array(UnsAssetPath).min(1, 'name at least one asset'),
        owner: line(200),
        kind: z.enum(['predictive-maintenance', 'quality-prediction', 'process-optimisation'], {
          message: 'must be predictive-maintenance, quality-prediction or process-optimisation',
        }),
        questions: z.object({ whatAreWeImproving: text(1000), whyDoesItMatter: text(1000), howWillWeKnow: text(1000) }, required),
        stakeholders: z.array(z.object({ subject: line(200), role: line(120) })).max(50),
        failureModes: z.array(z.object({ assetType: UnsToken, code: UnsToken, description: text(200) })).max(100),
        requiredTags: z.array(z.object({ assetPath: UnsAssetPath, tag: UnsToken })).max(500),
      },
      required,
    ),
  }),
);

const kpiKinds = ['oee', 'unplanned-downtime-hours', 'mtbf-hours', 'mttr-hours', 'defect-rate', 'scrap-rate', 'energy-per-unit', 'custom'] as const;
export const objectivesInput = fromSchema(
  z.object({
    useCaseId,
    expectedRevision: revision,
    objectives: z.object(
      {
        statement: text(1000),
        kpis: z
          .array(
            z.object({
              kpiId: optionalId,
              name: line(120),
              unit: Unit,
              direction: z.enum(['increase', 'decrease'], { message: 'must be "increase" or "decrease"' }),
              baseline: z.number(),
              target: z.number(),
              measurementWindowDays: z.number().int().min(1, 'must be 1–366 days').max(366, 'must be 1–366 days'),
              kind: z.enum(kpiKinds, { message: `must be one of ${kpiKinds.join(', ')}` }),
              deadline: IsoDateTime,
            }),
          )
          .min(1, 'set at least one KPI')
          .max(20),
        minModelMetrics: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'metric names use lowercase letters, digits and "_"'), z.number()),
      },
      required,
    ),
  }),
);

export const costModelInput = fromSchema(
  z.object({
    useCaseId,
    expectedRevision: revision,
    costModel: z.object(
      {
        currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code such as "EUR"'),
        falseAlarmCost: z.number(),
        missedEventCost: z.number(),
        interventionCost: z.number(),
        downtimeCostPerHour: z.number(),
        downtimeHoursPerFailure: z.number(),
        investment: z.number(),
        runningCostPerYear: z.number(),
        assumptions: text(2000),
      },
      required,
    ),
  }),
);

export const actionInput = fromSchema(
  z.object({
    useCaseId,
    expectedRevision: revision,
    action: z.object(
      {
        actionId: optionalId,
        assetType: UnsToken,
        failureMode: UnsToken,
        label: line(80),
        instructions: text(2000),
        requiresManualMode: z.boolean(),
        maxResponseMinutes: z.number().int().min(1, 'must be 1–10080 minutes').max(10_080, 'must be 1–10080 minutes'),
      },
      required,
    ),
  }),
);

export const feasibilityInput = fromSchema(
  z.object({
    useCaseId,
    expectedRevision: revision,
    minHistoryDays: z.number().int().min(0),
    minLabelledFailures: z.number().int().min(0),
    minGoodRatio: z.number().min(0).max(1, 'must be 0–1'),
    horizonYears: z.number().min(0).max(50),
  }),
);

export const approveInput = fromSchema(
  z.object({ useCaseId, expectedRevision: revision, comment: z.string().max(2000).superRefine(multilineText), reviewBy: optionalTime }),
);
export const byIdInput = fromSchema(z.object({ useCaseId }));
export const listActionsInput = fromSchema(
  z.object({ useCaseId, assetType: optionalToken, failureMode: optionalToken }).superRefine((r, ctx) => {
    if ((r.assetType === undefined) !== (r.failureMode === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'asset_type and failure_mode go together', path: [r.assetType === undefined ? 'assetType' : 'failureMode'] });
    }
  }),
);

const window = {
  useCaseId,
  assetPath: optionalAsset,
  from: IsoDateTime,
  to: IsoDateTime,
  idealCycleTimeSeconds: z.number().min(0, 'must not be negative'),
};
const afterFrom = (w: { from: string; to: string }) => Date.parse(w.to) > Date.parse(w.from);
export const computeInput = fromSchema(z.object(window).refine(afterFrom, { message: 'must be after from', path: ['to'] }));
export const recordInput = fromSchema(
  z.object({ ...window, modelVersionId: optionalId, expectedRevision: revision }).refine(afterFrom, { message: 'must be after from', path: ['to'] }),
);
export const listUseCasesInput = fromSchema(z.object({ pageSize: z.int().min(0).max(500, 'at most 500') }));
export const reportInput = fromSchema(
  z
    .object({ useCaseId, assetPath: window.assetPath, goLiveAt: IsoDateTime, to: IsoDateTime, idealCycleTimeSeconds: window.idealCycleTimeSeconds })
    .refine((r) => Date.parse(r.to) > Date.parse(r.goLiveAt), { message: 'must be after go_live_at', path: ['to'] }),
);

/**
 * DefineServingSpec: `spec_json` is contracts' UseCaseServingSpec as JSON; a problem inside it is
 * named by its path in proto style, as the domain's refusals are, e.g. `spec_json.failure_modes[0].action.deadline_minutes`.
 */
export function servingSpecInput(request: unknown): { useCaseId: string; expectedRevision: number | undefined; spec: z.infer<typeof UseCaseServingSpec> } {
  const head = fromSchema(z.object({ useCaseId, expectedRevision: revision, specJson: z.string().min(1, 'is required') }))(request);
  let json: unknown;
  try {
    json = JSON.parse(head.specJson);
  } catch (error) {
    throw new InvalidRequestError('spec_json', `is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = UseCaseServingSpec.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issuePath(['specJson', ...(issue?.path ?? [])]);
    const message = issue?.code === 'invalid_type' && issue.message.includes('undefined') ? 'is required' : (issue?.message ?? 'is invalid');
    throw new InvalidRequestError(field, message);
  }
  return { useCaseId: head.useCaseId, expectedRevision: head.expectedRevision, spec: parsed.data };
}
