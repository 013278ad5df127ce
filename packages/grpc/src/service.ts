// How a service declares its methods: for each method of a ts-proto grpc-js service definition,
// the Permission it needs (the access check runs on EVERY method), an edge validator, and the
// handler. Handlers see validated input and a CallContext; they never touch grpc-js.
import type { Metadata } from '@grpc/grpc-js';
import type { Permission, Principal, Resource } from '@industrial/access';

/** What ts-proto emits per method with `outputServices=grpc-js`. */
export interface MethodDefinitionLike<Req, Res> {
  readonly path: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  readonly requestSerialize: (value: Req) => Buffer;
  readonly requestDeserialize: (value: Buffer) => Req;
  readonly responseSerialize: (value: Res) => Buffer;
  readonly responseDeserialize: (value: Buffer) => Res;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- variance: definitions are only read
export type ServiceDefinitionLike = { readonly [method: string]: MethodDefinitionLike<any, any> };

export type RequestOf<M> = M extends { requestDeserialize: (value: Buffer) => infer R } ? R : never;
export type ResponseOf<M> = M extends { responseSerialize: (value: infer R) => Buffer } ? R : never;

/** What a handler gets besides its input. */
export interface CallContext {
  /** The authenticated, authorized caller. */
  principal: Principal;
  /** Fires when the client cancels or the deadline passes; pass it to I/O that supports it. */
  signal: AbortSignal;
  /** The call's deadline, or null when the client set none. */
  deadline: Date | null;
  /** Full method, `/pkg.Service/Method`. */
  method: string;
  correlationId: string;
  /** W3C traceparent of the server span, for event metadata. */
  traceparent: string | null;
  metadata: Metadata;
}

interface MethodSpecBase<Req, In> {
  /** The permission this method needs; checked before validation and before the handler. */
  permission: Permission;
  /** Turns the decoded request into the handler's input, or throws InvalidRequestError(field, reason). */
  input: (request: Req) => In;
  /**
   * Plant location the call touches, for scoped permissions; absent = no location (needs scope `*`).
   * May look it up (e.g. the scope of a stored request); a lookup that finds nothing returns
   * undefined, so the call needs scope `*` and the handler answers NOT_FOUND.
   */
  resource?: (input: In) => Resource | undefined | Promise<Resource | undefined>;
}

export interface UnarySpec<Req, Res, In = Req> extends MethodSpecBase<Req, In> {
  kind: 'unary';
  handle: (input: In, ctx: CallContext) => Promise<Res>;
}

export interface ServerStreamSpec<Req, Res, In = Req> extends MethodSpecBase<Req, In> {
  kind: 'server-stream';
  /** Yields responses; the wrapper writes them with back-pressure and stops when the call ends. */
  handle: (input: In, ctx: CallContext) => AsyncIterable<Res>;
}

/**
 * A client-streaming method. The access check runs on the call's metadata before the first
 * message is read (a method-level `resource` is not available: there is no request yet — check
 * location scopes in the handler with `authorize` if the stream names one). `input` validates
 * each message as it arrives (`index` is 0-based); a failure ends the call with INVALID_ARGUMENT
 * naming the field and the message index, even if the handler catches it.
 */
export interface ClientStreamSpec<Req, Res, In = Req> {
  kind: 'client-stream';
  /** The permission this method needs; checked before any message is read. */
  permission: Permission;
  /** Turns one decoded message into what the handler iterates, or throws InvalidRequestError(field, reason). */
  input: (message: Req, index: number) => In;
  /** Consumes the validated messages and returns the one response; `ctx.signal` fires on cancel/deadline. */
  handle: (stream: AsyncIterable<In>, ctx: CallContext) => Promise<Res>;
}

// The handler input type is private to each method spec, hence `any` for In in the erased form.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyMethodSpec<Req = any, Res = any> = UnarySpec<Req, Res, any> | ServerStreamSpec<Req, Res, any> | ClientStreamSpec<Req, Res, any>;

type SpecFor<M> = M extends { requestStream: true }
  ? M extends { responseStream: true }
    ? never // bidi streaming: not used yet, add a kind when a service needs it
    : ClientStreamSpec<RequestOf<M>, ResponseOf<M>, any> // eslint-disable-line @typescript-eslint/no-explicit-any
  : M extends { responseStream: true }
    ? ServerStreamSpec<RequestOf<M>, ResponseOf<M>, any> // eslint-disable-line @typescript-eslint/no-explicit-any
    : UnarySpec<RequestOf<M>, ResponseOf<M>, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export type ServiceSpecs<D extends ServiceDefinitionLike> = { [K in keyof D]: SpecFor<D[K]> };

/** A service ready for createGrpcServer: its definition, fully qualified name and method specs. */
export interface GrpcService<D extends ServiceDefinitionLike = ServiceDefinitionLike> {
  /** e.g. `industrial.governance.v1.AuditService` (health and reflection use it). */
  readonly name: string;
  readonly definition: D;
  readonly methods: ServiceSpecs<D>;
}

/** A unary method: `input` and `handle` infer the handler's input type from each other. */
export function unary<Req, Res, In>(spec: Omit<UnarySpec<Req, Res, In>, 'kind'>): UnarySpec<Req, Res, In> {
  return { ...spec, kind: 'unary' };
}

/** A server-streaming method. */
export function serverStream<Req, Res, In>(spec: Omit<ServerStreamSpec<Req, Res, In>, 'kind'>): ServerStreamSpec<Req, Res, In> {
  return { ...spec, kind: 'server-stream' };
}

/** A client-streaming method: `input` per message, `handle` consumes the validated stream. */
export function clientStream<Req, Res, In>(spec: Omit<ClientStreamSpec<Req, Res, In>, 'kind'>): ClientStreamSpec<Req, Res, In> {
  return { ...spec, kind: 'client-stream' };
}

/** Binds method specs to a generated service definition; every method must have one. */
export function defineService<D extends ServiceDefinitionLike>(definition: D, methods: ServiceSpecs<D>): GrpcService<D> {
  let name: string | null = null;
  for (const key of Object.keys(definition)) {
    const def = definition[key] as MethodDefinitionLike<unknown, unknown>;
    const spec = (methods as Record<string, AnyMethodSpec | undefined>)[key];
    if (spec === undefined) throw new Error(`method ${def.path} has no spec: every method declares its permission and handler`);
    if (def.requestStream && def.responseStream) throw new Error(`method ${def.path}: bidirectional streaming is not supported by @industrial/grpc yet`);
    const expected = def.requestStream ? 'client-stream' : def.responseStream ? 'server-stream' : 'unary';
    if (spec.kind !== expected) throw new Error(`method ${def.path}: spec kind ${spec.kind} does not match the definition (${expected})`);
    const svc = def.path.slice(1, def.path.lastIndexOf('/'));
    if (name !== null && svc !== name) throw new Error(`definition mixes services ${name} and ${svc}`);
    name = svc;
  }
  if (name === null) throw new Error('service definition has no methods');
  return { name, definition, methods };
}
