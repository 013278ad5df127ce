// The plant's ground truth as a catalogue: every failure mode the simulator labels, what kind of
// warning it allows (a precursor to predict, a sudden event to react to, or random by design), the
// fault that causes it and a realistic range for that fault's development time. Sensor faults are
// data-quality events, never maintenance failures. A random campaign draws faults of every kind at
// random times, intensities and development times from these ranges (the prompt bench's plant). Pure.

import type { FaultRequest, FaultType, ProcessFaultType, SensorFaultType } from './faults.ts';
import { SENSOR_FAULTS } from './faults.ts';
import type { Rng } from './rng.ts';
import type { AssetKind, TagSpec } from './tags.ts';

/** predictive: a precursor develops before the failure; sudden: nothing to see before it; random: no cause by design (AI4I RNF). */
export type FailureModeKind = 'predictive' | 'sudden' | 'random';
/** maintenance: the asset fails; data_quality: a sensor lies, the asset is fine. */
export type FailureModeClass = 'maintenance' | 'data_quality';

export interface FailureModeSpec {
  /** as labelled in FaultLabelled.fault */
  readonly mode: string;
  /** null: any asset kind (sensor faults) */
  readonly assetKind: AssetKind | null;
  readonly kind: FailureModeKind;
  readonly class: FailureModeClass;
  /** the injectable fault behind it (null: emergent only) */
  readonly fault: FaultType | null;
  /** realistic development time of that fault, plant minutes (wear over hours to days) */
  readonly developMinutes: { readonly min: number; readonly max: number };
  readonly description: string;
}

const H = 60;
const D = 24 * H;

export const FAILURE_MODES: readonly FailureModeSpec[] = [
  {
    mode: 'bearing_failure',
    assetKind: 'pump',
    kind: 'predictive',
    class: 'maintenance',
    fault: 'bearing_wear',
    developMinutes: { min: 8 * H, max: 3 * D },
    description: 'rolling-element bearing wear: vibration and bearing temperature rise over hours to days',
  },
  {
    mode: 'cavitation',
    assetKind: 'pump',
    kind: 'predictive',
    class: 'maintenance',
    fault: 'cavitation',
    developMinutes: { min: 2 * H, max: 12 * H },
    description: 'suction pressure too low: flow and head fall and become unsteady, broadband vibration',
  },
  {
    mode: 'TWF',
    assetKind: 'mill',
    kind: 'predictive',
    class: 'maintenance',
    fault: 'tool_wear_failure',
    developMinutes: { min: 2 * H, max: 12 * H },
    description: 'tool wear failure (AI4I): accelerated wear until the tool breaks',
  },
  {
    mode: 'HDF',
    assetKind: 'mill',
    kind: 'predictive',
    class: 'maintenance',
    fault: 'heat_dissipation',
    developMinutes: { min: 2 * H, max: 12 * H },
    description: 'heat dissipation failure (AI4I): process and air temperature close in at low speed',
  },
  {
    mode: 'PWF',
    assetKind: 'mill',
    kind: 'sudden',
    class: 'maintenance',
    fault: 'power_failure',
    developMinutes: { min: 0, max: 5 },
    description: 'power failure (AI4I): spindle power outside its band',
  },
  {
    mode: 'OSF',
    assetKind: 'mill',
    kind: 'predictive',
    class: 'maintenance',
    fault: null,
    developMinutes: { min: 0, max: 0 },
    description: 'overstrain failure (AI4I): tool wear × torque over the limit for the product type',
  },
  {
    mode: 'RNF',
    assetKind: 'mill',
    kind: 'random',
    class: 'maintenance',
    fault: null,
    developMinutes: { min: 0, max: 0 },
    description: 'random failure (AI4I, 0.1 % of products): no cause, not predictable by design',
  },
  {
    mode: 'jam',
    assetKind: 'packaging',
    kind: 'sudden',
    class: 'maintenance',
    fault: 'jam',
    developMinutes: { min: 0, max: 0 },
    description: 'packer jam: the machine stops in Fault at once',
  },
  {
    mode: 'quality_drift',
    assetKind: 'packaging',
    kind: 'predictive',
    class: 'maintenance',
    fault: 'quality_drift',
    developMinutes: { min: 3 * H, max: 2 * D },
    description: 'defect rate creeping up (sealing jaw wear, film tension) until rejects pass 10 %',
  },
  ...SENSOR_FAULTS.map((f): FailureModeSpec => ({
    mode: f,
    assetKind: null,
    kind: f === 'sensor_drift' ? 'predictive' : 'sudden',
    class: 'data_quality',
    fault: f,
    developMinutes: f === 'sensor_drift' ? { min: 6 * H, max: 2 * D } : { min: 0, max: 0 },
    description: `sensor fault (${f.replace('sensor_', '')}): the reading is wrong, the asset is fine`,
  })),
];

/** Share of defects added by a fully developed quality drift at which it counts as a failure (rejects above ~11 %). */
export const QUALITY_DRIFT_FAILURE_LEVEL = 0.5;

export const failureModeOf = (mode: string): FailureModeSpec | undefined => FAILURE_MODES.find((m) => m.mode === mode);

/** The maintenance modes of an asset kind (what a use case may predict). */
export const maintenanceModesOf = (kind: AssetKind): readonly FailureModeSpec[] =>
  FAILURE_MODES.filter((m) => m.assetKind === kind && m.class === 'maintenance');

export interface CampaignAsset {
  readonly id: string;
  readonly kind: AssetKind;
  readonly tags: readonly TagSpec[];
}

export interface CampaignOptions {
  /** plant days the campaign covers; faults start within the first `days − margin` */
  readonly days: number;
  /** injected maintenance faults per asset-day (each asset kind's modes drawn evenly) */
  readonly faultsPerAssetDay: number;
  /** sensor faults per asset-day */
  readonly sensorFaultsPerAssetDay: number;
  /** nothing starts in the first minutes (the platform's windows fill); default 120 */
  readonly quietStartMinutes?: number;
  /** sensor faults last this long before they are repaired (sensor faults end; see `endsInMinutes`) */
  readonly sensorFaultMinutes?: { readonly min: number; readonly max: number };
}

export interface CampaignFault extends FaultRequest {
  readonly mode: string;
  /** for sensor faults: repaired after this many minutes from the injection (a technician fixes the sensor) */
  readonly endsInMinutes?: number;
}

/** log-uniform in [min, max] (development times spread over orders of magnitude) */
function logUniform(rng: Rng, min: number, max: number): number {
  if (max <= min) return min;
  const lo = Math.log(Math.max(1, min));
  return Math.exp(lo + (Math.log(max) - lo) * rng.next());
}

/**
 * Random faults over the campaign: per asset a Poisson number of maintenance faults (one at a time
 * per asset, never overlapping: a fault runs to its failure plus a repair gap before the next) and
 * of sensor faults on its analog tags. Development times are drawn log-uniformly from the mode's
 * realistic range; severities leave every maintenance fault strong enough to fail.
 */
export function randomCampaign(rng: Rng, assets: readonly CampaignAsset[], o: CampaignOptions): CampaignFault[] {
  const out: CampaignFault[] = [];
  const total = o.days * D;
  const quiet = o.quietStartMinutes ?? 120;
  const sensorSpan = o.sensorFaultMinutes ?? { min: 30, max: 6 * H };
  for (const a of assets) {
    const modes = maintenanceModesOf(a.kind).filter((m) => m.fault !== null);
    // maintenance faults: renewal process, mean gap 1/rate between the end of one and the next
    let t = quiet + (-Math.log(1 - rng.next()) * D) / Math.max(1e-9, o.faultsPerAssetDay);
    while (modes.length > 0 && t < total) {
      const spec = modes[Math.floor(rng.next() * modes.length)]!;
      const develop = Math.round(logUniform(rng, spec.developMinutes.min, spec.developMinutes.max));
      if (t + develop > total - 60) break;
      out.push({
        mode: spec.mode,
        asset: a.id,
        fault: spec.fault as ProcessFaultType,
        severity: Math.round((0.9 + 0.1 * rng.next()) * 100) / 100,
        startInMinutes: Math.round(t),
        developMinutes: develop,
      });
      t += develop + 4 * H + (-Math.log(1 - rng.next()) * D) / Math.max(1e-9, o.faultsPerAssetDay);
    }
    const analog = a.tags.filter((x) => x.kind === 'analog');
    let s = quiet + (-Math.log(1 - rng.next()) * D) / Math.max(1e-9, o.sensorFaultsPerAssetDay);
    while (analog.length > 0 && s < total - 60) {
      const f = SENSOR_FAULTS[Math.floor(rng.next() * SENSOR_FAULTS.length)]! as SensorFaultType;
      const spec = FAILURE_MODES.find((m) => m.mode === f)!;
      const tag = analog[Math.floor(rng.next() * analog.length)]!.name;
      const develop = Math.round(logUniform(rng, spec.developMinutes.min, spec.developMinutes.max));
      const lasts = develop + Math.round(logUniform(rng, sensorSpan.min, sensorSpan.max));
      out.push({
        mode: f,
        asset: a.id,
        fault: f,
        tag,
        severity: Math.round((0.4 + 0.6 * rng.next()) * 100) / 100,
        startInMinutes: Math.round(s),
        developMinutes: develop,
        endsInMinutes: Math.round(s) + lasts,
      });
      s += lasts + (-Math.log(1 - rng.next()) * D) / Math.max(1e-9, o.sensorFaultsPerAssetDay);
    }
  }
  return out.sort((x, y) => x.startInMinutes - y.startInMinutes);
}
