// NATS JetStream adapter (cluster mode): streams and durable pull consumers as code,
// Nats-Msg-Id publish de-duplication, explicit acks, nak with backoff, dead-letter streams,
// W3C trace context in headers, endless reconnects.

import { headers as natsHeaders, nanos, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  StorageType,
  type ConsumerConfig,
  type JetStreamClient,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { encodePayload } from '../codec.ts';
import { ackDeadlineMs, DeliveryProcessor, publishDeadLetter, resolveConsumeOptions, serverMaxDeliver, type ResolvedConsume } from '../consumer-core.ts';
import { BusError, BusErrorCode, isBusError } from '../errors.ts';
import { DeadLetterKind, deadLetterStream, Header, JSON_CONTENT_TYPE } from '../headers.ts';
import { consoleLogger, replicasRefused, streamLimits } from '../streams.ts';
import { tracePublish } from '../tracing.ts';
import { AsyncPublisher } from './async-publisher.ts';
import { consumerWhenReady, DEFAULT_READY_MAX_PENDING, watchConnection, watchConsumer } from './consumer-watch.ts';
import { connectNats, NATS_PREFIX_PATTERN, streamStorageOf, type NatsCredentials, type NatsTls } from './connection.ts';
import { Names, NatsDelivery } from './delivery.ts';
import { startPullLoop, watchNoResponders, type NatsRecoverySettings } from './pull-loop.ts';
import { SettleBatch } from './settle-batch.ts';
import type { Bus, BusLogger, ConsumeOptions, ConsumerHandle, PublishOptions, PublishResult, StreamSettings, StreamSpec } from '../types.ts';

export interface NatsBusOptions extends NatsBusSecurity, NatsRecoverySettings {
  readonly servers: string | readonly string[];
  /** Connection name shown by the server (`nats server report connections`). */
  readonly name?: string;
  readonly logger?: BusLogger;
  readonly publishTimeoutMs?: number;
  /** Credentials from files (nkey seed, .creds, user + password file); none: anonymous. */
  readonly credentials?: NatsCredentials;
  /** Reply subject prefix (NATS_INBOX_PREFIX); a service user may only read its own. */
  readonly inboxPrefix?: string;
  /** TLS from files (NATS_TLS_CA_FILE, NATS_TLS_CERT_FILE + NATS_TLS_KEY_FILE). */
  readonly tls?: NatsTls;
  /** How long the first connection attempt may take. Default 20 s. */
  readonly connectTimeoutMs?: number;
}

/** Deployment isolation and integrity, shared by both ways of building the bus. */
export interface NatsBusSecurity {
  /**
   * Deployment prefix (`[A-Za-z0-9_-]{1,32}`): stream `S` is `<prefix>_S` on the server and subject
   * `s` is `<prefix>.s`, so deployments sharing a server never see each other's streams, consumers
   * (they live in the streams) or messages. Callers keep using the logical names.
   */
  readonly prefix?: string;
  /** Checks every delivery on `evt.>` of a consume() without its own `verify` (e.g. `eventVerifier(key)`). */
  readonly verifyEvents?: ConsumeOptions['verify'];
  /** Not ready (readiness, `/readyz`) while one of this bus's consumers has more pending messages. Default 10,000. */
  readonly readyMaxPending?: number;
  /** Replicas and limits of the streams this bus creates (NATS_STREAM_*; default R1, the spec's max age, no size limit). */
  readonly streams?: StreamSettings;
}

export interface NatsBusFromConnectionOptions extends NatsBusSecurity, NatsRecoverySettings {
  readonly logger?: BusLogger;
  /** How long a publish waits for its PubAck before failing (retry it with the same msgId). Default 5 s. */
  readonly publishTimeoutMs?: number;
  /** When true, drain()/close() also drain/close the connection. Default true. */
  readonly ownsConnection?: boolean;
}

/** Connects with endless reconnects (the bus outlives server restarts) and returns the bus. */
export async function connectNatsBus(options: NatsBusOptions): Promise<Bus> {
  const { servers, name, credentials, inboxPrefix, tls, connectTimeoutMs, ...rest } = options;
  if (rest.prefix !== undefined && !NATS_PREFIX_PATTERN.test(rest.prefix)) {
    throw new BusError(BusErrorCode.InvalidArgument, `NATS prefix "${rest.prefix.slice(0, 40)}" must be 1–32 of [A-Za-z0-9_-]`);
  }
  const nc = await connectNats({
    servers,
    ...(name === undefined ? {} : { name }),
    ...(credentials === undefined ? {} : { credentials }),
    ...(inboxPrefix === undefined ? {} : { inboxPrefix }),
    ...(tls === undefined ? {} : { tls }),
    ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs }),
  });
  return createNatsBus(nc, { ownsConnection: true, ...rest }).catch(async (err: unknown) => {
    await nc.close();
    throw err;
  });
}

/** Builds the bus on an existing connection (fails when JetStream is not enabled). */
const KEEP_REPLICAS = 'bus: the stream has more replicas than this process asks for (NATS_STREAM_REPLICAS); keeping them';

export async function createNatsBus(nc: NatsConnection, options: NatsBusFromConnectionOptions = {}): Promise<Bus> {
  const jsm = await jetstreamManager(nc).catch((err: unknown) => {
    throw new BusError(BusErrorCode.Transport, 'JetStream is not available on this NATS server', { cause: err });
  });
  if (options.prefix !== undefined && !NATS_PREFIX_PATTERN.test(options.prefix)) {
    throw new BusError(BusErrorCode.InvalidArgument, `NATS prefix "${options.prefix.slice(0, 40)}" must be 1–32 of [A-Za-z0-9_-]`);
  }
  return new NatsBus(nc, jsm, jetstream(nc), options);
}

/** Lifetime of one pull request; the server sends idle heartbeats every half of it. */
const PULL_EXPIRES_MS = 30_000;
/** A consumer idle this long while its durable has undelivered messages pulls again. */
const STALL_MS = 10_000;
/** Publishes answered only "no responders" for this long: reconnect to another server of NATS_URL (default). */
const NO_RESPONDERS_RECONNECT_MS = 30_000;

const decoder = new TextDecoder();

/** Subject of the advisory JetStream publishes when a message of `stream`/`durable` exhausted max_deliver. */
export const maxDeliveriesAdvisorySubject = (stream: string, durable: string): string => `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.${durable}`;

const isApiError = (err: unknown, code: number): boolean => err instanceof JetStreamApiError && err.code === code;
/** The server refused the subject (-ERR Permissions Violation), e.g. a JetStream API call this user may not make. */
const isPermissionViolation = (err: unknown): boolean => err instanceof Error && /Permissions Violation/.test(`${err.message} ${String(err.cause ?? '')}`);
/** How long a consumer waits for the owner to create the stream it reads. */
const STREAM_WAIT_MS = 120_000;

const sameNumbers = (a: readonly number[] | undefined, b: readonly number[] | undefined): boolean =>
  (a ?? []).length === (b ?? []).length && (a ?? []).every((v, i) => v === (b ?? [])[i]);

interface RunningConsumer {
  readonly handle: ConsumerHandle;
  abort(): void;
}

class NatsBus implements Bus {
  readonly #nc: NatsConnection;
  readonly #jsm: JetStreamManager;
  readonly #js: JetStreamClient;
  readonly #logger: BusLogger;
  readonly #owns: boolean;
  readonly #publisher: AsyncPublisher;
  readonly #running = new Set<RunningConsumer>();
  readonly #dlqReady = new Set<string>();
  readonly #names: Names;
  readonly #streams: StreamSettings | undefined;
  readonly #verifyEvents: ConsumeOptions['verify'];
  readonly #readyMaxPending: number;
  readonly #stallMs: number;
  readonly #pullExpiresMs: number;
  readonly #unwatchConnection: () => void;
  readonly #unwatchNoResponders: () => void;
  #closed = false;

  constructor(nc: NatsConnection, jsm: JetStreamManager, js: JetStreamClient, options: NatsBusFromConnectionOptions) {
    this.#nc = nc;
    this.#jsm = jsm;
    this.#js = js;
    this.#logger = options.logger ?? consoleLogger;
    this.#owns = options.ownsConnection ?? true;
    this.#names = new Names(options.prefix);
    this.#streams = options.streams;
    const names = this.#names;
    this.#publisher = new AsyncPublisher(nc, options.publishTimeoutMs ?? 5_000, (n) => names.logicalStream(n));
    this.#verifyEvents = options.verifyEvents;
    this.#readyMaxPending = options.readyMaxPending ?? DEFAULT_READY_MAX_PENDING;
    this.#stallMs = options.stallMs ?? STALL_MS;
    this.#pullExpiresMs = options.pullExpiresMs ?? PULL_EXPIRES_MS;
    this.#unwatchConnection = watchConnection(nc);
    void this.#watchStatus();
    this.#unwatchNoResponders = watchNoResponders(nc, this.#publisher, options.noRespondersReconnectMs ?? NO_RESPONDERS_RECONNECT_MS, this.#logger);
  }

  async #watchStatus(): Promise<void> {
    try {
      for await (const s of this.#nc.status()) {
        if (s.type === 'disconnect') this.#logger.warn({ server: s.server }, 'bus: NATS disconnected, reconnecting');
        else if (s.type === 'reconnect') this.#logger.warn({ server: s.server }, 'bus: NATS reconnected');
      }
    } catch {
      // status iterator ends with the connection
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new BusError(BusErrorCode.Closed, 'bus is closed');
  }

  async ensureStream(spec: StreamSpec): Promise<void> {
    this.#assertOpen();
    const storage = streamStorageOf(this.#streams, spec.name);
    const { maxAgeMs, duplicateWindowMs } = streamLimits(storage.maxAgeMs === undefined ? spec : { ...spec, maxAgeMs: storage.maxAgeMs });
    const name = this.#names.stream(spec.name);
    const want = {
      subjects: spec.subjects.map((s) => this.#names.subject(s)),
      max_age: nanos(maxAgeMs),
      duplicate_window: nanos(duplicateWindowMs),
      num_replicas: storage.replicas ?? 1,
      max_bytes: storage.maxBytes ?? -1,
    } satisfies Partial<StreamConfig>;
    for (let attempt = 0; ; attempt++) {
      try {
        let current: StreamConfig;
        try {
          current = (await this.#jsm.streams.info(name)).config;
        } catch (err) {
          if (!isApiError(err, JetStreamApiCodes.StreamNotFound)) throw err;
          try {
            await this.#jsm.streams.add({ name, storage: StorageType.File, ...want });
          } catch (addErr) {
            if (want.num_replicas > 1 && addErr instanceof JetStreamApiError && !isPermissionViolation(addErr))
              throw replicasRefused(spec.name, want.num_replicas, addErr);
            // Only a stream's owner may create it (least-privilege NATS, ADR 0010): a consumer waits for it.
            if (!isPermissionViolation(addErr)) throw addErr;
            await this.#awaitOwnersStream(spec.name, name);
          }
          return;
        }
        // A start never lowers a stream's replicas (a process without NATS_STREAM_REPLICAS made the R3 UNS R1: kill test).
        if (current.num_replicas > want.num_replicas) this.#logger.warn({ stream: spec.name, replicas: current.num_replicas }, KEEP_REPLICAS);
        const keep = { ...want, num_replicas: Math.max(want.num_replicas, current.num_replicas) };
        const same =
          sameNumbers(
            [current.max_age, current.duplicate_window, current.num_replicas, current.max_bytes],
            [keep.max_age, keep.duplicate_window, keep.num_replicas, keep.max_bytes],
          ) && [...current.subjects].sort().join(' ') === [...keep.subjects].sort().join(' ');
        if (!same) {
          try {
            await this.#jsm.streams.update(name, { ...current, ...keep });
          } catch (updateErr) {
            // Not its owner: the owner's settings stand.
            if (!isPermissionViolation(updateErr)) throw updateErr;
            this.#logger.warn({ stream: spec.name }, 'bus: the stream differs from this spec, but only its owner may update it; using it as it is');
          }
        }
        return;
      } catch (err) {
        if (isBusError(err)) throw err;
        // A creation race with another process (look again once), or an API timeout while a cluster node is lost (up to 5 times).
        if ((attempt === 0 && err instanceof JetStreamApiError) || (attempt < 5 && err instanceof Error && err.name === 'TimeoutError')) continue;
        throw new BusError(BusErrorCode.Transport, `ensureStream ${spec.name} failed: ${String(err)}`, { cause: err });
      }
    }
  }

  /** Polls until the stream's owner has created it (at most STREAM_WAIT_MS): for a consumer not allowed to create it, or started before its owner. */
  async #awaitOwnersStream(logical: string, name: string): Promise<void> {
    this.#logger.warn({ stream: logical }, "bus: waiting for the stream's owner to create it (this user may not)");
    const until = Date.now() + STREAM_WAIT_MS;
    for (;;) {
      this.#assertOpen();
      await new Promise((r) => setTimeout(r, 250));
      try {
        await this.#jsm.streams.info(name);
        return;
      } catch (err) {
        if (!isApiError(err, JetStreamApiCodes.StreamNotFound)) throw err;
        if (Date.now() > until)
          throw new BusError(BusErrorCode.Transport, `stream ${logical} was not created by its owner within ${STREAM_WAIT_MS} ms`, { cause: err });
      }
    }
  }

  async deleteStream(name: string): Promise<boolean> {
    this.#assertOpen();
    try {
      return await this.#jsm.streams.delete(this.#names.stream(name));
    } catch (err) {
      if (isApiError(err, JetStreamApiCodes.StreamNotFound)) return false;
      throw new BusError(BusErrorCode.Transport, `deleteStream ${name} failed`, { cause: err });
    }
  }

  publish(subject: string, payload: Uint8Array | object, options: PublishOptions = {}): Promise<PublishResult> {
    try {
      this.#assertOpen();
      const { data, json } = encodePayload(payload);
      const h: Record<string, string> = { ...options.headers };
      if (json && h[Header.ContentType] === undefined) h[Header.ContentType] = JSON_CONTENT_TYPE;
      const msgId = options.msgId;
      return tracePublish('nats', subject, msgId, h, this.#logger, () => {
        // No header block at all when there is nothing to say (PUB instead of HPUB): smaller on
        // the wire and no header parsing for the server or the consumers.
        let mh: MsgHdrs | undefined;
        for (const k in h) {
          mh ??= natsHeaders();
          mh.set(k, h[k] ?? '');
        }
        if (msgId !== undefined) (mh ??= natsHeaders()).set(Header.MsgId, msgId);
        return this.#publisher.publish(this.#names.subject(subject), data, mh);
      });
    } catch (err) {
      return Promise.reject(err); // closed bus, or a payload JSON.stringify cannot encode
    }
  }

  async consume(options: ConsumeOptions): Promise<ConsumerHandle> {
    this.#assertOpen();
    const c = resolveConsumeOptions(options);
    await this.#ensureDeadLetterStream(c.stream);
    await this.#ensureConsumer(c);
    const consumer = await consumerWhenReady(this.#js, this.#names.stream(c.stream), c.durable);
    const processor = new DeliveryProcessor(c, {
      system: 'nats',
      publish: (s, p, o) => this.publish(s, p, o),
      logger: this.#logger,
      ...(this.#verifyEvents === undefined ? {} : { verifyEvents: this.#verifyEvents }),
    });
    const settle = new SettleBatch();
    const pull = await startPullLoop({
      consumer,
      prefetch: c.prefetch,
      expiresMs: this.#pullExpiresMs,
      stallMs: this.#stallMs,
      where: { stream: c.stream, durable: c.durable },
      logger: this.#logger,
      closed: () => this.#closed,
      // Messages already buffered when stop() was called go back at once for other consumers.
      onMessage: (m, stopping) => (stopping ? settle.nak(m) : processor.process(new NatsDelivery(m, settle, this.#names))),
      onEnd: () => settle.flush(),
    });
    // Its lag as a metric, readiness (not ready while it is further behind than readyMaxPending) and the pull's stall check.
    const unwatch = watchConsumer(this.#jsm, {
      stream: this.#names.stream(c.stream),
      durable: c.durable,
      logical: c.stream,
      maxPending: this.#readyMaxPending,
      refreshMs: Math.min(5_000, Math.max(250, Math.floor(this.#stallMs / 2))),
      onInfo: (i) => pull.onInfo(i),
    });
    const safetyNet = this.#watchMaxDeliveries(c);
    let stopped: Promise<void> | undefined;
    const running: RunningConsumer = {
      handle: {
        stop: () =>
          (stopped ??= (async () => {
            unwatch();
            await pull.stop();
            settle.flush();
            processor.dispose();
            if (!this.#nc.isClosed()) safetyNet.unsubscribe();
            this.#running.delete(running);
          })()),
      },
      abort: () => {
        unwatch();
        pull.abort();
        settle.flush(); // settle calls of finished handlers; the in-flight message stays unacked
        processor.dispose();
        if (!this.#nc.isClosed()) safetyNet.unsubscribe();
      },
    };
    this.#running.add(running);
    return running.handle;
  }

  /**
   * Safety net for messages the server gave up on: when the last allowed delivery (the extra
   * `maxDeliver + 1`-th, see serverMaxDeliver) is never settled either (consumer died again, or its
   * dead-lettering failed and it nak'd), JetStream stops delivering it and publishes a
   * MAX_DELIVERIES advisory. One consumer of the durable (queue group) reads the message back from
   * the stream and dead-letters it (kind ack-timeout). Same DLQ msgId as the consumer path, so a
   * race between the two is de-duplicated. Core NATS: advisories sent while no consumer of the
   * durable is connected are not seen.
   */
  #watchMaxDeliveries(c: ResolvedConsume): Subscription {
    return this.#nc.subscribe(maxDeliveriesAdvisorySubject(this.#names.stream(c.stream), c.durable), {
      queue: `bus_dlq_${c.stream}_${c.durable}`,
      callback: (err, msg) => {
        if (err === null) void this.#onMaxDeliveries(c, msg.data);
      },
    });
  }

  async #onMaxDeliveries(c: ResolvedConsume, data: Uint8Array): Promise<void> {
    const { stream, durable } = c;
    let seq: unknown;
    let deliveries: unknown;
    try {
      const a: unknown = JSON.parse(decoder.decode(data));
      if (typeof a === 'object' && a !== null) {
        seq = 'stream_seq' in a ? a.stream_seq : undefined;
        deliveries = 'deliveries' in a ? a.deliveries : undefined;
      }
    } catch {
      // not an advisory we understand
    }
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq)) return;
    const attempts = typeof deliveries === 'number' ? deliveries : serverMaxDeliver(c);
    try {
      const sm = await this.#jsm.streams.getMessage(this.#names.stream(stream), { seq });
      if (sm === null) {
        this.#logger.warn({ stream, durable, seq }, 'bus: message exhausted its deliveries but is gone from the stream');
        return;
      }
      const headers: Record<string, string> = {};
      let msgId: string | undefined;
      for (const k of sm.header?.keys() ?? []) {
        if (k === Header.MsgId) msgId = sm.header.get(k);
        else if (!k.startsWith('Nats-')) headers[k] = sm.header.get(k);
      }
      const reason = `delivered ${attempts} times without acknowledgement (JetStream MAX_DELIVERIES advisory)`;
      await publishDeadLetter(
        (s, p, o) => this.publish(s, p, o),
        stream,
        durable,
        { subject: this.#names.logicalSubject(sm.subject), data: sm.data, headers, msgId, seq },
        DeadLetterKind.AckTimeout,
        reason,
        attempts,
      );
      this.#logger.warn({ stream, durable, seq, attempts }, 'bus: dead-lettered a message JetStream gave up on');
    } catch (err) {
      if (this.#closed) return;
      this.#logger.error({ err, stream, durable, seq }, 'bus: could not dead-letter a message JetStream gave up on');
    }
  }

  async #ensureDeadLetterStream(stream: string): Promise<void> {
    if (this.#dlqReady.has(stream)) return;
    await this.ensureStream({ name: deadLetterStream(stream), subjects: [`dlq.${stream}.>`] });
    this.#dlqReady.add(stream);
  }

  async #ensureConsumer(c: ResolvedConsume): Promise<void> {
    const backoff = c.backoffMs.map((_, i) => nanos(ackDeadlineMs(c, i + 1)));
    const settings = {
      ack_wait: nanos(c.ackWaitMs),
      max_deliver: serverMaxDeliver(c),
      max_ack_pending: Math.max(1_000, c.prefetch * 4),
      ...(backoff.length > 0 ? { backoff } : {}),
    } satisfies Partial<ConsumerConfig>;
    const where = `${c.stream}/${c.durable}`;
    const stream = this.#names.stream(c.stream);
    const filter = c.filterSubject === undefined ? undefined : this.#names.subject(c.filterSubject);
    for (let attempt = 0; ; attempt++) {
      try {
        let current: ConsumerConfig;
        try {
          current = (await this.#jsm.consumers.info(stream, c.durable)).config;
        } catch (err) {
          if (!isApiError(err, JetStreamApiCodes.ConsumerNotFound)) throw err;
          await this.#jsm.consumers.add(stream, {
            durable_name: c.durable,
            ack_policy: AckPolicy.Explicit,
            deliver_policy: DeliverPolicy.All,
            ...(filter === undefined ? {} : { filter_subject: filter }),
            ...settings,
          });
          return;
        }
        if ((current.filter_subject ?? '') !== (filter ?? '')) {
          throw new BusError(
            BusErrorCode.ConsumerConflict,
            `durable ${where} exists with filter "${current.filter_subject ?? ''}", not "${c.filterSubject ?? ''}"`,
          );
        }
        const same =
          current.max_deliver === settings.max_deliver &&
          current.max_ack_pending === settings.max_ack_pending &&
          sameNumbers(current.backoff, backoff) &&
          (backoff.length > 0 || current.ack_wait === settings.ack_wait);
        if (!same) await this.#jsm.consumers.update(stream, c.durable, settings);
        return;
      } catch (err) {
        if (isBusError(err)) throw err;
        if (isApiError(err, JetStreamApiCodes.StreamNotFound)) {
          if (attempt === 0) {
            await this.#awaitOwnersStream(c.stream, stream);
            continue;
          }
          throw new BusError(BusErrorCode.StreamNotFound, `stream ${c.stream} not found`, { cause: err });
        }
        if (attempt === 0 && err instanceof JetStreamApiError) continue; // creation race: look again
        throw new BusError(BusErrorCode.Transport, `cannot set up consumer ${where}: ${String(err)}`, { cause: err });
      }
    }
  }

  async drain(): Promise<void> {
    if (this.#closed) return;
    await Promise.all([...this.#running].map((r) => r.handle.stop()));
    this.#closed = true;
    this.#unwatchNoResponders();
    this.#unwatchConnection();
    await this.#publisher.idle();
    this.#publisher.close();
    if (this.#owns) await this.#nc.drain();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unwatchNoResponders();
    this.#unwatchConnection();
    for (const r of this.#running) r.abort();
    this.#running.clear();
    this.#publisher.close();
    if (this.#owns) await this.#nc.close();
  }
}

export { parseAckSubject } from './delivery.ts';
