// The high-level entry point: validate a spec against a dataset (typed errors before any
// fitting), split, fit the pipeline and the model, pick the operating threshold on the
// validation part, evaluate on test, explain, stress, write the card, export ONNX.

import { selectWindowFeatures, validateWindowSpec, type WindowSpec } from './windows.ts';
import { column, pick, rowMajor, type Dataset } from './dataset.ts';
import { InvalidSpecError, MissingValuesError, SingleClassTargetError, TooFewRowsError, UnknownColumnError, UnknownModelTypeError } from './errors.ts';
import { inputsOf, featureJson, normaliseFeatures, type FeatureDef } from './features.ts';
import { applyImbalance, type ImbalanceReport, type ImbalanceSpec } from './imbalance.ts';
import { applyScaler, computeFeatureMatrix, fitPipeline, impute, transform, type ImputeStrategy, type ScalingKind } from './preprocess.ts';
import { createRng } from './rng.ts';
import { chronologicalSplit, groupSplit, type Fractions, type SplitIndices } from './splits.ts';
import { tailSplit, unitSplit } from './targets.ts';
import { validateOrderedSpec, type OrderedSpec } from './ordered.ts';
import { fitGbdt, type GbdtParams } from './models/gbdt.ts';
import { fitLogistic, type LogisticParams } from './models/logistic.ts';
import { fitAutoencoder, type AutoencoderParams } from './models/autoencoder.ts';
import { averagePrecision, classificationMetrics, regressionMetrics, rmse, type ClassificationMetrics, type RegressionMetrics } from './metrics.ts';
import { costReport, pickThreshold, type CostModel, type CostReport, type ThresholdRule } from './threshold.ts';
import { permutationImportance, type Importance } from './explain.ts';
import { stressEvaluation, type StressResult } from './stress.ts';
import { datasetSha256, renderCardMarkdown, type ModelCard } from './card.ts';
import { exportOnnx, sha256Hex, ONNX_ML_OPSET, ONNX_OPSET } from './onnx/export.ts';
import { explain, MODEL_FORMAT, scoreOf, scoreRaw, type Estimator, type Explanation, type InputRow, type Model, type Task } from './model.ts';

export const ModelType = { Logistic: 'logistic', Gbdt: 'gbdt', Autoencoder: 'autoencoder' } as const;
export type ModelType = (typeof ModelType)[keyof typeof ModelType];

export type ModelSpec =
  | { readonly type: 'logistic'; readonly params?: Partial<LogisticParams> }
  | { readonly type: 'gbdt'; readonly params?: Partial<GbdtParams> }
  | { readonly type: 'autoencoder'; readonly params?: Partial<Omit<AutoencoderParams, 'seed'>>; readonly trainOn?: 'all' | 'negatives' };

export type SplitSpec =
  | ({ readonly kind: 'chronological'; readonly orderBy?: string } & Fractions)
  | ({ readonly kind: 'group'; readonly groupBy: string; readonly orderBy?: string } & Fractions)
  | { readonly kind: 'indices'; readonly train: ArrayLike<number>; readonly validation: ArrayLike<number>; readonly test: ArrayLike<number> }
  /** Named test units (whole units held out); validation units by name, or the last `validationTail` of each training unit in order. */
  | {
      readonly kind: 'units';
      readonly groupBy: string;
      readonly orderBy?: string;
      readonly testUnits: readonly number[];
      readonly validationUnits?: readonly number[];
      readonly validationTail?: number;
    }
  /** Every unit trains on its first part and validates on its last `validation` share in order; the test part is that tail too (no unit held out). */
  | { readonly kind: 'tail'; readonly groupBy: string; readonly orderBy?: string; readonly validation: number };

export interface TrainSpec {
  readonly target: string;
  /** Strings are raw columns; FeatureDefs come from the shared feature module. */
  readonly features: readonly (string | FeatureDef)[];
  readonly model: ModelSpec;
  readonly imputation?: { readonly strategy: ImputeStrategy; readonly value?: number };
  /** Default: standard for logistic and autoencoder, none for trees. */
  readonly scaling?: ScalingKind;
  readonly imbalance?: ImbalanceSpec;
  readonly costModel?: CostModel;
  /** Default: cost when a cost model is given, else max-F1. */
  readonly thresholdRule?: 'cost' | 'max-f1';
  readonly seed: number;
  readonly split: SplitSpec;
  readonly stress?: { readonly sigmas?: readonly number[]; readonly sensors?: readonly string[] };
  readonly importanceRepeats?: number;
  readonly card?: { readonly name?: string; readonly version?: string; readonly intendedUse?: string; readonly limitations?: readonly string[] };
  /**
   * How the raw inputs are computed from per-tag time series (windows.ts). Stored in the model, so
   * the runtime computes its live rows with the same definition; every raw input must be one of its features.
   */
  readonly window?: WindowSpec;
  /** How the raw inputs are computed from ordered per-unit rows (ordered.ts); stored in the model for scoring. */
  readonly ordered?: OrderedSpec;
}

export interface TrainResult {
  readonly model: Model;
  readonly metrics: { readonly validation: ClassificationMetrics | RegressionMetrics; readonly test: ClassificationMetrics | RegressionMetrics };
  readonly threshold: number | null;
  readonly cost: { readonly validation: CostReport; readonly test: CostReport } | null;
  readonly imbalance: ImbalanceReport | null;
  readonly importance: readonly Importance[];
  readonly contributionsFn: (row: InputRow) => Explanation;
  readonly stress: StressResult;
  readonly card: { readonly json: ModelCard; readonly markdown: string };
  readonly onnx: Uint8Array;
  readonly onnxSha256: string;
}

const MIN_TRAIN_ROWS = 10;

function taskFor(m: ModelSpec): Task {
  return m.type === 'gbdt' ? (m.params?.task ?? 'classification') : m.type === 'logistic' ? 'classification' : 'anomaly';
}

function resolveSplit(spec: TrainSpec, ds: Dataset): SplitIndices {
  const s = spec.split;
  switch (s.kind) {
    case 'chronological':
      return chronologicalSplit(ds.nRows, s, s.orderBy ? column(ds, s.orderBy, 'split.orderBy') : undefined);
    case 'group':
      return groupSplit(column(ds, s.groupBy, 'split.groupBy'), s, s.orderBy ? column(ds, s.orderBy, 'split.orderBy') : undefined);
    case 'indices': {
      const part = (a: ArrayLike<number>, name: string): Int32Array => {
        const out = Int32Array.from(a);
        for (const i of out) if (i < 0 || i >= ds.nRows) throw new InvalidSpecError(`split.${name}`, `row index ${i} is out of range`);
        return out;
      };
      return { train: part(s.train, 'train'), validation: part(s.validation, 'validation'), test: part(s.test, 'test') };
    }
    case 'units':
      return unitSplit(column(ds, s.groupBy, 'split.groupBy'), s.orderBy ? column(ds, s.orderBy, 'split.orderBy') : undefined, s);
    case 'tail': {
      const t = tailSplit(column(ds, s.groupBy, 'split.groupBy'), s.orderBy ? column(ds, s.orderBy, 'split.orderBy') : undefined, s.validation);
      return { train: t.train, validation: t.validation, test: t.validation };
    }
    default: {
      const never: never = s;
      throw new InvalidSpecError('split.kind', `unknown split ${JSON.stringify(never)}`);
    }
  }
}

/** Every check that can fail before fitting. Returns the resolved pieces. */
export function validateSpec(spec: TrainSpec, ds: Dataset): { features: FeatureDef[]; inputs: string[]; task: Task; split: SplitIndices } {
  const type: unknown = (spec.model as { type?: unknown } | undefined)?.type;
  if (type !== 'logistic' && type !== 'gbdt' && type !== 'autoencoder')
    throw new UnknownModelTypeError('model.type', `unknown model type ${JSON.stringify(type)}; expected one of logistic, gbdt, autoencoder`);
  const task = taskFor(spec.model);
  if (spec.features.length === 0) throw new InvalidSpecError('features', 'at least one feature is required');
  const features = normaliseFeatures(spec.features);
  const names = new Set<string>();
  features.forEach((f, i) => {
    if (names.has(f.name)) throw new InvalidSpecError(`features[${i}]`, `duplicate feature "${f.name}"`);
    names.add(f.name);
    for (const inp of f.inputs)
      if (!ds.columns[inp]) throw new UnknownColumnError(`features[${i}]`, `feature "${f.name}" reads column "${inp}", which does not exist in the dataset`);
  });
  const y = column(ds, spec.target, 'target');
  const inputs = inputsOf(features.map(featureJson));
  if (spec.window !== undefined) {
    try {
      validateWindowSpec(spec.window);
      selectWindowFeatures(spec.window, inputs);
    } catch (e) {
      throw new InvalidSpecError('window', e instanceof Error ? e.message : String(e));
    }
  }
  if (spec.ordered !== undefined) validateOrderedSpec(spec.ordered);
  if (inputs.includes(spec.target)) throw new InvalidSpecError('features', `the target "${spec.target}" is also an input`);
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (Number.isNaN(v)) throw new MissingValuesError('target', `target "${spec.target}" is missing in row ${i}`);
    if (task !== 'regression' && v !== 0 && v !== 1) throw new InvalidSpecError('target', `target "${spec.target}" must be 0/1 for ${task}, row ${i} is ${v}`);
  }
  if (!spec.imputation || spec.imputation.strategy === 'none')
    for (const inp of inputs) {
      const c = ds.columns[inp]!;
      for (let i = 0; i < c.length; i++)
        if (Number.isNaN(c[i]!)) throw new MissingValuesError(inp, `column "${inp}" has missing values (row ${i}) and the spec sets no imputation strategy`);
    }
  if (ds.nRows < MIN_TRAIN_ROWS + 2)
    throw new TooFewRowsError('split', `dataset has ${ds.nRows} rows; training needs at least ${MIN_TRAIN_ROWS} plus one validation and one test row`);
  const split = resolveSplit(spec, ds);
  if (split.train.length < MIN_TRAIN_ROWS)
    throw new TooFewRowsError('split.train', `train part has ${split.train.length} rows, needs at least ${MIN_TRAIN_ROWS}`);
  if (split.validation.length < 1) throw new TooFewRowsError('split.validation', 'validation part is empty (threshold and early stopping need it)');
  if (split.test.length < 1) throw new TooFewRowsError('split.test', 'test part is empty');
  if (task !== 'regression') {
    let pos = 0;
    for (const i of split.train) pos += y[i]!;
    if (pos === 0 || pos === split.train.length)
      throw new SingleClassTargetError('target', `target "${spec.target}" has only class ${pos === 0 ? 0 : 1} in the train part`);
  }
  return { features, inputs, task, split };
}

/** The card's default intended use, in the words of the task. */
export function defaultIntendedUse(task: Task, target: string): string {
  if (task === 'regression')
    return `Decision support: estimate "${target}" for each row (e.g. remaining useful life to plan maintenance). Not for autonomous control.`;
  if (task === 'anomaly') return 'Decision support: raise an alarm when the signal departs from its normal behaviour. Not for autonomous control.';
  return `Decision support: flag rows likely to have "${target}". Not for autonomous control.`;
}

export function train(spec: TrainSpec, ds: Dataset): TrainResult {
  const { features, inputs, task, split } = validateSpec(spec, ds);
  const yAll = column(ds, spec.target);
  const p = inputs.length;
  const rawTrain = rowMajor(ds, inputs, split.train);
  const yTrain = pick(yAll, split.train);
  const nTrain = split.train.length;
  const scaling = spec.scaling ?? (spec.model.type === 'gbdt' ? 'none' : 'standard');
  const imputation = spec.imputation?.strategy ?? 'none';
  const pipeline = fitPipeline(features, rawTrain, nTrain, { imputation, imputeConstant: spec.imputation?.value ?? 0, scaling });
  const F = pipeline.features.length;

  // Resampling happens on the imputed raw inputs so engineered features stay consistent.
  let imbalance: ImbalanceReport | null = null;
  let xFit: Float64Array,
    yFit = yTrain,
    wFit: Float64Array | undefined,
    nFit = nTrain;
  const imputedTrain = impute(pipeline.imputer, rawTrain, nTrain);
  if (spec.imbalance && task === 'classification') {
    const r = applyImbalance(spec.imbalance, imputedTrain, yTrain, p, createRng(spec.seed));
    imbalance = r.report;
    xFit = applyScaler(pipeline.scaler, computeFeatureMatrix(pipeline.inputs, pipeline.features, r.x, r.n), r.n);
    yFit = r.y;
    wFit = r.weights;
    nFit = r.n;
  } else xFit = applyScaler(pipeline.scaler, computeFeatureMatrix(pipeline.inputs, pipeline.features, imputedTrain, nTrain), nTrain);

  const rawVal = rowMajor(ds, inputs, split.validation),
    yVal = pick(yAll, split.validation),
    nVal = split.validation.length;
  const rawTest = rowMajor(ds, inputs, split.test),
    yTest = pick(yAll, split.test),
    nTest = split.test.length;
  const xVal = transform(pipeline, rawVal, nVal);
  const xTest = transform(pipeline, rawTest, nTest);

  let estimator: Estimator;
  const m = spec.model;
  switch (m.type) {
    case 'logistic':
      estimator = fitLogistic({ x: xFit, n: nFit, p: F, y: yFit, ...(wFit ? { weights: wFit } : {}) }, m.params);
      break;
    case 'gbdt':
      estimator = fitGbdt({ x: xFit, n: nFit, p: F, y: yFit, ...(wFit ? { weights: wFit } : {}), validation: { x: xVal, n: nVal, y: yVal } }, m.params);
      break;
    case 'autoencoder': {
      let xa = xFit,
        na = nFit;
      if ((m.trainOn ?? 'negatives') === 'negatives') {
        const keep: number[] = [];
        for (let i = 0; i < nFit; i++) if (yFit[i] === 0) keep.push(i);
        xa = new Float64Array(keep.length * F);
        keep.forEach((i, r) => xa.set(xFit.subarray(i * F, i * F + F), r * F));
        na = keep.length;
      }
      estimator = fitAutoencoder({ x: xa, n: na, p: F }, { ...m.params, seed: spec.seed });
      break;
    }
  }

  const sVal = scoreOf(estimator, xVal, nVal);
  const sTest = scoreOf(estimator, xTest, nTest);
  const ruleKind = spec.thresholdRule ?? (spec.costModel ? 'cost' : 'max-f1');
  if (ruleKind === 'cost' && !spec.costModel) throw new InvalidSpecError('costModel', 'thresholdRule "cost" needs a cost model');
  const rule: ThresholdRule | null = task === 'regression' ? null : ruleKind === 'cost' ? { kind: 'cost', cost: spec.costModel! } : { kind: 'max-f1' };
  const threshold = rule ? pickThreshold(yVal, sVal, rule) : null;
  const probabilistic = task === 'classification';
  const metrics =
    threshold === null
      ? { validation: regressionMetrics(yVal, sVal), test: regressionMetrics(yTest, sTest) }
      : { validation: classificationMetrics(yVal, sVal, threshold, probabilistic), test: classificationMetrics(yTest, sTest, threshold, probabilistic) };
  const cost =
    threshold !== null && spec.costModel
      ? { validation: costReport(yVal, sVal, threshold, spec.costModel), test: costReport(yTest, sTest, threshold, spec.costModel) }
      : null;

  const model: Model = {
    format: MODEL_FORMAT,
    target: spec.target,
    task,
    pipeline,
    estimator,
    threshold,
    ...(spec.window === undefined ? {} : { window: spec.window }),
    ...(spec.ordered === undefined ? {} : { ordered: spec.ordered }),
  };

  const metricName = task === 'regression' ? 'negative RMSE' : 'PR-AUC';
  const metricFn =
    task === 'regression' ? (y: Float64Array, s: Float64Array): number => -rmse(y, s) : (y: Float64Array, s: Float64Array): number => averagePrecision(y, s);
  const importance = permutationImportance(
    (x, n) => scoreOf(estimator, x, n),
    xTest,
    nTest,
    pipeline.features.map((f) => f.name),
    yTest,
    metricFn,
    spec.importanceRepeats ?? 5,
    createRng(spec.seed + 1),
  );
  const stress = stressEvaluation({
    score: (raw, n) => scoreRaw(model, raw, n),
    raw: rawTest,
    n: nTest,
    inputs,
    sensors: spec.stress?.sensors ?? inputs,
    y: yTest,
    metricName,
    metric: metricFn,
    sigmas: spec.stress?.sigmas ?? [0.05, 0.1, 0.2],
    rng: createRng(spec.seed + 2),
  });

  const onnx = exportOnnx(model);
  const onnxSha256 = sha256Hex(onnx);
  const { params: hyperparameters = {} } = spec.model as { params?: Record<string, unknown> };
  const cardJson: ModelCard = {
    name: spec.card?.name ?? `${spec.model.type}-${spec.target}`,
    version: spec.card?.version ?? '0.0.0',
    intendedUse: spec.card?.intendedUse ?? defaultIntendedUse(task, spec.target),
    modelType: spec.model.type,
    task,
    target: spec.target,
    seed: spec.seed,
    hyperparameters: estimator.kind === 'gbdt' ? { ...estimator.params, trees: estimator.trees.length } : hyperparameters,
    data: {
      rows: ds.nRows,
      sha256: datasetSha256(ds, [...inputs, spec.target]),
      columns: [...inputs, spec.target],
      split: { kind: spec.split.kind, train: nTrain, validation: nVal, test: nTest },
    },
    features: features.map((f) => ({ ...featureJson(f), inputs: f.inputs })),
    preprocessing: { imputation, scaling },
    imbalance,
    threshold: { rule, value: threshold, validationCost: cost?.validation ?? null, testCost: cost?.test ?? null },
    metrics,
    importance,
    stress,
    onnx: { sha256: onnxSha256, opset: ONNX_OPSET, mlOpset: ONNX_ML_OPSET, bytes: onnx.length },
    limitations: [
      ...(spec.card?.limitations ?? []),
      `Evaluated on ${nTest} test rows${threshold !== null ? ` with ${(metrics.test as ClassificationMetrics).positives} positives; one more or one fewer caught moves recall noticeably` : ''}.`,
      'Chronological or group-wise evaluation only; performance under process or sensor drift beyond the stress tests is unknown.',
      ...(imbalance && imbalance.syntheticRows > 0 ? ['Resampled training data: predicted probabilities are not calibrated to the true failure rate.'] : []),
    ],
  };
  return {
    model,
    metrics,
    threshold,
    cost,
    imbalance,
    importance,
    contributionsFn: (row) => explain(model, row),
    stress,
    card: { json: cardJson, markdown: renderCardMarkdown(cardJson) },
    onnx,
    onnxSha256,
  };
}
