// Public surface of @industrial/grpc: server conventions every service uses (createGrpcServer,
// defineService + unary/serverStream specs), the client helper, error → status mapping, edge
// validation helpers, and the generated protobuf code of proto/.
export { createGrpcServer, DEFAULT_MAX_RECEIVE_MESSAGE_LENGTH, DEFAULT_MAX_SEND_MESSAGE_LENGTH, HEALTH_SERVICE } from './server.ts';
export type { CreateGrpcServerOptions, GrpcServerHandle } from './server.ts';

export { clientStream, defineService, serverStream, unary } from './service.ts';
export type {
  AnyMethodSpec,
  CallContext,
  ClientStreamSpec,
  GrpcService,
  MethodDefinitionLike,
  ServerStreamSpec,
  ServiceDefinitionLike,
  ServiceSpecs,
  UnarySpec,
} from './service.ts';

export { CORRELATION_ID_METADATA, UnhandledCallError, sourceOf, wrapMethod } from './wrap.ts';
export { callScope, installSafetyNet, type CallScope } from './safety-net.ts';
export { UndecodableRequest, describeUndecodable, requestTypeOf, safeDeserializer } from './decode.ts';
export type { AccessGuard, GrpcLogger, WrapOptions } from './wrap.ts';

export {
  CallCancelledError,
  DeadlineExceededError,
  ERROR_CODE_TRAILER,
  ERROR_DETAIL_TRAILER,
  FIELD_TRAILER,
  InvalidRequestError,
  MAX_QUOTED_VALUE,
  MAX_STATUS_DETAILS,
  STATUS_BY_ERROR_CODE,
  boundedText,
  quoteValue,
  toGrpcStatus,
} from './errors.ts';
export type { MappedStatus } from './errors.ts';

export { fromSchema, issuePath, protoFieldName } from './validation.ts';
export type { SafeParseSchema } from './validation.ts';

export { serverSecurity, type ServiceSecurity } from './server.ts';
export { DEFAULT_GRPC_RATE_LIMITS, RateLimitedError, createCallLimiter, type CallLimiter, type GrpcRateLimits } from './rate-limit.ts';
export { createClient, platformInterceptor, unaryCall } from './client.ts';
export type { ClientConstructor, CreateClientOptions } from './client.ts';

export { TlsFileError, channelCredentialsFromFiles, readPem, serverCredentialsFromFiles } from './tls.ts';
export type { GrpcClientTls, GrpcServerTls, ServiceTls } from './tls.ts';
export { createCa, ensureLocalCa, issueCertificate, type LocalCa } from './local-ca.ts';

export { indexDescriptorSet, platformDescriptors, type DescriptorIndex } from './descriptors.ts';

// Generated code (proto/ → scripts/generate.sh). Namespaced per proto package.
export * as commonV1 from './gen/industrial/common/v1/event.ts';
export * as commonErrorV1 from './gen/industrial/common/v1/error.ts';
export * as governanceV1 from './gen/industrial/governance/v1/audit.ts';
export * as governanceRegistryV1 from './gen/industrial/governance/v1/registry.ts';
export * as charterV1 from './gen/industrial/charter/v1/charter.ts';
export * as connectivityV1 from './gen/industrial/connectivity/v1/connectivity.ts';
export * as dataopsV1 from './gen/industrial/dataops/v1/dataops.ts';
export * as inferenceV1 from './gen/industrial/inference/v1/inference.ts';
export * as trainingV1 from './gen/industrial/training/v1/training.ts';
export {
  createHealthHttp,
  httpsOptions,
  serviceEndpoints,
  type HealthDeps,
  type HttpTls,
  type ServiceEndpoints,
  type ServiceEndpointsOptions,
} from './health-http.ts';
