// Use cases the runtime serves, as data: which assets (UNS scope), the window, the failure mode
// and its horizon, how evidence is worded, and the declared rule-based limits used when the
// model cannot be trusted. The pump bearing case is the default. Pure.
import { add, constant, defineFeature, input, mul, rawFeature, sub, type FeatureDef } from '@industrial/ml';
import { windowInput } from './window.ts';

/** How one feature reads in operator text; `value` is the feature's value in `unit`. */
export interface EvidenceTemplate {
  readonly feature: string;
  readonly unit: string;
  /** A short phrase ("bearing temperature 18 °C above normal"), or null when it says nothing worth showing. */
  readonly phrase: (value: number) => string | null;
}

/** A declared limit on one window input, checked when the rules stand in for the model. */
export interface RuleLimit {
  readonly input: string;
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
  readonly rules: readonly RuleLimit[];
}

// ---------------------------------------------------------------------------------------------
// Pump bearing (centrifugal pumps, cooling water): one shared feature definition for training
// and live windows. Normal bearing temperature and vibration follow the pump affinity laws:
// ambient + 30 K·n² and 1.8 mm/s·n² at n = speed / rated speed.

const RATED_RPM = 2950;
export const PUMP_TAGS = ['flow', 'discharge_pressure', 'bearing_temperature', 'vibration_rms', 'motor_current', 'speed'] as const;

export const PUMP_INPUTS = {
  bearingTemperature: windowInput('bearing_temperature', 'mean'),
  bearingTemperatureSlope: windowInput('bearing_temperature', 'slope'),
  vibration: windowInput('vibration_rms', 'mean'),
  vibrationSlope: windowInput('vibration_rms', 'slope'),
  speed: windowInput('speed', 'mean'),
  current: windowInput('motor_current', 'mean'),
  flow: windowInput('flow', 'mean'),
  pressure: windowInput('discharge_pressure', 'mean'),
} as const;

const I = PUMP_INPUTS;
const speedSquared = mul(mul(input(I.speed), input(I.speed)), constant(1 / (RATED_RPM * RATED_RPM)));

export const pumpFeatures = {
  bearingTemperatureExcess: defineFeature({
    name: 'bearing_temperature_excess_c',
    unit: '°C',
    description: 'bearing temperature above normal for the speed: mean − (25 °C + 30 K·n²)',
    expr: sub(input(I.bearingTemperature), add(constant(25), mul(speedSquared, constant(30)))),
  }),
  vibrationExcess: defineFeature({
    name: 'vibration_excess_mm_s',
    unit: 'mm/s',
    description: 'vibration RMS above normal for the speed: mean − 1.8 mm/s·n²',
    expr: sub(input(I.vibration), mul(speedSquared, constant(1.8))),
  }),
  vibrationSlope: rawFeature(I.vibrationSlope, 'mm/s per h', 'trend of vibration RMS over the window'),
  bearingTemperatureSlope: rawFeature(I.bearingTemperatureSlope, '°C per h', 'trend of bearing temperature over the window'),
  speed: rawFeature(I.speed, 'rpm', 'mean speed'),
  current: rawFeature(I.current, 'A', 'mean motor current'),
  flow: rawFeature(I.flow, 'm³/h', 'mean flow'),
  pressure: rawFeature(I.pressure, 'bar', 'mean discharge pressure'),
} as const;

/** The pump bearing model's features, in model order (training uses exactly this list). */
export const PUMP_BEARING_FEATURES: readonly FeatureDef[] = Object.values(pumpFeatures);

const round = (v: number) => Math.round(v);
const oneDecimal = (v: number) => Math.round(v * 10) / 10;

export const PUMP_BEARING_USE_CASE: UseCaseSpec = {
  useCaseId: '0193a1b2-7c00-7a10-8b00-0000000000b1',
  name: 'Pump bearing failure',
  assetKind: 'pump',
  failureMode: 'bearing_failure',
  label: 'bearing-failure',
  scope: { pathPrefix: '', assetPrefix: 'pump-' },
  windowMs: 30 * 60_000,
  scoreEveryMs: 60_000,
  staleMs: 5 * 60_000,
  horizonHours: 8,
  maxImputedInputs: 1,
  evidence: [
    { feature: 'bearing_temperature_excess_c', unit: '°C', phrase: (v) => (round(v) >= 3 ? `bearing temperature ${round(v)} °C above normal` : null) },
    { feature: 'vibration_excess_mm_s', unit: 'mm/s', phrase: (v) => (oneDecimal(v) >= 0.5 ? `vibration ${oneDecimal(v)} mm/s above normal` : null) },
    { feature: I.vibrationSlope, unit: 'mm/s per h', phrase: (v) => (v > 0.2 ? 'vibration rising' : null) },
    { feature: I.bearingTemperatureSlope, unit: '°C per h', phrase: (v) => (v > 2 ? 'bearing temperature rising' : null) },
    { feature: I.current, unit: 'A', phrase: () => null },
  ],
  rules: [
    { input: I.bearingTemperature, above: 75, unit: '°C', what: 'bearing temperature' },
    { input: I.vibration, above: 4.5, unit: 'mm/s', what: 'vibration' },
  ],
};

/** Whether a UNS asset path `e.s.a.l.asset` is in the use case's scope. */
export function inScope(spec: UseCaseSpec, assetPath: string): boolean {
  if (!assetPath.startsWith(spec.scope.pathPrefix)) return false;
  const asset = assetPath.slice(assetPath.lastIndexOf('.') + 1);
  return asset.startsWith(spec.scope.assetPrefix);
}

/** Rule violations of a window (inputs by name, NaN = missing, never a violation). */
export function ruleViolations(spec: UseCaseSpec, inputs: ReadonlyMap<string, number>): { rule: RuleLimit; value: number }[] {
  const out: { rule: RuleLimit; value: number }[] = [];
  for (const rule of spec.rules) {
    const v = inputs.get(rule.input);
    if (v !== undefined && Number.isFinite(v) && v > rule.above) out.push({ rule, value: v });
  }
  return out;
}
