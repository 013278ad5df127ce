// Process and runtime basics, named after the OpenTelemetry semantic conventions (process.*,
// v8js.*, nodejs.*), recorded as observable instruments: read only when a reader collects
// (a Prometheus scrape, an OTLP export), so they cost nothing between collections.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { ValueType, type Meter } from '@opentelemetry/api';

/** Registers the runtime instruments on `meter`; returns the stop (disables the event-loop monitor). */
export function observeRuntime(meter: Meter): () => void {
  const delay = monitorEventLoopDelay({ resolution: 20 });
  delay.enable();
  let lastElu = performance.eventLoopUtilization();

  const cpu = meter.createObservableCounter('process.cpu.time', { description: 'CPU time of this process, by mode', unit: 's' });
  const memory = meter.createObservableUpDownCounter('process.memory.usage', {
    description: 'Resident set size of this process',
    unit: 'By',
    valueType: ValueType.INT,
  });
  const uptime = meter.createObservableGauge('process.uptime', { description: 'Seconds since this process started', unit: 's' });
  const heapUsed = meter.createObservableUpDownCounter('v8js.memory.heap.used', {
    description: 'V8 heap used, by heap space',
    unit: 'By',
    valueType: ValueType.INT,
  });
  const heapLimit = meter.createObservableUpDownCounter('v8js.memory.heap.limit', {
    description: 'V8 heap size, by heap space',
    unit: 'By',
    valueType: ValueType.INT,
  });
  const delayP99 = meter.createObservableGauge('nodejs.eventloop.delay.p99', {
    description: '99th percentile of the event-loop delay since the previous collection',
    unit: 's',
  });
  const delayMax = meter.createObservableGauge('nodejs.eventloop.delay.max', {
    description: 'Largest event-loop delay since the previous collection',
    unit: 's',
  });
  const utilization = meter.createObservableGauge('nodejs.eventloop.utilization', {
    description: 'Share of the time the event loop was busy since the previous collection',
    unit: '1',
  });

  const batch = meter.addBatchObservableCallback.bind(meter);
  const callback: Parameters<Meter['addBatchObservableCallback']>[0] = (result) => {
    const usage = process.cpuUsage();
    result.observe(cpu, usage.user / 1e6, { 'cpu.mode': 'user' });
    result.observe(cpu, usage.system / 1e6, { 'cpu.mode': 'system' });
    result.observe(memory, process.memoryUsage.rss());
    result.observe(uptime, process.uptime());
    for (const space of getHeapSpaceStatistics()) {
      result.observe(heapUsed, space.space_used_size, { 'v8js.heap.space.name': space.space_name });
      result.observe(heapLimit, space.space_size, { 'v8js.heap.space.name': space.space_name });
    }
    const p99 = delay.percentile(99);
    result.observe(delayP99, Number.isFinite(p99) ? p99 / 1e9 : 0);
    result.observe(delayMax, Number.isFinite(delay.max) && delay.count > 0 ? delay.max / 1e9 : 0);
    delay.reset();
    const elu = performance.eventLoopUtilization();
    result.observe(utilization, performance.eventLoopUtilization(elu, lastElu).utilization);
    lastElu = elu;
  };
  const observables = [cpu, memory, uptime, heapUsed, heapLimit, delayP99, delayMax, utilization];
  batch(callback, observables);
  return () => {
    meter.removeBatchObservableCallback(callback, observables);
    delay.disable();
  };
}
