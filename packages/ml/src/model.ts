// A trained model = fitted preprocessing pipeline + estimator + operating threshold.
// Scoring from raw inputs, single-row predict/explain for inference, and JSON
// serialisation (the TS model is the explanation sidecar of the ONNX file: it carries
// the tree covers TreeSHAP needs, which ONNX has no field for).

import { transform, type Pipeline } from './preprocess.ts';
import { gbdtMargin, type GbdtEstimator } from './models/gbdt.ts';
import { logisticMargin, type LogisticEstimator } from './models/logistic.ts';
import { autoencoderScore, type AutoencoderEstimator } from './models/autoencoder.ts';
import { robustZScore, type RobustZEstimator } from './models/robust-z.ts';
import { contributions as estimatorContributions } from './explain.ts';
import type { WindowSpec } from './windows.ts';
import type { OrderedSpec } from './ordered.ts';

export type Estimator = LogisticEstimator | GbdtEstimator | AutoencoderEstimator | RobustZEstimator;
export type Task = 'classification' | 'regression' | 'anomaly';

/** Anomaly models: when the score series raises an alarm (anomaly.ts). */
export interface AlarmRule {
  /** Alarm when the score is ≥ this for `consecutive` points. */
  readonly threshold: number;
  readonly consecutive: number;
  /** An active alarm clears when the score falls below threshold × hysteresis (0 < h ≤ 1). */
  readonly hysteresis: number;
}

export const MODEL_FORMAT = 'industrial-ml/model/v1';

export interface Model {
  readonly format: typeof MODEL_FORMAT;
  readonly target: string;
  readonly task: Task;
  readonly pipeline: Pipeline;
  readonly estimator: Estimator;
  /** Alarm when score ≥ threshold (classification and anomaly); null for regression. */
  readonly threshold: number | null;
  /** How the raw inputs are computed from time series (absent: rows are given as they are). */
  readonly window?: WindowSpec;
  /** How the raw inputs are computed from ordered per-unit rows (absent: rows are given as they are). */
  readonly ordered?: OrderedSpec;
  /** Anomaly models: the alarm onset rule applied to the score series (anomaly.ts). */
  readonly alarm?: AlarmRule;
}

export function taskOf(e: Estimator): Task {
  return e.kind === 'gbdt' ? e.task : e.kind === 'logistic' ? 'classification' : 'anomaly';
}

/** Margin: log-odds (logistic, GBDT classifier), the value (GBDT regressor), the anomaly score (autoencoder). */
export function marginOf(e: Estimator, x: Float64Array, n: number): Float64Array {
  switch (e.kind) {
    case 'logistic':
      return logisticMargin(e, x, n);
    case 'gbdt':
      return gbdtMargin(e, x, n);
    case 'autoencoder':
      return autoencoderScore(e, x, n);
    case 'robust-z':
      return robustZScore(e, x, n);
    default: {
      const never: never = e;
      throw new Error(`unknown estimator ${JSON.stringify(never)}`);
    }
  }
}

/** Score on model features: probability, regression value or anomaly score. */
export function scoreOf(e: Estimator, x: Float64Array, n: number): Float64Array {
  const z = marginOf(e, x, n);
  if (taskOf(e) === 'classification') for (let i = 0; i < n; i++) z[i] = 1 / (1 + Math.exp(-z[i]!));
  return z;
}

/** Scores for raw input rows (row-major over `pipeline.inputs`, NaN = missing). */
export function scoreRaw(model: Model, raw: Float64Array, n: number): Float64Array {
  return scoreOf(model.estimator, transform(model.pipeline, raw, n), n);
}

export type InputRow = Readonly<Record<string, number | null | undefined>>;

function rowVector(model: Model, row: InputRow): Float64Array {
  return Float64Array.from(model.pipeline.inputs, (name) => {
    const v = row[name];
    return typeof v === 'number' ? v : NaN; // absent = missing = imputed
  });
}

export interface Prediction {
  readonly score: number;
  readonly margin: number;
  /** 1 when score ≥ threshold; null for regression. */
  readonly alarm: 0 | 1 | null;
  /** Model features after imputation, engineering and scaling. */
  readonly features: Readonly<Record<string, number>>;
}

export function predict(model: Model, row: InputRow): Prediction {
  const x = transform(model.pipeline, rowVector(model, row), 1);
  const margin = marginOf(model.estimator, x, 1)[0]!;
  const score = taskOf(model.estimator) === 'classification' ? 1 / (1 + Math.exp(-margin)) : margin;
  const features: Record<string, number> = {};
  model.pipeline.features.forEach((f, j) => (features[f.name] = x[j]!));
  return { score, margin, alarm: model.threshold === null ? null : score >= model.threshold ? 1 : 0, features };
}

export interface Explanation {
  /** Expected margin over the training data. */
  readonly baseValue: number;
  /** Margin space: baseValue + Σ contributions = margin. */
  readonly margin: number;
  readonly score: number;
  readonly contributions: readonly { readonly feature: string; readonly value: number; readonly contribution: number }[];
  readonly method: 'linear' | 'tree-shap' | 'reconstruction-error' | 'deviation';
}

export function explain(model: Model, row: InputRow): Explanation {
  const x = transform(model.pipeline, rowVector(model, row), 1);
  const c = estimatorContributions(model.estimator, x);
  const margin = marginOf(model.estimator, x, 1)[0]!;
  const score = taskOf(model.estimator) === 'classification' ? 1 / (1 + Math.exp(-margin)) : margin;
  return {
    baseValue: c.base,
    margin,
    score,
    method: c.method,
    contributions: model.pipeline.features.map((f, j) => ({ feature: f.name, value: x[j]!, contribution: c.phi[j]! })),
  };
}

// JSON cannot hold NaN or ±Infinity (imputer "none", unlimited depth): tag them.
const NONFINITE = '__nonfinite__:';

export function serialiseModel(model: Model): string {
  return JSON.stringify(model, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? NONFINITE + String(v) : v));
}

export function parseModel(json: string): Model {
  const m: unknown = JSON.parse(json, (_k, v: unknown) => (typeof v === 'string' && v.startsWith(NONFINITE) ? Number(v.slice(NONFINITE.length)) : v));
  if (typeof m !== 'object' || m === null || (m as { format?: unknown }).format !== MODEL_FORMAT) throw new Error(`not a ${MODEL_FORMAT} model`);
  return m as Model;
}
