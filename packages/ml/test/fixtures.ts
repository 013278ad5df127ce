// Small seeded synthetic datasets for fast unit tests: a machine with a temperature,
// a speed, a torque and a wear sensor; failures grow with power and wear.
import { createDataset, createRng, defineFeature, input, mul, type Dataset } from '../src/index.ts';

export function syntheticMachines(n = 600, seed = 3): Dataset {
  const rng = createRng(seed);
  const temp = new Float64Array(n),
    speed = new Float64Array(n),
    torque = new Float64Array(n),
    wear = new Float64Array(n);
  const machine = new Float64Array(n),
    time = new Float64Array(n),
    y = new Float64Array(n),
    load = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    time[i] = i;
    machine[i] = i % 6;
    temp[i] = 300 + 2 * rng.normal();
    speed[i] = 1500 + 150 * rng.normal();
    torque[i] = 40 + 8 * rng.normal();
    wear[i] = rng.int(250);
    const z = -4 + 0.004 * ((torque[i]! * speed[i]!) / 10 - 6000) + 0.012 * (wear[i]! - 120) + 0.3 * rng.normal();
    y[i] = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    load[i] = (0.02 * torque[i]! * speed[i]!) / 100 + 0.05 * wear[i]! + rng.normal();
  }
  return createDataset({ time, machine, temp, speed, torque, wear, failed: y, load });
}

export const powerLike = defineFeature({ name: 'power', unit: 'arb', description: 'torque × speed', expr: mul(input('torque'), input('speed')) });
export const syntheticFeatures = ['temp', 'speed', 'torque', 'wear', powerLike] as const;
