// The dataops gRPC server: DataOpsService behind the platform wrapper (token + permission per
// method, denials recorded as AccessDenied in the event store), plus health and reflection.
import { createGuard, type AccessDeniedEvent, type KeySet } from '@industrial/access';
import type { EventStore } from '@industrial/eventstore';
import { createGrpcServer, type GrpcLogger, type GrpcServerHandle } from '@industrial/grpc';
import type { DataopsApp } from '../../app.ts';
import { SERVICE_NAME } from '../../app.ts';
import { uuidv7 } from '../ids.ts';
import { dataopsService } from './dataops.ts';

export interface DataopsGrpcOptions {
  app: DataopsApp;
  store: EventStore;
  keySet: KeySet | (() => KeySet);
  access: { issuer: string; audience: string };
  logger: GrpcLogger;
  /** CSV chunks arrive as messages: 4 MiB default per message. */
  maxReceiveMessageLength?: number;
}

export function createDataopsGrpcServer(options: DataopsGrpcOptions): GrpcServerHandle {
  const accessGuard = createGuard({
    keySet: options.keySet,
    issuer: options.access.issuer,
    audience: options.access.audience,
    newId: () => uuidv7(),
    recordDenied: async (stream: string, event: AccessDeniedEvent) => {
      await options.store.append(stream, [event]);
    },
    onRecordFailure: (error, event) => options.logger.error({ err: error, deniedEvent: event }, 'could not record AccessDenied in the event store'),
  });
  return createGrpcServer({
    services: [dataopsService(options.app)],
    accessGuard,
    serviceName: SERVICE_NAME,
    logger: options.logger,
    ...(options.maxReceiveMessageLength === undefined ? {} : { maxReceiveMessageLength: options.maxReceiveMessageLength }),
  });
}
