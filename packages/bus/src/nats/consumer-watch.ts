// What an SRE needs from the bus (issue 20): consumer lag per NATS consumer as a metric
// (`messaging.consumer.lag`, messages the durable has not been delivered yet, refreshed every 5 s)
// and readiness — a process is not ready while its NATS connection is down or one of its
// consumers is further behind than a limit (`readyMaxPending`, default 10,000 messages).
import type { NatsConnection } from '@nats-io/transport-node';
import { JetStreamApiCodes, JetStreamApiError, type Consumer, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { metrics, ValueType, type ObservableResult } from '@opentelemetry/api';
import { registerDependency } from '@industrial/telemetry/readiness';

export const DEFAULT_READY_MAX_PENDING = 10_000;
const REFRESH_MS = 5_000;

/** The connection as a readiness dependency (`nats`): a server round trip. */
export function watchConnection(nc: NatsConnection): () => void {
  return registerDependency({
    name: 'nats',
    kind: 'messaging',
    async check() {
      if (nc.isClosed()) return { ok: false, detail: 'connection closed' };
      const rtt = await nc.rtt();
      return { ok: true, detail: `round trip ${rtt} ms` };
    },
  });
}

export interface WatchedConsumer {
  /** The server's stream name (deployment prefix included) and the durable. */
  readonly stream: string;
  readonly durable: string;
  /** The logical stream name for labels and messages. */
  readonly logical: string;
  readonly maxPending: number;
  /** How often the durable's info is read (lag, stall check). Default 5 s. */
  readonly refreshMs?: number;
  /** Called with every info read (the consumer's stall check). */
  readonly onInfo?: (info: { readonly pending: number; readonly ackPending: number; readonly maxAckPending: number }) => void;
}

/** Lag gauge and readiness check of one durable; the returned function stops both. */
export function watchConsumer(jsm: JetStreamManager, c: WatchedConsumer): () => void {
  let pending: number | null = null;
  let ackPending = 0;
  const refresh = async (): Promise<number> => {
    const info = await jsm.consumers.info(c.stream, c.durable);
    pending = info.num_pending;
    ackPending = info.num_ack_pending;
    c.onInfo?.({ pending: info.num_pending, ackPending: info.num_ack_pending, maxAckPending: info.config.max_ack_pending ?? -1 });
    return info.num_pending;
  };
  const timer = setInterval(() => void refresh().catch(() => undefined), c.refreshMs ?? REFRESH_MS);
  timer.unref();
  void refresh().catch(() => undefined);
  const attributes = { 'messaging.system': 'nats', 'messaging.destination.name': c.logical, 'messaging.consumer.group.name': c.durable };
  const gauge = metrics.getMeter('@industrial/bus').createObservableGauge('messaging.consumer.lag', {
    description: 'Messages of the stream the durable consumer has not been delivered yet (JetStream num_pending)',
    unit: '{message}',
    valueType: ValueType.INT,
  });
  const observe = (r: ObservableResult): void => {
    if (pending !== null) r.observe(pending, attributes);
  };
  gauge.addCallback(observe);
  const unregister = registerDependency({
    name: `nats consumer ${c.logical}/${c.durable}`,
    kind: 'consumer',
    async check() {
      const now = await refresh();
      const detail = `${now} pending, ${ackPending} unacknowledged (limit ${c.maxPending} pending)`;
      return { ok: now <= c.maxPending, detail };
    },
  });
  return () => {
    clearInterval(timer);
    gauge.removeCallback(observe);
    unregister();
  };
}

// The handle of a durable consumer just created or updated. On a JetStream cluster a stream created a
// moment ago (R3: its raft group still electing) or a consumer just added can answer "not found" to
// the next request for a short while; the handle is asked again for up to `waitMs`.
const NOT_YET = new Set<number>([JetStreamApiCodes.StreamNotFound, JetStreamApiCodes.ConsumerNotFound]);

export async function consumerWhenReady(js: JetStreamClient, stream: string, durable: string, waitMs = 15_000): Promise<Consumer> {
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      return await js.consumers.get(stream, durable);
    } catch (err) {
      if (!(err instanceof JetStreamApiError && NOT_YET.has(err.code)) || Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
