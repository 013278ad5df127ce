// Sensor faults corrupt what a tag reports, not the process: dropout (Bad quality), stuck
// value, spikes and slow drift. Applied on top of the true value by the plant.

import type { Rng } from './rng.ts';
import type { Fault } from './faults.ts';
import { faultLevel } from './faults.ts';

export type Quality = 'good' | 'bad';

export interface Reading {
  value: number | boolean | string;
  quality: Quality;
}

/** state kept per active sensor fault (the stuck value) */
export interface SensorFaultMemory {
  stuck?: number | boolean | string;
}

/** spikes per plant minute at full severity */
const SPIKE_RATE_PER_MIN = 2;

export function applySensorFault(
  fault: Fault,
  memory: SensorFaultMemory,
  truth: Reading,
  range: { low: number; high: number } | undefined,
  nowMs: number,
  dtMinutes: number,
  rng: Rng,
): Reading {
  const level = faultLevel(fault, nowMs);
  if (level <= 0) {
    // the same draw count either way keeps this asset's stream aligned with time
    if (fault.fault === 'sensor_spikes') rng.next();
    return truth;
  }
  const span = range ? range.high - range.low : 1;
  switch (fault.fault) {
    case 'sensor_dropout':
      return { value: truth.value, quality: 'bad' };
    case 'sensor_stuck':
      if (memory.stuck === undefined) memory.stuck = truth.value;
      return { value: memory.stuck, quality: truth.quality };
    case 'sensor_spikes': {
      const p = 1 - Math.exp(-SPIKE_RATE_PER_MIN * fault.severity * Math.max(dtMinutes, 0));
      const u = rng.next();
      if (typeof truth.value !== 'number' || u >= p) return truth;
      const sign = u < p / 2 ? 1 : -1;
      return { value: truth.value + sign * 0.3 * span * fault.severity, quality: truth.quality };
    }
    case 'sensor_drift':
      if (typeof truth.value !== 'number') return truth;
      // up to +10 % of the span at full severity once fully developed
      return { value: truth.value + 0.1 * span * level, quality: truth.quality };
    default:
      return truth;
  }
}
