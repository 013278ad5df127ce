// The per-method wrapper every service method runs inside. Order of work for each call:
//   1. SERVER span `pkg.Service/Method` (parent = W3C trace context from metadata), rpc.* attributes;
//      the call runs in `callScope` (safety-net.ts): an error nobody handled fails this call, not the process
//   2. deadline: already past → DEADLINE_EXCEEDED; otherwise an AbortSignal fires at the deadline
//      or when the client cancels
//   3. access: bearer token from `authorization`, the method's declared Permission, denials
//      recorded through the guard. The token is always checked before the body: a method that
//      declares a `resource` hands the guard a lookup that validates the input, run only once the
//      caller is authenticated
//   4. input validation → INVALID_ARGUMENT naming the field (message + `field` trailer); a request
//      grpc-js could not decode (an int64 beyond 2^53, malformed bytes) is INVALID_ARGUMENT here too
//   5. handler; typed errors → status in one place (errors.ts)
// Client-streaming methods check access on the metadata before the first message is read, then
// validate each message as the handler pulls it (INVALID_ARGUMENT naming the field and the index).
// Once the call has answered, the message iterator ends quietly (no late transport error reaches
// whatever still reads it).
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import {
  status,
  type Metadata,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
  type UntypedHandleCall,
} from '@grpc/grpc-js';
import { isAccessError, normalizeCorrelationId, type GuardRequest, type Principal } from '@industrial/access';
import {
  ATTR_RPC_GRPC_STATUS_CODE,
  ATTR_RPC_METHOD,
  ATTR_RPC_SERVICE,
  ATTR_RPC_SYSTEM,
  SpanKind,
  SpanStatusCode,
  context,
  currentTraceparent,
  extractFromMetadata,
  trace,
  type Span,
  type Tracer,
} from '@industrial/telemetry/api';
import { UndecodableRequest } from './decode.ts';
import { CallCancelledError, DeadlineExceededError, InvalidRequestError, toGrpcStatus } from './errors.ts';
import type { CallLimiter } from './rate-limit.ts';
import { callScope } from './safety-net.ts';
import type { AnyMethodSpec, CallContext, MethodDefinitionLike } from './service.ts';

/** The access check adapters call: `createGuard(...)` from @industrial/access (its `flush` runs on server shutdown). */
export type AccessGuard = ((request: GuardRequest) => Promise<Principal>) & { flush?: () => Promise<void> };

/** The logger calls the wrapper makes (a pino logger fits). */
export interface GrpcLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface WrapOptions {
  accessGuard: AccessGuard;
  /** Platform service name recorded in AccessDenied events, e.g. `governance`. */
  serviceName: string;
  logger: GrpcLogger;
  tracer?: Tracer;
  /** Per-address and per-token rate limits of the server (createCallLimiter); absent: none. */
  limiter?: CallLimiter;
  /** Clock in ms, for deadline checks (tests). */
  now?: () => number;
}

/** Metadata key a client may set to carry its correlation id across calls. */
export const CORRELATION_ID_METADATA = 'x-correlation-id';
const MAX_TIMER_MS = 2_147_483_647;

/** Span status ERROR only for server-side faults (semconv: gRPC server spans). */
const SERVER_FAULTS = new Set<number>([status.UNKNOWN, status.DEADLINE_EXCEEDED, status.UNIMPLEMENTED, status.INTERNAL, status.UNAVAILABLE, status.DATA_LOSS]);

function firstString(metadata: Metadata, key: string): string | null {
  const v = metadata.get(key)[0];
  if (v === undefined) return null;
  return typeof v === 'string' ? v : v.toString('utf8');
}

/** An error nobody handled inside a call (caught by the safety net): INTERNAL, logged with its cause. */
export class UnhandledCallError extends Error {
  constructor(cause: unknown) {
    super(`unhandled error in the handler: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'UnhandledCallError';
  }
}

/** The caller's address without the port (`ipv4:127.0.0.1:5000` → `127.0.0.1`), for per-source accounting. */
export function sourceOf(call: { getPeer?: () => string }): string {
  let peer = 'unknown';
  try {
    peer = call.getPeer?.() ?? 'unknown';
  } catch {
    return 'unknown';
  }
  const m = /^(?:ipv4:|ipv6:)?\[?([^\]]*?)\]?(?::\d+)?$/.exec(peer);
  return (m?.[1] ?? peer).slice(0, 100) || 'unknown';
}

/** The request, or INVALID_ARGUMENT when grpc-js could not decode it (see decode.ts). */
function decoded(request: unknown): unknown {
  if (request instanceof UndecodableRequest) throw request.toError();
  return request;
}

/** A stream whose other end went away (the transport closed before the end of the messages). */
function isPrematureClose(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ERR_STREAM_PREMATURE_CLOSE';
}

type AnyCall = ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown> | ServerReadableStream<unknown, unknown>;

/** The call's correlation id, and why the caller's was replaced (null when it was kept). */
interface CallId {
  correlationId: string;
  replaced: string | null;
}

interface Prepared {
  input: unknown;
  ctx: CallContext;
  /** Rejects when the signal fires; never resolves. */
  aborted: Promise<never>;
  dispose(): void;
}

/** Wraps one method spec into a grpc-js handler. */
export function wrapMethod(def: MethodDefinitionLike<unknown, unknown>, spec: AnyMethodSpec, options: WrapOptions): UntypedHandleCall {
  const tracer = options.tracer ?? trace.getTracer('@industrial/grpc');
  const now = options.now ?? Date.now;
  const fullMethod = def.path;
  const spanName = fullMethod.slice(1);
  const rpcService = spanName.slice(0, spanName.lastIndexOf('/'));
  const rpcMethod = spanName.slice(spanName.lastIndexOf('/') + 1);

  async function prepare(call: AnyCall, span: Span, id: CallId, controller: AbortController): Promise<Prepared> {
    const { correlationId } = id;
    const raw = call.getDeadline();
    const deadlineMs = raw instanceof Date ? raw.getTime() : raw;
    const deadline = Number.isFinite(deadlineMs) ? new Date(deadlineMs) : null;
    if (deadline !== null && deadlineMs <= now()) throw new DeadlineExceededError('the call arrived after its deadline had passed');

    let timer: NodeJS.Timeout | undefined;
    if (deadline !== null) {
      timer = setTimeout(() => controller.abort(new DeadlineExceededError()), Math.min(Math.max(deadlineMs - now(), 0), MAX_TIMER_MS));
      timer.unref();
    }
    const onCancel = (): void => controller.abort(new CallCancelledError());
    const emitter = call as unknown as NodeJS.EventEmitter;
    emitter.on('cancelled', onCancel);
    const dispose = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      emitter.off('cancelled', onCancel);
    };
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
    });
    aborted.catch(() => undefined); // observed by the race below, or irrelevant once the call ended

    try {
      const source = sourceOf(call);
      // Rate limits: an address out of refused calls before the token is looked at, the token once it is verified.
      options.limiter?.source(source);
      const traceparent = currentTraceparent();
      const guardRequest = (resource: GuardRequest['resource']): GuardRequest => ({
        authorization: firstString(call.metadata, 'authorization'),
        permission: spec.permission,
        resource,
        service: options.serviceName,
        method: fullMethod,
        transport: 'grpc',
        correlationId,
        correlationIdReplaced: id.replaced,
        source,
        traceparent,
      });
      // The access check; a refusal counts against the address's budget of refused calls.
      const admitted = async (request: GuardRequest): Promise<Principal> => {
        try {
          return await Promise.race([options.accessGuard(request), aborted]);
        } catch (error) {
          if (isAccessError(error)) options.limiter?.refusedBy(source);
          throw error;
        }
      };
      let principal: Principal;
      let input: unknown;
      if (spec.kind === 'client-stream') {
        // No request yet: access is checked on the metadata before the first message is read.
        principal = await admitted(guardRequest(undefined));
        options.limiter?.token(principal.tokenId);
        input = undefined;
      } else if (spec.resource === undefined) {
        principal = await admitted(guardRequest(undefined));
        options.limiter?.token(principal.tokenId);
        input = spec.input(decoded((call as ServerUnaryCall<unknown, unknown>).request));
      } else {
        // The token first: the guard runs this lookup (validation, then the resource) only once authenticated.
        const resourceOf = spec.resource;
        let looked = false;
        const lookup = async () => {
          looked = true;
          input = spec.input(decoded((call as ServerUnaryCall<unknown, unknown>).request));
          return resourceOf(input);
        };
        principal = await admitted(guardRequest(lookup));
        // Fail closed: a guard that let the caller in without looking at the resource checked no scope.
        if (!looked) throw new Error(`the access guard allowed ${fullMethod} without checking its resource`);
        options.limiter?.token(principal.tokenId);
      }
      span.setAttribute('enduser.id', principal.subject);
      const ctx: CallContext = { principal, signal: controller.signal, deadline, method: fullMethod, correlationId, traceparent, metadata: call.metadata };
      return { input, ctx, aborted, dispose };
    } catch (error) {
      dispose();
      throw error;
    }
  }

  function finish(span: Span, started: number, correlationId: string, error: unknown): { code: number; details: string; metadata: Metadata } | null {
    const ms = now() - started;
    if (error === null) {
      span.setAttribute(ATTR_RPC_GRPC_STATUS_CODE, status.OK);
      options.logger.debug({ method: fullMethod, code: 'OK', ms, correlationId }, 'rpc');
      return null;
    }
    const mapped = toGrpcStatus(error, correlationId);
    span.setAttribute(ATTR_RPC_GRPC_STATUS_CODE, mapped.code);
    if (error instanceof Error) span.recordException(error);
    if (SERVER_FAULTS.has(mapped.code)) span.setStatus({ code: SpanStatusCode.ERROR, message: mapped.details });
    const fields = { method: fullMethod, code: status[mapped.code], errorCode: mapped.errorCode, field: mapped.field, ms, correlationId };
    if (mapped.internal) options.logger.error({ ...fields, err: error }, 'rpc failed');
    else if (mapped.code === status.UNAUTHENTICATED || mapped.code === status.PERMISSION_DENIED)
      options.logger.warn({ ...fields, reason: mapped.details }, 'rpc refused');
    else options.logger.debug({ ...fields, reason: mapped.details }, 'rpc rejected');
    return { code: mapped.code, details: mapped.details, metadata: mapped.metadata };
  }

  /**
   * Runs one call: its span, its correlation id (the caller's if usable, else a new one — the guard
   * records why), and its scope for the safety net, which aborts the call's controller with
   * UnhandledCallError when an error nobody handled arises inside it.
   */
  function run(call: AnyCall, body: (span: Span, id: CallId, controller: AbortController) => Promise<void>): void {
    const parent = extractFromMetadata(call.metadata, context.active());
    const { correlationId, replaced } = normalizeCorrelationId(firstString(call.metadata, CORRELATION_ID_METADATA), randomUUID);
    const id: CallId = { correlationId, replaced };
    const controller = new AbortController();
    const fault = (error: unknown): void => {
      options.logger.error({ method: fullMethod, correlationId, err: error }, 'unhandled error inside a gRPC call: the call fails, the process keeps serving');
      if (!controller.signal.aborted) controller.abort(new UnhandledCallError(error));
    };
    callScope.run({ method: fullMethod, correlationId, fault }, () =>
      tracer.startActiveSpan(
        spanName,
        { kind: SpanKind.SERVER, attributes: { [ATTR_RPC_SYSTEM]: 'grpc', [ATTR_RPC_SERVICE]: rpcService, [ATTR_RPC_METHOD]: rpcMethod } },
        parent,
        (span) => {
          body(span, id, controller)
            .catch(fault) // a wrapper fault: still a status, never an unhandled rejection
            .finally(() => span.end());
        },
      ),
    );
  }

  if (spec.kind === 'unary') {
    const handler = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>): void => {
      run(call, async (span, id, controller) => {
        const started = now();
        let prepared: Prepared | null = null;
        try {
          prepared = await prepare(call, span, id, controller);
          const result = await Promise.race([spec.handle(prepared.input, prepared.ctx), prepared.aborted]);
          finish(span, started, id.correlationId, null);
          callback(null, result);
        } catch (error) {
          const st = finish(span, started, id.correlationId, error);
          if (!call.cancelled && st !== null) callback(st);
        } finally {
          prepared?.dispose();
        }
      });
    };
    return handler as UntypedHandleCall;
  }

  if (spec.kind === 'client-stream') {
    const handler = (call: ServerReadableStream<unknown, unknown>, callback: sendUnaryData<unknown>): void => {
      run(call, async (span, id, controller) => {
        const { correlationId } = id;
        const started = now();
        let prepared: Prepared | null = null;
        let received = 0;
        // A message that failed validation decides the status even if the handler swallowed it.
        let invalid: InvalidRequestError | null = null;
        // Set once the call answered: whatever still reads the messages then sees their end, not a transport error.
        let answered = false;
        let source: AsyncIterator<unknown> | null = null;
        try {
          prepared = await prepare(call, span, id, controller);
          const { aborted } = prepared;
          // Reading starts only now (the stream is paused until iterated): after the access check.
          source = (call as AsyncIterable<unknown>)[Symbol.asyncIterator]();
          const src = source;
          const messages: AsyncIterable<unknown> = {
            [Symbol.asyncIterator]: () => ({
              async next(): Promise<IteratorResult<unknown>> {
                if (invalid !== null) throw invalid;
                if (answered) return { done: true, value: undefined };
                let next: IteratorResult<unknown>;
                try {
                  next = await Promise.race([src.next(), aborted]);
                } catch (error) {
                  if (answered) return { done: true, value: undefined };
                  // The client went away mid-stream: a cancelled call, not a fault of the handler.
                  if (isPrematureClose(error)) throw new CallCancelledError('the client closed the stream before its end');
                  throw error;
                }
                if (answered || next.done === true) return { done: true, value: undefined };
                const index = received++;
                try {
                  return { done: false, value: spec.input(decoded(next.value), index) };
                } catch (error) {
                  if (error instanceof InvalidRequestError) {
                    invalid = new InvalidRequestError(error.field, `${error.reason} (message ${index})`, { cause: error });
                    throw invalid;
                  }
                  throw error;
                }
              },
              async return(): Promise<IteratorResult<unknown>> {
                return { done: true, value: undefined };
              },
            }),
          };
          const result = await Promise.race([spec.handle(messages, prepared.ctx), aborted]);
          if (invalid !== null) throw invalid;
          span.setAttribute('rpc.messages_received', received);
          finish(span, started, correlationId, null);
          answered = true;
          callback(null, result);
        } catch (error) {
          span.setAttribute('rpc.messages_received', received);
          const st = finish(span, started, correlationId, invalid ?? error);
          answered = true;
          if (!call.cancelled && st !== null) callback(st);
        } finally {
          answered = true;
          prepared?.dispose();
          // Stop reading what the handler left unread (grpc-js answers with the callback above).
          if (source !== null) void Promise.resolve(source.return?.()).catch(() => undefined);
        }
      });
    };
    return handler as UntypedHandleCall;
  }

  const handler = (call: ServerWritableStream<unknown, unknown>): void => {
    run(call, async (span, id, controller) => {
      const { correlationId } = id;
      const started = now();
      let prepared: Prepared | null = null;
      let sent = 0;
      try {
        prepared = await prepare(call, span, id, controller);
        const iterator = spec.handle(prepared.input, prepared.ctx)[Symbol.asyncIterator]();
        try {
          for (;;) {
            const next = await Promise.race([iterator.next(), prepared.aborted]);
            if (next.done === true) break;
            if (!call.write(next.value)) await Promise.race([once(call, 'drain'), prepared.aborted]);
            sent++;
          }
        } finally {
          // Stop the producer (closes store reads) whatever ended the loop; don't wait on a stuck one.
          void Promise.resolve(iterator.return?.()).catch(() => undefined);
        }
        span.setAttribute('rpc.messages_sent', sent);
        finish(span, started, correlationId, null);
        call.end();
      } catch (error) {
        span.setAttribute('rpc.messages_sent', sent);
        const st = finish(span, started, correlationId, error);
        if (!call.cancelled && st !== null) call.emit('error', Object.assign(new Error(st.details), st));
      } finally {
        prepared?.dispose();
      }
    });
  };
  return handler as UntypedHandleCall;
}
