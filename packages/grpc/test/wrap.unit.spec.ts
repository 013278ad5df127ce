// The per-method wrapper, driven with in-process fake calls: order of checks (deadline, access,
// validation), error → status mapping, the abort signal, and the SERVER span.
import { EventEmitter } from 'node:events';
import { Metadata, status, type ServerUnaryCall, type ServiceError, type UntypedHandleCall } from '@grpc/grpc-js';
import { AuthenticationError, PermissionDeniedError, Permission, type GuardRequest, type Principal } from '@industrial/access';
import { StreamNotFoundError } from '@industrial/eventstore';
import { initTelemetry, resetTelemetryForTests, type TelemetryHandle } from '@industrial/telemetry';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ERROR_CODE_TRAILER,
  FIELD_TRAILER,
  InvalidRequestError,
  serverStream,
  unary,
  wrapMethod,
  type AnyMethodSpec,
  type CallContext,
  type MethodDefinitionLike,
} from '../src/index.ts';

const auditor: Principal = { subject: 'ada', roles: ['auditor'], scopes: ['*'], tokenId: 't1' };
const silent = { debug() {}, info() {}, warn() {}, error: vi.fn() };

const def = (responseStream = false): MethodDefinitionLike<unknown, unknown> => ({
  path: '/industrial.test.v1.TestService/Do',
  requestStream: false,
  responseStream,
  requestSerialize: () => Buffer.alloc(0),
  requestDeserialize: () => ({}),
  responseSerialize: () => Buffer.alloc(0),
  responseDeserialize: () => ({}),
});

interface Outcome {
  error: (Partial<ServiceError> & { metadata?: Metadata }) | null;
  value: unknown;
}

function callUnary(
  handler: UntypedHandleCall,
  request: unknown,
  options: { metadata?: Metadata; deadline?: Date | number } = {},
): { done: Promise<Outcome>; call: EventEmitter & { cancelled: boolean } } {
  const call = Object.assign(new EventEmitter(), {
    request,
    metadata: options.metadata ?? new Metadata(),
    cancelled: false,
    getDeadline: () => options.deadline ?? Infinity,
    getPath: () => '/industrial.test.v1.TestService/Do',
  });
  const done = new Promise<Outcome>((resolve) => {
    (handler as (c: ServerUnaryCall<unknown, unknown>, cb: (e: Outcome['error'], v?: unknown) => void) => void)(call as never, (error, value) =>
      resolve({ error, value }),
    );
  });
  return { done, call };
}

function bearer(token = 'good'): Metadata {
  const md = new Metadata();
  md.set('authorization', `Bearer ${token}`);
  return md;
}

const allowAll = vi.fn(async (_r: GuardRequest) => auditor);

function wrap(spec: AnyMethodSpec, guard: (r: GuardRequest) => Promise<Principal> = allowAll, responseStream = false): UntypedHandleCall {
  return wrapMethod(def(responseStream), spec, { accessGuard: guard, serviceName: 'governance', logger: silent });
}

describe('the per-method wrapper', () => {
  let telemetry: TelemetryHandle;
  beforeEach(async () => {
    await resetTelemetryForTests();
    telemetry = initTelemetry({ serviceName: 'test', serviceVersion: '0', exporter: 'memory', sampleRatio: 1, logLevel: 'silent' });
    allowAll.mockClear();
  });
  afterEach(async () => {
    await resetTelemetryForTests();
  });

  describe('when the call arrives after its deadline', () => {
    it('answers DEADLINE_EXCEEDED without checking the token or running the handler', async () => {
      const handle = vi.fn(async () => ({}));
      const { done } = callUnary(
        wrap(unary({ permission: Permission.AuditRead, input: (r: unknown) => r, handle })),
        {},
        { metadata: bearer(), deadline: Date.now() - 5 },
      );
      const { error } = await done;
      expect(error?.code).toBe(status.DEADLINE_EXCEEDED);
      expect(allowAll).not.toHaveBeenCalled();
      expect(handle).not.toHaveBeenCalled();
    });
  });

  describe('when the deadline passes while the handler runs', () => {
    it('fires the signal and answers DEADLINE_EXCEEDED without waiting for the handler', async () => {
      let seen: AbortSignal | null = null;
      const spec = unary({
        permission: Permission.AuditRead,
        input: (r: unknown) => r,
        handle: (_q, ctx) => {
          seen = ctx.signal;
          return new Promise<never>(() => undefined);
        },
      });
      const { done } = callUnary(wrap(spec), {}, { metadata: bearer(), deadline: Date.now() + 50 });
      const { error } = await done;
      expect(error?.code).toBe(status.DEADLINE_EXCEEDED);
      expect(seen!.aborted).toBe(true);
    });
  });

  describe('when the client cancels', () => {
    it('fires the signal', async () => {
      let signal: AbortSignal | null = null;
      const spec = unary({
        permission: Permission.AuditRead,
        input: (r: unknown) => r,
        handle: (_q, ctx) => {
          signal = ctx.signal;
          return new Promise<never>(() => undefined);
        },
      });
      const { call } = callUnary(wrap(spec), {}, { metadata: bearer() });
      await vi.waitFor(() => expect(signal).not.toBeNull());
      call.cancelled = true;
      call.emit('cancelled');
      expect(signal!.aborted).toBe(true);
    });
  });

  it('hands the guard the token, the declared permission, the service and the full method', async () => {
    const { done } = callUnary(
      wrap(unary({ permission: Permission.AuditVerify, input: (r: unknown) => r, handle: async () => ({ ok: true }) })),
      {},
      { metadata: bearer('tok') },
    );
    expect((await done).value).toEqual({ ok: true });
    expect(allowAll).toHaveBeenCalledWith(
      expect.objectContaining({ authorization: 'Bearer tok', permission: 'audit.verify', service: 'governance', method: '/industrial.test.v1.TestService/Do' }),
    );
  });

  it('maps a refused token to UNAUTHENTICATED and a missing permission to PERMISSION_DENIED', async () => {
    const spec = unary({ permission: Permission.AuditVerify, input: (r: unknown) => r, handle: async () => ({}) });
    const unauth = await callUnary(
      wrap(spec, async () => Promise.reject(new AuthenticationError('missing', 'no bearer token'))),
      {},
    ).done;
    expect(unauth.error?.code).toBe(status.UNAUTHENTICATED);
    const denied = await callUnary(
      wrap(spec, async () => Promise.reject(new PermissionDeniedError(Permission.AuditVerify, undefined, 'operator lacks it'))),
      {},
    ).done;
    expect(denied.error?.code).toBe(status.PERMISSION_DENIED);
  });

  it('checks access before validating input', async () => {
    const input = vi.fn((r: unknown) => r);
    const spec = unary({ permission: Permission.AuditRead, input, handle: async () => ({}) });
    await callUnary(
      wrap(spec, async () => Promise.reject(new AuthenticationError('missing', 'no bearer token'))),
      {},
    ).done;
    expect(input).not.toHaveBeenCalled();
  });

  it('hands the guard the body as a lookup for a resource method, and fails closed when a guard ignores it', async () => {
    let validated = 0;
    const spec = unary({
      permission: Permission.AuditRead,
      input: (r: { site?: string }) => {
        validated++;
        return r;
      },
      resource: (r) => ({ site: r.site ?? 'x' }),
      handle: async (r) => r,
    });
    const running = vi.fn(async (r: GuardRequest) => {
      const resource = typeof r.resource === 'function' ? await r.resource() : r.resource;
      expect(resource).toEqual({ site: 'plant1' });
      return auditor;
    });
    const ok = await callUnary(wrap(spec, running), { site: 'plant1' }, { metadata: bearer() }).done;
    expect(ok).toEqual({ error: null, value: { site: 'plant1' } });
    expect(validated).toBe(1);
    // A guard that lets the caller in without running the lookup checked no scope: INTERNAL, the handler never runs.
    const careless = await callUnary(wrap(spec), { site: 'plant1' }, { metadata: bearer() }).done;
    expect(careless.error?.code).toBe(status.INTERNAL);
    expect(validated).toBe(1);
  });

  it('answers INVALID_ARGUMENT naming the field in the message and the `field` trailer', async () => {
    const spec = unary({
      permission: Permission.AuditRead,
      input: (): unknown => {
        throw new InvalidRequestError('from_position', 'must be ≥ 0');
      },
      handle: async () => ({}),
    });
    const { error } = await callUnary(wrap(spec), {}, { metadata: bearer() }).done;
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
    expect(error?.details).toBe('from_position: must be ≥ 0');
    expect(error?.metadata?.get(FIELD_TRAILER)).toEqual(['from_position']);
  });

  it('maps typed store errors by code (STREAM_NOT_FOUND → NOT_FOUND)', async () => {
    const spec = unary({
      permission: Permission.AuditRead,
      input: (r: unknown) => r,
      handle: async () => Promise.reject(new StreamNotFoundError('usecase-x')),
    });
    const { error } = await callUnary(wrap(spec), {}, { metadata: bearer() }).done;
    expect(error?.code).toBe(status.NOT_FOUND);
    expect(error?.metadata?.get(ERROR_CODE_TRAILER)).toEqual(['STREAM_NOT_FOUND']);
  });

  it('answers INTERNAL for an unknown error without leaking its message, and logs it', async () => {
    const spec = unary({
      permission: Permission.AuditRead,
      input: (r: unknown) => r,
      handle: async () => Promise.reject(new Error('password=hunter2 at db.ts:12')),
    });
    const { error } = await callUnary(wrap(spec), {}, { metadata: bearer() }).done;
    expect(error?.code).toBe(status.INTERNAL);
    expect(error?.details).not.toContain('hunter2');
    expect(error?.details).toMatch(/correlation id [0-9a-f-]{36}/);
    expect(silent.error).toHaveBeenCalled();
  });

  it('starts a SERVER span `pkg.Service/Method`, child of the caller trace, with rpc.* attributes', async () => {
    const md = bearer();
    md.set('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    let traceparent: string | null = null;
    const spec = unary({
      permission: Permission.AuditRead,
      input: (r: unknown) => r,
      handle: async (_q: unknown, ctx: CallContext) => {
        traceparent = ctx.traceparent;
        return {};
      },
    });
    await callUnary(wrap(spec), {}, { metadata: md }).done;
    const span = await vi.waitFor(() => {
      const found = telemetry.memoryExporter!.getFinishedSpans().find((s) => s.name === 'industrial.test.v1.TestService/Do');
      expect(found).toBeDefined();
      return found;
    });
    expect(span!.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(span!.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(span!.attributes).toMatchObject({
      'rpc.system': 'grpc',
      'rpc.service': 'industrial.test.v1.TestService',
      'rpc.method': 'Do',
      'rpc.grpc.status_code': 0,
    });
    expect(traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
  });

  describe('for a server-streaming method', () => {
    it('writes every yielded message and ends the call', async () => {
      const written: unknown[] = [];
      const call = Object.assign(new EventEmitter(), {
        request: {},
        metadata: bearer(),
        cancelled: false,
        getDeadline: () => Infinity,
        getPath: () => '',
        write: (m: unknown) => (written.push(m), true),
        end: vi.fn(),
      });
      const spec = serverStream({
        permission: Permission.AuditReplay,
        input: (r: unknown) => r,
        handle: async function* () {
          yield { n: 1 };
          yield { n: 2 };
        },
      });
      (wrap(spec, allowAll, true) as (c: unknown) => void)(call);
      await vi.waitFor(() => expect(call.end).toHaveBeenCalled());
      expect(written).toEqual([{ n: 1 }, { n: 2 }]);
    });
  });
});
