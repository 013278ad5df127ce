// Connectivity's metrics (meter `industrial.connectivity`): the store-and-forward buffer and each
// source's link, read from the app's own health figures when a reader collects (a Prometheus scrape,
// an OTLP export); nothing is counted on the sample path. Per source: `source.id`, `source.name`.
import { metrics, ValueType, type Meter } from '@industrial/telemetry/api';
import type { ConnectivityApi, SourceHealth } from '../../ports.ts';

export const CONNECTIVITY_METER = 'industrial.connectivity';

/** What the callback reads: the app's API and its buffer state (throws while not started: nothing observed). */
export interface ObservedConnectivity {
  listSources: ConnectivityApi['listSources'];
  sourceHealth: ConnectivityApi['sourceHealth'];
  bufferState(): { batches: number; samples: number; busHealthy: boolean; forwardedBatches: number; oldestSampleAt?: string | null };
}

/** Registers the observable instruments; returns the remover (call it before the app stops). */
export function observeConnectivity(app: ObservedConnectivity, meter: Meter = metrics.getMeter(CONNECTIVITY_METER), now: () => number = Date.now): () => void {
  const int = { valueType: ValueType.INT } as const;
  const bufferSamples = meter.createObservableGauge('connectivity.buffer.samples', {
    description: 'Samples waiting in the store-and-forward buffer for NATS, per source',
    unit: '{sample}',
    ...int,
  });
  const bufferCapacity = meter.createObservableGauge('connectivity.buffer.capacity', {
    description: "Samples the source's buffer holds before its overflow policy drops data",
    unit: '{sample}',
    ...int,
  });
  const bufferBatches = meter.createObservableGauge('connectivity.buffer.batches', {
    description: 'Batches waiting in the store-and-forward buffer (all sources)',
    unit: '{batch}',
    ...int,
  });
  const received = meter.createObservableCounter('connectivity.samples.received', { description: 'Samples read from the source', unit: '{sample}', ...int });
  const dropped = meter.createObservableCounter('connectivity.samples.dropped', {
    description: 'Samples dropped by the overflow policy of a full buffer',
    unit: '{sample}',
    ...int,
  });
  const connected = meter.createObservableGauge('connectivity.source.connected', {
    description: '1 while the link to the source is up, 0 otherwise',
    unit: '1',
    ...int,
  });
  const forwarderHealthy = meter.createObservableGauge('connectivity.forwarder.healthy', {
    description: '1 while the last publish to NATS worked, 0 while buffering',
    unit: '1',
    ...int,
  });
  const forwarded = meter.createObservableCounter('connectivity.batches.forwarded', {
    description: 'Batches published to the UNS stream',
    unit: '{batch}',
    ...int,
  });
  const bufferAge = meter.createObservableGauge('connectivity.buffer.age', {
    description: 'Age of the oldest sample waiting in the store-and-forward buffer (0 when empty; by its source timestamp)',
    unit: 's',
  });
  const observables = [bufferSamples, bufferCapacity, bufferBatches, bufferAge, received, dropped, connected, forwarderHealthy, forwarded];
  const callback = (result: Parameters<Parameters<Meter['addBatchObservableCallback']>[0]>[0]): void => {
    let state: ReturnType<ObservedConnectivity['bufferState']>;
    try {
      state = app.bufferState();
    } catch {
      return; // not started, or stopping
    }
    result.observe(bufferBatches, state.batches);
    const oldest = state.oldestSampleAt == null ? Number.NaN : Date.parse(state.oldestSampleAt);
    result.observe(bufferAge, Number.isFinite(oldest) ? Math.max(0, (now() - oldest) / 1000) : 0);
    result.observe(forwarderHealthy, state.busHealthy ? 1 : 0);
    result.observe(forwarded, state.forwardedBatches);
    for (const { sourceId } of app.listSources()) {
      let h: SourceHealth;
      try {
        h = app.sourceHealth(sourceId);
      } catch {
        continue;
      }
      const attributes = { 'source.id': h.sourceId, 'source.name': h.name };
      result.observe(bufferSamples, h.bufferedSamples, attributes);
      result.observe(bufferCapacity, h.bufferCapacity, attributes);
      result.observe(received, h.samplesReceived, attributes);
      result.observe(dropped, h.droppedSamples, attributes);
      result.observe(connected, h.state === 'connected' ? 1 : 0, attributes);
    }
  };
  meter.addBatchObservableCallback(callback, observables);
  return () => meter.removeBatchObservableCallback(callback, observables);
}
