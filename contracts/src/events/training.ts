// Training events (owner: training): runs in `training-run-<id>` streams; registered models in `model-<useCase>`.
// v1 was edited in place before any release (issue 8): the run records its full spec and trigger, the
// code version may be a package version when no git commit is known, progress carries its stage,
// and a registered model carries its stage (always `candidate` from training), lineage and model card.
import { z } from 'zod';
import { Service, StreamFamily, defineContract } from '../contract.ts';
import { ArtifactUri, GitSha, IsoDateTime, Metrics, Ratio, Sha256Hex, UnsToken, Unit, Uuid, text } from '../primitives.ts';

const HyperparameterName = z.string().regex(/^[a-z][a-z0-9_]*$/, 'hyperparameter names use lowercase letters, digits and "_"');
const SemVer = z.string().regex(/^\d+\.\d+\.\d+$/, 'must be a semantic version such as "1.4.0"');

/** The code that trained: a git commit when known, else the training package version (e.g. "0.1.0"). */
export const CodeVersion = z.union([GitSha, z.string().regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, 'must be a git commit sha or a package version')]);

/** Column names as the model reads them (snapshot columns or engineered feature names). */
const ColumnName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'must be a column name of letters, digits, "_", "." and "-"');

/** What was asked for, so the run can be reproduced from the same snapshot and seed. */
export const TrainingSpecRecord = z.strictObject({
  target: ColumnName,
  features: z.array(ColumnName).min(1),
  modelType: z.enum(['gbdt', 'logistic', 'autoencoder']),
  /** `classification`, `regression` (GBDT only) or `anomaly` (autoencoder). */
  task: z.enum(['classification', 'regression', 'anomaly']),
  imbalance: z.enum(['none', 'class-weights', 'oversample', 'smote']),
  imputation: z.enum(['none', 'median', 'mean', 'constant']),
  /** The cost model the threshold was chosen with: from the charter (by use case) or given inline; null = max-F1. */
  costModel: z
    .strictObject({
      source: z.enum(['charter', 'inline']),
      useCaseId: Uuid.nullable(),
      missedFailure: z.number().nonnegative(),
      falseAlarm: z.number().nonnegative(),
      inspection: z.number().nonnegative(),
    })
    .nullable(),
});

export const trainingRunStarted = defineContract({
  service: Service.Training,
  streamFamily: StreamFamily.TrainingRun,
  description: 'A training run started (was accepted and queued) on a dataset snapshot with given code, spec and seed.',
  versions: [
    z.strictObject({
      runId: Uuid,
      useCaseId: Uuid,
      datasetId: Uuid,
      snapshotId: Uuid,
      /** Content hash of the snapshot, copied so the run is traceable without reading the dataset stream. */
      snapshotHash: Sha256Hex,
      algorithm: text(80),
      hyperparameters: z.record(HyperparameterName, z.union([z.number(), z.boolean(), z.string().max(200)])),
      featureSetVersion: SemVer,
      codeVersion: CodeVersion,
      /** Seed of every random source, so the run can be reproduced. */
      seed: z.int().nonnegative(),
      spec: TrainingSpecRecord,
      /** Who or what asked: an engineer, or a RetrainingRequested event (its requestId). */
      trigger: z.strictObject({ kind: z.enum(['manual', 'retraining']), retrainingRequestId: Uuid.nullable() }),
      startedAt: IsoDateTime,
    }),
  ],
  upcasters: [],
});

export const TrainingStage = z.enum(['data-loading', 'training', 'evaluation', 'export', 'registration']);

export const trainingRunProgressed = defineContract({
  service: Service.Training,
  streamFamily: StreamFamily.TrainingRun,
  description: 'A training run reported progress (step of its stages and running metrics).',
  versions: [
    z
      .strictObject({
        runId: Uuid,
        /** Stage just entered. */
        stage: TrainingStage,
        epoch: z.int().nonnegative(),
        totalEpochs: z.int().min(1),
        progress: Ratio,
        metrics: Metrics,
      })
      .refine((p) => p.epoch <= p.totalEpochs, { message: 'must not exceed totalEpochs', path: ['epoch'] }),
  ],
  upcasters: [],
});

export const trainingRunCompleted = defineContract({
  service: Service.Training,
  streamFamily: StreamFamily.TrainingRun,
  description: 'A training run finished and produced an evaluated model artifact.',
  versions: [
    z.strictObject({
      runId: Uuid,
      completedAt: IsoDateTime,
      durationSeconds: z.number().nonnegative(),
      /** Metrics on the held-out split, e.g. precision, recall, lead_time_minutes. */
      metrics: Metrics.refine((m) => Object.keys(m).length > 0, { message: 'must have at least one metric' }),
      artifactUri: ArtifactUri,
      /** sha256 of the ONNX bytes. */
      artifactHash: Sha256Hex,
    }),
  ],
  upcasters: [],
});

export const trainingRunFailed = defineContract({
  service: Service.Training,
  streamFamily: StreamFamily.TrainingRun,
  description: 'A training run failed or was cancelled; records at which stage and whether a retry may help.',
  versions: [
    z.strictObject({
      runId: Uuid,
      failedAt: IsoDateTime,
      stage: z.enum(['data-loading', 'training', 'evaluation', 'export', 'registration']),
      error: text(2000),
      retryable: z.boolean(),
    }),
  ],
  upcasters: [],
});

const Feature = z.strictObject({ name: UnsToken, unit: Unit.optional() });
const ArtifactRef = z.strictObject({ uri: ArtifactUri, sha256: Sha256Hex });

export const modelVersionRegistered = defineContract({
  service: Service.Governance,
  streamFamily: StreamFamily.Model,
  description: 'A trained model version was registered in the model registry, at the request of training, as a candidate (not yet approved or deployed).',
  versions: [
    z.strictObject({
      modelVersionId: Uuid,
      useCaseId: Uuid,
      runId: Uuid,
      /** 1, 2, 3… per use case. */
      version: z.int().min(1),
      /** Training only ever registers candidates; promotion is a human decision in governance. */
      stage: z.literal('candidate'),
      format: z.literal('onnx'),
      artifactUri: ArtifactUri,
      artifactHash: Sha256Hex,
      datasetId: Uuid,
      snapshotId: Uuid,
      snapshotHash: Sha256Hex,
      featureSetVersion: SemVer,
      codeVersion: CodeVersion,
      seed: z.int().nonnegative(),
      spec: TrainingSpecRecord,
      inputs: z.array(Feature).min(1),
      /** Length of the feature window the model scores, seconds; null when it scores single rows. */
      windowSeconds: z.int().min(1).nullable(),
      outputs: z.array(Feature).min(1),
      metrics: Metrics,
      /** Score at or above which a recommendation is raised (chosen with the cost model); null for a regressor. */
      decisionThreshold: z.number().nullable(),
      /** The model card (Markdown and JSON) and the TS model (explanations), content-addressed like the ONNX file. */
      modelCard: z.strictObject({ markdown: ArtifactRef, json: ArtifactRef }),
      explainer: ArtifactRef,
      /** Training reference sample per input + scores (drift reference, warm-up parity); absent on early registrations. */
      reference: ArtifactRef.optional(),
    }),
  ],
  upcasters: [],
});
