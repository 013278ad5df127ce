// Public surface of @industrial/training: the composition root (createTrainingApp), the config
// loader, the ports and their adapters, the run decider, and the pump model recipe
// (buildPumpModel / buildRulModel) that inference loads.
export { createTrainingApp, SERVICE_NAME } from './app.ts';
export type { TrainingApp, TrainingAppConfig, TrainingAppDeps } from './app.ts';
export { loadConfig } from './config.ts';
export type { ConfigResult, TrainingConfig } from './config.ts';
export type { ArtifactStore, CostModelSource, SnapshotData, SnapshotSource, Trainer, TrainJob, TrainOutput } from './ports.ts';
export { createFsArtifactStore } from './adapters/artifacts/fs.ts';
export { createS3ArtifactStore } from './adapters/artifacts/s3.ts';
export type { S3ArtifactStoreOptions, S3ObjectClient } from './adapters/artifacts/s3.ts';
export { createMemoryCostModels } from './adapters/costmodels/memory.ts';
export { createDataopsSnapshotSource } from './adapters/snapshots/dataops.ts';
export { createInlineTrainer, createWorkerTrainer } from './adapters/worker/trainer.ts';
export { decide, evolve, fold, initialRunState, STAGES } from './domain/run.ts';
export type { RunCommand, RunEvent, RunState, RunStatus, Stage } from './domain/run.ts';
export { JobQueue, QueueClosedError } from './runs/queue.ts';
export { TrainingError, TrainingErrorCode, InvalidTrainingRequestError, RunNotFoundError, SnapshotNotFoundError, NotConfiguredError, CostModelNotFoundError } from './domain/errors.ts';
