// Bad input never ends a process, and the token comes first. A platform server in a child process
// (fixtures/hardening-server.ts) must survive handlers that fail by accident (an 'error' event with
// no listener, a throw in a timer, an unhandled rejection: each call answers INTERNAL, the next call
// is served) and a piped consumer that gives up while the client keeps sending (the premature close
// of the call stream reached nobody before). In process, over a real channel with the real guard:
// an int64 beyond 2^53 is INVALID_ARGUMENT naming the field (grpc-js answered INTERNAL), a method
// whose resource comes from the body checks the token before the body, error details are bounded,
// and a missing, empty or oversized correlation id is replaced and the denial still recorded.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { createGuard, createKeySet, importKeySet, importSigningKey, issueToken, Permission, type AccessDeniedEvent } from '@industrial/access';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FIELD_TRAILER,
  InvalidRequestError,
  clientStream,
  createClient,
  createGrpcServer,
  dataopsV1,
  unary,
  unaryCall,
  type GrpcServerHandle,
  type GrpcService,
  type ServiceDefinitionLike,
} from '../src/index.ts';

const def = dataopsV1.DataOpsServiceService;
const query = (assetPath: string, over: Partial<dataopsV1.QueryTimeSeriesRequest> = {}): dataopsV1.QueryTimeSeriesRequest => ({
  assetPath,
  tags: ['t'],
  fromMs: 0,
  toMs: 1,
  intervalMs: 0,
  aggregation: dataopsV1.Aggregation.AGGREGATION_UNSPECIFIED,
  ...over,
});
const chunk = (text: string): dataopsV1.ImportCsvRequest => ({ header: undefined, chunk: Buffer.from(text) });

function importCsv(client: dataopsV1.DataOpsServiceClient, messages: dataopsV1.ImportCsvRequest[]): Promise<dataopsV1.ImportCsvResponse> {
  return new Promise((resolve, reject) => {
    const call = client.importCsv((e, r) => (e !== null ? reject(e) : resolve(r)));
    for (const m of messages) call.write(m);
    call.end();
  });
}
const failure = (p: Promise<unknown>): Promise<grpc.ServiceError> =>
  p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e as grpc.ServiceError,
  );

describe('a server whose handlers fail by accident (own process)', () => {
  let child: ChildProcess;
  let client: dataopsV1.DataOpsServiceClient;
  let exited: number | string | null = null;

  beforeAll(async () => {
    const script = fileURLToPath(new URL('./fixtures/hardening-server.ts', import.meta.url));
    child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.on('exit', (code, signal) => (exited = code ?? signal));
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /port=(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', () => reject(new Error(`the server exited before listening`)));
    });
    client = createClient(dataopsV1.DataOpsServiceClient, `127.0.0.1:${port}`, { token: 'any', deadlineMs: 10_000 });
  }, 60_000);
  afterAll(() => {
    client?.close();
    child?.kill('SIGTERM');
  });

  it.each(['emit', 'timer', 'reject'])('answers INTERNAL for an unhandled error (%s) and keeps serving', async (how) => {
    const e = await failure(unaryCall(client, client.queryTimeSeries, query(how)));
    expect(grpc.status[e.code]).toBe('INTERNAL');
    expect(e.details).toMatch(/^internal error \(correlation id .+\)$/);
    await expect(unaryCall(client, client.queryTimeSeries, query('ok'))).resolves.toEqual({ series: [] });
    expect(exited).toBeNull();
  });

  it('survives a piped consumer that gives up while the client keeps sending', async () => {
    const e = await failure(importCsv(client, [chunk('a'), chunk('bad'), ...Array.from({ length: 200 }, () => chunk('more'))]));
    expect(grpc.status[e.code]).toBe('INVALID_ARGUMENT');
    expect(e.details).toMatch(/bad chunk at 1/);
    await new Promise((r) => setTimeout(r, 300)); // the call stream closes after the answer
    await expect(unaryCall(client, client.queryTimeSeries, query('ok'))).resolves.toEqual({ series: [] });
    await expect(importCsv(client, [chunk('a'), chunk('b')])).resolves.toMatchObject({ chunks: 2 });
    expect(exited).toBeNull();
  });

  it('refuses a message over the receive limit (4 MiB) with RESOURCE_EXHAUSTED and keeps serving', async () => {
    const e = await failure(importCsv(client, [chunk('a'), chunk('x'.repeat(5 * 1024 * 1024))]));
    expect(grpc.status[e.code]).toBe('RESOURCE_EXHAUSTED');
    await expect(importCsv(client, [chunk('a')])).resolves.toMatchObject({ chunks: 1 });
    expect(exited).toBeNull();
  });
});

describe('the token first, bounded errors, int64 out of range (real guard)', () => {
  let server: GrpcServerHandle;
  let address: string;
  let token: string;
  const denied: AccessDeniedEvent[] = [];
  let inputs = 0;

  beforeAll(async () => {
    const material = await createKeySet({ now: new Date() });
    const keySet = await importKeySet(material.keySet);
    token = await issueToken(await importSigningKey(material.signingKey), {
      subject: 'erin',
      roles: ['engineer'],
      scopes: ['*'],
      tokenId: randomUUID(),
      issuer: 'i',
      audience: 'a',
      now: new Date(),
      ttlSeconds: 600,
    });
    const definition = { queryTimeSeries: def.queryTimeSeries, importCsv: def.importCsv } satisfies ServiceDefinitionLike;
    const service: GrpcService<typeof definition> = {
      name: 'industrial.dataops.v1.DataOpsService',
      definition,
      methods: {
        queryTimeSeries: unary({
          permission: Permission.DataRead,
          input: (r: dataopsV1.QueryTimeSeriesRequest) => {
            inputs++;
            if (r.assetPath.length > 100) throw new InvalidRequestError('asset_path', `"${r.assetPath}" is not an asset path`);
            return r;
          },
          // The resource comes from the body: the body must still wait for the token.
          resource: (r) => ({ site: r.assetPath.split('.')[1] ?? 'x' }),
          handle: async (r) => ({ series: [{ tag: String(r.fromMs), layer: 'raw', unit: '', aggregation: 0, raw: [], points: [] }] }),
        }),
        importCsv: clientStream({
          permission: Permission.DataWrite,
          input: (m: dataopsV1.ImportCsvRequest) => m,
          handle: async (stream) => {
            let n = 0;
            for await (const _ of stream) n++;
            return { importId: '', rowCount: n, fileSha256: '', bytes: 0, columns: [], chunks: n, durationMs: 0 };
          },
        }),
      },
    };
    server = createGrpcServer({
      services: [service],
      serviceName: 'dataops',
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      accessGuard: createGuard({ keySet, issuer: 'i', audience: 'a', newId: randomUUID, recordDenied: (_s, e) => void denied.push(e) }),
    });
    address = `127.0.0.1:${await server.listen()}`;
  });
  afterAll(async () => {
    await server?.shutdown({ graceMs: 500 });
  });

  const clientWith = (options: { token?: string; correlationId?: string } = {}): dataopsV1.DataOpsServiceClient => {
    const c = createClient(dataopsV1.DataOpsServiceClient, address, { ...(options.token === undefined ? {} : { token: options.token }), deadlineMs: 10_000 });
    return c;
  };
  const withCorrelation = (id: string | null): grpc.Metadata => {
    const md = new grpc.Metadata();
    if (id !== null) md.set('x-correlation-id', id);
    return md;
  };

  it('answers INVALID_ARGUMENT naming the int64 field beyond 2^53 (was INTERNAL), after the token', async () => {
    const c = clientWith({ token });
    const e = await failure(unaryCall(c, c.queryTimeSeries, query('acme.plant1.a.b.c', { fromMs: 2 ** 60 })));
    expect(grpc.status[e.code]).toBe('INVALID_ARGUMENT');
    expect(e.metadata.get(FIELD_TRAILER)).toEqual(['from_ms']);
    expect(e.details).toMatch(/^from_ms: is out of range/);
    const anonymous = clientWith();
    const before = denied.length;
    const a = await failure(unaryCall(anonymous, anonymous.queryTimeSeries, query('acme.plant1.a.b.c', { toMs: -(2 ** 60) })));
    expect(grpc.status[a.code]).toBe('UNAUTHENTICATED');
    expect(denied.length).toBe(before + 1);
    const ok = await unaryCall(c, c.queryTimeSeries, query('acme.plant1.a.b.c', { fromMs: 2 ** 53 - 1 }));
    expect(ok.series[0]?.tag).toBe(String(2 ** 53 - 1));
  });

  it('checks the token before the body of a method whose resource comes from the body', async () => {
    const anonymous = clientWith();
    const before = inputs;
    const e = await failure(unaryCall(anonymous, anonymous.queryTimeSeries, query('x'.repeat(200))));
    expect(grpc.status[e.code]).toBe('UNAUTHENTICATED');
    expect(inputs).toBe(before); // the body was never looked at
    const c = clientWith({ token });
    const bad = await failure(unaryCall(c, c.queryTimeSeries, query('x'.repeat(200))));
    expect(grpc.status[bad.code]).toBe('INVALID_ARGUMENT');
  });

  it('echoes at most a bounded prefix of a huge value', async () => {
    const c = clientWith({ token });
    const e = await failure(unaryCall(c, c.queryTimeSeries, query('y'.repeat(1_000_000))));
    expect(grpc.status[e.code]).toBe('INVALID_ARGUMENT');
    expect(e.details.length).toBeLessThanOrEqual(1000);
    expect(e.details).toMatch(/…$/);
  });

  it.each([
    ['missing', null, /missing/],
    ['empty', '', /empty/],
    ['oversized', 'c'.repeat(300), /too long \(300 characters/],
  ])('records the denial of a call with a %s correlation id under a generated one', async (_what, id, why) => {
    const anonymous = clientWith();
    const before = denied.length;
    const md = withCorrelation(id);
    await failure(new Promise((resolve, reject) => anonymous.queryTimeSeries(query('acme.plant1.a.b.c'), md, (e, r) => (e !== null ? reject(e) : resolve(r)))));
    expect(denied.length).toBe(before + 1);
    const event = denied.at(-1)!;
    expect(event.metadata.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.data.detail).toMatch(why);
  });
});

describe('server shutdown', () => {
  it("flushes the guard's counted anonymous denials", async () => {
    let flushed = 0;
    const accessGuard = Object.assign(async () => ({ subject: 'erin', roles: ['engineer' as const], scopes: ['*'], tokenId: 't' }), {
      flush: async () => void flushed++,
    });
    const server = createGrpcServer({ services: [], serviceName: 'dataops', logger: { debug() {}, info() {}, warn() {}, error() {} }, accessGuard });
    await server.listen();
    expect(flushed).toBe(0);
    await server.shutdown({ graceMs: 500 });
    expect(flushed).toBe(1);
  });
});
