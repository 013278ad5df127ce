// Training events (owner: training): runs in `training-run-<id>` streams; registered models in `model-<useCase>`.
import { z } from 'zod';
import { Service, StreamFamily, defineContract } from '../contract.ts';
import { ArtifactUri, GitSha, IsoDateTime, Metrics, Ratio, Sha256Hex, UnsToken, Unit, Uuid, text } from '../primitives.ts';

const HyperparameterName = z.string().regex(/^[a-z][a-z0-9_]*$/, 'hyperparameter names use lowercase letters, digits and "_"');

export const trainingRunStarted = defineContract({
  service: Service.Training,
  streamFamily: StreamFamily.TrainingRun,
  description: 'A training run started on a dataset snapshot with given code, algorithm and seed.',
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
      featureSetVersion: z.string().regex(/^\d+\.\d+\.\d+$/, 'must be a semantic version such as "1.4.0"'),
      codeVersion: GitSha,
      /** Seed of every random source, so the run can be reproduced. */
      seed: z.int().nonnegative(),
      startedAt: IsoDateTime,
    }),
  ],
  upcasters: [],
});

export const trainingRunProgressed = defineContract({
  service: Service.Training,
  streamFamily: StreamFamily.TrainingRun,
  description: 'A training run reported progress (epoch and running metrics).',
  versions: [
    z
      .strictObject({
        runId: Uuid,
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
      artifactHash: Sha256Hex,
    }),
  ],
  upcasters: [],
});

export const trainingRunFailed = defineContract({
  service: Service.Training,
  streamFamily: StreamFamily.TrainingRun,
  description: 'A training run failed; records at which stage and whether a retry may help.',
  versions: [
    z.strictObject({
      runId: Uuid,
      failedAt: IsoDateTime,
      stage: z.enum(['data-loading', 'training', 'evaluation', 'export']),
      error: text(2000),
      retryable: z.boolean(),
    }),
  ],
  upcasters: [],
});

const Feature = z.strictObject({ name: UnsToken, unit: Unit.optional() });

export const modelVersionRegistered = defineContract({
  service: Service.Training,
  streamFamily: StreamFamily.Model,
  description: 'A trained model version was registered for a use case (not yet approved or deployed).',
  versions: [
    z.strictObject({
      modelVersionId: Uuid,
      useCaseId: Uuid,
      runId: Uuid,
      /** 1, 2, 3… per use case. */
      version: z.int().min(1),
      format: z.literal('onnx'),
      artifactUri: ArtifactUri,
      artifactHash: Sha256Hex,
      snapshotHash: Sha256Hex,
      featureSetVersion: z.string().regex(/^\d+\.\d+\.\d+$/, 'must be a semantic version such as "1.4.0"'),
      inputs: z.array(Feature).min(1),
      /** Length of the feature window the model scores, seconds. */
      windowSeconds: z.int().min(1),
      outputs: z.array(Feature).min(1),
      metrics: Metrics,
      /** Score at or above which a recommendation is raised (chosen with the cost model). */
      decisionThreshold: Ratio,
    }),
  ],
  upcasters: [],
});
