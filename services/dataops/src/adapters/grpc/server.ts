// The dataops gRPC server: DataOpsService behind the platform wrapper (token + permission per
// method, denials recorded as AccessDenied through the kernel), plus health and reflection.
import { createGuard, type KeySet } from '@industrial/access';
import { uuidv7 } from '@industrial/contracts/ids';
import type { EventStore } from '@industrial/eventstore';
import { createGrpcServer, type GrpcLogger, type GrpcRateLimits, type GrpcServerHandle, type GrpcServerTls } from '@industrial/grpc';
import { createKernel, type Kernel } from '@industrial/kernel';
import { SERVICE_NAME } from '../../app.ts';
import type { DataopsApp } from '../../features/api.ts';
import { dataopsService } from './dataops.ts';

export interface DataopsGrpcOptions {
  app: DataopsApp;
  /** The kernel AccessDenied is appended through (the app's); or a store to build one over. */
  kernel?: Kernel;
  store?: EventStore;
  keySet: KeySet | (() => KeySet);
  access: { issuer: string; audience: string };
  logger: GrpcLogger;
  /** CSV chunks arrive as messages: 4 MiB default per message. */
  maxReceiveMessageLength?: number;
  /** Certificate, key (and client CA for mutual TLS); absent: plaintext (loopback). */
  tls?: GrpcServerTls | null | undefined;
  /** Per-address and per-token limits of the gRPC server (default DEFAULT_GRPC_RATE_LIMITS); null: none. */
  rateLimit?: GrpcRateLimits | null;
}

export function createDataopsGrpcServer(options: DataopsGrpcOptions): GrpcServerHandle {
  const kernel = options.kernel ?? (options.store === undefined ? null : createKernel({ service: SERVICE_NAME, store: options.store }));
  if (kernel === null) throw new Error('createDataopsGrpcServer needs the kernel (or the event store) to record AccessDenied');
  const accessGuard = createGuard({
    keySet: options.keySet,
    issuer: options.access.issuer,
    audience: options.access.audience,
    newId: () => uuidv7(),
    recordDenied: async (stream, event) => {
      await kernel.appendPrepared(stream, [event]);
    },
    onRecordFailure: (error, event) => options.logger.error({ err: error, deniedEvent: event }, 'could not record AccessDenied in the event store'),
  });
  return createGrpcServer({
    services: [dataopsService(options.app)],
    accessGuard,
    serviceName: SERVICE_NAME,
    logger: options.logger,
    tls: options.tls,
    rateLimit: options.rateLimit,
    ...(options.maxReceiveMessageLength === undefined ? {} : { maxReceiveMessageLength: options.maxReceiveMessageLength }),
  });
}
