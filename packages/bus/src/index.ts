// @industrial/bus public surface: the Bus interface, its NATS JetStream and in-process adapters,
// dead-letter naming, errors and the consumer-side Deduper.

export type {
  Bus,
  BusHeaders,
  BusLogger,
  BusMessage,
  ConsumeOptions,
  ConsumerHandle,
  MessageHandler,
  PublishOptions,
  PublishResult,
  StreamSpec,
  Validation,
} from './types.ts';
export type { NatsBusFromConnectionOptions, NatsBusOptions, NatsBusSecurity } from './nats/nats-bus.ts';
export type { NatsConnectSettings, NatsCredentials, NatsEnvSettings, NatsTls } from './nats/connection.ts';
export type { EventSigningKey, SignedFields } from './signing.ts';
export type { InProcBusOptions } from './inproc/inproc-bus.ts';
export type { InProcBrokerOptions } from './inproc/broker.ts';
export type { ProcessedIds } from './dedupe.ts';

export { connectNatsBus, createNatsBus } from './nats/nats-bus.ts';
export {
  connectNats,
  natsServerList,
  createNkeyUser,
  nkeyPublicKey,
  natsAuthenticator,
  natsEnv,
  natsEnvConfig,
  NATS_ENV_HELP,
  NATS_PREFIX_PATTERN,
} from './nats/connection.ts';
export { startNatsServer } from './nats/server-process.ts';
export type { NatsServerOptions, NatsServerProcess } from './nats/server-process.ts';
export { anchorStreamGrant, inboxPrefixFor, natsAuthorizationConfig, permissionsFor, PLATFORM_GRANTS } from './nats/permissions.ts';
export type { ServiceGrant, SubjectPermissions } from './nats/permissions.ts';
export { eventSigningKey, eventSigningKeyFromPem, eventVerifier, signatureHeaders, SignatureHeader } from './signing.ts';
export { createInProcBus } from './inproc/inproc-bus.ts';
export { InProcBroker } from './inproc/broker.ts';
export { BusError, BusErrorCode, isBusError } from './errors.ts';
export { DeadLetterKind, Header, deadLetterStream, deadLetterSubject } from './headers.ts';
export { DEFAULT_DUPLICATE_WINDOW_MS } from './streams.ts';
export { DEFAULT_ACK_WAIT_MS, DEFAULT_BACKOFF_MS, DEFAULT_MAX_DELIVER, DEFAULT_PREFETCH } from './consumer-core.ts';
export { MessagingAttr } from './tracing.ts';
export { Deduper } from './dedupe.ts';
