// Public surface of @industrial/connectivity: the composition root (for main.ts and the
// one-process launchers), its config and the types its API returns.
export { createConnectivityApp, SERVICE_NAME, UNS_STREAM } from './app.ts';
export type { ConnectivityApp, ConnectivityAppConfig, ConnectivityAppDeps } from './app.ts';
export type { ConnectivityApi, ConnectivityLogger, LinkState, MapTagsRequest, SourceHealth, UnsListener } from './ports.ts';
export type { TagMapping, ExplicitMappingInput, TagDataType } from './domain/mapping.ts';
export type { SourceSpec, SourceSpecInput, OverflowPolicy } from './domain/source.ts';
export { ConnectivityError, ConnectivityErrorCode, isConnectivityError } from './domain/errors.ts';
export { batchIdOf } from './domain/batcher.ts';
