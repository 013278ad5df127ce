// Connectivity's observable instruments: buffer depth and capacity, samples received and dropped,
// link state per source, read from the app's health figures at collection; nothing while not started.
import { initTelemetry, resetTelemetryForTests } from '@industrial/telemetry';
import { afterEach, describe, expect, it } from 'vitest';
import { observeConnectivity, type ObservedConnectivity } from '../src/adapters/telemetry/metrics.ts';
import type { SourceHealth } from '../src/ports.ts';

afterEach(() => resetTelemetryForTests());

const health = (over: Partial<SourceHealth>): SourceHealth => ({
  sourceId: 's-1',
  name: 'plant',
  protocol: 'opcua',
  endpoint: 'opc.tcp://127.0.0.1:4840',
  state: 'connected',
  lastError: null,
  lastChangeAt: null,
  mappedTags: 3,
  samplesReceived: 120,
  batchesBuffered: 4,
  malformedPayloads: 0,
  bufferedSamples: 40,
  droppedSamples: 2,
  bufferCapacity: 1000,
  sparkplug: null,
  ...over,
});

async function observed(app: ObservedConnectivity): Promise<Map<string, { value: unknown; attributes: Record<string, unknown> }[]>> {
  const telemetry = initTelemetry({ serviceName: 'connectivity', serviceVersion: 't', exporter: 'memory', sampleRatio: 1, logLevel: 'silent' });
  const stop = observeConnectivity(app);
  const collected = await telemetry.collectMetrics();
  stop();
  const byName = new Map<string, { value: unknown; attributes: Record<string, unknown> }[]>();
  for (const scope of collected?.scopeMetrics ?? [])
    for (const m of scope.metrics)
      byName.set(
        m.descriptor.name,
        m.dataPoints.map((p) => ({ value: p.value, attributes: p.attributes })),
      );
  return byName;
}

describe('connectivity metrics', () => {
  it('reports the buffer and each source at collection', async () => {
    const m = await observed({
      listSources: () => [{ sourceId: 's-1' }] as never,
      sourceHealth: () => health({}),
      bufferState: () => ({ batches: 4, samples: 40, busHealthy: false, forwardedBatches: 9, oldestSampleAt: new Date(Date.now() - 90_000).toISOString() }),
    });
    // The oldest waiting sample is 90 s old (read at collection, a little later).
    const age = m.get('connectivity.buffer.age')?.[0]?.value ?? 0;
    expect(age).toBeGreaterThanOrEqual(90);
    expect(age).toBeLessThan(120);
    expect(m.get('connectivity.buffer.samples')).toEqual([{ value: 40, attributes: { 'source.id': 's-1', 'source.name': 'plant' } }]);
    expect(m.get('connectivity.buffer.capacity')?.[0]?.value).toBe(1000);
    expect(m.get('connectivity.samples.received')?.[0]?.value).toBe(120);
    expect(m.get('connectivity.samples.dropped')?.[0]?.value).toBe(2);
    expect(m.get('connectivity.source.connected')?.[0]?.value).toBe(1);
    expect(m.get('connectivity.buffer.batches')?.[0]?.value).toBe(4);
    expect(m.get('connectivity.forwarder.healthy')?.[0]?.value).toBe(0);
    expect(m.get('connectivity.batches.forwarded')?.[0]?.value).toBe(9);
  });

  it('observes nothing while the app is not started', async () => {
    const m = await observed({
      listSources: () => [],
      sourceHealth: () => health({}),
      bufferState: () => {
        throw new Error('not started');
      },
    });
    expect(m.get('connectivity.buffer.samples') ?? []).toEqual([]);
    expect(m.get('connectivity.buffer.batches') ?? []).toEqual([]);
  });
});
