import { describe, expect, it } from 'vitest';
import {
  AI4I_COLUMNS as C,
  ai4iFeatures,
  computeFeatureMatrix,
  featureJson,
  fitImputer,
  fitPipeline,
  fitScaler,
  impute,
  inputsOf,
  reviveFeature,
  transform,
} from '../src/index.ts';

describe('the shared feature module', () => {
  it('computes AI4I power as torque × speed × 2π/60 in watts, rounded like float32', () => {
    const p = ai4iFeatures.power.compute([42.8, 1551]);
    expect(p).toBeCloseTo((42.8 * 1551 * 2 * Math.PI) / 60, 1);
    expect(Math.fround(p)).toBe(p);
    expect(ai4iFeatures.power.inputs).toEqual([C.torque, C.rotationalSpeed]);
  });

  it('computes temperature difference and wear × torque from their declared inputs', () => {
    expect(ai4iFeatures.temperatureDifference.compute([308.6, 298.1])).toBeCloseTo(10.5, 4);
    expect(ai4iFeatures.wearTorque.compute([100, 40])).toBe(4000);
  });

  it('gives the same values from a revived JSON declaration (what a model file carries)', () => {
    const revived = reviveFeature(JSON.parse(JSON.stringify(featureJson(ai4iFeatures.power))));
    expect(revived.compute([40, 1500])).toBe(ai4iFeatures.power.compute([40, 1500]));
  });
});

describe('preprocessing fitted on training rows', () => {
  // columns a, b; row-major
  const raw = Float64Array.from([1, 10, NaN, 20, 3, NaN, 5, 40]);
  it('imputes with mean, median or a constant per column', () => {
    expect(fitImputer(raw, 4, 2, 'mean').values).toEqual([3, Math.fround(70 / 3)]);
    expect(fitImputer(raw, 4, 2, 'median').values).toEqual([3, 20]);
    expect(fitImputer(raw, 4, 2, 'constant', -1).values).toEqual([-1, -1]);
    const imp = impute(fitImputer(raw, 4, 2, 'median'), raw, 4);
    expect(Array.from(imp)).toEqual([1, 10, 3, 20, 3, 20, 5, 40]);
  });

  it('scales standard (mean/std) and robust (median/IQR)', () => {
    const x = Float64Array.from([1, 2, 3, 4, 100]);
    const s = fitScaler(x, 5, 1, 'standard');
    expect(s.center[0]).toBeCloseTo(22, 5);
    const r = fitScaler(x, 5, 1, 'robust');
    expect(r.center[0]).toBe(3);
    expect(r.scale[0]).toBe(2);
  });

  it('runs imputation → features → scaling as one transform', () => {
    const feats = [ai4iFeatures.torque, ai4iFeatures.wearTorque];
    const inputs = inputsOf(feats.map(featureJson));
    expect(inputs).toEqual([C.torque, C.toolWear]);
    const r = Float64Array.from([40, 100, NaN, 200, 50, 300]);
    const pl = fitPipeline(feats, r, 3, { imputation: 'mean', scaling: 'none' });
    const x = transform(pl, r, 3);
    expect(Array.from(x)).toEqual([40, 4000, 45, 9000, 50, 15000]);
    expect(Array.from(computeFeatureMatrix(pl.inputs, pl.features, Float64Array.from([2, 3]), 1))).toEqual([2, 6]);
  });
});
