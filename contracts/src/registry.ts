// The platform's registry of event contracts, keyed by event type (PascalCase, past tense) and
// schemaVersion. Every service validates what it writes and reads through this one registry:
// `eventValidator` for the event store, `parseEvent` for readers (old versions are always upcast).
import { createContractRegistry, type ContractEntry, type EventValidator, type LatestDataOf, type VersionDataOf } from './contract.ts';
import { accessDenied, signingKeyRotated, tokenIssued } from './events/access.ts';
import { actionCatalogued, costModelSet, feasibilityAssessed, kpiMeasured, objectiveSet, useCaseApproved, useCaseDrafted } from './events/charter.ts';
import { bufferOverflowed, sourceConnected, sourceLost, sourceRegistered, sparkplugRebirthRequested, tagMapped } from './events/connectivity.ts';
import { boardInspected, boardVerdictGiven, imageCaptured, imageRegionLabelled, imageRejected } from './events/images.ts';
import { dataQualityIssueCleared, dataQualityIssueRaised, datasetSnapshotCreated, labelRecorded, restrictedDataRead } from './events/dataops.ts';
import {
  chainAnchored,
  modelApprovalRequested,
  modelApproved,
  modelGatesSet,
  modelPromoted,
  modelRejected,
  modelRollbackProposed,
  modelRolledBack,
} from './events/governance.ts';
import {
  assetModeChanged,
  driftDetected,
  modelRefused,
  outcomeRecorded,
  problemReported,
  recommendationAccepted,
  recommendationAcknowledged,
  recommendationOverridden,
  recommendationRaised,
  recommendationRejected,
  retrainingRequested,
} from './events/inference.ts';
import { shadowPromptCompared, shadowWindowsCompared } from './events/shadow.ts';
import { recommendationShelved, recommendationUnshelved } from './events/shelving.ts';
import { faultInjected, faultLabelled } from './events/simulator.ts';
import {
  notificationSuppressed,
  outboundActionFailed,
  outboundActionReplayed,
  outboundActionSucceeded,
  promptEscalated,
  workOrderCompleted,
} from './events/integration.ts';
import { useCaseServingSpecDefined } from './events/usecase-serving.ts';
import { retrainingCandidateRegistered, retrainingRefused, retrainingSnapshotTaken, retrainingTriggered } from './events/retraining.ts';
import { modelVersionRegistered, trainingRunCompleted, trainingRunFailed, trainingRunProgressed, trainingRunStarted } from './events/training.ts';

/** Every event contract of the platform. Add a type here; never edit a released version (README). */
export const eventContracts = {
  // access
  AccessDenied: accessDenied,
  TokenIssued: tokenIssued,
  SigningKeyRotated: signingKeyRotated,
  // charter
  UseCaseDrafted: useCaseDrafted,
  ObjectiveSet: objectiveSet,
  CostModelSet: costModelSet,
  ActionCatalogued: actionCatalogued,
  FeasibilityAssessed: feasibilityAssessed,
  UseCaseApproved: useCaseApproved,
  KpiMeasured: kpiMeasured,
  UseCaseServingSpecDefined: useCaseServingSpecDefined,
  // connectivity
  SourceRegistered: sourceRegistered,
  TagMapped: tagMapped,
  SourceConnected: sourceConnected,
  SourceLost: sourceLost,
  BufferOverflowed: bufferOverflowed,
  SparkplugRebirthRequested: sparkplugRebirthRequested,
  // dataops
  DatasetSnapshotCreated: datasetSnapshotCreated,
  LabelRecorded: labelRecorded,
  DataQualityIssueRaised: dataQualityIssueRaised,
  DataQualityIssueCleared: dataQualityIssueCleared,
  RestrictedDataRead: restrictedDataRead,
  // training
  TrainingRunStarted: trainingRunStarted,
  TrainingRunProgressed: trainingRunProgressed,
  TrainingRunCompleted: trainingRunCompleted,
  TrainingRunFailed: trainingRunFailed,
  ModelVersionRegistered: modelVersionRegistered,
  // training: retraining on fresh data (#16)
  RetrainingTriggered: retrainingTriggered,
  RetrainingSnapshotTaken: retrainingSnapshotTaken,
  RetrainingCandidateRegistered: retrainingCandidateRegistered,
  RetrainingRefused: retrainingRefused,
  // governance
  ModelApprovalRequested: modelApprovalRequested,
  ModelApproved: modelApproved,
  ModelRejected: modelRejected,
  ModelPromoted: modelPromoted,
  ModelRolledBack: modelRolledBack,
  ModelGatesSet: modelGatesSet,
  ModelRollbackProposed: modelRollbackProposed,
  ChainAnchored: chainAnchored,
  // inference
  RecommendationRaised: recommendationRaised,
  RecommendationAcknowledged: recommendationAcknowledged,
  RecommendationAccepted: recommendationAccepted,
  RecommendationRejected: recommendationRejected,
  RecommendationOverridden: recommendationOverridden,
  OutcomeRecorded: outcomeRecorded,
  ProblemReported: problemReported,
  AssetModeChanged: assetModeChanged,
  DriftDetected: driftDetected,
  RetrainingRequested: retrainingRequested,
  ModelRefused: modelRefused,
  ShadowPromptCompared: shadowPromptCompared,
  ShadowWindowsCompared: shadowWindowsCompared,
  RecommendationShelved: recommendationShelved,
  RecommendationUnshelved: recommendationUnshelved,
  // simulator
  FaultInjected: faultInjected,
  FaultLabelled: faultLabelled,
  // integration
  OutboundActionSucceeded: outboundActionSucceeded,
  OutboundActionFailed: outboundActionFailed,
  OutboundActionReplayed: outboundActionReplayed,
  WorkOrderCompleted: workOrderCompleted,
  PromptEscalated: promptEscalated,
  NotificationSuppressed: notificationSuppressed,
  // visual inspection (#22): connectivity (source-) and dataops (label-)
  ImageCaptured: imageCaptured,
  ImageRejected: imageRejected,
  ImageRegionLabelled: imageRegionLabelled,
  // visual inspection (#22): inference's board prompts and operator verdicts (recommendation-)
  BoardInspected: boardInspected,
  BoardVerdictGiven: boardVerdictGiven,
} as const;

export type EventContracts = typeof eventContracts;
/** Every registered event type. */
export type EventType = keyof EventContracts;
/** `data` of an event type at its latest schema version (what `parseEvent` returns). */
export type EventData<T extends EventType> = LatestDataOf<EventContracts[T]>;
/** `data` of an event type at a given (possibly old) schema version. */
export type EventDataAt<T extends EventType, V extends number> = VersionDataOf<EventContracts[T], V>;
/** Discriminated union of all events at their latest version, for `evolve(state, event)` switches. */
export type PlatformEvent = { [T in EventType]: { type: T; data: EventData<T> } }[EventType];

export const contracts = createContractRegistry(eventContracts);

/** The validator the event store calls before every append (the store's `EventValidator` shape). */
export const eventValidator: EventValidator = { validate: (type, schemaVersion, data) => contracts.validate(type, schemaVersion, data) };

export const isEventType = (type: string): type is EventType => contracts.isEventType(type);
export const latestVersion = (type: EventType): number => contracts.latestVersion(type);
export const getContract = (type: string, schemaVersion: number): ContractEntry | undefined => contracts.getContract(type, schemaVersion);
export const listContracts = (): ContractEntry[] => contracts.listContracts();

/** Validates `data` at `schemaVersion`, then upcasts it to the latest version. Throws `ContractViolationError`. */
export function parseEvent<T extends EventType>(type: T, schemaVersion: number, data: unknown): EventData<T> {
  return contracts.parseEvent(type, schemaVersion, data);
}

/** Brings an event recorded at `fromVersion` to the latest version through the upcaster chain. */
export function upcast<T extends EventType>(type: T, fromVersion: number, data: unknown): EventData<T> {
  return contracts.upcast(type, fromVersion, data);
}

/** JSON Schema (draft 2020-12) of the `data` of one (type, version), for non-TypeScript consumers. */
export const jsonSchemaFor = (type: string, schemaVersion: number): Record<string, unknown> => contracts.jsonSchemaFor(type, schemaVersion);

/** Stream an event of `type` about `id` belongs to, e.g. `streamFor('SourceLost', sourceId)` → `source-<id>`. */
export const streamFor = (type: EventType, id: string): string => contracts.streamFor(type, id);
