// Charter events (owner: charter): the problem, its KPIs, costs and actions, in `usecase-<id>` streams.
import { z } from 'zod';
import { Service, StreamFamily, defineContract } from '../contract.ts';
import { Currency, IsoDateTime, Metrics, Ratio, UnsAssetPath, UnsToken, Unit, Uuid, text } from '../primitives.ts';

/** What a use case does: which kind of model it leads to. */
export const UseCaseKind = z.enum(['predictive-maintenance', 'quality-prediction', 'process-optimisation']);

/** The KPIs the charter knows how to compute from historian data (`custom` is measured by hand). */
export const KpiKind = z.enum(['oee', 'unplanned-downtime-hours', 'mtbf-hours', 'mttr-hours', 'defect-rate', 'scrap-rate', 'energy-per-unit', 'custom']);

/** A failure mode of an asset type the use case is about (`tool-wear` on a `mill`). */
const FailureMode = z.strictObject({ assetType: UnsToken, code: UnsToken, description: text(200) });

/** A historian series the use case needs: the asset and the tag name under it. */
const RequiredTag = z.strictObject({ assetPath: UnsAssetPath, tag: UnsToken });

export const useCaseDrafted = defineContract({
  service: Service.Charter,
  streamFamily: StreamFamily.UseCase,
  description: 'A use case was drafted: the plant problem to solve, where, and who owns it.',
  versions: [
    z.strictObject({
      useCaseId: Uuid,
      title: text(120),
      /** The problem in the plant's words (what goes wrong, how often, what it costs). */
      problem: text(4000),
      scope: z.strictObject({ enterprise: UnsToken, site: UnsToken, area: UnsToken.optional(), line: UnsToken.optional() }),
      assetPaths: z.array(UnsAssetPath).min(1),
      /** Subject of the accountable owner (usually a process or reliability engineer). */
      owner: text(200),
      kind: UseCaseKind,
      /** The three questions every charter answers, in plain words. */
      questions: z.strictObject({ whatAreWeImproving: text(1000), whyDoesItMatter: text(1000), howWillWeKnow: text(1000) }),
      /** People who must be heard (subject and their stake, e.g. "maintenance lead"). */
      stakeholders: z.array(z.strictObject({ subject: text(200), role: text(120) })).max(50),
      failureModes: z.array(FailureMode).max(100),
      /** Series the model needs; feasibility checks them against the catalog and historian. */
      requiredTags: z.array(RequiredTag).max(500),
    }),
  ],
  upcasters: [],
});

const Kpi = z
  .strictObject({
    kpiId: Uuid,
    name: text(120),
    unit: Unit,
    /** Which way is better. */
    direction: z.enum(['increase', 'decrease']),
    /** Value measured before the use case, over `measurementWindowDays`. */
    baseline: z.number(),
    target: z.number(),
    measurementWindowDays: z.int().min(1).max(366),
    kind: KpiKind,
    /** When the target must be reached. */
    deadline: IsoDateTime,
  })
  .refine((k) => (k.direction === 'increase' ? k.target > k.baseline : k.target < k.baseline), {
    message: 'must improve on the baseline in the KPI direction',
    path: ['target'],
  });

export const objectiveSet = defineContract({
  service: Service.Charter,
  streamFamily: StreamFamily.UseCase,
  description: 'The objective of a use case and the KPIs (baseline → target) it is judged by were set.',
  versions: [
    z.strictObject({
      useCaseId: Uuid,
      statement: text(1000),
      kpis: z.array(Kpi).min(1).max(20),
      /** Minimum offline metrics a model must meet to go live (`recall: 0.8` means recall ≥ 0.8); governance gates on them. */
      minModelMetrics: Metrics,
    }),
  ],
  upcasters: [],
});

const Cost = z.number().nonnegative();

export const costModelSet = defineContract({
  service: Service.Charter,
  streamFamily: StreamFamily.UseCase,
  description: 'The cost model used to pick decision thresholds and value the use case was set.',
  versions: [
    z.strictObject({
      useCaseId: Uuid,
      currency: Currency,
      /** Cost of acting on a prompt that turns out to be a false alarm (labour, lost output). */
      falseAlarmCost: Cost,
      /** Cost of an event the model failed to warn about (scrap, repair, downtime). */
      missedEventCost: Cost,
      /** Cost of one intervention that was needed. */
      interventionCost: Cost,
      downtimeCostPerHour: Cost,
      /** Hours a failure stops the asset when nobody was warned (repair plus restart). */
      downtimeHoursPerFailure: Cost,
      /** One-off cost of building and deploying the use case. */
      investment: Cost,
      /** Running cost per year (licences, compute, upkeep of the model). */
      runningCostPerYear: Cost,
      assumptions: text(2000),
    }),
  ],
  upcasters: [],
});

export const actionCatalogued = defineContract({
  service: Service.Charter,
  streamFamily: StreamFamily.UseCase,
  description: 'An action an operator may be asked to take for this use case was catalogued.',
  versions: [
    z.strictObject({
      useCaseId: Uuid,
      actionId: Uuid,
      /** Asset type and failure mode (declared in UseCaseDrafted) the action answers. */
      assetType: UnsToken,
      failureMode: UnsToken,
      /** Shown on the HMI button: short, imperative, plain words ("Reduce line speed to 80%"). */
      label: text(80),
      instructions: text(2000),
      /** The asset must be in manual mode before the operator acts. */
      requiresManualMode: z.boolean(),
      /** Time the operator has to act for the action to help. */
      maxResponseMinutes: z.int().min(1).max(10_080),
    }),
  ],
  upcasters: [],
});

export const feasibilityAssessed = defineContract({
  service: Service.Charter,
  streamFamily: StreamFamily.UseCase,
  description: 'Whether the use case can be solved with the data available was assessed.',
  versions: [
    z.strictObject({
      useCaseId: Uuid,
      verdict: z.enum(['feasible', 'feasible-with-conditions', 'not-feasible']),
      historyDays: z.int().nonnegative(),
      /** Past occurrences of the target event with a reliable label. */
      labelledEvents: z.int().nonnegative(),
      tagsAvailable: z.int().nonnegative(),
      /** Share of the needed tags with Good quality over the history. */
      dataCoverage: Ratio,
      conditions: z.array(text(500)),
      risks: z.array(text(500)),
      /** Historian rows (samples or records) behind the assessment, and the span they cover. */
      rows: z.int().nonnegative(),
      historyFrom: IsoDateTime.nullable(),
      historyTo: IsoDateTime.nullable(),
      missingTags: z.array(z.string().max(400)),
      /** Return on investment over `horizonYears`, in the cost model's currency; null without a cost model. */
      roi: z
        .strictObject({
          currency: Currency,
          failuresPerYear: z.number().nonnegative(),
          valueAtStakePerYear: z.number(),
          expectedSavingsPerYear: z.number(),
          investment: z.number().nonnegative(),
          runningCostPerYear: z.number().nonnegative(),
          horizonYears: z.number().positive(),
          netValueOverHorizon: z.number(),
          /** Months until the investment is paid back; null when it never is. */
          paybackMonths: z.number().nonnegative().nullable(),
        })
        .nullable(),
      /** Problems in plain words that stop or endanger the use case. */
      redFlags: z.array(text(500)),
      assessedAt: IsoDateTime,
    }),
  ],
  upcasters: [],
});

export const useCaseApproved = defineContract({
  service: Service.Charter,
  streamFamily: StreamFamily.UseCase,
  description: 'The use case was approved to proceed to data collection and modelling.',
  versions: [z.strictObject({ useCaseId: Uuid, comment: text(2000).optional(), reviewBy: IsoDateTime.optional() })],
  upcasters: [],
});

export const kpiMeasured = defineContract({
  service: Service.Charter,
  streamFamily: StreamFamily.UseCase,
  description: 'A KPI of a use case was measured over a period.',
  versions: [
    z
      .strictObject({
        useCaseId: Uuid,
        kpiId: Uuid,
        value: z.number(),
        unit: Unit,
        periodStart: IsoDateTime,
        periodEnd: IsoDateTime,
        source: z.enum(['manual', 'computed']),
        /** Model in production over the period, null when none was. */
        modelVersionId: Uuid.nullable(),
      })
      .refine((m) => Date.parse(m.periodEnd) > Date.parse(m.periodStart), { message: 'must be after periodStart', path: ['periodEnd'] }),
  ],
  upcasters: [],
});
