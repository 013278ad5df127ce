// Recovery from what a lost NATS node leaves behind (issue 19, ADR 0019), for the NATS bus:
// - a durable consumer's pull loop that is never silently dead: a pull subscription that ends (an
//   error, nats.js giving up) is replaced, and one that received nothing for `stallMs` while the
//   durable has messages nobody was given is closed and replaced (its pull request is no longer at
//   the server: lost with a consumer leader on a node that died; nats.js only notices after two
//   missed idle heartbeats, 30 s, and on nats-server 2.9 it was seen to sit longer);
// - a publisher watch: every publish answered "no responders" for a while (no stream leader the
//   connected server knows of) moves the connection to another server of the list.

import type { NatsConnection } from '@nats-io/transport-node';
import type { Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { AsyncPublisher } from './async-publisher.ts';
import type { BusLogger } from '../types.ts';

/** How consumers and publishes recover from a cluster that lost a node (options of both ways of building the bus). */
export interface NatsRecoverySettings {
  /**
   * A consumer that received nothing for this long while its durable has messages nobody was given
   * pulls again (a new pull subscription). Default 10 s.
   */
  readonly stallMs?: number;
  /** Lifetime of one pull request; the server sends idle heartbeats every half of it. Default 30 s. */
  readonly pullExpiresMs?: number;
  /** Publishes answered only "no responders" for this long: the connection moves to another server. Default 30 s. */
  readonly noRespondersReconnectMs?: number;
}

/** What the durable's info said (read by watchConsumer every few seconds). */
export interface DurableInfo {
  readonly pending: number;
  readonly ackPending: number;
  readonly maxAckPending: number;
}

export interface PullLoopOptions {
  readonly consumer: Consumer;
  readonly prefetch: number;
  /** Lifetime of one pull request (the server sends idle heartbeats every half of it). */
  readonly expiresMs: number;
  readonly stallMs: number;
  readonly where: { readonly stream: string; readonly durable: string };
  readonly logger: BusLogger;
  /** The bus is closed: no new pull subscription. */
  readonly closed: () => boolean;
  /** One delivery; `stopping` once stop() was called (the message goes back). Its promise: the handler. */
  readonly onMessage: (m: JsMsg, stopping: boolean) => void | Promise<unknown>;
  /** After each pull subscription ends (settle what was handled). */
  readonly onEnd: () => void;
}

export interface PullLoop {
  /** The stall check, called with every info read of the durable. */
  onInfo(info: DurableInfo): void;
  /** Ends the pull and waits for the loop (the handler in progress finishes). */
  stop(): Promise<void>;
  /** Ends the pull without waiting. */
  abort(): void;
}

export async function startPullLoop(o: PullLoopOptions): Promise<PullLoop> {
  let lastActivity = Date.now();
  let handling = false;
  let stopping = false;
  let repulls = 0;
  // Iterator mode on purpose: nats.js runs the refill pull from inside the iterator, so at most
  // `prefetch` messages wait here however slow the handler is. Callback mode refills on receipt
  // and would buffer up to max_ack_pending messages behind an async handler (stale by ack wait).
  const open = (): Promise<ConsumerMessages> =>
    o.consumer.consume({
      max_messages: o.prefetch,
      // Re-pull once half of the requested batch has arrived (nats.js default: a quarter), so pull
      // requests are fewer and larger.
      threshold_messages: Math.max(1, Math.floor(o.prefetch / 2)),
      expires: o.expiresMs,
    });
  let messages = await open();
  const alive = (): boolean => !stopping && !o.closed();

  const loop = (async () => {
    for (let failures = 0; ;) {
      const current = messages;
      try {
        for await (const m of current) {
          lastActivity = Date.now();
          failures = 0;
          const pending = o.onMessage(m, stopping);
          if (pending === undefined) continue;
          handling = true;
          try {
            await pending;
          } finally {
            handling = false;
            lastActivity = Date.now();
          }
        }
      } catch (err) {
        if (alive()) o.logger.error({ err, ...o.where }, 'bus: consumer pull ended on error; pulling again');
      } finally {
        o.onEnd();
      }
      if (!alive()) return;
      // A short pause, longer while opening fails (the stream's cluster re-electing).
      for (;;) {
        await new Promise((r) => setTimeout(r, Math.min(5_000, 200 * 2 ** Math.min(failures++, 5))));
        if (!alive()) return;
        try {
          const next = await open();
          if (!alive()) {
            await next.close().catch(() => undefined);
            return;
          }
          messages = next;
          lastActivity = Date.now();
          break;
        } catch (err) {
          o.logger.warn({ err, ...o.where }, 'bus: cannot pull from the consumer yet; trying again');
        }
      }
    }
  })();

  const closeCurrent = (): Promise<void> => messages.close().then(() => undefined);
  return {
    onInfo(i) {
      // Messages nobody was given, acknowledgements not at their limit, this pull idle (no handler running) for stallMs.
      if (stopping || handling || i.pending === 0) return;
      if (i.maxAckPending > 0 && i.ackPending >= i.maxAckPending) return;
      const idleMs = Date.now() - lastActivity;
      if (idleMs < o.stallMs) return;
      repulls++;
      o.logger.warn({ ...o.where, pending: i.pending, idleMs, repulls }, 'bus: consumer received nothing while messages wait; pulling again');
      lastActivity = Date.now();
      void closeCurrent().catch(() => undefined);
    },
    async stop() {
      stopping = true;
      await closeCurrent();
      await loop;
    },
    abort() {
      stopping = true;
      void closeCurrent().catch(() => undefined);
    },
  };
}

/**
 * Every publish answered "no responders" for `afterMs` (and still so): the server this connection
 * is on knows no stream leader for the subject. A re-election takes seconds; on nats-server 2.9 a
 * server was seen to keep missing a leader's interest for much longer, so the connection moves to
 * another server of the list (at most once per 2 × afterMs). Returns the function that ends the watch.
 */
export function watchNoResponders(nc: NatsConnection, publisher: AsyncPublisher, afterMs: number, logger: BusLogger): () => void {
  let lastForced = 0;
  const timer = setInterval(
    () => {
      const since = publisher.noRespondersSince;
      const now = Date.now();
      if (nc.isClosed() || since === null || now - since < afterMs) return;
      if (now - publisher.lastNoResponders > Math.max(10_000, afterMs) || now - lastForced < 2 * afterMs) return;
      lastForced = now;
      logger.warn({ server: nc.getServer(), forMs: now - since }, 'bus: every publish answered "no responders"; reconnecting to another NATS server');
      nc.reconnect().catch((err: unknown) => logger.warn({ err }, 'bus: the forced reconnect failed'));
    },
    Math.min(5_000, Math.max(100, afterMs / 2)),
  );
  timer.unref();
  return () => clearInterval(timer);
}
