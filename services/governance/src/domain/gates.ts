// The gates a model version must pass before production (issue 16), checked at approval and again
// at promotion: minimum (and maximum) test metrics from the charter and governance's gate policy,
// stress limits from the model card, snapshot data quality, a required shadow period, and expected
// savings under the charter's cost model at least production's. Pure: the evidence comes in as data
// (features/gates.ts reads it); every gate gives a result with its numbers, and a refusal lists every
// failing one. Also the definition rules: a gate naming a metric the task does not produce is refused.

export type Metrics = Readonly<Record<string, number>>;

/** The gate policy of a use case: ModelGatesSet (governance) merged with the charter's minModelMetrics. */
export interface GatePolicy {
  /** Minimum test metrics (higher is better): the charter's minModelMetrics and governance's own; the stricter wins. */
  readonly minMetrics: Metrics;
  /** Maximum test metrics (lower is better: rmse, mae, brier). */
  readonly maxMetrics: Metrics;
  readonly maxNoiseDrop: number | null;
  readonly maxDropoutDrop: number | null;
  readonly snapshot: { readonly minRows: number; readonly minLabels: number } | null;
  readonly shadow: { readonly minWindows: number; readonly minAgreement: number } | null;
  readonly savingsAtLeastProduction: boolean;
  readonly minLiveOutcomes: number;
}

/** ModelGatesSet as recorded (governance's part of the policy). */
export type GateSettings = Omit<GatePolicy, 'minMetrics'> & { readonly minMetrics: Metrics };

/**
 * Without a ModelGatesSet: the charter's minimum metrics only, no stress, snapshot or shadow
 * requirement, savings compared with production when both have the numbers, 10 live outcomes before
 * live precision and recall count (ADR 0018).
 */
export const DEFAULT_GATE_SETTINGS: GateSettings = {
  minMetrics: {},
  maxMetrics: {},
  maxNoiseDrop: null,
  maxDropoutDrop: null,
  snapshot: null,
  shadow: null,
  savingsAtLeastProduction: true,
  minLiveOutcomes: 10,
};

/** The policy in force: governance's settings with the charter's minimum metrics (the higher minimum of the two). */
export function gatePolicy(settings: GateSettings | null, charterMinMetrics: Metrics | null): GatePolicy {
  const s = settings ?? DEFAULT_GATE_SETTINGS;
  const minMetrics: Record<string, number> = { ...(charterMinMetrics ?? {}) };
  for (const [k, v] of Object.entries(s.minMetrics)) minMetrics[k] = Math.max(v, minMetrics[k] ?? -Infinity);
  return { ...s, minMetrics };
}

// ── definition ──────────────────────────────────────────────────────────────────────────────

/** Metrics the platform's trainers produce, per task (higher is better / lower is better). */
export const TASK_METRICS: Readonly<Record<string, { readonly higher: readonly string[]; readonly lower: readonly string[] }>> = {
  classification: { higher: ['precision', 'recall', 'f1', 'pr_auc', 'roc_auc'], lower: ['brier'] },
  anomaly: { higher: ['precision', 'recall', 'f1', 'pr_auc', 'roc_auc'], lower: ['brier'] },
  regression: { higher: [], lower: ['rmse', 'mae'] },
  'visual-inspection': { higher: ['precision', 'recall', 'f1'], lower: ['false_regions_per_board'] },
};

const LOWER_IS_BETTER = new Set(Object.values(TASK_METRICS).flatMap((t) => t.lower));

/**
 * The problems of a gate definition for a use case of `task` (empty = valid): a metric the task
 * does not produce (its known metrics, or one a registered version of the use case carries), a
 * lower-is-better metric given as a minimum or the other way round, a ratio outside 0–1.
 */
export function gateDefinitionProblems(settings: GateSettings, task: string, registeredMetricNames: readonly string[]): string[] {
  const known = TASK_METRICS[task];
  const carried = new Set(registeredMetricNames);
  const produced = (m: string) => carried.has(m) || (known !== undefined && (known.higher.includes(m) || known.lower.includes(m)));
  const list = known === undefined ? [...carried] : [...known.higher, ...known.lower];
  const problems: string[] = [];
  for (const [field, metrics, lower] of [
    ['minMetrics', settings.minMetrics, false],
    ['maxMetrics', settings.maxMetrics, true],
  ] as const) {
    for (const [m, v] of Object.entries(metrics)) {
      if (!Number.isFinite(v)) problems.push(`${field}.${m}: must be a finite number`);
      else if (!produced(m)) problems.push(`${field}.${m}: the ${task} task does not produce "${m}" (it produces ${list.join(', ') || 'no known metric'})`);
      else if (lower !== LOWER_IS_BETTER.has(m))
        problems.push(
          `${field}.${m}: "${m}" is ${LOWER_IS_BETTER.has(m) ? 'lower' : 'higher'}-is-better; give it under ${lower ? 'minMetrics' : 'maxMetrics'}`,
        );
    }
  }
  if (settings.shadow !== null && (settings.shadow.minAgreement < 0 || settings.shadow.minAgreement > 1)) problems.push('shadow.minAgreement: must be 0–1');
  return problems;
}

// ── evidence and evaluation ─────────────────────────────────────────────────────────────────

/** The model card's stress results (packages/ml StressResult). */
export interface StressEvidence {
  readonly metric: string;
  readonly baseline: number;
  readonly noise: readonly { readonly sigma: number; readonly value: number; readonly drop: number }[];
  readonly dropped: readonly { readonly sensor: string; readonly value: number; readonly drop: number }[];
}

/**
 * Costs of the charter (CostModelSet, else the serving spec's), mapped as training maps them: a
 * failure nobody was warned of (repair and downtime), an inspection, and what acting on a false
 * alarm costs beyond the inspection.
 */
export interface CostEvidence {
  readonly currency: string;
  readonly failure: number;
  readonly inspection: number;
  readonly falseAlarm: number;
  readonly source: string;
}

export interface ShadowEvidence {
  /** Windows the candidate scored in shadow, and those where it agreed with the reference. */
  readonly windows: number;
  readonly agreeing: number;
  /** production: the model in production; rules: the declared rule limits (a first model). */
  readonly reference: 'production' | 'rules';
}

export interface GateEvidence {
  readonly task: string;
  readonly candidate: { readonly version: number; readonly metrics: Metrics; readonly snapshotHash: string };
  /** The version holding production of the deployment (null: the rules). */
  readonly production: { readonly version: number; readonly metrics: Metrics } | null;
  /** The card's stress results, or why they could not be read. */
  readonly stress: StressEvidence | { readonly unavailable: string };
  /** The snapshot as dataops recorded it; null when it is not in the store. */
  readonly snapshot: { readonly rowCount: number; readonly labelCount: number; readonly contentHash: string } | null;
  readonly shadow: ShadowEvidence | null;
  readonly costModel: CostEvidence | null;
}

export type GateName = 'min-metric' | 'max-metric' | 'stress-noise' | 'stress-dropout' | 'snapshot-quality' | 'shadow-period' | 'savings';

export interface GateResult {
  readonly gate: GateName;
  readonly passed: boolean;
  /** The numbers: what was found and the limit. */
  readonly detail: string;
}

const f = (v: number, d = 3): string => (Number.isInteger(v) ? String(v) : v.toFixed(d));

/**
 * Expected savings against no model, per 1000 scored windows of the test part: each caught failure
 * saves the failure less its inspection, each false alarm costs the inspection and the false alarm:
 * tp × (failure − inspection) − fp × (inspection + false alarm). Null without the counts (a regressor).
 */
export function expectedSavingsPer1000(m: Metrics, c: CostEvidence): number | null {
  const { tp, fp, rows } = m;
  if (tp === undefined || fp === undefined || rows === undefined || rows <= 0) return null;
  return (1000 * (tp * (c.failure - c.inspection) - fp * (c.inspection + c.falseAlarm))) / rows;
}

function metricGates(p: GatePolicy, e: GateEvidence): GateResult[] {
  const out: GateResult[] = [];
  const produced = Object.keys(e.candidate.metrics).join(', ');
  for (const [kind, limits] of [
    ['min-metric', p.minMetrics],
    ['max-metric', p.maxMetrics],
  ] as const) {
    for (const [m, limit] of Object.entries(limits).sort(([a], [b]) => a.localeCompare(b))) {
      const v = e.candidate.metrics[m];
      const op = kind === 'min-metric' ? '≥' : '≤';
      if (v === undefined) {
        out.push({
          gate: kind,
          passed: false,
          detail: `${m}: not produced by this ${e.task} model (it has ${produced || 'no metrics'}); gate ${op} ${f(limit)}`,
        });
        continue;
      }
      const passed = kind === 'min-metric' ? v >= limit : v <= limit;
      out.push({ gate: kind, passed, detail: `${m} ${f(v)} on the test part, gate ${op} ${f(limit)}` });
    }
  }
  return out;
}

function stressGates(p: GatePolicy, e: GateEvidence): GateResult[] {
  const out: GateResult[] = [];
  if (p.maxNoiseDrop === null && p.maxDropoutDrop === null) return out;
  if ('unavailable' in e.stress) {
    const detail = `stress results unavailable (${e.stress.unavailable})`;
    if (p.maxNoiseDrop !== null) out.push({ gate: 'stress-noise', passed: false, detail });
    if (p.maxDropoutDrop !== null) out.push({ gate: 'stress-dropout', passed: false, detail });
    return out;
  }
  const s = e.stress;
  if (p.maxNoiseDrop !== null) {
    const worst = [...s.noise].sort((a, b) => b.drop - a.drop)[0];
    if (worst === undefined) out.push({ gate: 'stress-noise', passed: false, detail: 'the model card records no noise stress test' });
    else
      out.push({
        gate: 'stress-noise',
        passed: worst.drop <= p.maxNoiseDrop,
        detail: `${s.metric} drops ${f(worst.drop)} (${f(s.baseline)} → ${f(worst.value)}) under noise σ = ${worst.sigma} × std, limit ${f(p.maxNoiseDrop)}`,
      });
  }
  if (p.maxDropoutDrop !== null) {
    const limit = p.maxDropoutDrop;
    const over = s.dropped.filter((d) => d.drop > limit).sort((a, b) => b.drop - a.drop);
    const worst = [...s.dropped].sort((a, b) => b.drop - a.drop)[0];
    if (worst === undefined) out.push({ gate: 'stress-dropout', passed: false, detail: 'the model card records no sensor dropout test' });
    else if (over.length === 0)
      out.push({ gate: 'stress-dropout', passed: true, detail: `${s.metric} drops at most ${f(worst.drop)} (${worst.sensor} dropped), limit ${f(limit)}` });
    else
      out.push({
        gate: 'stress-dropout',
        passed: false,
        detail: `${s.metric} drops over ${f(limit)} when a sensor is dropped: ${over.map((d) => `${d.sensor} ${f(d.drop)} (${f(s.baseline)} → ${f(d.value)})`).join(', ')}`,
      });
  }
  return out;
}

function snapshotGate(p: GatePolicy, e: GateEvidence): GateResult[] {
  if (p.snapshot === null) return [];
  const s = e.snapshot;
  if (s === null)
    return [{ gate: 'snapshot-quality', passed: false, detail: 'the training snapshot is not recorded in the event store (no DatasetSnapshotCreated)' }];
  if (s.contentHash !== e.candidate.snapshotHash)
    return [{ gate: 'snapshot-quality', passed: false, detail: `snapshot hash ${s.contentHash} differs from the registered ${e.candidate.snapshotHash}` }];
  const passed = s.rowCount >= p.snapshot.minRows && s.labelCount >= p.snapshot.minLabels;
  return [
    {
      gate: 'snapshot-quality',
      passed,
      detail: `snapshot ${s.rowCount} rows and ${s.labelCount} labels, gate ≥ ${p.snapshot.minRows} rows and ≥ ${p.snapshot.minLabels} labels`,
    },
  ];
}

function shadowGate(p: GatePolicy, e: GateEvidence): GateResult[] {
  if (p.shadow === null) return [];
  const s = e.shadow;
  if (s === null || s.windows === 0)
    return [
      {
        gate: 'shadow-period',
        passed: false,
        detail: `no shadow windows recorded; gate ≥ ${p.shadow.minWindows} windows at ≥ ${f(p.shadow.minAgreement)} agreement`,
      },
    ];
  const agreement = s.agreeing / s.windows;
  const passed = s.windows >= p.shadow.minWindows && agreement >= p.shadow.minAgreement;
  return [
    {
      gate: 'shadow-period',
      passed,
      detail: `${s.windows} shadow windows (gate ≥ ${p.shadow.minWindows}), agreement with ${s.reference === 'rules' ? 'the rules' : 'production'} ${f(agreement)} (gate ≥ ${f(p.shadow.minAgreement)})`,
    },
  ];
}

function savingsGate(p: GatePolicy, e: GateEvidence): GateResult[] {
  if (!p.savingsAtLeastProduction || e.production === null || e.costModel === null) return [];
  const c = e.costModel;
  const cand = expectedSavingsPer1000(e.candidate.metrics, c);
  const prod = expectedSavingsPer1000(e.production.metrics, c);
  if (cand === null || prod === null) return [];
  return [
    {
      gate: 'savings',
      passed: cand >= prod,
      detail: `expected savings ${f(cand, 2)} ${c.currency} per 1000 windows vs production (version ${e.production.version}) ${f(prod, 2)} ${c.currency} (${c.source} cost model: failure ${f(c.failure)}, inspection ${f(c.inspection)}, false alarm ${f(c.falseAlarm)})`,
    },
  ];
}

/** Every gate of the policy on the evidence, in a fixed order (metrics, stress, snapshot, shadow, savings). */
export function evaluateGates(p: GatePolicy, e: GateEvidence): GateResult[] {
  return [...metricGates(p, e), ...stressGates(p, e), ...snapshotGate(p, e), ...shadowGate(p, e), ...savingsGate(p, e)];
}

/** The refusal text listing every failing gate with its numbers (null when all pass). */
export function gateRefusal(version: number, results: readonly GateResult[]): string | null {
  const failing = results.filter((r) => !r.passed);
  if (failing.length === 0) return null;
  return `model version ${version} fails ${failing.length} gate${failing.length === 1 ? '' : 's'} for production: ${failing.map((r) => `[${r.gate}] ${r.detail}`).join('; ')}`;
}
