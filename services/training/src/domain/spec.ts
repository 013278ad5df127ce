// The training request, validated and turned into the ML library's TrainSpec. Pure: the snapshot's
// columns, its split and the resolved cost model come in as data. Everything that can be refused is
// refused here or by ml.validateSpec — before a run is recorded.
import {
  ai4iFeatures,
  featureJson,
  InvalidSpecError,
  MlValidationError,
  validateSpec,
  type CostModel,
  type WindowSpec,
  type OrderedSpec,
  type FeatureDef,
  type FeatureJson,
  type ImbalanceSpec,
  type ModelSpec,
  type SplitSpec,
  type TrainSpec,
} from '@industrial/ml';
import type { EventData } from '@industrial/contracts';
import { fromMlError, InvalidTrainingRequestError } from './errors.ts';
import { assertNumeric, type TrainingTable } from './dataset.ts';

export const MODEL_TYPES = ['gbdt', 'logistic', 'autoencoder'] as const;
export type ModelTypeName = (typeof MODEL_TYPES)[number];
export const IMBALANCE_STRATEGIES = ['none', 'class-weights', 'oversample', 'smote'] as const;
export const IMPUTATIONS = ['none', 'median', 'mean', 'constant'] as const;

export type CostModelChoice = { readonly source: 'charter'; readonly useCaseId: string } | ({ readonly source: 'inline' } & CostModel);

/** What an engineer asks for (gRPC, CLI, or a retraining request replaying an earlier spec). */
export interface TrainingSpecInput {
  readonly target: string;
  /** Empty: every numeric feature column the caller offers as default. */
  readonly features: readonly string[];
  readonly modelType: string;
  readonly hyperparameters: Readonly<Record<string, number | boolean | string>>;
  readonly imbalance: string;
  readonly imputation: string;
  readonly costModel: CostModelChoice | null;
  readonly seed: number;
}

export type TrainingSpecRecord = EventData<'TrainingRunStarted'>['spec'];

/** Engineered features a request may name (the shared feature module of @industrial/ml). */
export const FEATURE_LIBRARY: Readonly<Record<string, FeatureDef>> = Object.fromEntries(
  [ai4iFeatures.power, ai4iFeatures.temperatureDifference, ai4iFeatures.wearTorque].map((f) => [f.name, f]),
);

/** A TrainSpec that can cross a worker boundary: features as JSON, no functions. */
export type PortableTrainSpec = Omit<TrainSpec, 'features'> & { readonly features: readonly FeatureJson[] };

export interface ResolvedSpec {
  readonly trainSpec: PortableTrainSpec;
  readonly record: TrainingSpecRecord;
  /** For TrainingRunStarted: snake_case names, scalar values. */
  readonly hyperparameters: Record<string, number | boolean | string>;
  readonly algorithm: string;
  readonly task: 'classification' | 'regression' | 'anomaly';
  readonly features: readonly FeatureDef[];
}

export const MODEL_PARAMS: Readonly<Record<ModelTypeName, Readonly<Record<string, 'number' | 'string' | 'boolean'>>>> = {
  gbdt: {
    task: 'string',
    maxIter: 'number',
    learningRate: 'number',
    growth: 'string',
    maxLeafNodes: 'number',
    maxDepth: 'number',
    minSamplesLeaf: 'number',
    minHessianLeaf: 'number',
    l2: 'number',
    maxBins: 'number',
    minGainToSplit: 'number',
    earlyStopping: 'boolean',
    earlyStoppingPatience: 'number',
  },
  logistic: { l2: 'number', maxIter: 'number', tol: 'number' },
  autoencoder: { hidden: 'number', epochs: 'number', batchSize: 'number', learningRate: 'number', l2: 'number' },
};

const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
export const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** `"50"` → 50, `"true"` → true; used for string-valued maps (gRPC, CLI). */
export function coerceParam(v: string): number | boolean | string {
  const t = v.trim();
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (t !== '' && Number.isFinite(Number(t))) return Number(t);
  return t;
}

function oneOf<T extends string>(value: string, allowed: readonly T[], fallback: T, field: string, what: string): T {
  const v = value.trim() === '' ? fallback : value.trim();
  if (!(allowed as readonly string[]).includes(v)) {
    throw new InvalidTrainingRequestError(
      field,
      `unknown ${what} ${JSON.stringify(value)}; expected one of ${allowed.join(', ')}`,
      what === 'model type' ? 'unknown_model_type' : 'invalid_spec',
    );
  }
  return v as T;
}

function modelSpec(
  type: ModelTypeName,
  hp: Readonly<Record<string, number | boolean | string>>,
): { model: ModelSpec; record: Record<string, number | boolean | string> } {
  const allowed = MODEL_PARAMS[type];
  const params: Record<string, unknown> = {};
  const record: Record<string, number | boolean | string> = {};
  for (const [rawName, value] of Object.entries(hp)) {
    const name = camel(rawName);
    const kind = allowed[name];
    if (kind === undefined)
      throw new InvalidTrainingRequestError(
        `spec.hyperparameters.${rawName}`,
        `${JSON.stringify(rawName)} is not a ${type} hyperparameter (known: ${Object.keys(allowed).map(snake).join(', ')})`,
      );
    if (typeof value !== kind) throw new InvalidTrainingRequestError(`spec.hyperparameters.${rawName}`, `must be a ${kind} (got ${JSON.stringify(value)})`);
    if (kind === 'number' && !Number.isFinite(value as number))
      throw new InvalidTrainingRequestError(`spec.hyperparameters.${rawName}`, 'must be a finite number');
    record[snake(name)] = value;
    if (name === 'earlyStopping') params.earlyStopping = value === false ? false : undefined;
    else if (name === 'earlyStoppingPatience') params.earlyStopping = { patience: value as number, tol: 1e-7 };
    else params[name] = value;
  }
  if (type === 'gbdt') {
    if (params.task !== undefined && params.task !== 'classification' && params.task !== 'regression')
      throw new InvalidTrainingRequestError('spec.hyperparameters.task', `must be "classification" or "regression" (got ${JSON.stringify(params.task)})`);
    if (params.growth !== undefined && params.growth !== 'leaf-wise' && params.growth !== 'depth-wise')
      throw new InvalidTrainingRequestError('spec.hyperparameters.growth', 'must be "leaf-wise" or "depth-wise"');
    if (params.earlyStopping === undefined) delete params.earlyStopping;
  }
  return { model: { type, params } as ModelSpec, record };
}

export interface ResolveContext {
  readonly table: TrainingTable;
  readonly split: SplitSpec;
  /** The cost model behind `costModel` (looked up from the charter when by reference). */
  readonly costModel: CostModel | null;
  /** Columns used when the request names no features. */
  readonly defaultFeatures: readonly string[];
  readonly card?: TrainSpec['card'];
  /** The snapshot's window spec: stored in the model so inference computes live rows the same way. */
  readonly window?: WindowSpec | null;
  /** The snapshot's ordered per-unit spec: stored in the model so scoring recomputes the same features. */
  readonly ordered?: OrderedSpec | null;
  /** Fewer permutation repeats keep big runs short. */
  readonly importanceRepeats?: number;
}

/** Validates the request against the data; throws InvalidTrainingRequestError naming the field. */
export function resolveSpec(input: TrainingSpecInput, ctx: ResolveContext): ResolvedSpec {
  const type = oneOf(input.modelType, MODEL_TYPES, 'gbdt', 'spec.model_type', 'model type');
  const imbalance = oneOf(input.imbalance, IMBALANCE_STRATEGIES, 'none', 'spec.imbalance', 'imbalance strategy');
  const imputation = oneOf(input.imputation, IMPUTATIONS, 'none', 'spec.imputation', 'imputation strategy');
  if (!Number.isInteger(input.seed) || input.seed < 0 || input.seed > 0xffffffff)
    throw new InvalidTrainingRequestError('spec.seed', 'must be an integer 0–4294967295');
  if (input.target.trim() === '') throw new InvalidTrainingRequestError('spec.target', 'is required');
  const names = input.features.length > 0 ? input.features : ctx.defaultFeatures.filter((f) => f !== input.target);
  if (names.length === 0) throw new InvalidTrainingRequestError('spec.features', 'no features: name some, or use a snapshot with feature columns');
  const features = names.map((n) => (ctx.table.dataset.columns[n] === undefined && FEATURE_LIBRARY[n] !== undefined ? FEATURE_LIBRARY[n] : n));
  assertNumeric(ctx.table, [input.target], () => 'spec.target');
  assertNumeric(ctx.table, names, (i) => `spec.features[${i}]`);
  const { model, record: hyper } = modelSpec(type, input.hyperparameters);
  const task =
    type === 'gbdt'
      ? ((model.params as { task?: 'classification' | 'regression' } | undefined)?.task ?? 'classification')
      : type === 'logistic'
        ? 'classification'
        : 'anomaly';
  const spec: TrainSpec = {
    target: input.target,
    features,
    model,
    ...(imputation === 'none' ? {} : { imputation: { strategy: imputation } }),
    ...(imbalance === 'none' || task !== 'classification' ? {} : { imbalance: { strategy: imbalance } satisfies ImbalanceSpec }),
    ...(ctx.costModel === null || task === 'regression' ? {} : { costModel: ctx.costModel }),
    seed: input.seed,
    split: ctx.split,
    ...(ctx.importanceRepeats === undefined ? {} : { importanceRepeats: ctx.importanceRepeats }),
    ...(ctx.card === undefined ? {} : { card: ctx.card }),
    ...(ctx.window === undefined || ctx.window === null ? {} : { window: ctx.window }),
    ...(ctx.ordered === undefined || ctx.ordered === null ? {} : { ordered: ctx.ordered }),
  };
  let resolvedFeatures: FeatureDef[];
  try {
    resolvedFeatures = validateSpec(spec, ctx.table.dataset).features;
  } catch (e) {
    if (e instanceof MlValidationError) throw fromMlError(e);
    throw e;
  }
  if (ctx.costModel !== null && task !== 'regression') {
    for (const k of ['missedFailure', 'falseAlarm', 'inspection'] as const)
      if (!(ctx.costModel[k] >= 0) || !Number.isFinite(ctx.costModel[k]))
        throw fromMlError(new InvalidSpecError('costModel', `cost model ${k} must be a finite number ≥ 0`));
  }
  const record: TrainingSpecRecord = {
    target: input.target,
    features: [...names],
    modelType: type,
    task,
    imbalance,
    imputation,
    costModel:
      ctx.costModel === null || input.costModel === null
        ? null
        : { source: input.costModel.source, useCaseId: input.costModel.source === 'charter' ? input.costModel.useCaseId : null, ...pickCost(ctx.costModel) },
  };
  return {
    trainSpec: { ...spec, features: resolvedFeatures.map(featureJson) },
    record,
    hyperparameters: hyper,
    algorithm: type === 'gbdt' ? `gradient-boosted-trees-${task}` : type === 'logistic' ? 'logistic-regression' : 'mlp-autoencoder',
    task,
    features: resolvedFeatures,
  };
}

const pickCost = (c: CostModel): CostModel => ({ missedFailure: c.missedFailure, falseAlarm: c.falseAlarm, inspection: c.inspection });

/** A recorded spec back as input (retraining repeats the spec of the model it replaces). */
export function specInputOf(record: TrainingSpecRecord, hyperparameters: Readonly<Record<string, number | boolean | string>>, seed: number): TrainingSpecInput {
  return {
    target: record.target,
    features: record.features,
    modelType: record.modelType,
    hyperparameters,
    imbalance: record.imbalance,
    imputation: record.imputation,
    costModel:
      record.costModel === null
        ? null
        : record.costModel.source === 'charter' && record.costModel.useCaseId !== null
          ? { source: 'charter', useCaseId: record.costModel.useCaseId }
          : { source: 'inline', ...pickCost(record.costModel) },
    seed,
  };
}
