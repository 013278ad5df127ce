// The use-case serving spec (owner: charter, stream `usecase-<id>`): everything inference needs to
// serve a use case, as data — which assets, what the model predicts and over which horizon, the
// window(s), how evidence reads in plant words (templates, never code), the rule-based limits used
// when the model cannot be trusted, per failure mode the action (words + deadline), the cost model
// and the KPIs it serves. Defined and revised through the charter's DefineServingSpec (gRPC),
// recorded as UseCaseServingSpecDefined and published by the relay like every charter event;
// inference builds its use cases from these events while running (ADR 0016).
import { z } from 'zod';
import { Service, StreamFamily, defineContract } from '../contract.ts';
import { Currency, UnsToken, Unit, Uuid, text } from '../primitives.ts';
import { KpiKind } from './charter.ts';

/** The statistics a window feature can be (the same list as @industrial/ml's WINDOW_STATISTICS). */
export const WindowStatisticName = z.enum(['mean', 'last', 'min', 'max', 'std', 'rms', 'slope']);

/** A model input / rule feature name: lowercase, digits and "_". */
const FeatureName = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be lowercase letters, digits and "_" (starting with a letter)');

/** A window over one asset's tags (the @industrial/ml window spec, as data). */
export const ServingWindowSpec = z.strictObject({
  version: z.string().regex(/^\d+\.\d+\.\d+$/, 'must be a semantic version such as "1.0.0"'),
  windowMinutes: z.number().positive().max(10_080),
  gridMinutes: z.number().positive().max(1_440),
  features: z
    .array(z.strictObject({ name: FeatureName, unit: Unit, tag: UnsToken, statistic: WindowStatisticName, description: text(200).optional() }))
    .min(1)
    .max(200),
});

/**
 * How one window feature reads in operator text. The phrase is `<words> <change> <unit> above normal`
 * (`above-reference`, the training reference median), `… below normal`, `<words> at <value> <unit>`
 * (`value-above`, `value-below`), or `<words> rising` / `<words> falling` (a slope); nothing is said
 * when the change is smaller than `minChange`.
 */
export const EvidenceTemplate = z.strictObject({
  tag: UnsToken,
  statistic: WindowStatisticName,
  comparison: z.enum(['above-reference', 'below-reference', 'value-above', 'value-below', 'rising', 'falling']),
  /** Display unit in the phrase ("°C", "mm/s"); empty for none. */
  unit: z.string().max(16),
  /** Smallest change (or value, or slope per hour) worth saying. */
  minChange: z.number().nonnegative(),
  /** Decimals shown (0–2). */
  decimals: z.int().min(0).max(2),
  /** The plant's words for the quantity ("bearing temperature"). */
  words: text(80),
});

/** A declared limit on one rule-window feature, checked when the rules stand in for the model. */
export const RuleLimit = z
  .strictObject({
    feature: FeatureName,
    above: z.number().optional(),
    below: z.number().optional(),
    unit: z.string().max(16),
    /** "bearing temperature" → "bearing temperature above its limit of 75 °C". */
    words: text(80),
    /**
     * Optional: the whole plain sentence said when the limit is broken, instead of "<words> above its
     * limit of …" — for a limit on a state code ("it has stopped with a fault"), where the number means nothing to an operator.
     */
    says: text(120).optional(),
    /** The failure mode (of `failureModes`) whose action a breach of this limit asks for. */
    failureMode: UnsToken,
  })
  .refine((r) => r.above !== undefined || r.below !== undefined, { message: 'give a limit: above or below', path: ['above'] });

/** What the operator is asked to do: plain words and the time they have, from the action catalogue. */
export const ServingAction = z.strictObject({
  actionId: Uuid,
  /** Imperative, plain words; `{asset}` is replaced by the asset's name ("inspect the {asset} bearing"). */
  text: text(160),
  /** Minutes from the prompt to the deadline (fixed in wall-clock time when the prompt is raised). */
  deadlineMinutes: z.int().min(1).max(10_080),
  priorityHint: z.enum(['low', 'medium', 'high']).optional(),
});

export const ServingFailureMode = z.strictObject({
  code: UnsToken,
  /** Label class in the plant's ground truth as it is written there (dataops labels, the simulator's FaultLabelled: `bearing_failure`, `TWF`). */
  label: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'must use letters, digits, "_" and "-" only'),
  /** How operators name it ("bearing failure", "cavitation"). */
  words: text(80),
  action: ServingAction,
});

/** What the model does: a failure mode within a horizon, remaining useful life, unsupervised anomaly, or visual inspection of part images. */
export const ServingTask = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('classification'), failureMode: UnsToken, horizonMinutes: z.int().min(1).max(525_600) }),
  z.strictObject({
    kind: z.literal('regression'),
    failureMode: UnsToken,
    /** The model predicts remaining useful life in hours; a prompt is raised when it is at or below this. */
    alertBelowHours: z.number().positive().max(8_760),
  }),
  z.strictObject({ kind: z.literal('anomaly'), failureMode: UnsToken }),
  /**
   * Visual inspection (#22): part images of the stations whose id starts with `stationPrefix`
   * (ImageCaptured) are scored tile by tile; flagged regions give one prompt per board. The
   * time-series fields of the spec (windows, evidence, rules) are not read for it.
   */
  z.strictObject({
    kind: z.literal('visual-inspection'),
    failureMode: UnsToken,
    stationPrefix: UnsToken,
    /** What the part is called in the prompt ("Board 13000188: …"). */
    partWords: text(40),
  }),
]);

export const ServingCostModel = z.strictObject({
  currency: Currency,
  /** A failure nobody was warned of (repair, scrap). */
  failure: z.number().nonnegative(),
  /** One inspection or intervention. */
  inspection: z.number().nonnegative(),
  /** Acting on a prompt that was a false alarm. */
  falseAlarm: z.number().nonnegative(),
  downtimeHour: z.number().nonnegative(),
});

/**
 * An outbound action rule (#21): when a prompt of the use case is raised, acknowledged or done, the
 * integration service sends it to another system over one of its connectors (named in its setup).
 */
export const ServingOutboundRule = z.strictObject({
  ruleId: UnsToken,
  on: z.enum(['raised', 'acknowledged', 'done']),
  kind: z.enum(['work-order', 'quality-check', 'webhook']),
  /** A connector of the integration service's setup ("maintainx", "mes"). */
  connector: UnsToken,
  /** Only prompts recommending this action (of `failureModes`); absent: every action. */
  actionId: Uuid.optional(),
  /** Only prompts of these priorities; absent: all. */
  priorities: z
    .array(z.enum(['low', 'medium', 'high', 'critical']))
    .min(1)
    .max(4)
    .optional(),
});

export const UseCaseServingSpec = z.strictObject({
  name: text(120),
  /** The kind of asset ("pump", "mill", "packer"): what the catalog calls the asset's type. */
  assetKind: UnsToken,
  /** Assets in scope: paths starting with `pathPrefix` (ISA-95, '' = every site) whose asset token starts with `assetPrefix`. */
  scope: z.strictObject({
    pathPrefix: z
      .string()
      .max(330)
      .regex(/^([a-z0-9_-]+(\.[a-z0-9_-]+){0,3})?$/, 'must be an ISA-95 prefix "enterprise[.site[.area[.line]]]" or empty'),
    assetPrefix: UnsToken,
  }),
  task: ServingTask,
  /** History kept per asset (a model with a longer window extends it). */
  windowMinutes: z.number().positive().max(10_080),
  scoreEveryMinutes: z.number().positive().max(1_440),
  staleMinutes: z.number().positive().max(1_440),
  /** Most inputs that may be imputed (as the model card allows) before the rules take over. */
  maxImputedInputs: z.int().min(0).max(20),
  evidence: z.array(EvidenceTemplate).max(50),
  /** The window the rule limits read. */
  ruleWindow: ServingWindowSpec,
  rules: z.array(RuleLimit).max(50),
  failureModes: z.array(ServingFailureMode).min(1).max(20),
  costModel: ServingCostModel,
  kpis: z.array(KpiKind).max(20),
  /** Outbound action rules (#21; optional: none means only the integration service's own setup applies). */
  outbound: z.array(ServingOutboundRule).max(20).optional(),
});

export const useCaseServingSpecDefined = defineContract({
  service: Service.Charter,
  streamFamily: StreamFamily.UseCase,
  description: 'How a use case is served (scope, task, windows, evidence wording, rule limits, actions, cost model, KPIs) was defined or revised.',
  versions: [
    z.strictObject({
      useCaseId: Uuid,
      /** 1 for the first definition, +1 for each revision. */
      specVersion: z.int().min(1),
      spec: UseCaseServingSpec,
    }),
  ],
  upcasters: [],
});

export type UseCaseServingSpecData = z.infer<typeof UseCaseServingSpec>;
