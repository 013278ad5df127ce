// Milling machine following the AI4I 2020 generation rules (Matzka 2020), one product per
// cycle. Pure: the caller passes the Rng and the fault effects; nothing here reads a clock.
//
// Where the published rules and the published file disagree, the parameters follow the
// rules and the difference is documented in README.md (product mix, random-failure rate).

import type { Rng } from './rng.ts';
import type { MillFailureMode } from './tags.ts';
import { round } from './tags.ts';

export type ProductType = 'L' | 'M' | 'H';

export interface MillParams {
  /** share of L / M / H products (rules: 50/30/20; the file itself holds 60/30/10) */
  typeMix: Record<ProductType, number>;
  airMeanK: number;
  airSdK: number;
  /** correlation time of the air-temperature random walk, plant minutes */
  airTauMin: number;
  processOffsetK: number;
  processSdK: number;
  processTauMin: number;
  torqueMeanNm: number;
  torqueSdNm: number;
  /**
   * speed = baseRpm + coefRpmNm / torque + N(0, noiseSdRpm), capped at maxRpm.
   * An empirical motor curve fitted on the AI4I file (residual σ 50 rpm); the rules' "2860 W"
   * read literally (speed = 2860 W / torque) gives 683 rpm at 40 Nm, far from the file's 1539.
   */
  speedCurve: { baseRpm: number; coefRpmNm: number; noiseSdRpm: number; maxRpm: number };
  /** tool wear added per product and, here, the product's cycle time in plant minutes */
  toolWearMin: Record<ProductType, number>;
  toolLifeMin: { min: number; max: number };
  /** share of tool ends that are failures rather than planned replacements (file: 46 of 119) */
  twfProbabilityAtToolEnd: number;
  hdf: { maxTempDiffK: number; maxSpeedRpm: number };
  pwf: { minW: number; maxW: number };
  osfLimitMinNm: Record<ProductType, number>;
  randomFailureProbability: number;
}

export const AI4I_RULES: MillParams = {
  typeMix: { L: 0.5, M: 0.3, H: 0.2 },
  airMeanK: 300,
  airSdK: 2,
  airTauMin: 600,
  processOffsetK: 10,
  processSdK: 1,
  processTauMin: 300,
  torqueMeanNm: 40,
  torqueSdNm: 10,
  speedCurve: { baseRpm: 998, coefRpmNm: 20057, noiseSdRpm: 50, maxRpm: 2886 },
  toolWearMin: { L: 2, M: 3, H: 5 },
  toolLifeMin: { min: 200, max: 240 },
  twfProbabilityAtToolEnd: 0.39,
  hdf: { maxTempDiffK: 8.6, maxSpeedRpm: 1380 },
  pwf: { minW: 3500, maxW: 9000 },
  osfLimitMinNm: { L: 11000, M: 12000, H: 13000 },
  randomFailureProbability: 0.001,
};

export interface MillState {
  /** deviation of air temperature from its mean, K */
  airDevK: number;
  /** deviation of (process − air − offset), K */
  processDevK: number;
  toolWearMin: number;
  toolLifeMin: number;
  produced: number;
  serial: number;
}

/** what injected faults do to the next product; all neutral by default */
export interface MillEffects {
  /** multiplies the wear added per product (a chipped tool wears faster) */
  wearRateFactor: number;
  /** the tool fails at its end of life instead of being replaced */
  forceToolFailure: boolean;
  /** shifts process − air temperature difference, K (negative: poor heat dissipation) */
  tempDiffShiftK: number;
  /** adds to torque, Nm (overload) */
  torqueShiftNm: number;
}

export const NO_EFFECTS: MillEffects = { wearRateFactor: 1, forceToolFailure: false, tempDiffShiftK: 0, torqueShiftNm: 0 };

export interface MillProduct {
  productId: string;
  type: ProductType;
  airTemperatureK: number;
  processTemperatureK: number;
  rotationalSpeedRpm: number;
  torqueNm: number;
  /** tool wear when this product was machined (before its own wear is added) */
  toolWearMin: number;
  powerW: number;
  /** plant minutes this product occupies the machine */
  cycleMinutes: number;
  failures: Record<MillFailureMode, boolean>;
  machineFailure: boolean;
  /** the tool reached its end with this product and is changed afterwards */
  toolChanged: boolean;
}

export function initialMillState(rng: Rng, p: MillParams = AI4I_RULES): MillState {
  return {
    airDevK: rng.normal() * p.airSdK,
    processDevK: rng.normal() * p.processSdK,
    toolWearMin: 0,
    toolLifeMin: p.toolLifeMin.min + rng.next() * (p.toolLifeMin.max - p.toolLifeMin.min),
    produced: 0,
    serial: 10000 + Math.floor(rng.next() * 50000),
  };
}

/** exact discretisation of an Ornstein–Uhlenbeck process with stationary σ */
const ou = (x: number, dt: number, tau: number, sd: number, z: number): number => {
  const phi = Math.exp(-dt / tau);
  return phi * x + Math.sqrt(1 - phi * phi) * sd * z;
};

/**
 * Machines one product: draws its type and process values, evaluates the five AI4I failure
 * rules, then adds the tool wear. Always draws the same count of random numbers, so the
 * stream stays aligned whatever branch is taken.
 */
export function machineProduct(state: MillState, rng: Rng, p: MillParams = AI4I_RULES, fx: MillEffects = NO_EFFECTS): MillProduct {
  const u = rng.next();
  const type: ProductType = u < p.typeMix.L ? 'L' : u < p.typeMix.L + p.typeMix.M ? 'M' : 'H';
  const cycleMinutes = p.toolWearMin[type];
  state.airDevK = ou(state.airDevK, cycleMinutes, p.airTauMin, p.airSdK, rng.normal());
  state.processDevK = ou(state.processDevK, cycleMinutes, p.processTauMin, p.processSdK, rng.normal());
  const torqueRaw = Math.max(0, p.torqueMeanNm + p.torqueSdNm * rng.normal() + fx.torqueShiftNm);
  const speedNoise = rng.normal() * p.speedCurve.noiseSdRpm;
  const twfDraw = rng.next();
  const rnfDraw = rng.next();

  const air = round(p.airMeanK + state.airDevK, 1);
  const proc = round(p.airMeanK + state.airDevK + p.processOffsetK + state.processDevK + fx.tempDiffShiftK, 1);
  const torque = round(torqueRaw, 1);
  const speed = Math.round(Math.min(p.speedCurve.maxRpm, p.speedCurve.baseRpm + p.speedCurve.coefRpmNm / Math.max(torque, 0.5) + speedNoise));
  const powerW = (torque * speed * 2 * Math.PI) / 60;
  const wear = state.toolWearMin;
  const added = p.toolWearMin[type] * fx.wearRateFactor;
  // the tool ends when this product's wear would take it past its life; the row still shows
  // the wear it was machined with, and the next product starts on a fresh tool (as in the file)
  const toolEnds = wear + added >= state.toolLifeMin;

  const failures: Record<MillFailureMode, boolean> = {
    TWF: toolEnds && (fx.forceToolFailure || twfDraw < p.twfProbabilityAtToolEnd),
    HDF: proc - air < p.hdf.maxTempDiffK && speed < p.hdf.maxSpeedRpm,
    PWF: powerW < p.pwf.minW || powerW > p.pwf.maxW,
    OSF: wear * torque > p.osfLimitMinNm[type],
    RNF: rnfDraw < p.randomFailureProbability,
  };
  const machineFailure = failures.TWF || failures.HDF || failures.PWF || failures.OSF || failures.RNF;

  if (toolEnds) {
    state.toolWearMin = 0;
    state.toolLifeMin = p.toolLifeMin.min + rng.next() * (p.toolLifeMin.max - p.toolLifeMin.min);
  } else {
    state.toolWearMin = wear + added;
    rng.next();
  }
  state.produced += 1;
  state.serial += 1;
  return {
    productId: `${type}${state.serial}`,
    type,
    airTemperatureK: air,
    processTemperatureK: proc,
    rotationalSpeedRpm: speed,
    torqueNm: torque,
    toolWearMin: round(wear, 0),
    powerW: round(powerW, 1),
    cycleMinutes,
    failures,
    machineFailure,
    toolChanged: toolEnds,
  };
}

/**
 * Parameters matching the published file rather than the published rules: the file holds
 * 60/30/10 % L/M/H products and flags random failures on 0.19 % of rows.
 */
export const AI4I_FILE_PROFILE: MillParams = {
  ...AI4I_RULES,
  typeMix: { L: 0.6, M: 0.3, H: 0.1 },
  randomFailureProbability: 0.0019,
};
