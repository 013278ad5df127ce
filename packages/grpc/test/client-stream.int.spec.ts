// A client-streaming method over a real grpc-js channel on loopback: messages reach the handler
// validated and in order, the bearer token is checked before any message is read, a bad message
// ends the call with INVALID_ARGUMENT naming the field and the index, and the client's deadline
// aborts a stream the client never finishes.
import * as grpc from '@grpc/grpc-js';
import { AuthenticationError, Permission, type GuardRequest, type Principal } from '@industrial/access';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FIELD_TRAILER,
  InvalidRequestError,
  clientStream,
  createClient,
  createGrpcServer,
  defineService,
  type GrpcServerHandle,
  type MethodDefinitionLike,
} from '../src/index.ts';

interface Part {
  n: number;
}
interface Total {
  total: number;
  messages: number;
}
const json = <T>() => ({ serialize: (v: T) => Buffer.from(JSON.stringify(v)), deserialize: (b: Buffer) => JSON.parse(b.toString('utf8')) as T });
const partCodec = json<Part>();
const totalCodec = json<Total>();

/** A hand-written definition (JSON on the wire): no proto in proto/ needs client streaming for this library test. */
const SumService = {
  sum: {
    path: '/industrial.test.v1.SumService/Sum',
    requestStream: true,
    responseStream: false,
    requestSerialize: partCodec.serialize,
    requestDeserialize: partCodec.deserialize,
    responseSerialize: totalCodec.serialize,
    responseDeserialize: totalCodec.deserialize,
    originalName: 'Sum',
  },
} satisfies Record<string, MethodDefinitionLike<Part, Total> & { originalName: string }>;

const SumClient = grpc.makeGenericClientConstructor(SumService, 'SumService') as unknown as new (
  address: string,
  creds: grpc.ChannelCredentials,
  options?: Partial<grpc.ClientOptions>,
) => grpc.Client & {
  sum(callback: (e: grpc.ServiceError | null, r?: Total) => void): grpc.ClientWritableStream<Part>;
};

const silent = { debug() {}, info() {}, warn() {}, error() {} };

describe('client streaming over a real channel', () => {
  let server: GrpcServerHandle;
  let address: string;
  const guardCalls: GuardRequest[] = [];
  let received = 0;

  beforeAll(async () => {
    const service = defineService(SumService, {
      sum: clientStream({
        permission: Permission.DataWrite,
        input: (m: Part, index) => {
          received += 1;
          if (!Number.isInteger(m.n)) throw new InvalidRequestError('n', `must be an integer (index ${index} checked)`);
          return m;
        },
        handle: async (stream: AsyncIterable<Part>) => {
          let total = 0;
          let messages = 0;
          for await (const m of stream) {
            total += m.n;
            messages += 1;
          }
          return { total, messages };
        },
      }),
    });
    server = createGrpcServer({
      services: [service],
      serviceName: 'dataops',
      logger: silent,
      accessGuard: async (r: GuardRequest): Promise<Principal> => {
        guardCalls.push(r);
        if (r.authorization !== 'Bearer good') throw new AuthenticationError('missing', 'no bearer token');
        return { subject: 'erin', roles: ['engineer'], scopes: ['*'], tokenId: 't' };
      },
    });
    address = `127.0.0.1:${await server.listen()}`;
  });
  afterAll(async () => {
    await server?.shutdown({ graceMs: 1000 });
  });

  function send(token: string | undefined, parts: unknown[], options: { deadlineMs?: number; end?: boolean } = {}): Promise<Total> {
    const client = createClient(SumClient, address, { ...(token === undefined ? {} : { token }), deadlineMs: options.deadlineMs ?? 5000 });
    return new Promise<Total>((resolve, reject) => {
      const call = client.sum((e, r) => {
        client.close();
        if (e !== null) reject(e);
        else resolve(r as Total);
      });
      for (const p of parts) call.write(p as Part);
      if (options.end !== false) call.end();
    });
  }

  it('sums the streamed messages', async () => {
    const r = await send(
      'good',
      Array.from({ length: 50 }, (_, i) => ({ n: i })),
    );
    expect(r).toEqual({ total: 1225, messages: 50 });
    expect(guardCalls.at(-1)).toMatchObject({ permission: 'data.write', method: '/industrial.test.v1.SumService/Sum', transport: 'grpc' });
  });

  it('refuses a caller without a token before reading a message', async () => {
    const before = received;
    const e = (await send(undefined, [{ n: 1 }, { n: 2 }]).catch((x: unknown) => x)) as grpc.ServiceError;
    expect(e.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(received).toBe(before);
  });

  it('answers INVALID_ARGUMENT naming the field and the message index', async () => {
    const e = (await send('good', [{ n: 1 }, { n: 2 }, { n: 'x' }, { n: 4 }]).catch((x: unknown) => x)) as grpc.ServiceError;
    expect(e.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(e.details).toMatch(/^n: must be an integer .*\(message 2\)$/);
    expect(e.metadata.get(FIELD_TRAILER)).toEqual(['n']);
  });

  it('ends with DEADLINE_EXCEEDED when the client never finishes the stream', async () => {
    const e = (await send('good', [{ n: 1 }], { deadlineMs: 300, end: false }).catch((x: unknown) => x)) as grpc.ServiceError;
    expect(e.code).toBe(grpc.status.DEADLINE_EXCEEDED);
  });
});
