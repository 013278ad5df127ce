// The relay's lag for SREs (issue 20): how many events the store holds beyond what the relay has published
// (`relay.lag`, events), observed only by the instance that holds the lease, and whether this
// instance is the active one (`relay.active`, 1 or 0: the standby reports 0).
import { metrics, ValueType, type ObservableResult } from '@industrial/telemetry/api';
import type { EventStore } from '@industrial/eventstore';
import type { Relay } from './relay.ts';

/** Registers the gauges on the process's meter; the returned function removes them. */
export function relayMetrics(store: Pick<EventStore, 'headPosition'>, relay: Relay): () => void {
  const meter = metrics.getMeter('@industrial/relay');
  const lag = meter.createObservableGauge('relay.lag', {
    description: 'Events in the store not yet published by the relay (the active relay only)',
    unit: '{event}',
    valueType: ValueType.INT,
  });
  const active = meter.createObservableGauge('relay.active', { description: '1 while this relay holds the lease', unit: '1', valueType: ValueType.INT });
  const observeLag = async (r: ObservableResult): Promise<void> => {
    if (!relay.active) return;
    const head = await store.headPosition().catch(() => null);
    if (head !== null) r.observe(Math.max(0, head - relay.relayed));
  };
  const observeActive = (r: ObservableResult): void => r.observe(relay.active ? 1 : 0);
  lag.addCallback(observeLag);
  active.addCallback(observeActive);
  return () => {
    lag.removeCallback(observeLag);
    active.removeCallback(observeActive);
  };
}
