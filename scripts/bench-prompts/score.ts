// Prompt quality against the simulator's ground truth (issue 14, item 3). Pure: failures (labelled
// by the simulator, with onset and failure times), prompts (what inference raised, in plant time)
// and sensor-fault windows in; the bench's figures out.
//
//   recall       failures with a prompt on the right asset: for modes with a precursor raised
//                between the onset (emergent: 2 h before) and the failure, for sudden modes within
//                2 plant-min of it; a prompt counts when raised then, or when a standing prompt of
//                that very mode is renewed then
//   lead         failure − first prompt (plant min), predictive modes
//   detection    first prompt − failure (plant min), sudden modes
//   false        distinct prompts matching no failure (nor an injected fault still developing)
//                per asset-day; prompts during a sensor fault are counted apart too
//   right action the first prompt of a detected failure was for that failure mode
//   load         prompts per operator-hour (one operator per area), peak over clock hours and mean
//   priority     shares of distinct prompts: high (high + critical), medium, low

export type ModeKind = 'predictive' | 'sudden' | 'random';

export interface Failure {
  readonly asset: string;
  readonly mode: string;
  readonly kind: ModeKind;
  /** plant ms the underlying fault started (null: emergent, unknown: `emergentLookbackMs` stands in) */
  readonly onsetMs: number | null;
  readonly failureMs: number;
}

/** One prompt event: the first raise of a recommendation or an update in place (`update` > 0). */
export interface PromptEvent {
  readonly recommendationId: string;
  readonly asset: string;
  /** the operator who sees it (the area of the asset) */
  readonly operator: string;
  /** the failure mode of the use case that raised it */
  readonly mode: string;
  readonly atMs: number;
  readonly update: number;
  readonly priority: 'low' | 'medium' | 'high' | 'critical';
}

export interface Window {
  readonly asset: string;
  readonly fromMs: number;
  readonly toMs: number;
  /** the fault behind the window (`sensor_stuck`, …), where known */
  readonly fault?: string;
}

export interface ScoreInput {
  readonly plantDays: number;
  readonly assetKinds: number;
  readonly assets: number;
  readonly operators: number;
  /** every mode the plant can label (those without failures are reported with failures 0) */
  readonly modes: readonly { readonly mode: string; readonly kind: ModeKind }[];
  readonly failures: readonly Failure[];
  readonly prompts: readonly PromptEvent[];
  /** injected maintenance faults that had not failed yet (a prompt there is not false) */
  readonly developing: readonly Window[];
  readonly sensorFaults: readonly Window[];
  /** how far before an emergent predictive failure (onset unknown) a prompt still counts (default 2 h) */
  readonly emergentLookbackMs?: number;
  /** sudden modes: the prompt within this after the failure (default 2 min) */
  readonly suddenWithinMs?: number;
}

export interface ModeResult {
  mode: string;
  kind: ModeKind;
  failures: number;
  recall: number | null;
  median_lead_min: number | null;
  detect_p95_min: number | null;
}

export interface BenchResult {
  bench: 'prompts';
  plant_days: number;
  asset_kinds: number;
  failure_modes: ModeResult[];
  recall_min: number | null;
  median_lead_min: number | null;
  sudden_detect_p95_min: number | null;
  false_per_asset_day: number;
  right_action: number | null;
  peak_prompts_per_operator_hour: number;
  priority_share: { high: number; medium: number; low: number };
}

export interface BenchDetail {
  prompts: number;
  false_prompts: number;
  /** false and all distinct prompts by the failure mode they were for */
  false_by_mode: Record<string, number>;
  prompts_by_mode: Record<string, number>;
  sensor_fault_prompts: number;
  sensor_fault_prompts_by_fault: Record<string, number>;
  mean_prompts_per_operator_hour: number;
  detected: number;
  failures: number;
}

const MIN = 60_000;
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/** The plant-time window in which a prompt detects the failure. */
export function matchWindow(f: Failure, o: Pick<ScoreInput, 'emergentLookbackMs' | 'suddenWithinMs'>): { fromMs: number; toMs: number } {
  const within = o.suddenWithinMs ?? 2 * MIN;
  if (f.kind === 'sudden' || f.kind === 'random') return { fromMs: f.failureMs - MIN, toMs: f.failureMs + within };
  return { fromMs: f.onsetMs ?? f.failureMs - (o.emergentLookbackMs ?? 2 * 60 * MIN), toMs: f.failureMs };
}

export function scorePrompts(input: ScoreInput): { result: BenchResult; detail: BenchDetail } {
  const byAsset = new Map<string, PromptEvent[]>();
  for (const p of input.prompts) byAsset.set(p.asset, [...(byAsset.get(p.asset) ?? []), p]);
  for (const list of byAsset.values()) list.sort((a, b) => a.atMs - b.atMs);

  const matched = new Set<string>();
  const perMode = new Map<string, { failures: number; detected: number; leads: number[]; delays: number[] }>();
  let detected = 0,
    right = 0;
  for (const f of input.failures) {
    const m = perMode.get(f.mode) ?? { failures: 0, detected: 0, leads: [], delays: [] };
    perMode.set(f.mode, m);
    m.failures++;
    const w = matchWindow(f, input);
    // a new prompt on the asset, or a standing prompt of this very mode renewed (a prompt of another
    // mode left standing does not detect every failure that happens meanwhile)
    const counts = (p: PromptEvent) => p.update === 0 || sameMode(p.mode, f.mode);
    const inWindow = (byAsset.get(f.asset) ?? []).filter((p) => p.atMs >= w.fromMs && p.atMs <= w.toMs && counts(p));
    // a prompt soon after a predictive failure is late, not false
    const after = f.kind === 'predictive' ? (byAsset.get(f.asset) ?? []).filter((p) => p.atMs > w.toMs && p.atMs <= f.failureMs + 2 * MIN) : [];
    for (const p of [...inWindow, ...after]) matched.add(p.recommendationId);
    const first = inWindow[0];
    if (first === undefined) continue;
    m.detected++;
    detected++;
    if (sameMode(first.mode, f.mode)) right++;
    if (f.kind === 'predictive') m.leads.push((f.failureMs - first.atMs) / MIN);
    else m.delays.push(Math.max(0, (first.atMs - f.failureMs) / MIN));
  }
  for (const d of input.developing) {
    for (const p of byAsset.get(d.asset) ?? []) if (p.atMs >= d.fromMs && p.atMs <= d.toMs) matched.add(p.recommendationId);
  }

  // distinct prompts: the first event of each recommendation
  const firsts = new Map<string, PromptEvent>();
  for (const p of input.prompts) {
    const prev = firsts.get(p.recommendationId);
    if (prev === undefined || p.atMs < prev.atMs) firsts.set(p.recommendationId, p);
  }
  const distinct = [...firsts.values()];
  const falsePrompts = distinct.filter((p) => !matched.has(p.recommendationId));
  const sensorFaultOf = (p: PromptEvent) => input.sensorFaults.find((s) => s.asset === p.asset && p.atMs >= s.fromMs && p.atMs <= s.toMs + 60 * MIN);
  const duringSensor = falsePrompts.filter((p) => sensorFaultOf(p) !== undefined);
  const bySensorFault: Record<string, number> = {};
  for (const p of duringSensor) {
    const f = sensorFaultOf(p)!.fault ?? 'unknown';
    bySensorFault[f] = (bySensorFault[f] ?? 0) + 1;
  }

  const hours = new Map<string, number>();
  for (const p of distinct) {
    const k = `${p.operator}|${Math.floor(p.atMs / (60 * MIN))}`;
    hours.set(k, (hours.get(k) ?? 0) + 1);
  }
  const peak = Math.max(0, ...hours.values());
  const totalHours = input.plantDays * 24 * Math.max(1, input.operators);

  const modes: ModeResult[] = input.modes.map(({ mode, kind }) => {
    const m = perMode.get(mode);
    const failures = m?.failures ?? 0;
    return {
      mode,
      kind,
      failures,
      recall: failures === 0 ? null : round(m!.detected / failures),
      median_lead_min: kind === 'predictive' && m !== undefined ? nullRound(quantile(m.leads, 0.5), 1) : null,
      detect_p95_min: kind !== 'predictive' && m !== undefined ? nullRound(quantile(m.delays, 0.95), 1) : null,
    };
  });
  const aimed = modes.filter((m) => m.kind !== 'random' && m.recall !== null);
  const leads = input.failures.length === 0 ? [] : [...perMode.entries()].filter(([mode]) => kindOf(input, mode) === 'predictive').flatMap(([, m]) => m.leads);
  const delays = [...perMode.entries()].filter(([mode]) => kindOf(input, mode) === 'sudden').flatMap(([, m]) => m.delays);
  const share = (f: (p: PromptEvent) => boolean) => (distinct.length === 0 ? 0 : round(distinct.filter(f).length / distinct.length));
  const result: BenchResult = {
    bench: 'prompts',
    plant_days: input.plantDays,
    asset_kinds: input.assetKinds,
    failure_modes: modes,
    recall_min: aimed.length === 0 ? null : Math.min(...aimed.map((m) => m.recall!)),
    median_lead_min: nullRound(quantile(leads, 0.5), 1),
    sudden_detect_p95_min: nullRound(quantile(delays, 0.95), 1),
    false_per_asset_day: round(falsePrompts.length / Math.max(1e-9, input.assets * input.plantDays)),
    right_action: detected === 0 ? null : round(right / detected),
    peak_prompts_per_operator_hour: peak,
    priority_share: {
      high: share((p) => p.priority === 'high' || p.priority === 'critical'),
      medium: share((p) => p.priority === 'medium'),
      low: share((p) => p.priority === 'low'),
    },
  };
  return {
    result,
    detail: {
      prompts: distinct.length,
      false_prompts: falsePrompts.length,
      false_by_mode: Object.fromEntries([...new Set(falsePrompts.map((p) => p.mode))].map((m) => [m, falsePrompts.filter((p) => p.mode === m).length])),
      prompts_by_mode: Object.fromEntries([...new Set(distinct.map((p) => p.mode))].map((m) => [m, distinct.filter((p) => p.mode === m).length])),
      sensor_fault_prompts: duringSensor.length,
      sensor_fault_prompts_by_fault: bySensorFault,
      mean_prompts_per_operator_hour: round(distinct.length / totalHours),
      detected,
      failures: input.failures.length,
    },
  };
}

/** The use case's failure mode names the label whatever the case (`pwf` for AI4I's PWF). */
const sameMode = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

function kindOf(input: ScoreInput, mode: string): ModeKind | undefined {
  return input.modes.find((m) => m.mode === mode)?.kind;
}

function nullRound(x: number | null, d: number): number | null {
  return x === null ? null : round(x, d);
}
