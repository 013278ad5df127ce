// Public surface of @industrial/simulator.
export { createSimulator, SimulatorNotStartedError } from './app.ts';
export type { FaultActor, InjectResult, LabelListener, ScenarioResult, Simulator, SimulatorAccess, SimulatorConfig, SimulatorDeps } from './app.ts';
export { ConfigError, loadConfig, loadServiceConfig, readUsersFile } from './config.ts';
export type { SimulatorServiceConfig } from './config.ts';
export { simulatorService } from './service.ts';
export type { FaultInjected, FaultLabelled, LabelEvent } from './domain/labels.ts';
export type { AssetInfo, LayoutOptions, TagUpdate } from './domain/plant.ts';
export { createPlant, DEFAULT_LAYOUT } from './domain/plant.ts';
export { AI4I_FILE_PROFILE, AI4I_RULES } from './domain/mill.ts';
export type { MillParams } from './domain/mill.ts';
export { PROCESS_FAULTS, SENSOR_FAULTS } from './domain/faults.ts';
export { NAMESPACE_URI } from './adapters/opcua-server.ts';
export { groundTruthEvent } from './features/ground-truth-labels.ts';
export type { GroundTruthEvent, GroundTruthStats } from './features/ground-truth-labels.ts';
export { FAILURE_MODES, QUALITY_DRIFT_FAILURE_LEVEL, failureModeOf, maintenanceModesOf, randomCampaign } from './domain/failure-modes.ts';
export type { CampaignAsset, CampaignFault, CampaignOptions, FailureModeClass, FailureModeKind, FailureModeSpec } from './domain/failure-modes.ts';
export type { Plant, PlantStep } from './domain/plant.ts';
