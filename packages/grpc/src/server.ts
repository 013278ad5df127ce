// createGrpcServer: the one way services build a gRPC server. Every server gets grpc.health.v1
// (per-service status) and server reflection; every service method runs inside wrapMethod
// (trace span, deadline, access check, validation, error mapping). Health and reflection are
// exempt from the access check: probes and tools carry no token.
import { createRequire } from 'node:module';
import {
  Server,
  ServerCredentials,
  loadPackageDefinition,
  status,
  type ChannelOptions,
  type GrpcObject,
  type ServerDuplexStream,
  type ServiceClientConstructor,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { HealthImplementation, type ServingStatusMap } from 'grpc-health-check';
import type { Tracer } from '@industrial/telemetry/api';
import { safeDeserializer } from './decode.ts';
import { platformDescriptors, type DescriptorIndex } from './descriptors.ts';
import { DEFAULT_GRPC_RATE_LIMITS, createCallLimiter, type CallLimiter, type GrpcRateLimits } from './rate-limit.ts';
import { installSafetyNet } from './safety-net.ts';
import { serverCredentialsFromFiles, type GrpcServerTls, type ServiceTls } from './tls.ts';
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
  /** Explicit credentials; wins over `tls`. */
  credentials?: ServerCredentials;
  /** Certificate and key files (and a client CA for mutual TLS); absent or null: insecure (loopback only). */
  tls?: GrpcServerTls | null | undefined;
  tracer?: Tracer;
  /** Per-address and per-token rate limits (default DEFAULT_GRPC_RATE_LIMITS); null: none. */
  rateLimit?: GrpcRateLimits | null | undefined;
  /** Extra grpc-js channel options (keepalive etc.). */
  channelOptions?: ChannelOptions;
  now?: () => number;
}

export interface GrpcServerHandle {
  readonly server: Server;
  /** Fully qualified names of the application services (not health/reflection). */
  readonly serviceNames: readonly string[];
  /** Calls refused by the rate limits so far (per address, per token); zeros when unlimited. */
  readonly rateLimited: { source: number; token: number };
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

/** What a service app's config says about its transport security (app configs extend it). */
export interface ServiceSecurity {
  /** TLS files of the gRPC server, the service's clients and its HTTP endpoints; absent: plaintext (loopback). */
  tls?: ServiceTls | undefined;
  /** Per-address and per-token limits of the gRPC server (default DEFAULT_GRPC_RATE_LIMITS); null: none. */
  rateLimit?: GrpcRateLimits | null | undefined;
}

/** A service config's TLS files and rate limits as createGrpcServer options: `createGrpcServer({ ..., ...serverSecurity(config) })`. */
export function serverSecurity(config: ServiceSecurity): Pick<CreateGrpcServerOptions, 'tls' | 'rateLimit'> {
  return { tls: config.tls?.grpcServer, rateLimit: config.rateLimit };
}

export function createGrpcServer(options: CreateGrpcServerOptions): GrpcServerHandle {
  const server = new Server({
    'grpc.max_receive_message_length': options.maxReceiveMessageLength ?? DEFAULT_MAX_RECEIVE_MESSAGE_LENGTH,
    'grpc.max_send_message_length': options.maxSendMessageLength ?? DEFAULT_MAX_SEND_MESSAGE_LENGTH,
    ...options.channelOptions,
  });
  // Read now: a missing certificate file fails construction, naming its variable.
  const credentials = options.credentials ?? (options.tls ? serverCredentialsFromFiles(options.tls) : ServerCredentials.createInsecure());
  const limits = options.rateLimit === undefined ? DEFAULT_GRPC_RATE_LIMITS : options.rateLimit;
  const limiter: CallLimiter | null = limits === null ? null : createCallLimiter(limits, options.now);
  const names = options.services.map((s) => s.name);
  if (new Set(names).size !== names.length) throw new Error(`a service is registered twice: ${names.join(', ')}`);

  for (const service of options.services) {
    const implementation: UntypedServiceImplementation = {};
    const declared = service.definition as ServiceDefinitionLike;
    // A request grpc-js cannot decode reaches the wrapper as UndecodableRequest (INVALID_ARGUMENT
    // naming the field, after the access check) instead of an INTERNAL answered by grpc-js.
    const definition: ServiceDefinitionLike = Object.fromEntries(
      Object.entries(declared).map(([key, def]) => [key, { ...def, requestDeserialize: safeDeserializer(def.path, def.requestDeserialize) }]),
    );
    for (const key of Object.keys(definition)) {
      implementation[key] = wrapMethod(definition[key] as MethodDefinitionLike<unknown, unknown>, service.methods[key] as AnyMethodSpec, {
        accessGuard: options.accessGuard,
        serviceName: options.serviceName,
        logger: options.logger,
        ...(options.tracer === undefined ? {} : { tracer: options.tracer }),
        ...(limiter === null ? {} : { limiter }),
        ...(options.now === undefined ? {} : { now: options.now }),
      });
    }
    server.addService(definition as ServiceDefinition, implementation);
  }

  const initial: ServingStatusMap = { '': 'NOT_SERVING' };
  for (const name of names) initial[name] = 'NOT_SERVING';
  const health = new HealthImplementation(initial);
  health.addToServer(server);
  addReflection(server, platformDescriptors(), [...names, HEALTH_SERVICE]);

  const setServing = (serving: boolean, service?: string): void => {
    const st = serving ? 'SERVING' : 'NOT_SERVING';
    for (const name of service === undefined ? ['', ...names] : [service]) health.setStatus(name, st);
  };
  let shutdownPromise: Promise<void> | null = null;
  // The process-level safety net (safety-net.ts), held while the server listens.
  let releaseSafetyNet: (() => void) | null = null;

  return {
    server,
    serviceNames: names,
    get rateLimited() {
      return limiter?.refused ?? { source: 0, token: 0 };
    },
    listen(address = '127.0.0.1:0') {
      return new Promise<number>((resolve, reject) => {
        server.bindAsync(address, credentials, (error, port) => {
          if (error !== null) return reject(error);
          releaseSafetyNet ??= installSafetyNet();
          setServing(true);
          options.logger.info({ address, port, services: names, tls: options.credentials !== undefined || Boolean(options.tls) }, 'gRPC server listening');
          resolve(port);
        });
      });
    },
    setServing,
    shutdown({ graceMs = 10_000 } = {}) {
      shutdownPromise ??= new Promise<void>((resolve) => {
        setServing(false);
        const done = (): void => {
          releaseSafetyNet?.();
          releaseSafetyNet = null;
          // Anonymous denials counted in the current minute are recorded now, not lost with the process.
          void Promise.resolve(options.accessGuard.flush?.())
            .catch((error: unknown) => options.logger.error({ err: error }, 'could not record the counted anonymous denials'))
            .finally(resolve);
        };
        const timer = setTimeout(() => {
          options.logger.warn({ graceMs }, 'gRPC calls still running after the grace period: cancelling them');
          server.forceShutdown();
          done();
        }, graceMs);
        timer.unref();
        server.tryShutdown(() => {
          clearTimeout(timer);
          done();
        });
      });
      return shutdownPromise;
    },
  };
}

// Server reflection (grpc.reflection.v1 and v1alpha, the same messages): answers from the
// platform's descriptor set, each file as compiled, with the files it imports. The protocol's
// .proto files come with @grpc/reflection.
interface ReflectionRequest {
  host?: string;
  message_request?: 'file_by_filename' | 'file_containing_symbol' | 'file_containing_extension' | 'all_extension_numbers_of_type' | 'list_services';
  file_by_filename?: string;
  file_containing_symbol?: string;
  file_containing_extension?: { containing_type?: string; extension_number?: number };
  all_extension_numbers_of_type?: string;
  list_services?: string;
}

const require = createRequire(import.meta.url);

function reflectionAnswer(index: DescriptorIndex, services: readonly string[], request: ReflectionRequest): Record<string, unknown> {
  const files = (found: Uint8Array[] | undefined, what: string): Record<string, unknown> =>
    found === undefined
      ? { error_response: { error_code: status.NOT_FOUND, error_message: `${what} not found` } }
      : { file_descriptor_response: { file_descriptor_proto: found.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)) } };
  switch (request.message_request) {
    case 'list_services':
      return { list_services_response: { service: services.map((name) => ({ name })) } };
    case 'file_by_filename':
      return files(index.fileByName(request.file_by_filename ?? ''), `file ${request.file_by_filename}`);
    case 'file_containing_symbol':
      return files(index.fileContainingSymbol(request.file_containing_symbol ?? ''), `symbol ${request.file_containing_symbol}`);
    case 'file_containing_extension': {
      const { containing_type: type = '', extension_number: number = 0 } = request.file_containing_extension ?? {};
      return files(index.fileContainingExtension(type, number), `extension ${number} of ${type}`);
    }
    case 'all_extension_numbers_of_type': {
      const type = request.all_extension_numbers_of_type ?? '';
      const numbers = index.extensionNumbers(type);
      return numbers === undefined
        ? { error_response: { error_code: status.NOT_FOUND, error_message: `no extensions of ${type}` } }
        : { all_extension_numbers_response: { base_type_name: type, extension_number: numbers } };
    }
    default:
      return { error_response: { error_code: status.UNIMPLEMENTED, error_message: `unsupported reflection request ${String(request.message_request)}` } };
  }
}

let reflectionDefinitions: ServiceDefinition[] | null = null;

function addReflection(server: Server, index: DescriptorIndex, services: readonly string[]): void {
  reflectionDefinitions ??= ['v1', 'v1alpha'].map((version) => {
    const definition = loadSync(require.resolve(`@grpc/reflection/build/proto/grpc/reflection/${version}/reflection.proto`), { keepCase: true, oneofs: true });
    const pkg = ((loadPackageDefinition(definition).grpc as GrpcObject).reflection as GrpcObject)[version] as GrpcObject;
    return (pkg.ServerReflection as ServiceClientConstructor).service;
  });
  for (const definition of reflectionDefinitions) {
    server.addService(definition, {
      ServerReflectionInfo: (call: ServerDuplexStream<ReflectionRequest, Record<string, unknown>>) => {
        call.on('data', (request: ReflectionRequest) => {
          call.write({ valid_host: request.host ?? '', original_request: request, ...reflectionAnswer(index, services, request) });
        });
        call.on('end', () => call.end());
        call.on('error', () => call.end());
      },
    });
  }
}
