// One trace across the platform: a gRPC call → an event appended in that call → the relay → a NATS
// message → a consumer's handler, all with one trace id (in-memory span exporter, real NATS).
// The call is a denied VerifyIntegrity: the denial is appended as AccessDenied inside the call.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { createKeySet, importKeySet, importSigningKey, issueToken } from '@industrial/access';
import { connectNatsBus, type Bus } from '@industrial/bus';
import { eventValidator } from '@industrial/contracts';
import { generateLedgerKeyPem, ledgerKeyFromPem, openSqliteEventStore, type EventStore } from '@industrial/eventstore';
import { createGovernanceApp, type GovernanceApp } from '@industrial/governance';
import { createClient, governanceV1, unaryCall } from '@industrial/grpc';
import { createRelay, memoryCoordination, type Relay } from '@industrial/relay';
import { initTelemetry, createLogger, type TelemetryHandle } from '@industrial/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ISSUER = 'industrial-access';
const AUDIENCE = 'industrial-platform';

describe('when an operator is refused an audit call', () => {
  let telemetry: TelemetryHandle;
  let store: EventStore;
  let bus: Bus;
  let relay: Relay;
  let app: GovernanceApp;
  let dir: string;
  const run = randomUUID().replaceAll('-', '').slice(0, 10);
  const stream = `TRACE_${run}`;
  const prefix = `trace${run}.evt.v1`;

  beforeAll(async () => {
    telemetry = initTelemetry({ serviceName: 'e2e', serviceVersion: 'test', exporter: 'memory', sampleRatio: 1, logLevel: 'silent' });
    dir = mkdtempSync(join(tmpdir(), 'trace-'));
    store = await openSqliteEventStore({
      path: join(dir, 'events.db'),
      ledgerKey: ledgerKeyFromPem(generateLedgerKeyPem().privateKeyPem),
      validator: eventValidator,
    });
    bus = await connectNatsBus({ servers: 'nats://127.0.0.1:4222' });
    relay = createRelay({ store, bus, ...memoryCoordination(), streamName: stream, subjectPrefix: prefix });
    void relay.run();
    const material = await createKeySet({ now: new Date() });
    const keySet = await importKeySet(material.keySet);
    app = createGovernanceApp({
      store,
      keySet,
      logger: createLogger('e2e', { level: 'silent' }),
      config: { grpc: { host: '127.0.0.1', port: 0 }, http: { host: '127.0.0.1', port: 0 }, access: { issuer: ISSUER, audience: AUDIENCE } },
    });
    const { grpcPort } = await app.start();
    const token = await issueToken(await importSigningKey(material.signingKey), {
      subject: 'olga',
      roles: ['operator'],
      scopes: ['*'],
      tokenId: randomUUID(),
      issuer: ISSUER,
      audience: AUDIENCE,
      now: new Date(),
      ttlSeconds: 600,
    });
    const client = createClient(governanceV1.AuditServiceClient, `127.0.0.1:${grpcPort}`, { token, deadlineMs: 5_000 });
    const refused = await unaryCall(client, client.verifyIntegrity, { fromPosition: 0, toPosition: 0 }).catch((e: { code?: number }) => e);
    expect((refused as { code?: number; details?: string }).code, (refused as { details?: string }).details).toBe(GrpcStatus.PERMISSION_DENIED);
    client.close();
  });

  afterAll(async () => {
    await app?.stop();
    await relay?.stop();
    await bus?.deleteStream(stream).catch(() => false);
    await bus?.deleteStream(`${stream}_DLQ`).catch(() => false);
    await bus?.drain();
    await store?.close();
    await telemetry?.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('one trace spans the gRPC call, the appended event, the relay publish and the consumer handler', async () => {
    let handled: { traceparent: string | null; type: string } | null = null;
    const consumer = await bus.consume({
      stream,
      durable: 'trace-test',
      handler: (m) => {
        const e = m.json() as { type: string; metadata: { traceparent: string | null } };
        if (e.type === 'AccessDenied') handled = { traceparent: e.metadata.traceparent, type: e.type };
      },
    });
    const start = Date.now();
    // 60 s: the relay and the consumer on a loaded machine (two test workers beside e2e platforms, two cores).
    while (handled === null && Date.now() - start < 60_000) await new Promise((r) => setTimeout(r, 20));
    await consumer.stop();
    expect(handled).not.toBeNull();
    const spans = telemetry.memoryExporter?.getFinishedSpans() ?? [];
    const server = spans.find((s) => s.name === 'industrial.governance.v1.AuditService/VerifyIntegrity');
    const send = spans.find((s) => s.name.startsWith('send ') && s.name.includes('AccessDenied'));
    const processSpan = spans.find((s) => s.name.startsWith('process ') && s.name.includes('AccessDenied'));
    expect(server, `spans: ${spans.map((s) => s.name).join(', ')}`).toBeDefined();
    expect(send).toBeDefined();
    expect(processSpan).toBeDefined();
    const traceId = server?.spanContext().traceId;
    // The event recorded the trace of the call that caused it…
    expect((handled as unknown as { traceparent: string }).traceparent.split('-')[1]).toBe(traceId);
    // …and the relay's publish and the consumer's handler continue that same trace.
    expect(send?.spanContext().traceId).toBe(traceId);
    expect(processSpan?.spanContext().traceId).toBe(traceId);
  });
});
