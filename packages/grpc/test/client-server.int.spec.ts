// createClient against createGrpcServer on loopback: the client's token, trace context and
// default deadline reach the handler; health and reflection need no token.
import { Permission, type GuardRequest, type Principal } from '@industrial/access';
import { initTelemetry, resetTelemetryForTests, trace, type TelemetryHandle } from '@industrial/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, createGrpcServer, defineService, governanceV1, serverStream, unary, unaryCall, type CallContext, type GrpcServerHandle } from '../src/index.ts';

const seen: { guard: GuardRequest[]; ctx: CallContext[] } = { guard: [], ctx: [] };
const silent = { debug() {}, info() {}, warn() {}, error() {} };

describe('a platform client calling a platform server', () => {
  let server: GrpcServerHandle;
  let address: string;
  let telemetry: TelemetryHandle;

  beforeAll(async () => {
    await resetTelemetryForTests();
    telemetry = initTelemetry({ serviceName: 'test', serviceVersion: '0', exporter: 'memory', sampleRatio: 1, logLevel: 'silent' });
    const empty = unary({
      permission: Permission.AuditRead,
      input: (r: governanceV1.ReadAllRequest) => r,
      handle: async (_q: governanceV1.ReadAllRequest, ctx: CallContext) => {
        seen.ctx.push(ctx);
        return { events: [], nextPosition: undefined, headPosition: 0 };
      },
    });
    const service = defineService(governanceV1.AuditServiceService, {
      readAll: empty,
      readStream: unary({ permission: Permission.AuditRead, input: (r) => r, handle: async () => ({ events: [], nextRevision: undefined }) }),
      verifyIntegrity: unary({
        permission: Permission.AuditVerify,
        input: (r) => r,
        handle: async () => ({ ok: true, checked: 0, lastPosition: 0, anchorsChecked: 0, sealsChecked: false, firstBadPosition: undefined, problem: '', detail: '' }),
      }),
      replayTo: serverStream({ permission: Permission.AuditReplay, input: (r) => r, handle: async function* () {} }),
    });
    server = createGrpcServer({
      services: [service],
      serviceName: 'governance',
      logger: silent,
      accessGuard: async (r: GuardRequest): Promise<Principal> => {
        seen.guard.push(r);
        return { subject: 'ada', roles: ['auditor'], scopes: ['*'], tokenId: 't' };
      },
    });
    address = `127.0.0.1:${await server.listen()}`;
  });
  afterAll(async () => {
    await server?.shutdown({ graceMs: 1000 });
    await resetTelemetryForTests();
  });

  it('carries the bearer token, the caller trace and a default deadline', async () => {
    const client = createClient(governanceV1.AuditServiceClient, address, { token: () => 'tok-1', deadlineMs: 5000 });
    const tracer = trace.getTracer('test');
    const traceId = await tracer.startActiveSpan('caller', async (span) => {
      await unaryCall(client, client.readAll, { fromPosition: 1, maxCount: 1 });
      span.end();
      return span.spanContext().traceId;
    });
    client.close();
    expect(seen.guard.at(-1)).toMatchObject({ authorization: 'Bearer tok-1', permission: 'audit.read', method: '/industrial.governance.v1.AuditService/ReadAll' });
    const ctx = seen.ctx.at(-1)!;
    expect(ctx.traceparent?.split('-')[1]).toBe(traceId);
    expect(ctx.deadline).not.toBeNull();
    expect(ctx.deadline!.getTime()).toBeGreaterThan(Date.now());
    expect(telemetry.memoryExporter!.getFinishedSpans().some((s) => s.name === 'industrial.governance.v1.AuditService/ReadAll')).toBe(true);
  });

  it('rejects a service definition with a method left unspecified', () => {
    expect(() => defineService(governanceV1.AuditServiceService, {} as never)).toThrow(/has no spec/);
  });
});
