// Live monitoring of production models (issue 16): precision and recall from what operators
// recorded (a prompt confirmed, a false alarm, a failure no prompt warned about) and the charter's
// KPIs against baseline and target, per model version and deployment. Falling below a gate gives a
// rollback proposal (ModelRollbackProposed, trigger gate-breach or kpi-miss) for a quality lead to
// accept by rolling back — never a rollback here. A proposal is not repeated while it stands (until
// its version leaves production of that deployment). Pure: counts and measurements come in as data.
import { deploymentKey, isRefused, type RegistryState } from './registry-state.ts';
import type { GatePolicy } from './gates.ts';

/** Outcomes of a version's production prompts in a deployment. */
export interface LiveCounts {
  /** Prompts whose outcome was a real event (prevented or occurred anyway). */
  readonly confirmed: number;
  /** Prompts after which nothing happened. */
  readonly falseAlarms: number;
  /** Failures reported as missed (no prompt warned) while the version served the asset. */
  readonly missed: number;
}

/** A KPI of the charter (ObjectiveSet) and the measurements taken while the version served. */
export interface KpiTrack {
  readonly name: string;
  readonly direction: 'increase' | 'decrease';
  readonly baseline: number;
  readonly target: number;
  readonly deadline: string;
  /** Ordered by period end. */
  readonly measurements: readonly { readonly value: number; readonly periodEnd: string }[];
}

export interface Breach {
  readonly trigger: 'gate-breach' | 'kpi-miss';
  readonly measure: string;
  readonly value: number;
  readonly limit: number;
  readonly basis: number;
  readonly reason: string;
}

const f = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(3));

/** Live precision (confirmed / prompts judged) and recall (confirmed / real events), once each rests on `minLiveOutcomes`. */
export function liveBreaches(policy: Pick<GatePolicy, 'minMetrics' | 'minLiveOutcomes'>, c: LiveCounts): Breach[] {
  const out: Breach[] = [];
  const check = (measure: 'precision' | 'recall', hits: number, basis: number, what: string) => {
    const limit = policy.minMetrics[measure];
    if (limit === undefined || basis < policy.minLiveOutcomes) return;
    const value = hits / basis;
    if (value < limit)
      out.push({
        trigger: 'gate-breach',
        measure,
        value,
        limit,
        basis,
        reason: `live ${measure} ${f(value)} over ${basis} ${what} is below the gate ${f(limit)}`,
      });
  };
  check('precision', c.confirmed, c.confirmed + c.falseAlarms, 'prompts with a recorded outcome');
  check('recall', c.confirmed, c.confirmed + c.missed, 'real events (confirmed prompts and reported misses)');
  return out;
}

/**
 * A KPI missed: its latest measurement while the version served is worse than the baseline (the
 * plant is worse off than before the model), or, past the KPI's deadline, still short of the target.
 */
export function kpiBreaches(kpis: readonly KpiTrack[]): Breach[] {
  const out: Breach[] = [];
  for (const k of kpis) {
    const last = k.measurements.at(-1);
    if (last === undefined) continue;
    const worse = (a: number, b: number) => (k.direction === 'increase' ? a < b : a > b);
    const pastDeadline = Date.parse(last.periodEnd) >= Date.parse(k.deadline);
    const limit = worse(last.value, k.baseline) ? k.baseline : pastDeadline && worse(last.value, k.target) ? k.target : null;
    if (limit === null) continue;
    out.push({
      trigger: 'kpi-miss',
      measure: k.name.slice(0, 120),
      value: last.value,
      limit,
      basis: k.measurements.length,
      reason: `KPI "${k.name}" measured ${f(last.value)} (period to ${last.periodEnd}) is worse than its ${limit === k.baseline ? 'baseline' : 'target, past its deadline,'} ${f(limit)}`,
    });
  }
  return out;
}

export interface ProposalCommand {
  readonly useCaseId: string;
  readonly modelVersionId: string;
  readonly scope: string | null;
  readonly breaches: readonly Breach[];
  /** One id per proposal to record. */
  readonly newId: () => string;
}

/**
 * ModelRollbackProposed for each breach without a standing proposal of the same version,
 * deployment, trigger and measure — and only while the version still holds production there. The
 * proposed target is the version it replaced (the rules when there was none or it is refused since).
 */
export function decideProposals(s: RegistryState, c: ProposalCommand) {
  const key = deploymentKey(c.useCaseId, c.scope);
  if ((s.deployments.production.get(key) ?? null) !== c.modelVersionId) return [];
  const standing = [...s.proposals.values()].filter((p) => p.standing && p.modelVersionId === c.modelVersionId && p.scope === c.scope);
  const previous = s.promotedFrom.get(`${key}|${c.modelVersionId}`) ?? null;
  const to = previous !== null && !isRefused(s, previous) ? previous : null;
  return c.breaches
    .filter((b) => !standing.some((p) => p.trigger === b.trigger && p.measure === b.measure))
    .map((b) => ({
      type: 'ModelRollbackProposed' as const,
      data: {
        proposalId: c.newId(),
        useCaseId: c.useCaseId,
        modelVersionId: c.modelVersionId,
        ...(c.scope === null ? {} : { scope: c.scope }),
        trigger: b.trigger,
        toModelVersionId: to,
        measure: b.measure,
        value: b.value,
        limit: b.limit,
        basis: b.basis,
        reason:
          `${b.reason}; proposed: roll back to ${to === null ? 'the rule-based limits' : `version ${s.deployments.registered.get(to)?.version ?? to}`}`.slice(
            0,
            2000,
          ),
      },
    }));
}
