// Charter events (owner: charter): the problem, its KPIs, costs and actions, in `usecase-<id>` streams.
import { z } from 'zod';
import { Service, StreamFamily, defineContract } from '../contract.ts';
import { Currency, IsoDateTime, Ratio, UnsAssetPath, UnsToken, Unit, Uuid, text } from '../primitives.ts';

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
  })
  .refine((k) => (k.direction === 'increase' ? k.target > k.baseline : k.target < k.baseline), {
    message: 'must improve on the baseline in the KPI direction',
    path: ['target'],
  });

export const objectiveSet = defineContract({
  service: Service.Charter,
  streamFamily: StreamFamily.UseCase,
  description: 'The objective of a use case and the KPIs (baseline → target) it is judged by were set.',
  versions: [z.strictObject({ useCaseId: Uuid, statement: text(1000), kpis: z.array(Kpi).min(1).max(20) })],
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
