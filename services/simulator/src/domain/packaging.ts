// Packaging machine: a state machine (Running / Idle / PlannedStop / Fault) with good and bad
// counts, an ideal cycle time and the time counters needed for OEE. Pure.

import type { Rng } from './rng.ts';
import type { PackagingState } from './tags.ts';

export interface PackagingParams {
  idealCycleTimeS: number;
  /** actual speed as a share of ideal while running (performance losses) */
  speedFactor: number;
  badRate: number;
  /** unplanned stops (jams) per running hour, and their mean duration */
  faultsPerHour: number;
  meanFaultMinutes: number;
  /** starvation (no product from upstream) per running hour, and mean duration */
  idlesPerHour: number;
  meanIdleMinutes: number;
  /** planned stop (break, changeover) of this length every `plannedStopEveryMinutes` */
  plannedStopEveryMinutes: number;
  plannedStopMinutes: number;
}

export const PACKAGING_DEFAULTS: PackagingParams = {
  idealCycleTimeS: 1.2,
  speedFactor: 0.92,
  badRate: 0.012,
  faultsPerHour: 0.6,
  meanFaultMinutes: 8,
  idlesPerHour: 1,
  meanIdleMinutes: 4,
  plannedStopEveryMinutes: 480,
  plannedStopMinutes: 30,
};

export interface PackagingStateData {
  state: PackagingState;
  /** plant minutes left in the current non-running state */
  remainingMinutes: number;
  minutesToPlannedStop: number;
  /** fraction of a pack in progress, in packs */
  partialPack: number;
  good: number;
  bad: number;
  runTimeS: number;
  plannedTimeS: number;
}

export interface PackagingEffects {
  /** force a jam now lasting this many minutes (0 = none) */
  jamMinutes: number;
  /** extra bad-pack rate 0..1 */
  extraBadRate: number;
}

export function initialPackagingState(rng: Rng, p: PackagingParams = PACKAGING_DEFAULTS): PackagingStateData {
  return {
    state: 'Running',
    remainingMinutes: 0,
    minutesToPlannedStop: p.plannedStopEveryMinutes * (0.3 + 0.7 * rng.next()),
    partialPack: 0,
    good: 0,
    bad: 0,
    runTimeS: 0,
    plannedTimeS: 0,
  };
}

const exp = (rng: Rng, mean: number): number => -Math.log(1 - rng.next()) * mean;

/**
 * Advances by dtMinutes. Sub-steps of at most one minute keep the state transitions close
 * to continuous-time behaviour at any acceleration. Returns true when a Fault began.
 */
export function stepPackaging(
  s: PackagingStateData,
  dtMinutes: number,
  rng: Rng,
  fx: PackagingEffects,
  p: PackagingParams = PACKAGING_DEFAULTS,
): { faultStarted: boolean } {
  let faultStarted = false;
  if (fx.jamMinutes > 0 && s.state !== 'Fault') {
    s.state = 'Fault';
    s.remainingMinutes = fx.jamMinutes;
    faultStarted = true;
  }
  let left = Math.max(0, dtMinutes);
  while (left > 1e-9) {
    const dt = Math.min(1, left);
    left -= dt;
    if (s.state !== 'PlannedStop') s.plannedTimeS += dt * 60;
    s.minutesToPlannedStop -= dt;
    if (s.state === 'Running') {
      s.runTimeS += dt * 60;
      s.partialPack += (dt * 60 * p.speedFactor) / p.idealCycleTimeS;
      const badRate = Math.min(1, p.badRate + fx.extraBadRate);
      while (s.partialPack >= 1) {
        s.partialPack -= 1;
        if (rng.next() < badRate) s.bad += 1;
        else s.good += 1;
      }
      const u = rng.next();
      const pFault = 1 - Math.exp((-p.faultsPerHour * dt) / 60);
      const pIdle = 1 - Math.exp((-p.idlesPerHour * dt) / 60);
      if (s.minutesToPlannedStop <= 0) {
        s.state = 'PlannedStop';
        s.remainingMinutes = p.plannedStopMinutes;
        s.minutesToPlannedStop = p.plannedStopEveryMinutes;
      } else if (u < pFault) {
        s.state = 'Fault';
        s.remainingMinutes = exp(rng, p.meanFaultMinutes);
        faultStarted = true;
      } else if (u < pFault + pIdle) {
        s.state = 'Idle';
        s.remainingMinutes = exp(rng, p.meanIdleMinutes);
      }
    } else {
      s.remainingMinutes -= dt;
      if (s.remainingMinutes <= 0) s.state = 'Running';
    }
  }
  return { faultStarted };
}
