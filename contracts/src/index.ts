// Public surface of @industrial/contracts: the versioned schemas of every event and NATS payload,
// their validators, upcasters and JSON Schemas. Types are inferred from the zod schemas (one source).

// --- registry: validation, upcasting, JSON Schema -------------------------------------------
export {
  contracts,
  eventContracts,
  eventValidator,
  getContract,
  isEventType,
  jsonSchemaFor,
  latestVersion,
  listContracts,
  parseEvent,
  streamFor,
  upcast,
} from './registry.ts';
export type { EventContracts, EventData, EventDataAt, EventType, PlatformEvent } from './registry.ts';

// --- building your own registry (tests, plugins) ----------------------------------------------
export { Service, StreamFamily, createContractRegistry, defineContract, services, streamFamilies, streamFamilyOf, streamFamilyOwners } from './contract.ts';
export type {
  AnyContractDefinition,
  ContractDefinition,
  ContractEntry,
  ContractRegistry,
  EventValidator,
  LatestDataOf,
  Upcaster,
  Upcasters,
  VersionDataOf,
} from './contract.ts';

// --- errors --------------------------------------------------------------------------------------
export { ContractError, ContractErrorCode, ContractViolationError, InvalidRegistryError, InvalidSubjectError, UnknownContractError } from './errors.ts';
export type { ValidationFailure } from './issues.ts';

// --- shared value schemas (for gRPC/HTTP input validation that must agree with events) ------------
export { IsoDateTime, Role, UnsAssetPath, UnsScope, UnsToken, Unit, Uuid, lineText, multilineText, unsafeTextProblem } from './primitives.ts';
export { AccessTransport } from './events/access.ts';
export { AssetMode, RejectionReason } from './events/inference.ts';
export {
  EvidenceTemplate as ServingEvidenceTemplate,
  RuleLimit as ServingRuleLimit,
  ServingAction,
  ServingCostModel,
  ServingFailureMode,
  ServingTask,
  ServingWindowSpec,
  UseCaseServingSpec,
  WindowStatisticName,
} from './events/usecase-serving.ts';
export type { UseCaseServingSpecData } from './events/usecase-serving.ts';
export { DeploymentStage } from './events/governance.ts';

// --- NATS: UNS telemetry ----------------------------------------------------------------------
export {
  QualitySeverity,
  UNS_PREFIX,
  UNS_STREAM,
  UnsSampleBatchSchema,
  UnsSampleSchema,
  parseUnsAssetPath,
  parseUnsSampleBatch,
  parseUnsSubject,
  severityOfStatusCode,
  unsAssetPath,
  unsAssetSubject,
  unsLevels,
  unsSubject,
} from './messages/uns.ts';
export type { UnsAssetAddress, UnsLevel, UnsSample, UnsSampleBatch, UnsTagAddress } from './messages/uns.ts';

// --- NATS: integration events -------------------------------------------------------------------
export {
  EVENTS_STREAM,
  EVT_PREFIX,
  IntegrationEventSchema,
  eventSubject,
  eventSubjectOf,
  parseEventSubject,
  parseIntegrationEvent,
} from './messages/integration-event.ts';
export type { IntegrationEvent, IntegrationEventEnvelope } from './messages/integration-event.ts';

// --- examples for tests -------------------------------------------------------------------------
export { eventExamples, exampleAssetPath, exampleIds, integrationEventExample, legacyEventExamples, unsSampleBatchExample } from './examples.ts';
export type { EventExamples } from './examples.ts';
