// Public surface of @industrial/inference: the app (createInferenceApp), live windows (inputs are
// computed by @industrial/ml computeWindowFeatures from the model's own window spec), the pump
// bearing use case, the model
// bundle helpers, and the pure domain pieces other services may reuse (wording, drift statistics).
export { createInferenceApp, SERVICE_NAME } from './app.ts';
export type { InferenceApp, InferenceAppConfig, InferenceAppDeps, InferenceLogger, MembershipChangeRecord, MembershipReport } from './app.ts';
export { sqliteProjectionCheckpoints } from './adapters/checkpoint/sqlite.ts';
export type { ProjectionCheckpoints } from './features/ports.ts';
export { AssetWindow, windowValues, windowSpanMs } from './domain/window.ts';
export type { WindowValues, MissingReason } from './domain/window.ts';
export { PUMP_BEARING_USE_CASE, PUMP_TAGS, inScope } from './domain/usecase.ts';
export type { UseCaseSpec, EvidenceTemplate, RuleLimit } from './domain/usecase.ts';
export { fileArtifacts, writeModelBundle, sha256Of, REFERENCE_FORMAT } from './adapters/artifacts/files.ts';
export type { ModelArtifacts, ModelBundle, ReferenceProfile } from './adapters/artifacts/files.ts';
export { natsUnsReplay, UNS_STREAM } from './adapters/nats/uns.ts';
export { dataopsPlant } from './adapters/dataops/grpc.ts';
export type { DataopsOptions, DataopsPlant } from './adapters/dataops/grpc.ts';
export type { UnsReplaySource } from './adapters/nats/uns.ts';
export { inMemoryActionCatalogue, inMemoryCostModel, PUMP_BEARING_ACTION } from './adapters/memory/catalogue.ts';
export type { ActionCatalogue, CatalogueAction, CostModel } from './features/ports.ts';
export { InferenceError, InferenceErrorCode } from './domain/errors.ts';
export { isPlainLanguage } from './domain/wording.ts';
export { psi, psiOf, ksTwoSample, featureDrift } from './domain/drift.ts';
