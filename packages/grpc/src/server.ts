// createGrpcServer: the one way services build a gRPC server. Every server gets grpc.health.v1
// (per-service status) and server reflection; every service method runs inside wrapMethod
// (trace span, deadline, access check, validation, error mapping). Health and reflection are
// exempt from the access check: probes and tools carry no token.
import { Server, ServerCredentials, type ChannelOptions, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, type ServingStatusMap } from 'grpc-health-check';
import type { Tracer } from '@industrial/telemetry/api';
import { platformPackageDefinition } from './descriptors.ts';
import type { AnyMethodSpec, GrpcService, MethodDefinitionLike, ServiceDefinitionLike } from './service.ts';
import { wrapMethod, type AccessGuard, type GrpcLogger } from './wrap.ts';

export const DEFAULT_MAX_RECEIVE_MESSAGE_LENGTH = 4 * 1024 * 1024;
/** Audit pages can be large; clients' default receive limit is 4 MiB, so keep pages below it. */
export const DEFAULT_MAX_SEND_MESSAGE_LENGTH = 16 * 1024 * 1024;
export const HEALTH_SERVICE = 'grpc.health.v1.Health';

export interface CreateGrpcServerOptions {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- services of any definition
  services: readonly GrpcService<any>[];
  /** `createGuard({...})` from @industrial/access, with `recordDenied` appending to the store. */
  accessGuard: AccessGuard;
  /** Platform service name recorded in AccessDenied events, e.g. `governance`. */
  serviceName: string;
  logger: GrpcLogger;
  maxReceiveMessageLength?: number;
  maxSendMessageLength?: number;
  /** Default insecure (loopback, or TLS terminated by the mesh); pass TLS credentials otherwise. */
  credentials?: ServerCredentials;
  tracer?: Tracer;
  /** Extra grpc-js channel options (keepalive etc.). */
  channelOptions?: ChannelOptions;
  now?: () => number;
}

export interface GrpcServerHandle {
  readonly server: Server;
  /** Fully qualified names of the application services (not health/reflection). */
  readonly serviceNames: readonly string[];
  /** Binds (default `127.0.0.1:0`) and marks every service SERVING; resolves the bound port. */
  listen(address?: string): Promise<number>;
  /** Health status of one service, or of all and the server ('') when `service` is omitted. */
  setServing(serving: boolean, service?: string): void;
  /**
   * Marks everything NOT_SERVING, stops accepting calls, waits for in-flight calls up to
   * `graceMs` (default 10 s), then cancels what is left.
   */
  shutdown(options?: { graceMs?: number }): Promise<void>;
}

export function createGrpcServer(options: CreateGrpcServerOptions): GrpcServerHandle {
  const server = new Server({
    'grpc.max_receive_message_length': options.maxReceiveMessageLength ?? DEFAULT_MAX_RECEIVE_MESSAGE_LENGTH,
    'grpc.max_send_message_length': options.maxSendMessageLength ?? DEFAULT_MAX_SEND_MESSAGE_LENGTH,
    ...options.channelOptions,
  });
  const names = options.services.map((s) => s.name);
  if (new Set(names).size !== names.length) throw new Error(`a service is registered twice: ${names.join(', ')}`);

  for (const service of options.services) {
    const implementation: UntypedServiceImplementation = {};
    const definition = service.definition as ServiceDefinitionLike;
    for (const key of Object.keys(definition)) {
      implementation[key] = wrapMethod(definition[key] as MethodDefinitionLike<unknown, unknown>, service.methods[key] as AnyMethodSpec, {
        accessGuard: options.accessGuard,
        serviceName: options.serviceName,
        logger: options.logger,
        ...(options.tracer === undefined ? {} : { tracer: options.tracer }),
        ...(options.now === undefined ? {} : { now: options.now }),
      });
    }
    server.addService(definition, implementation);
  }

  const initial: ServingStatusMap = { '': 'NOT_SERVING' };
  for (const name of names) initial[name] = 'NOT_SERVING';
  const health = new HealthImplementation(initial);
  health.addToServer(server);
  new ReflectionService(platformPackageDefinition() as ConstructorParameters<typeof ReflectionService>[0], { services: [...names, HEALTH_SERVICE] }).addToServer(server);

  const setServing = (serving: boolean, service?: string): void => {
    const st = serving ? 'SERVING' : 'NOT_SERVING';
    for (const name of service === undefined ? ['', ...names] : [service]) health.setStatus(name, st);
  };
  let shutdownPromise: Promise<void> | null = null;

  return {
    server,
    serviceNames: names,
    listen(address = '127.0.0.1:0') {
      return new Promise<number>((resolve, reject) => {
        server.bindAsync(address, options.credentials ?? ServerCredentials.createInsecure(), (error, port) => {
          if (error !== null) return reject(error);
          setServing(true);
          options.logger.info({ address, port, services: names }, 'gRPC server listening');
          resolve(port);
        });
      });
    },
    setServing,
    shutdown({ graceMs = 10_000 } = {}) {
      shutdownPromise ??= new Promise<void>((resolve) => {
        setServing(false);
        const timer = setTimeout(() => {
          options.logger.warn({ graceMs }, 'gRPC calls still running after the grace period: cancelling them');
          server.forceShutdown();
          resolve();
        }, graceMs);
        timer.unref();
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      return shutdownPromise;
    },
  };
}
