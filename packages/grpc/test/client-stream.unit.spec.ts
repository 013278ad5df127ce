// Client-streaming methods through the per-method wrapper, with in-process fake calls: access is
// checked before the first message is read, each message is validated (INVALID_ARGUMENT naming
// the field and the index), the abort signal fires on deadline and cancel, errors map to status,
// and the SERVER span records the outcome.
import { Readable } from 'node:stream';
import { Metadata, status, type ServiceError, type UntypedHandleCall } from '@grpc/grpc-js';
import { PermissionDeniedError, Permission, type GuardRequest, type Principal } from '@industrial/access';
import { initTelemetry, resetTelemetryForTests, type TelemetryHandle } from '@industrial/telemetry';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ERROR_CODE_TRAILER,
  FIELD_TRAILER,
  InvalidRequestError,
  clientStream,
  defineService,
  unary,
  wrapMethod,
  type AnyMethodSpec,
  type CallContext,
  type MethodDefinitionLike,
} from '../src/index.ts';

const engineer: Principal = { subject: 'erin', roles: ['engineer'], scopes: ['*'], tokenId: 't1' };
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const PATH = '/industrial.test.v1.UploadService/Upload';

const def = (requestStream = true, responseStream = false): MethodDefinitionLike<unknown, unknown> => ({
  path: PATH,
  requestStream,
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

interface FakeCall extends Readable {
  metadata: Metadata;
  cancelled: boolean;
  reads: number;
  getDeadline(): Date | number;
}

/** A readable fake of grpc-js' ServerReadableStream: `push` messages, `push(null)` to end; `reads` counts pulls. */
function fakeCall(options: { deadline?: Date | number } = {}): FakeCall {
  const md = new Metadata();
  md.set('authorization', 'Bearer good');
  const call = new Readable({
    objectMode: true,
    read() {
      (call as FakeCall).reads += 1;
    },
  }) as FakeCall;
  return Object.assign(call, { metadata: md, cancelled: false, reads: 0, getDeadline: () => options.deadline ?? Infinity });
}

function invoke(handler: UntypedHandleCall, call: FakeCall): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    (handler as unknown as (c: FakeCall, cb: (e: Outcome['error'], v?: unknown) => void) => void)(call, (error, value) => resolve({ error, value }));
  });
}

const allowAll = vi.fn(async (_r: GuardRequest) => engineer);
const wrap = (spec: AnyMethodSpec, guard: (r: GuardRequest) => Promise<Principal> = allowAll): UntypedHandleCall =>
  wrapMethod(def(), spec, { accessGuard: guard, serviceName: 'dataops', logger: silent });

interface Part {
  n?: number;
}
/** Each message must carry a non-negative integer `n`. */
const part = (m: Part, index: number): { n: number; index: number } => {
  if (typeof m.n !== 'number' || !Number.isInteger(m.n) || m.n < 0) throw new InvalidRequestError('n', 'must be a non-negative integer');
  return { n: m.n, index };
};

const sum = clientStream({
  permission: Permission.DataWrite,
  input: part,
  handle: async (stream: AsyncIterable<{ n: number }>) => {
    let total = 0;
    for await (const m of stream) total += m.n;
    return { total };
  },
});

describe('a client-streaming method', () => {
  let telemetry: TelemetryHandle;
  beforeEach(async () => {
    await resetTelemetryForTests();
    telemetry = initTelemetry({ serviceName: 'test', serviceVersion: '0', exporter: 'memory', sampleRatio: 1, logLevel: 'silent' });
    allowAll.mockClear();
  });
  afterEach(async () => {
    await resetTelemetryForTests();
  });

  it('hands the handler every validated message in order and answers its result', async () => {
    const seen: number[] = [];
    const spec = clientStream({
      permission: Permission.DataWrite,
      input: part,
      handle: async (stream: AsyncIterable<{ n: number; index: number }>, ctx: CallContext) => {
        expect(ctx.principal.subject).toBe('erin');
        let total = 0;
        for await (const m of stream) {
          seen.push(m.index);
          total += m.n;
        }
        return { total };
      },
    });
    const call = fakeCall();
    const done = invoke(wrap(spec), call);
    for (const n of [1, 2, 3]) call.push({ n });
    call.push(null);
    const { error, value } = await done;
    expect(error).toBeNull();
    expect(value).toEqual({ total: 6 });
    expect(seen).toEqual([0, 1, 2]);
    expect(allowAll).toHaveBeenCalledWith(expect.objectContaining({ permission: 'data.write', method: PATH, transport: 'grpc', authorization: 'Bearer good' }));
  });

  it('checks access before reading the first message; a refused caller gets PERMISSION_DENIED and nothing is read', async () => {
    const handle = vi.fn(async () => ({}));
    const spec = clientStream({ permission: Permission.DatasetCreate, input: part, handle });
    const call = fakeCall();
    const guard = vi.fn(async (r: GuardRequest): Promise<Principal> => {
      throw new PermissionDeniedError(r.permission, undefined, 'operator-1 has role operator; dataset.create needs role engineer');
    });
    call.push({ n: 1 });
    const { error } = await invoke(wrap(spec, guard), call);
    expect(error?.code).toBe(status.PERMISSION_DENIED);
    expect(guard).toHaveBeenCalledTimes(1);
    expect(handle).not.toHaveBeenCalled();
    expect(call.reads).toBe(0);
  });

  it('answers INVALID_ARGUMENT naming the field and the index of the bad message, even when the handler swallows it', async () => {
    const spec = clientStream({
      permission: Permission.DataWrite,
      input: part,
      handle: async (stream: AsyncIterable<{ n: number }>) => {
        try {
          for await (const _ of stream) void _;
        } catch {
          // a careless handler
        }
        return { total: 0 };
      },
    });
    const call = fakeCall();
    const done = invoke(wrap(spec), call);
    call.push({ n: 1 });
    call.push({ n: 2 });
    call.push({ n: -1 });
    call.push(null);
    const { error } = await done;
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
    expect(error?.details).toBe('n: must be a non-negative integer (message 2)');
    expect(error?.metadata?.get(FIELD_TRAILER)).toEqual(['n']);
  });

  it('maps a typed handler error to its status', async () => {
    const spec = clientStream({
      permission: Permission.DataWrite,
      input: part,
      handle: async () => {
        throw Object.assign(new Error('import 42 not found'), { code: 'NOT_FOUND', field: 'import_id' });
      },
    });
    const call = fakeCall();
    const done = invoke(wrap(spec), call);
    call.push(null);
    const { error } = await done;
    expect(error?.code).toBe(status.NOT_FOUND);
    expect(error?.metadata?.get(ERROR_CODE_TRAILER)).toEqual(['NOT_FOUND']);
  });

  it('fires the signal and answers DEADLINE_EXCEEDED when the deadline passes while waiting for a message', async () => {
    let signal: AbortSignal | null = null;
    const spec = clientStream({
      permission: Permission.DataWrite,
      input: part,
      handle: async (stream: AsyncIterable<{ n: number }>, ctx: CallContext) => {
        signal = ctx.signal;
        for await (const _ of stream) void _;
        return {};
      },
    });
    const call = fakeCall({ deadline: Date.now() + 50 });
    const { error } = await invoke(wrap(spec), call); // the client never ends the stream
    expect(error?.code).toBe(status.DEADLINE_EXCEEDED);
    expect(signal!.aborted).toBe(true);
  });

  it('fires the signal on client cancel and sends no status', async () => {
    const callback = vi.fn();
    let signal: AbortSignal | null = null;
    const ended = new Promise<void>((resolve) => {
      const spec = clientStream({
        permission: Permission.DataWrite,
        input: part,
        handle: async (stream: AsyncIterable<{ n: number }>, ctx: CallContext) => {
          signal = ctx.signal;
          try {
            for await (const _ of stream) void _;
          } finally {
            resolve();
          }
          return {};
        },
      });
      const call = fakeCall();
      (wrap(spec) as unknown as (c: FakeCall, cb: () => void) => void)(call, callback);
      call.push({ n: 1 });
      void vi
        .waitFor(() => expect(signal).not.toBeNull())
        .then(() => {
          call.cancelled = true;
          call.emit('cancelled');
        });
    });
    await ended;
    expect(signal!.aborted).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(callback).not.toHaveBeenCalled();
  });

  it('records a SERVER span with the status code and the number of messages received', async () => {
    const call = fakeCall();
    const done = invoke(wrap(sum), call);
    call.push({ n: 4 });
    call.push({ n: 5 });
    call.push(null);
    expect((await done).value).toEqual({ total: 9 });
    const span = await vi.waitFor(() => {
      const found = telemetry.memoryExporter!.getFinishedSpans().find((s) => s.name === PATH.slice(1));
      expect(found).toBeDefined();
      return found!;
    });
    expect(span.kind).toBe(1); // SpanKind.SERVER
    expect(span.attributes).toMatchObject({
      'rpc.system': 'grpc',
      'rpc.method': 'Upload',
      'rpc.grpc.status_code': 0,
      'rpc.messages_received': 2,
      'enduser.id': 'erin',
    });
  });

  it('is refused by defineService when the spec kind does not match the definition', () => {
    expect(() =>
      defineService({ Upload: def(true, false) }, { Upload: unary({ permission: Permission.DataWrite, input: (r) => r, handle: async () => ({}) }) } as never),
    ).toThrow(/spec kind unary does not match the definition \(client-stream\)/);
    expect(() => defineService({ Upload: def(true, true) }, { Upload: sum } as never)).toThrow(/bidirectional streaming is not supported/);
    expect(defineService({ Upload: def(true, false) }, { Upload: sum } as never).name).toBe('industrial.test.v1.UploadService');
  });
});
