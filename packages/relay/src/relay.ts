// The event relay: the only way committed events reach NATS. It follows the store's global
// position from a checkpoint, publishes each event on `evt.v1.<service>.<EventType>` with the
// event id as message id (JetStream drops a re-publish inside the duplicate window; consumers
// de-duplicate by event id beyond it), and checkpoints the highest position acknowledged by the
// bus. Exactly one relay per store is active: it must hold the lease, and stops the moment it
// loses it (a second instance waiting on the lease takes over from the saved checkpoint).
// A publish the cluster cannot take right now (no stream answers while the stream's leader is
// re-elected, no PubAck in time, a dropped connection) is retried with backoff in place: the
// checkpoint does not pass it, no further events are sent until it is acknowledged, and the
// message id makes JetStream drop a copy that did arrive.
import { BusErrorCode, isBusError, signatureHeaders, type Bus, type EventSigningKey } from '@industrial/bus';
import { EVENTS_STREAM as EVENTS_STREAM_SPEC, eventContracts, isEventType } from '@industrial/contracts';
import type { EventStore, RecordedEvent } from '@industrial/eventstore';
import { context, extractFromCarrier } from '@industrial/telemetry/api';

export const EVENTS_STREAM = EVENTS_STREAM_SPEC.name;
export const EVENTS_SUBJECTS = EVENTS_STREAM_SPEC.subjects;

/** Single-active-instance lease (PostgreSQL advisory lock in cluster mode). */
export interface RelayLease {
  /** Resolves once this instance holds the lease; rejects when `signal` aborts first. */
  acquire(signal: AbortSignal): Promise<void>;
  /** Aborts when the lease is lost (connection dropped); the relay must stop publishing. */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

export interface CheckpointStore {
  load(): Promise<number>;
  save(position: number): Promise<void>;
}

export interface RelayLogger {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
}

export interface RelayOptions {
  store: EventStore;
  bus: Bus;
  lease: RelayLease;
  checkpoints: CheckpointStore;
  /** Publishes in flight at once (ordered checkpointing keeps the saved position safe). */
  inFlight?: number;
  /** Save the checkpoint at most this often. */
  checkpointEveryMs?: number;
  logger?: RelayLogger;
  /** NATS stream and subject prefix; override only to isolate tests on a shared server. */
  streamName?: string;
  subjectPrefix?: string;
  /**
   * Signs every published event (HMAC-SHA256 over subject, event id and payload bytes; key from
   * `eventSigningKey(ledger private key)`), so consumers verifying with `eventVerifier` accept it.
   * Without one, events go out unsigned and verifying consumers dead-letter them.
   */
  signingKey?: EventSigningKey;
  /** Observability hook: called after each acknowledged publish. */
  onPublished?: (event: RecordedEvent, lagMs: number) => void;
  /** Backoff between retries of a publish the cluster could not take: doubles from the first to the second value. Default [200, 5000] ms. */
  retryBackoffMs?: readonly [number, number];
}

/**
 * A publish that may succeed when repeated: no stream answered (503 while the stream's leader is
 * re-elected), no or a refused PubAck, a transport error. The bus being closed is final.
 */
export function isRetryablePublishError(err: unknown): boolean {
  return isBusError(err, BusErrorCode.NoStream) || isBusError(err, BusErrorCode.PublishFailed) || isBusError(err, BusErrorCode.Transport);
}

/** `evt.v1.<owning service>.<Type>`; types outside the contracts registry go under `platform`. */
export function subjectFor(type: string, prefix = 'evt.v1'): string {
  return isEventType(type) ? `${prefix}.${eventContracts[type].service}.${type}` : `${prefix}.platform.${type}`;
}

export interface Relay {
  /** Waits for the lease, then relays until stopped or the lease is lost. */
  run(): Promise<void>;
  stop(): Promise<void>;
  /** Last checkpointed position. */
  readonly checkpoint: number;
  /** True while this instance holds the lease and relays (false while it waits as a standby). */
  readonly active: boolean;
  /** Every event up to this position is published (the checkpoint follows it within checkpointEveryMs). */
  readonly relayed: number;
}

const encoder = new TextEncoder();

/** The exact bytes and headers the relay publishes for `e` on `subject`. */
function outgoing(e: RecordedEvent, subject: string, key: EventSigningKey | undefined): { data: Uint8Array; headers: Record<string, string> } {
  const data = encoder.encode(JSON.stringify(e));
  const headers: Record<string, string> = { 'Content-Type': 'application/json', 'Event-Type': e.type, 'Event-Position': String(e.position) };
  return { data, headers: key === undefined ? headers : { ...headers, ...signatureHeaders(key, subject, e.id, data) } };
}

export function createRelay(options: RelayOptions): Relay {
  const { store, bus, lease, checkpoints } = options;
  const inFlight = options.inFlight ?? 4096;
  const every = options.checkpointEveryMs ?? 200;
  const stopper = new AbortController();
  let saved = 0;
  let active = false;
  let relayed = 0;
  let running: Promise<void> | null = null;

  async function relay(): Promise<void> {
    const prefix = options.subjectPrefix ?? 'evt.v1';
    await bus.ensureStream({ name: options.streamName ?? EVENTS_STREAM, subjects: [`${prefix}.>`], duplicateWindowMs: EVENTS_STREAM_SPEC.duplicateWindowMs });
    await lease.acquire(stopper.signal);
    const stopped = AbortSignal.any([stopper.signal, lease.lost]);
    saved = await checkpoints.load();
    active = !stopped.aborted;
    stopped.addEventListener('abort', () => void (active = false), { once: true });
    options.logger?.info({ checkpoint: saved }, 'relay holds the lease; relaying from checkpoint');
    const sub = store.subscribeToAllPages({ checkpoint: saved, batchSize: 1000 });
    stopped.addEventListener('abort', () => void sub.stop(), { once: true });
    // Ordered completion: `acked` holds positions acknowledged out of order until contiguous.
    let contiguous = saved;
    relayed = saved;
    const acked = new Set<number>();
    // In-flight window: a counter and one waiter (Promise.race over the window would cost O(window) per event).
    let inFlightNow = 0;
    let slot: (() => void) | null = null;
    let drained: (() => void) | null = null;
    const settle = (): void => {
      inFlightNow--;
      if (slot) {
        const s = slot;
        slot = null;
        s();
      }
      if (inFlightNow === 0 && drained) {
        const d = drained;
        drained = null;
        d();
      }
    };
    const allSettled = (): Promise<void> =>
      inFlightNow === 0
        ? Promise.resolve()
        : new Promise<void>((r) => {
            drained = r;
          });
    let failure: unknown = null;
    // Publishes being retried: while any is, no new event is sent (the in-flight window at the
    // failure is the only reordering, as after a restart from the checkpoint).
    const [firstBackoff, maxBackoff] = options.retryBackoffMs ?? [200, 5000];
    let retrying = 0;
    let resumed: (() => void) | null = null;
    let warnedAt = 0;
    const pause = (ms: number): Promise<void> =>
      new Promise<void>((r) => {
        const t = setTimeout(done, ms);
        function done(): void {
          clearTimeout(t);
          stopped.removeEventListener('abort', done);
          r();
        }
        stopped.addEventListener('abort', done, { once: true });
      });
    /** Publishes until acknowledged; resolves false when the relay stops first (the event is then not acknowledged). */
    const publishUntilAcked = async (send: () => Promise<unknown>, e: RecordedEvent, first: unknown): Promise<boolean> => {
      retrying++;
      let err = first;
      try {
        for (let attempt = 1, backoff = firstBackoff; ; attempt++, backoff = Math.min(maxBackoff, backoff * 2)) {
          if (Date.now() - warnedAt >= 30_000) {
            warnedAt = Date.now();
            options.logger?.warn(
              { position: e.position, attempt, err: (err as Error).message },
              'the bus did not take an event; retrying with backoff (nothing further is sent until it is acknowledged)',
            );
          }
          await pause(backoff);
          if (stopped.aborted) return false;
          try {
            await send();
            return true;
          } catch (next) {
            if (!isRetryablePublishError(next)) throw next;
            err = next;
          }
        }
      } finally {
        if (--retrying === 0) options.logger?.info({ position: e.position }, 'the bus takes events again; relaying resumes');
        if (retrying === 0 && resumed) {
          const r = resumed;
          resumed = null;
          r();
        }
      }
    };
    let lastSave = Date.now();
    const flush = async (force: boolean): Promise<void> => {
      if (contiguous > saved && (force || Date.now() - lastSave >= every) && !lease.lost.aborted) {
        await checkpoints.save(contiguous);
        saved = contiguous;
        lastSave = Date.now();
      }
    };
    try {
      // Read-ahead: the next page is fetched from the store while this one is being published.
      const pages = sub[Symbol.asyncIterator]();
      let ahead = pages.next();
      ahead.catch(() => undefined); // handled where awaited; not unhandled if we stop first
      for (;;) {
        const step = await ahead;
        if (step.done) break;
        const page = step.value;
        if (!stopped.aborted) {
          ahead = pages.next();
          ahead.catch(() => undefined);
        }
        // A page is published without awaiting in between, so the NATS client writes it in few socket writes.
        for (const e of page) {
          if (failure) throw failure;
          if (retrying > 0)
            await new Promise<void>((r) => {
              resumed = r;
            });
          if (stopped.aborted) break;
          const carrier: Record<string, string> = e.metadata.traceparent ? { traceparent: e.metadata.traceparent } : {};
          inFlightNow++;
          const send = (): Promise<unknown> =>
            context.with(extractFromCarrier(carrier), () => {
              const subject = subjectFor(e.type, prefix);
              const { data, headers } = outgoing(e, subject, options.signingKey);
              return bus.publish(subject, data, { msgId: e.id, headers });
            });
          const ack = (): void => {
            acked.add(e.position);
            while (acked.delete(contiguous + 1)) contiguous++;
            relayed = contiguous;
            options.onPublished?.(e, Date.now() - Date.parse(e.metadata.recordedAt));
          };
          void send()
            .then(ack, async (err: unknown) => {
              if (!isRetryablePublishError(err)) throw err;
              if (await publishUntilAcked(send, e, err)) ack();
            })
            .catch((err: unknown) => {
              failure ??= err;
            })
            .finally(settle);
          if (inFlightNow >= inFlight)
            await new Promise<void>((r) => {
              slot = r;
            });
        }
        await flush(false);
        if (stopped.aborted) break;
      }
      await allSettled();
      if (failure) throw failure;
      await flush(true);
    } finally {
      await sub.stop();
      await allSettled();
      if (!failure) await flush(true).catch(() => undefined);
    }
    if (lease.lost.aborted && !stopper.signal.aborted) {
      options.logger?.warn({ checkpoint: saved }, 'relay lost its lease; stopped (another instance takes over)');
    }
  }

  return {
    get checkpoint() {
      return saved;
    },
    get active() {
      return active;
    },
    get relayed() {
      return relayed;
    },
    run() {
      running ??= relay().finally(() => lease.release().catch(() => undefined));
      return running;
    },
    async stop() {
      stopper.abort();
      await running?.catch(() => undefined);
    },
  };
}

/** Standalone mode: one process, so the lease is always ours and the checkpoint lives in memory. */
export function memoryCoordination(): { lease: RelayLease; checkpoints: CheckpointStore } {
  let position = 0;
  const lost = new AbortController();
  return {
    lease: { acquire: async () => undefined, lost: lost.signal, release: async () => undefined },
    checkpoints: {
      load: async () => position,
      save: async (p) => {
        position = p;
      },
    },
  };
}
