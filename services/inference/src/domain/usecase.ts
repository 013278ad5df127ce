// Use cases the runtime serves, as data: which assets (UNS scope), how much history to keep, the
// failure mode and its horizon, how evidence is worded, and the declared rule-based limits used
// when the model cannot be trusted. The pump bearing case is the default. Pure.
//
// Model inputs are NOT defined here: every model carries its own @industrial/ml window spec
// (training wrote it into the model), and live rows are computed from it. Evidence wording matches
// a model input by what it is computed from (tag + statistic), whatever the model calls it.
import { defineWindowSpec, type WindowSpec, type WindowStatistic } from '@industrial/ml';

/** How one window feature reads in operator text. */
export interface EvidenceTemplate {
  /** Matches model inputs computed from this tag with this statistic. */
  readonly tag: string;
  readonly statistic: WindowStatistic;
  /**
   * A short phrase ("bearing temperature 18 °C above normal"), or null when it says nothing worth
   * showing. `value` is in the feature's unit; `normal` is the training reference median (NaN unknown).
   */
  readonly phrase: (value: number, normal: number) => string | null;
}

/** A declared limit on one feature of the use case's rule window, checked when the rules stand in for the model. */
export interface RuleLimit {
  readonly feature: string;
  readonly above: number;
  readonly unit: string;
  /** "bearing temperature" → "bearing temperature above its limit of 75 °C" */
  readonly what: string;
}

export interface UseCaseSpec {
  readonly useCaseId: string;
  readonly name: string;
  /** Asset kind used by the action catalogue ("pump"). */
  readonly assetKind: string;
  readonly failureMode: string;
  /** Label class for outcomes and reported misses (dataops). */
  readonly label: string;
  /** Assets in scope: UNS asset paths starting with this prefix whose asset token starts with `assetPrefix`. */
  readonly scope: { readonly pathPrefix: string; readonly assetPrefix: string };
  /** History kept per asset and replayed on a takeover; models with longer windows extend it. */
  readonly windowMs: number;
  /** Score a window at most this often per asset (plant time). */
  readonly scoreEveryMs: number;
  /** A tag whose last Good sample is older than this is stale. */
  readonly staleMs: number;
  /** "Failure is likely within <horizon>". */
  readonly horizonHours: number;
  /** Most inputs that may be imputed (as the model card says) before the rules take over. */
  readonly maxImputedInputs: number;
  readonly evidence: readonly EvidenceTemplate[];
  /** The window the rule limits read (computed by the same @industrial/ml function as model inputs). */
  readonly ruleWindow: WindowSpec;
  readonly rules: readonly RuleLimit[];
}

export const PUMP_TAGS = ['flow', 'discharge_pressure', 'bearing_temperature', 'vibration_rms', 'motor_current', 'speed'] as const;

const round = (v: number) => Math.round(v);
const oneDecimal = (v: number) => Math.round(v * 10) / 10;
const above = (v: number, normal: number) => (Number.isFinite(normal) ? v - normal : NaN);
const vibrationAbove = (v: number, normal: number) => {
  const x = oneDecimal(above(v, normal));
  return x >= 0.5 ? `vibration ${x} mm/s above normal` : null;
};

export const PUMP_BEARING_USE_CASE: UseCaseSpec = {
  useCaseId: '0193a1b2-7c00-7a10-8b00-0000000000b1',
  name: 'Pump bearing failure',
  assetKind: 'pump',
  failureMode: 'bearing_failure',
  label: 'bearing_failure',
  scope: { pathPrefix: '', assetPrefix: 'pump-' },
  windowMs: 60 * 60_000,
  scoreEveryMs: 60_000,
  staleMs: 5 * 60_000,
  horizonHours: 8,
  maxImputedInputs: 1,
  evidence: [
    {
      tag: 'bearing_temperature',
      statistic: 'mean',
      phrase: (v, n) => (round(above(v, n)) >= 3 ? `bearing temperature ${round(above(v, n))} °C above normal` : null),
    },
    { tag: 'vibration_rms', statistic: 'rms', phrase: vibrationAbove },
    { tag: 'vibration_rms', statistic: 'mean', phrase: vibrationAbove },
    { tag: 'vibration_rms', statistic: 'slope', phrase: (v) => (v > 0.2 ? 'vibration rising' : null) },
    { tag: 'bearing_temperature', statistic: 'slope', phrase: (v) => (v > 2 ? 'bearing temperature rising' : null) },
    { tag: 'motor_current', statistic: 'mean', phrase: () => null },
  ],
  ruleWindow: defineWindowSpec({
    version: '1.0.0',
    windowMinutes: 30,
    gridMinutes: 1,
    features: [
      { name: 'bearing_temp_mean', unit: 'Cel', tag: 'bearing_temperature', statistic: 'mean', description: 'mean bearing temperature over 30 min' },
      { name: 'vibration_mean', unit: 'mm/s', tag: 'vibration_rms', statistic: 'mean', description: 'mean vibration velocity over 30 min' },
    ],
  }),
  rules: [
    { feature: 'bearing_temp_mean', above: 75, unit: '°C', what: 'bearing temperature' },
    { feature: 'vibration_mean', above: 4.5, unit: 'mm/s', what: 'vibration' },
  ],
};

/** Whether a UNS asset path `e.s.a.l.asset` is in the use case's scope. */
export function inScope(spec: UseCaseSpec, assetPath: string): boolean {
  if (!assetPath.startsWith(spec.scope.pathPrefix)) return false;
  const asset = assetPath.slice(assetPath.lastIndexOf('.') + 1);
  return asset.startsWith(spec.scope.assetPrefix);
}

/** Rule violations of a window (features by name, NaN = missing, never a violation). */
export function ruleViolations(spec: UseCaseSpec, values: ReadonlyMap<string, number>): { rule: RuleLimit; value: number }[] {
  const out: { rule: RuleLimit; value: number }[] = [];
  for (const rule of spec.rules) {
    const v = values.get(rule.feature);
    if (v !== undefined && Number.isFinite(v) && v > rule.above) out.push({ rule, value: v });
  }
  return out;
}
