// Use cases the runtime serves, as data (ADR 0016): each is the charter's serving spec
// (UseCaseServingSpecDefined, contracts' UseCaseServingSpec) turned into what scoring reads —
// which assets (UNS scope), how much history to keep, what the model predicts, how evidence is
// worded (templates, never code), the declared rule limits used when the model cannot be trusted,
// per failure mode the action, and the cost model. No use case is defined in code. Pure.
//
// Model inputs are NOT defined here: every model carries its own @industrial/ml window spec
// (training wrote it into the model), and live rows are computed from it. Evidence wording matches
// a model input by what it is computed from (tag + statistic), whatever the model calls it.
import type { UseCaseServingSpecData } from '@industrial/contracts';
import { defineWindowSpec, type WindowSpec, type WindowStatistic } from '@industrial/ml';

type Spec = UseCaseServingSpecData;

/** How one window feature reads in operator text (contracts' template: comparison, unit, min change, words). */
export type EvidenceTemplate = Spec['evidence'][number] & { readonly statistic: WindowStatistic };

/** A declared limit on one feature of the use case's rule window, checked when the rules stand in for the model. */
export type RuleLimit = Spec['rules'][number];

export type ServingTask = Spec['task'];
export type FailureModeSpec = Spec['failureModes'][number];
export type ServingAction = FailureModeSpec['action'];
export type ServingCostModel = Spec['costModel'];

export interface UseCaseSpec {
  readonly useCaseId: string;
  /** Version of the serving spec (1, 2, …): a revision replaces the use case while running. */
  readonly specVersion: number;
  readonly name: string;
  /** Asset kind ("pump"). */
  readonly assetKind: string;
  readonly task: ServingTask;
  /** The failure mode the model predicts (the task's). */
  readonly failureMode: string;
  /** Its label class for outcomes and reported misses (dataops, the simulator's ground truth). */
  readonly label: string;
  /** Assets in scope: UNS asset paths starting with this prefix whose asset token starts with `assetPrefix`. */
  readonly scope: { readonly pathPrefix: string; readonly assetPrefix: string };
  /** History kept per asset and replayed on a takeover; models with longer windows extend it. */
  readonly windowMs: number;
  /** Score a window at most this often per asset (plant time). */
  readonly scoreEveryMs: number;
  /** A tag whose last Good sample is older than this is stale. */
  readonly staleMs: number;
  /** The declared horizon (classification), hours; the scoring model's own horizon wins when it has one. */
  readonly horizonHours: number;
  /** Most inputs that may be imputed (as the model card says) before the rules take over. */
  readonly maxImputedInputs: number;
  readonly evidence: readonly EvidenceTemplate[];
  /** The window the rule limits read (computed by the same @industrial/ml function as model inputs). */
  readonly ruleWindow: WindowSpec;
  readonly rules: readonly RuleLimit[];
  readonly failureModes: readonly FailureModeSpec[];
  readonly costModel: ServingCostModel;
  readonly kpis: readonly string[];
}

const MIN = 60_000;

/** The charter's serving spec → the use case scoring reads. */
export function useCaseSpecFrom(useCaseId: string, specVersion: number, spec: Spec): UseCaseSpec {
  const primary = spec.failureModes.find((f) => f.code === spec.task.failureMode) ?? spec.failureModes[0]!;
  return {
    useCaseId,
    specVersion,
    name: spec.name,
    assetKind: spec.assetKind,
    task: spec.task,
    failureMode: primary.code,
    label: primary.label,
    scope: { pathPrefix: spec.scope.pathPrefix, assetPrefix: spec.scope.assetPrefix },
    windowMs: spec.windowMinutes * MIN,
    scoreEveryMs: spec.scoreEveryMinutes * MIN,
    staleMs: spec.staleMinutes * MIN,
    horizonHours: spec.task.kind === 'classification' ? spec.task.horizonMinutes / 60 : spec.task.kind === 'regression' ? spec.task.alertBelowHours : 0,
    maxImputedInputs: spec.maxImputedInputs,
    evidence: spec.evidence,
    ruleWindow: defineWindowSpec({
      version: spec.ruleWindow.version,
      windowMinutes: spec.ruleWindow.windowMinutes,
      gridMinutes: spec.ruleWindow.gridMinutes,
      features: spec.ruleWindow.features.map((f) => ({ ...f })),
    }),
    rules: spec.rules,
    failureModes: spec.failureModes,
    costModel: spec.costModel,
    kpis: spec.kpis,
  };
}

/** Whether a UNS asset path `e.s.a.l.asset` is in the use case's scope (the prefix on whole ISA-95 levels). */
export function inScope(spec: Pick<UseCaseSpec, 'scope'>, assetPath: string): boolean {
  const p = spec.scope.pathPrefix;
  if (p !== '' && !(assetPath === p || assetPath.startsWith(`${p}.`))) return false;
  const asset = assetPath.slice(assetPath.lastIndexOf('.') + 1);
  return asset.startsWith(spec.scope.assetPrefix);
}

/** The failure mode (and its action) a prompt of this use case is about: the task's, or a rule's own. */
export function failureModeOf(spec: UseCaseSpec, code: string = spec.failureMode): FailureModeSpec {
  return spec.failureModes.find((f) => f.code === code) ?? spec.failureModes.find((f) => f.code === spec.failureMode) ?? spec.failureModes[0]!;
}

/** Rule violations of a window (features by name, NaN = missing, never a violation). */
export function ruleViolations(spec: Pick<UseCaseSpec, 'rules'>, values: ReadonlyMap<string, number>): { rule: RuleLimit; value: number }[] {
  const out: { rule: RuleLimit; value: number }[] = [];
  for (const rule of spec.rules) {
    const v = values.get(rule.feature);
    if (v === undefined || !Number.isFinite(v)) continue;
    if ((rule.above !== undefined && v > rule.above) || (rule.below !== undefined && v < rule.below)) out.push({ rule, value: v });
  }
  return out;
}

/**
 * Why a model cannot serve a use case, or null when it can: the model's task must be the use
 * case's, and every evidence template must read a feature the model computes (tag + statistic),
 * otherwise the prompt could not say what it saw. Checked when the model is loaded (ADR 0016).
 */
export function modelMismatch(
  spec: Pick<UseCaseSpec, 'task' | 'evidence' | 'name'>,
  model: { readonly task: string | null; readonly features: readonly { readonly tag: string; readonly statistic: string }[] },
): string | null {
  if (model.task !== null && model.task !== spec.task.kind)
    return `it is a ${model.task} model but the use case "${spec.name}" needs a ${spec.task.kind} model`;
  const has = new Set(model.features.map((f) => `${f.tag}/${f.statistic}`));
  const lacking = spec.evidence.filter((t) => !has.has(`${t.tag}/${t.statistic}`)).map((t) => `${t.tag} (${t.statistic})`);
  if (lacking.length > 0) return `the use case "${spec.name}" words evidence from ${lacking.join(', ')}, which the model does not compute`;
  return null;
}
