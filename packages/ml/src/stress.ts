// Stress evaluation: how much the test metric drops under Gaussian input noise and when
// each sensor is dropped in turn (its readings set missing, hence imputed exactly as
// the pipeline does at run time).

import type { Rng } from './rng.ts';

export interface StressResult {
  readonly metric: string;
  readonly baseline: number;
  readonly noise: readonly { readonly sigma: number; readonly value: number; readonly drop: number }[];
  readonly dropped: readonly { readonly sensor: string; readonly value: number; readonly drop: number }[];
}

/**
 * `raw` is row-major over `inputs`. Noise is `sigma × (column std on this part)` added to
 * the listed sensors; dropping sets a sensor to NaN for every row.
 */
export function stressEvaluation(opts: {
  score: (raw: Float64Array, n: number) => Float64Array;
  raw: Float64Array;
  n: number;
  inputs: readonly string[];
  sensors: readonly string[];
  y: Float64Array;
  metricName: string;
  metric: (y: Float64Array, s: Float64Array) => number;
  sigmas: readonly number[];
  rng: Rng;
}): StressResult {
  const { raw, n, inputs, y } = opts;
  const p = inputs.length;
  const baseline = opts.metric(y, opts.score(raw, n));
  const cols = opts.sensors.map((s) => inputs.indexOf(s)).filter((j) => j >= 0);
  const std = cols.map((j) => {
    let m = 0,
      c = 0;
    for (let i = 0; i < n; i++) {
      const v = raw[i * p + j]!;
      if (!Number.isNaN(v)) {
        m += v;
        c++;
      }
    }
    m /= Math.max(c, 1);
    let v2 = 0;
    for (let i = 0; i < n; i++) {
      const v = raw[i * p + j]!;
      if (!Number.isNaN(v)) v2 += (v - m) ** 2;
    }
    return Math.sqrt(v2 / Math.max(c, 1));
  });
  const noise = opts.sigmas.map((sigma) => {
    const x = new Float64Array(raw);
    cols.forEach((j, k) => {
      for (let i = 0; i < n; i++) x[i * p + j]! += sigma * std[k]! * opts.rng.normal();
    });
    const value = opts.metric(y, opts.score(x, n));
    return { sigma, value, drop: baseline - value };
  });
  const dropped = cols.map((j) => {
    const x = new Float64Array(raw);
    for (let i = 0; i < n; i++) x[i * p + j] = NaN;
    const value = opts.metric(y, opts.score(x, n));
    return { sensor: inputs[j]!, value, drop: baseline - value };
  });
  return { metric: opts.metricName, baseline, noise, dropped };
}
