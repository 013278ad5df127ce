// createClient against createGrpcServer on loopback: the client's token, trace context and
// default deadline reach the handler; health and reflection need no token.
import { initTelemetry, resetTelemetryForTests, trace, type TelemetryHandle } from '@industrial/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, defineService, governanceV1, unaryCall } from '../src/index.ts';
import { startAuditServer, type AuditServerFixture } from './audit-server.ts';

describe('a platform client calling a platform server', () => {
  let fixture: AuditServerFixture;
  let telemetry: TelemetryHandle;

  beforeAll(async () => {
    await resetTelemetryForTests();
    telemetry = initTelemetry({ serviceName: 'test', serviceVersion: '0', exporter: 'memory', sampleRatio: 1, logLevel: 'silent' });
    fixture = await startAuditServer();
  });
  afterAll(async () => {
    await fixture?.server.shutdown({ graceMs: 1000 });
    await resetTelemetryForTests();
  });

  it('carries the bearer token, the caller trace and a default deadline', async () => {
    const client = createClient(governanceV1.AuditServiceClient, fixture.address, { token: () => 'tok-1', deadlineMs: 5000 });
    const tracer = trace.getTracer('test');
    const traceId = await tracer.startActiveSpan('caller', async (span) => {
      await unaryCall(client, client.readAll, { fromPosition: 1, maxCount: 1 });
      span.end();
      return span.spanContext().traceId;
    });
    client.close();
    expect(fixture.guard.at(-1)).toMatchObject({
      authorization: 'Bearer tok-1',
      permission: 'audit.read',
      method: '/industrial.governance.v1.AuditService/ReadAll',
    });
    const ctx = fixture.ctx.at(-1)!;
    expect(ctx.traceparent?.split('-')[1]).toBe(traceId);
    expect(ctx.deadline).not.toBeNull();
    expect(ctx.deadline!.getTime()).toBeGreaterThan(Date.now());
    expect(telemetry.memoryExporter!.getFinishedSpans().some((s) => s.name === 'industrial.governance.v1.AuditService/ReadAll')).toBe(true);
  });

  it('rejects a service definition with a method left unspecified', () => {
    expect(() => defineService(governanceV1.AuditServiceService, {} as never)).toThrow(/has no spec/);
  });
});
