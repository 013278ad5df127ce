// Centrifugal pump: affinity laws for flow / head / power, a bearing that wears slowly on
// its own, and the two injectable process faults (bearing wear, cavitation). Pure.

import type { Rng } from './rng.ts';
import { round } from './tags.ts';

export interface PumpParams {
  ratedSpeedRpm: number;
  ratedFlowM3h: number;
  ratedPressureBar: number;
  noLoadCurrentA: number;
  ratedCurrentA: number;
  ambientC: number;
  /** natural bearing wear per plant day; each pump draws its own rate around this */
  naturalWearPerDay: number;
  /** bearing wear at which the bearing counts as failed (vibration in ISO 10816 zone D) */
  bearingFailureWear: number;
  /** cavitation intensity counted as a failure (impeller damage) */
  cavitationFailureLevel: number;
}

export const PUMP_DEFAULTS: PumpParams = {
  ratedSpeedRpm: 2950,
  ratedFlowM3h: 120,
  ratedPressureBar: 8,
  noLoadCurrentA: 8,
  ratedCurrentA: 40,
  ambientC: 25,
  naturalWearPerDay: 0.004,
  bearingFailureWear: 0.8,
  cavitationFailureLevel: 0.6,
};

export interface PumpState {
  /** speed set point as a share of rated, wanders slowly (VFD following demand) */
  speedSetpoint: number;
  /** natural bearing wear 0..1 */
  naturalWear: number;
  naturalWearRatePerDay: number;
  bearingTempC: number;
}

export interface PumpEffects {
  /** extra bearing wear from an injected fault 0..1 */
  bearingWear: number;
  /** cavitation intensity 0..1 */
  cavitation: number;
}

export interface PumpReadings {
  flow: number;
  discharge_pressure: number;
  bearing_temperature: number;
  vibration_rms: number;
  motor_current: number;
  speed: number;
}

export function initialPumpState(rng: Rng, p: PumpParams = PUMP_DEFAULTS): PumpState {
  const speedSetpoint = 0.9 + 0.08 * rng.next();
  return {
    speedSetpoint,
    naturalWear: 0.05 * rng.next(),
    naturalWearRatePerDay: p.naturalWearPerDay * (0.5 + rng.next()),
    bearingTempC: p.ambientC + 30 * speedSetpoint ** 2,
  };
}

/** total bearing wear seen by the physics */
export const bearingWear = (s: PumpState, fx: PumpEffects): number => Math.min(1, s.naturalWear + fx.bearingWear);

/** advances the pump by dtMinutes of plant time and returns its readings at the end */
export function stepPump(s: PumpState, dtMinutes: number, rng: Rng, fx: PumpEffects, p: PumpParams = PUMP_DEFAULTS): PumpReadings {
  const dt = Math.max(0, dtMinutes);
  // demand wanders: mean-reverting around 94 % of rated speed, τ = 30 min
  const phi = Math.exp(-dt / 30);
  s.speedSetpoint = 0.94 + phi * (s.speedSetpoint - 0.94) + Math.sqrt(1 - phi * phi) * 0.025 * rng.normal();
  s.speedSetpoint = Math.min(1, Math.max(0.8, s.speedSetpoint));
  s.naturalWear = Math.min(1, s.naturalWear + (s.naturalWearRatePerDay * dt) / 1440);

  const w = bearingWear(s, fx);
  const c = Math.min(1, Math.max(0, fx.cavitation));
  const n = s.speedSetpoint * (1 - 0.01 * c);
  const speed = n * p.ratedSpeedRpm + 3 * rng.normal();
  // affinity laws; cavitation chokes flow and head and makes the head unsteady
  const flow = p.ratedFlowM3h * n * (1 - 0.25 * c) + 0.8 * rng.normal();
  const pressure = p.ratedPressureBar * n * n * (1 - 0.3 * c) + (0.05 + 0.4 * c) * rng.normal();
  // shaft power ∝ n³; a worn bearing adds friction
  const current = p.noLoadCurrentA + (p.ratedCurrentA - p.noLoadCurrentA) * n ** 3 * (1 + 0.08 * w) + 0.3 * rng.normal();
  // vibration: baseline ∝ n², bearing defect grows quadratically, cavitation adds broadband noise
  const vibration = 1.8 * n * n + 9 * w * w + 4 * c + Math.abs((0.1 + 0.5 * c) * rng.normal());
  // bearing temperature follows friction with a 15-minute lag
  const target = p.ambientC + 30 * n * n + 35 * w;
  s.bearingTempC = target + (s.bearingTempC - target) * Math.exp(-dt / 15) + 0.1 * rng.normal();

  return {
    flow: round(Math.max(0, flow), 2),
    discharge_pressure: round(Math.max(0, pressure), 3),
    bearing_temperature: round(s.bearingTempC, 2),
    vibration_rms: round(Math.max(0, vibration), 3),
    motor_current: round(Math.max(0, current), 2),
    speed: round(Math.max(0, speed), 1),
  };
}
