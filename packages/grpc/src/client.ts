// Client helper: every call carries the bearer token, the caller's W3C trace context and a
// deadline (unless the call sets its own). Plus `unaryCall`, a promise wrapper over the
// callback-style methods ts-proto generates.
import {
  InterceptingCall,
  Metadata,
  credentials as grpcCredentials,
  type CallOptions,
  type ChannelCredentials,
  type Client,
  type ClientOptions,
  type ClientUnaryCall,
  type Interceptor,
  type ServiceError,
} from '@grpc/grpc-js';
import { injectToMetadata } from '@industrial/telemetry/api';
import { channelCredentialsFromFiles, type GrpcClientTls } from './tls.ts';

export interface CreateClientOptions {
  /** Bearer token, or a getter called per call (refreshed tokens). Omit for unauthenticated calls. */
  token?: string | (() => string);
  /** Default deadline per call, in ms from the call's start. */
  deadlineMs?: number;
  /** Explicit credentials; wins over `tls`. */
  credentials?: ChannelCredentials;
  /** The CA to trust (and a client certificate for mutual TLS); absent or null: insecure (loopback only). */
  tls?: GrpcClientTls | null | undefined;
  clientOptions?: Partial<ClientOptions>;
}

export type ClientConstructor<C extends Client> = new (address: string, credentials: ChannelCredentials, options?: Partial<ClientOptions>) => C;

/** An interceptor adding `authorization: Bearer …`, trace context and a default deadline. */
export function platformInterceptor(options: Pick<CreateClientOptions, 'token' | 'deadlineMs'>): Interceptor {
  return (callOptions, nextCall) => {
    const withDeadline =
      callOptions.deadline === undefined && options.deadlineMs !== undefined ? { ...callOptions, deadline: Date.now() + options.deadlineMs } : callOptions;
    return new InterceptingCall(nextCall(withDeadline), {
      start(metadata, listener, next) {
        const token = typeof options.token === 'function' ? options.token() : options.token;
        if (token !== undefined && token !== '') metadata.set('authorization', `Bearer ${token}`);
        injectToMetadata(metadata);
        next(metadata, listener);
      },
    });
  };
}

/** Builds a generated client (e.g. `AuditServiceClient`) with the platform interceptor. */
export function createClient<C extends Client>(ctor: ClientConstructor<C>, address: string, options: CreateClientOptions = {}): C {
  const interceptors = [platformInterceptor(options), ...(options.clientOptions?.interceptors ?? [])];
  const credentials = options.credentials ?? (options.tls ? channelCredentialsFromFiles(options.tls) : grpcCredentials.createInsecure());
  return new ctor(address, credentials, { ...options.clientOptions, interceptors });
}

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

/** Promise form of a generated unary method: `await unaryCall(client, client.readAll, {...})`. */
export function unaryCall<Req, Res>(
  client: Client,
  method: UnaryMethod<Req, Res>,
  request: Req,
  options: { metadata?: Metadata; callOptions?: Partial<CallOptions> } = {},
): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    method.call(client, request, options.metadata ?? new Metadata(), options.callOptions ?? {}, (error, response) => {
      if (error !== null) reject(error);
      else resolve(response);
    });
  });
}
