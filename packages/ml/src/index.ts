// Public surface of @industrial/ml. Import from here only.

// high level
export { train, validateSpec, ModelType, defaultIntendedUse } from './train.ts';
export type { TrainSpec, TrainResult, ModelSpec, SplitSpec } from './train.ts';

// the trained model, single-row scoring and explanation for inference
export { predict, explain, scoreRaw, scoreOf, marginOf, serialiseModel, parseModel, MODEL_FORMAT } from './model.ts';
export type { Model, Estimator, Task, InputRow, Prediction, Explanation } from './model.ts';

// shared feature module (training and live windows)
export {
  defineFeature,
  rawFeature,
  reviveFeature,
  featureJson,
  inputsOf,
  normaliseFeatures,
  compileExpr,
  input,
  constant,
  add,
  sub,
  mul,
  div,
  eq,
  oneHotFeatures,
  encodeCategory,
  AI4I_COLUMNS,
  AI4I_TYPE_ORDINAL,
  AI4I_FEATURES,
  ai4iFeatures,
} from './features.ts';
export type { Expr, FeatureDef, FeatureJson } from './features.ts';

// window features from per-tag time series (training rows and live windows)
export {
  computeWindowFeatures,
  defineWindowSpec,
  validateWindowSpec,
  selectWindowFeatures,
  tagSeries,
  holdOnGrid,
  gridStatistic,
  WINDOW_STATISTICS,
  WINDOW_SPEC_FORMAT,
} from './windows.ts';
export type { WindowSpec, WindowFeature, WindowStatistic, TagSeries, WindowRow, WindowMissingReason } from './windows.ts';

// ordered per-unit features (imported tables, historian series, live rows: one function)
export {
  defineOrderedSpec,
  validateOrderedSpec,
  computeOrderedFeatures,
  orderedFeaturesFromSeries,
  orderedRowAt,
  orderedFeatureNames,
  windowStatistic,
  ewmaOver,
  lookBack,
  unitOrder,
  OrderedDataError,
  ORDERED_SPEC_FORMAT,
  ORDERED_STATISTICS,
} from './ordered.ts';
export type { OrderedSpec, OrderedStatistic, OrderedRows } from './ordered.ts';

// derived targets and unit-aware splits
export { remainingToEnd, failureWithin, unitSplit, tailSplit, lastRowPerUnit, TargetError } from './targets.ts';
export type { RemainingSpec } from './targets.ts';

// unsupervised anomaly detection, alarm rules, adaptive data-quality limits
export { trainAnomaly, alarmEpisodes, evaluateAlarms, thresholdFromProbation, rollingLimits, MIN_PROBATION_ROWS } from './anomaly.ts';
export type { AnomalySpec, AnomalyResult, AlarmRule, AlarmEpisode, AlarmEvaluation, IncidentWindow, ThresholdSpec, RollingLimits } from './anomaly.ts';
export { RollingLimitsTracker, type RollingLimit, type RollingLimitsOptions } from './rolling.ts';
export { fitRobustZ, robustZScore } from './models/robust-z.ts';
export type { RobustZEstimator } from './models/robust-z.ts';

// reference profile (training sample + scores) for warm-up parity and drift
export { buildReferenceProfile, parseReferenceProfile, REFERENCE_FORMAT } from './reference.ts';
export type { ReferenceProfile } from './reference.ts';

// data, preprocessing, splits, imbalance
export { createDataset, rowMajor, pick, pickRows, column } from './dataset.ts';
export type { Dataset } from './dataset.ts';
export { fitPipeline, transform, impute, fitImputer, fitScaler, applyScaler, computeFeatureMatrix, ImputeStrategy, ScalingKind } from './preprocess.ts';
export type { Pipeline, Imputer, Scaler } from './preprocess.ts';
export { chronologicalSplit, groupSplit, expandingWindows, timeOrder } from './splits.ts';
export type { SplitIndices, Fractions, Fold, ExpandingWindowOptions } from './splits.ts';
export { applyImbalance, classWeights, ImbalanceStrategy } from './imbalance.ts';
export type { ImbalanceSpec, ImbalanceReport, Resampled } from './imbalance.ts';

// estimators
export { fitGbdt, gbdtMargin, gbdtPredict, treeValue, fitBins, defaultGbdtParams } from './models/gbdt.ts';
export type { GbdtEstimator, GbdtParams, GbdtFitInput, Tree } from './models/gbdt.ts';
export { fitLogistic, logisticMargin, logisticPredict, defaultLogisticParams } from './models/logistic.ts';
export type { LogisticEstimator, LogisticParams } from './models/logistic.ts';
export { fitAutoencoder, autoencoderScore, reconstructionTerms, defaultAutoencoderParams } from './models/autoencoder.ts';
export type { AutoencoderEstimator, AutoencoderParams } from './models/autoencoder.ts';

// evaluation, thresholds, explanations, stress, card
export {
  confusion,
  precision,
  recall,
  f1,
  averagePrecision,
  prCurve,
  rocAuc,
  brier,
  reliability,
  rmse,
  mae,
  classificationMetrics,
  regressionMetrics,
} from './metrics.ts';
export type { Confusion, ClassificationMetrics, PrPoint, RegressionMetrics, ReliabilityBin } from './metrics.ts';
export { pickThreshold, costReport, costOf } from './threshold.ts';
export type { CostModel, CostReport, ThresholdRule } from './threshold.ts';
export { contributions, linearContributions, treeShap, treeExpectation, permutationImportance } from './explain.ts';
export type { Contributions, Importance } from './explain.ts';
export { stressEvaluation } from './stress.ts';
export type { StressResult } from './stress.ts';
export { renderCardMarkdown, datasetSha256 } from './card.ts';
export type { ModelCard } from './card.ts';

// ONNX
export { exportOnnx, sha256Hex, ONNX_OUTPUTS, ONNX_OPSET, ONNX_ML_OPSET } from './onnx/export.ts';

// utilities and errors
export { createRng, shuffleInPlace } from './rng.ts';
export type { Rng } from './rng.ts';
export { parseCsv, numericColumn } from './csv.ts';
export type { CsvTable } from './csv.ts';
export {
  MlError,
  MlValidationError,
  MlErrorCode,
  SingleClassTargetError,
  UnknownColumnError,
  MissingValuesError,
  TooFewRowsError,
  UnknownModelTypeError,
  InvalidSpecError,
  NotExportableError,
} from './errors.ts';
