// Public surface of @industrial/inference: the app (createInferenceApp), live windows (inputs are
// computed by @industrial/ml computeWindowFeatures from the model's own window spec), use cases as
// data (useCaseSpecFrom: the charter's serving spec → what scoring reads), the model
// bundle helpers, and the pure domain pieces other services may reuse (wording, drift statistics).
export { createInferenceApp, SERVICE_NAME } from './app.ts';
export type { InferenceApp, InferenceAppConfig, InferenceAppDeps, InferenceLogger, MembershipChangeRecord, MembershipReport } from './app.ts';
export { sqliteProjectionCheckpoints } from './adapters/checkpoint/sqlite.ts';
export type { ProjectionCheckpoints } from './features/ports.ts';
export { AssetWindow, windowValues, windowSpanMs } from './domain/window.ts';
export type { WindowValues, MissingReason } from './domain/window.ts';
export { inScope, modelMismatch, useCaseSpecFrom } from './domain/usecase.ts';
export type { UseCaseSpec, EvidenceTemplate, RuleLimit } from './domain/usecase.ts';
export { fileArtifacts, writeModelBundle, sha256Of, REFERENCE_FORMAT } from './adapters/artifacts/files.ts';
export type { ModelArtifacts, ModelBundle, ReferenceProfile } from './adapters/artifacts/files.ts';
export { natsUnsReplay, UNS_STREAM } from './adapters/nats/uns.ts';
export { dataopsPlant } from './adapters/dataops/grpc.ts';
export type { DataopsOptions, DataopsPlant } from './adapters/dataops/grpc.ts';
export type { UnsReplaySource } from './adapters/nats/uns.ts';
export { InferenceError, InferenceErrorCode } from './domain/errors.ts';
export { isPlainLanguage } from './domain/wording.ts';
export { psi, psiOf, ksTwoSample, featureDrift } from './domain/drift.ts';
