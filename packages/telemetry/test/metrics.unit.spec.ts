// initTelemetry sets up metrics too: instruments created through @industrial/telemetry/api
// (the global meter provider) land in the in-memory metric exporter with their attributes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { metrics as apiMetrics } from '@opentelemetry/api';
import { metrics } from '../src/propagation.ts';
import { initTelemetry, otlpMetricsUrl, resetTelemetryForTests } from '../src/index.ts';
import type { ResourceMetrics, TelemetryConfig } from '../src/index.ts';

const baseConfig: TelemetryConfig = {
  serviceName: 'inference',
  serviceVersion: '1.2.3',
  exporter: 'memory',
  sampleRatio: 1,
  logLevel: 'silent',
};

function findMetric(resourceMetrics: ResourceMetrics | undefined, name: string) {
  return resourceMetrics?.scopeMetrics.flatMap((scope) => scope.metrics).find((m) => m.descriptor.name === name);
}

beforeEach(async () => {
  await resetTelemetryForTests();
});

afterEach(async () => {
  await resetTelemetryForTests();
});

describe('initTelemetry metrics', () => {
  it('exports a counter and a histogram recorded through the api with their attributes', async () => {
    const handle = initTelemetry(baseConfig);
    expect(handle.memoryMetrics).toBeDefined();
    const meter = metrics.getMeter('test.meter');
    const counter = meter.createCounter('widgets.made');
    const histogram = meter.createHistogram('widget.duration', { unit: 'ms' });
    counter.add(2, { line: 'a' });
    counter.add(3, { line: 'a' });
    counter.add(1, { line: 'b' });
    histogram.record(10, { line: 'a' });
    histogram.record(30, { line: 'a' });

    await handle.forceFlush();
    const exported = handle.memoryMetrics?.getMetrics().at(-1);
    expect(exported?.resource.attributes['service.name']).toBe('inference');

    const counted = findMetric(exported, 'widgets.made');
    expect(counted?.dataPoints.map((p) => [p.attributes, p.value])).toEqual(
      expect.arrayContaining([
        [{ line: 'a' }, 5],
        [{ line: 'b' }, 1],
      ]),
    );
    const timed = findMetric(exported, 'widget.duration');
    expect(timed?.descriptor.unit).toBe('ms');
    expect(timed?.dataPoints).toHaveLength(1);
    expect(timed?.dataPoints[0]?.attributes).toEqual({ line: 'a' });
    expect(timed?.dataPoints[0]?.value).toMatchObject({ count: 2, sum: 40, min: 10, max: 30 });
  });

  it('collectMetrics() reads current values without exporting, including observable gauges', async () => {
    const handle = initTelemetry(baseConfig);
    const meter = metrics.getMeter('test.meter');
    meter.createObservableGauge('drift.psi').addCallback((result) => {
      result.observe(0.25, { feature: 'vibration' });
    });
    const collected = await handle.collectMetrics();
    const gauge = findMetric(collected, 'drift.psi');
    expect(gauge?.dataPoints.map((p) => [p.attributes, p.value])).toEqual([[{ feature: 'vibration' }, 0.25]]);
    expect(handle.memoryMetrics?.getMetrics()).toEqual([]);
  });

  it('registers the global meter provider and removes it on reset', async () => {
    const handle = initTelemetry(baseConfig);
    expect(metrics).toBe(apiMetrics);
    expect(metrics.getMeterProvider()).toBe(handle.meterProvider);
    await resetTelemetryForTests();
    expect(metrics.getMeterProvider()).not.toBe(handle.meterProvider);
    // A no-op meter again: recording is harmless.
    metrics.getMeter('after.reset').createCounter('x').add(1);
  });

  it("has no reader with exporter 'none'", async () => {
    const handle = initTelemetry({ ...baseConfig, exporter: 'none' });
    expect(handle.memoryMetrics).toBeUndefined();
    expect(await handle.collectMetrics()).toBeUndefined();
    await handle.shutdown();
  });

  it('derives the OTLP metrics URL from the shared endpoint', () => {
    expect(otlpMetricsUrl()).toBe('http://localhost:4318/v1/metrics');
    expect(otlpMetricsUrl('http://collector:4318/')).toBe('http://collector:4318/v1/metrics');
    expect(otlpMetricsUrl('http://collector:4318/v1/traces')).toBe('http://collector:4318/v1/metrics');
    expect(otlpMetricsUrl('http://collector:4318/v1/metrics')).toBe('http://collector:4318/v1/metrics');
  });

  it('starts and shuts down cleanly with the otlp exporter', async () => {
    const handle = initTelemetry({ ...baseConfig, exporter: 'otlp', otlpEndpoint: 'http://127.0.0.1:9', exportTimeoutMillis: 200 });
    expect(handle.memoryMetrics).toBeUndefined();
    await handle.shutdown();
  });
});
