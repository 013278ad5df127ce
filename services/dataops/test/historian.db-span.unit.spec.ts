// The historian write as a database span (issue 20): a group commit writing the batches of three
// NATS messages — three traces — is one CLIENT span `INSERT raw_samples` (db.system.name=sqlite here,
// postgresql on PostgreSQL) in the first sampled message's trace, linking the other two.
import { randomUUID } from 'node:crypto';
import { initTelemetry, resetTelemetryForTests, SpanKind, type TelemetryHandle } from '@industrial/telemetry';
import { context, trace } from '@industrial/telemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDbSpan } from '../src/adapters/historian/db-span.ts';
import { GroupCommit } from '../src/adapters/historian/group-commit.ts';

const item = () => ({ batchId: randomUUID(), raw: [0] });

describe('a group commit joining three traces', () => {
  let telemetry: TelemetryHandle;
  beforeAll(async () => {
    await resetTelemetryForTests();
    telemetry = initTelemetry({ serviceName: 'dataops', serviceVersion: 'test', exporter: 'memory', sampleRatio: 1, logLevel: 'silent' });
  });
  afterAll(() => resetTelemetryForTests());

  it('is one db span, child of the first message, linking the others', async () => {
    const gc = new GroupCommit<ReturnType<typeof item>>(
      (batches) =>
        withDbSpan(
          { system: 'sqlite', operation: 'INSERT', collection: 'raw_samples', namespace: 'main', batchSize: batches.length },
          async () => new Set<string>(),
        ),
      { lingerMs: 5, maxSamples: 1_000_000, maxInFlight: 2 },
    );
    const tracer = trace.getTracer('test');
    const messages = [0, 1, 2].map((i) => tracer.startSpan(`process uns.m${i}`, { kind: SpanKind.CONSUMER }));
    await Promise.all(messages.map((m) => context.with(trace.setSpan(context.active(), m), () => gc.submit(item()))));
    for (const m of messages) m.end();
    const db = telemetry.memoryExporter!.getFinishedSpans().filter((s) => s.name === 'INSERT raw_samples');
    expect(db).toHaveLength(1);
    const span = db[0]!;
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.attributes).toMatchObject({
      'db.system.name': 'sqlite',
      'db.system': 'sqlite',
      'db.operation.name': 'INSERT',
      'db.collection.name': 'raw_samples',
      'db.operation.batch.size': 3,
    });
    expect(span.spanContext().traceId).toBe(messages[0]!.spanContext().traceId);
    expect(span.parentSpanContext?.spanId).toBe(messages[0]!.spanContext().spanId);
    expect(span.links.map((l) => l.context.traceId).sort()).toEqual([messages[1]!, messages[2]!].map((m) => m.spanContext().traceId).sort());
  });
});
