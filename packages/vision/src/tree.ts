// The texture-feature tier: the platform's GBDT (@industrial/ml) on FEATURE_NAMES, as an
// ml Model (raw features, no imputation or scaling), so it is exported, carded and
// registered like every other model.

import { exportOnnx, fitGbdt, rawFeature, featureJson, scoreRaw, MODEL_FORMAT, type GbdtParams, type Model } from '@industrial/ml';
import { FEATURE_COUNT, FEATURE_NAMES } from './features.ts';

export interface TileRows {
  /** [n × FEATURE_COUNT] */
  readonly x: Float32Array;
  readonly y: Uint8Array;
}

const toF64 = (x: Float32Array): Float64Array => Float64Array.from(x);

export function fitTileGbdt(train: TileRows, validation: TileRows | null, params: Partial<GbdtParams> = {}): Model {
  const n = train.y.length;
  const estimator = fitGbdt(
    {
      x: toF64(train.x),
      n,
      p: FEATURE_COUNT,
      y: Float64Array.from(train.y),
      ...(validation ? { validation: { x: toF64(validation.x), n: validation.y.length, y: Float64Array.from(validation.y) } } : {}),
    },
    { task: 'classification', maxIter: 200, learningRate: 0.1, maxLeafNodes: 31, earlyStopping: validation ? { patience: 15, tol: 1e-5 } : false, ...params },
  );
  const features = FEATURE_NAMES.map((name) => featureJson(rawFeature(name)));
  return {
    format: MODEL_FORMAT,
    target: 'tile_defect',
    task: 'classification',
    pipeline: {
      inputs: [...FEATURE_NAMES],
      features,
      imputer: { strategy: 'none', values: FEATURE_NAMES.map(() => NaN) },
      scaler: { kind: 'none', center: [], scale: [] },
    },
    estimator,
    threshold: null,
  };
}

/** Defect probabilities of [n × FEATURE_COUNT] tile features. */
export function tileGbdtScores(model: Model, x: Float32Array): Float64Array {
  return scoreRaw(model, toF64(x), x.length / FEATURE_COUNT);
}

export const exportTileGbdtOnnx = (model: Model): Uint8Array => exportOnnx(model);
