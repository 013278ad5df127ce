// Retraining on fresh data (owner: training, stream `retraining-<retrainingId>`, issue 16): a
// trigger (drift, a schedule tick in plant time, or an on-demand request) → a new dataops snapshot
// over a rolling window of recent historian data and labels → a training run with the use case's
// spec → a candidate registered by governance → its shadow period requested. Every event of one
// retraining (training's, dataops' snapshot, governance's registration and approval request)
// carries the retraining id as its correlation id; the run's trigger names the retraining id.
import { z } from 'zod';
import { Service, StreamFamily, defineContract } from '../contract.ts';
import { IsoDateTime, Sha256Hex, TimeRange, Uuid, text } from '../primitives.ts';

export const RetrainingTrigger = z
  .strictObject({
    kind: z.enum(['drift', 'schedule', 'on-demand']),
    /** Drift: the DriftDetected that triggered it (or that inference's RetrainingRequested names). */
    driftId: Uuid.nullable(),
    /** Inference's RetrainingRequested, when the retraining answers one. */
    retrainingRequestId: Uuid.nullable(),
    /** Schedule: the tick (the instant the schedule fired, in UTC) and the schedule as configured, in plant time. */
    scheduleTick: IsoDateTime.nullable(),
    schedule: text(200).nullable(),
    /** On demand: who asked (the caller's subject). */
    requestedBy: text(200).nullable(),
  })
  .refine((t) => t.kind !== 'drift' || t.driftId !== null, { message: 'is required when the trigger is "drift"', path: ['driftId'] })
  .refine((t) => t.kind !== 'schedule' || (t.scheduleTick !== null && t.schedule !== null), {
    message: 'is required when the trigger is "schedule"',
    path: ['scheduleTick'],
  })
  .refine((t) => t.kind !== 'on-demand' || t.requestedBy !== null, { message: 'is required when the trigger is "on-demand"', path: ['requestedBy'] });

export const retrainingTriggered = defineContract({
  service: Service.Training,
  streamFamily: StreamFamily.Retraining,
  description: 'A retraining of a use case on fresh data was triggered (drift, a schedule tick in plant time, or on demand) over a rolling window.',
  versions: [
    z.strictObject({
      retrainingId: Uuid,
      useCaseId: Uuid,
      trigger: RetrainingTrigger,
      /** The model the retraining replaces (its run gives the spec), or null when none serves yet. */
      baseModelVersionId: Uuid.nullable(),
      /** The run whose spec, hyperparameters, seed and snapshot definition the retraining reuses. */
      baseRunId: Uuid,
      /** The rolling window of historian data and labels the new snapshot covers. */
      window: TimeRange,
      triggeredAt: IsoDateTime,
    }),
  ],
  upcasters: [],
});

export const retrainingSnapshotTaken = defineContract({
  service: Service.Training,
  streamFamily: StreamFamily.Retraining,
  description: 'The fresh snapshot of a retraining was created by dataops over the rolling window and holds enough rows and positive labels to train.',
  versions: [
    z.strictObject({
      retrainingId: Uuid,
      useCaseId: Uuid,
      datasetId: Uuid,
      snapshotId: Uuid,
      snapshotHash: Sha256Hex,
      window: TimeRange,
      rowCount: z.int().nonnegative(),
      /** Rows whose target is positive (a classification target), else null. */
      positives: z.int().nonnegative().nullable(),
    }),
  ],
  upcasters: [],
});

export const retrainingCandidateRegistered = defineContract({
  service: Service.Training,
  streamFamily: StreamFamily.Retraining,
  description: 'A retraining produced a candidate registered by governance with its lineage (fresh snapshot, trigger) and requested its shadow period.',
  versions: [
    z.strictObject({
      retrainingId: Uuid,
      useCaseId: Uuid,
      snapshotId: Uuid,
      runId: Uuid,
      modelVersionId: Uuid,
      version: z.int().min(1),
      /** The approval request for the shadow stage (the shadow period starts when a quality lead approves it), or null when none could be made. */
      shadowApprovalRequestId: Uuid.nullable(),
      registeredAt: IsoDateTime,
    }),
  ],
  upcasters: [],
});

export const retrainingRefused = defineContract({
  service: Service.Training,
  streamFamily: StreamFamily.Retraining,
  description: 'A retraining was refused or failed at a step, with the reason; nothing after that step was done (no candidate without a snapshot).',
  versions: [
    z.strictObject({
      retrainingId: Uuid,
      useCaseId: Uuid,
      stage: z.enum(['trigger', 'snapshot', 'fresh-data', 'training', 'registration', 'shadow']),
      reason: text(2000),
      snapshotId: Uuid.nullable(),
      runId: Uuid.nullable(),
      refusedAt: IsoDateTime,
    }),
  ],
  upcasters: [],
});
