// Public surface of @industrial/training: the composition root (createTrainingApp), the config
// loader, the ports and their adapters, the run decider, and the pump model recipe
// (buildPumpModel / buildRulModel) that inference loads.
export { createTrainingApp, SERVICE_NAME } from './app.ts';
export type { TrainingApp, TrainingAppConfig, TrainingAppDeps } from './app.ts';
export { loadConfig } from './config.ts';
export type { ConfigResult, TrainingConfig } from './config.ts';
export type {
  ArtifactStore,
  CostModelSource,
  ModelRegistration,
  ModelRegistry,
  RegisteredModel,
  SnapshotData,
  SnapshotSource,
  Trainer,
  TrainJob,
  TrainOutput,
} from './ports.ts';
export { createInProcessModelRegistry } from './adapters/registry/in-process.ts';
export { createGrpcModelRegistry } from './adapters/registry/grpc.ts';
export type { GrpcModelRegistryOptions } from './adapters/registry/grpc.ts';
export type { Requester, StartRunRequest, TrainingRuns } from './features/runs.ts';
export { createFsArtifactStore } from './adapters/artifacts/fs.ts';
export { createS3ArtifactStore } from './adapters/artifacts/s3.ts';
export type { S3ArtifactStoreOptions, S3ObjectClient } from './adapters/artifacts/s3.ts';
export { createMemoryCostModels } from './adapters/costmodels/memory.ts';
export { createCharterStoreCostModels, fromCharterCostModel, fromServingCostModel } from './adapters/costmodels/charter-store.ts';
export { createDataopsSnapshotSource } from './adapters/snapshots/dataops.ts';
export { createGrpcFreshSnapshots } from './adapters/snapshots/dataops-grpc.ts';
export type { GrpcFreshSnapshotsOptions } from './adapters/snapshots/dataops-grpc.ts';
export { createInlineTrainer, createWorkerTrainer } from './adapters/worker/trainer.ts';
export { decide, evolve, fold, initialRunState, STAGES } from './domain/run.ts';
export type { RunCommand, RunEvent, RunState, RunStatus, Stage } from './domain/run.ts';
export { JobQueue, QueueClosedError } from './features/queue.ts';
export {
  TrainingError,
  TrainingErrorCode,
  InvalidTrainingRequestError,
  RunCancelledError,
  RunNotFoundError,
  SnapshotNotFoundError,
  NotConfiguredError,
  CostModelNotFoundError,
} from './domain/errors.ts';

// Pump models from the plant (issue 8 item 5): deterministic recipe, shared window features.
export {
  buildPumpModel,
  buildRulModel,
  pumpTrainingTable,
  pumpFleetScenario,
  unitSplit,
  resolvePumpOptions,
  PUMP_MODEL_DEFAULTS,
  RUL_TARGET,
} from './pump/model.ts';
export type { BuiltPumpModel, PumpModelOptions, PumpTable } from './pump/model.ts';
export { savePumpModel, pumpBundleFiles, PUMP_BUNDLE_NAME } from './pump/save.ts';
export type { SavedPumpModel } from './pump/save.ts';
export { registerDemoPumpModel, ensurePumpBundle, DEMO_BREAK_GLASS_REASON, PUMP_RECIPE_VERSION } from './pump/demo.ts';
export type { DemoPumpModel, RegisterDemoPumpModelInput } from './pump/demo.ts';
// window features are computed by @industrial/ml computeWindowFeatures (shared with inference)
export { pumpFeatureSpec, pumpWindows, PUMP_FEATURE_NAMES, PUMP_FEATURE_SET_VERSION } from './pump/windows.ts';
export type { PumpFeatureSpec, WindowRow } from './pump/windows.ts';
export { simulateFleet, PUMP_TAGS } from './pump/simulate.ts';
export type { FleetRun, HistorianRow, PumpFault, SimulatedFleet } from './pump/simulate.ts';
// Models for every demo use case from its serving spec and the simulated plant (issue 14): one recipe, cached by spec.
export { recordPlant } from './recipes/plant-recording.ts';
export type { PlantKind, PlantRecording, RecordingOptions } from './recipes/plant-recording.ts';
export {
  buildUseCaseModel,
  useCaseWindowSpec,
  plantKindOf,
  recipeSupports,
  recordingOptionsFor,
  RECIPE_DEFAULTS,
  USECASE_RECIPE_VERSION,
  WINDOW_COST,
  WINDOW_FALSE_ALARM_WEIGHTS,
  MIN_COST_RECALL,
} from './recipes/usecase-recipe.ts';
export type { RecipeOptions } from './recipes/usecase-recipe.ts';
export { detectCodeVersion } from './adapters/code-version.ts';
export { cachedDemoModels, prepareDemoModels, prepareDemoModelsInWorker, registrationFor, modelSpecHash } from './recipes/demo-models.ts';
export type { DemoUseCase, PrepareInput, PrepareProgress, PrepareStep, PreparedModel, RecipeRecord } from './recipes/demo-models.ts';
