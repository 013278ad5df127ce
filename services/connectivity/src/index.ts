// Public surface of @industrial/connectivity: the composition root (for main.ts and the
// one-process launcher), its config and the types its API returns.
export { createConnectivityApp, SERVICE_NAME, UNS_STREAM } from './app.ts';
export type { ConnectivityApp, ConnectivityAppConfig, ConnectivityAppDeps, ConnectivityLogger, MapTagsRequest, UnsListener } from './app.ts';
export type { SourceHealth, LinkState } from './source-runtime.ts';
export type { TagMapping, ExplicitMappingInput, TagDataType } from './domain/mapping.ts';
export type { SourceSpec, SourceSpecInput, OverflowPolicy } from './domain/source.ts';
export { ConnectivityError, ConnectivityErrorCode, isConnectivityError } from './domain/errors.ts';
export { batchIdOf } from './adapters/ids.ts';
