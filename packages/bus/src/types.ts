// Public types of the bus: one small interface that the NATS JetStream adapter (cluster mode)
// and the in-process adapter (standalone mode) both implement, proven by one contract suite.

/** Message headers as plain strings. `Nats-*` headers are reserved for the transport. */
export type BusHeaders = Readonly<Record<string, string>>;

export interface StreamSpec {
  /** Stream name: letters, digits, `-` and `_` (no dots, spaces, `*` or `>`). */
  readonly name: string;
  /** Subjects the stream captures, wildcards allowed (`evt.v1.>`). */
  readonly subjects: readonly string[];
  /** Messages older than this are discarded. Default: kept forever. */
  readonly maxAgeMs?: number;
  /** How long a `msgId` is remembered for publish de-duplication. Default 10 minutes. */
  readonly duplicateWindowMs?: number;
}

/** Storage of a stream on a NATS cluster (deployment settings, NATS_STREAM_* variables). */
export interface StreamStorage {
  /** Copies kept by the JetStream cluster (1–5; 3 on a 3-node cluster survives losing a node). */
  readonly replicas?: number;
  /** Overrides the spec's maxAgeMs (0: kept forever). */
  readonly maxAgeMs?: number;
  /** Oldest messages discarded beyond this many bytes (unset: no limit). */
  readonly maxBytes?: number;
}

/** Defaults for every stream, and per-stream overrides by logical name. */
export interface StreamSettings {
  readonly all?: StreamStorage;
  readonly byStream?: Readonly<Record<string, StreamStorage>>;
}

export interface PublishOptions {
  /** Publish de-duplication key (the event id): a second publish within the window is dropped. */
  readonly msgId?: string;
  readonly headers?: BusHeaders;
}

export interface PublishResult {
  readonly stream: string;
  /** Stream sequence of the stored message (of the original one when `duplicate`). */
  readonly seq: number;
  /** True when the `msgId` was already seen inside the duplicate window; nothing was stored. */
  readonly duplicate: boolean;
}

export interface BusMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: BusHeaders;
  readonly msgId: string | undefined;
  /** Stream sequence. */
  readonly seq: number;
  /** 1 on the first delivery, 2 on the first redelivery, … */
  readonly deliveryCount: number;
  readonly redelivered: boolean;
  /** The payload parsed as JSON (throws on malformed JSON); parsed once per delivery. */
  json(): unknown;
  /** What the consumer's `validate` returned as `value` (the parsed, typed payload), so a hot path parses once. */
  readonly validated: unknown;
}

/** `value`: the validated payload (e.g. the zod parse), handed to the handler as `msg.validated`. */
export type Validation = { readonly ok: true; readonly value?: unknown } | { readonly ok: false; readonly error: string };

/** Returns normally → ack. Throws (or rejects) → retried with backoff, dead-lettered after `maxDeliver`. */
export type MessageHandler = (msg: BusMessage) => void | Promise<void>;

export interface ConsumeOptions {
  readonly stream: string;
  /** Durable consumer name; several consumers with the same durable share the work. */
  readonly durable: string;
  /** Only messages on this subject (wildcards allowed) are delivered. Fixed once the durable exists. */
  readonly filterSubject?: string;
  /** Attempts before a failing message is dead-lettered. Default 5. */
  readonly maxDeliver?: number;
  /** Delay before retry n+1 after attempt n failed is `backoffMs[n-1]` (last value repeats). Default [1s, 5s, 30s]. */
  readonly backoffMs?: readonly number[];
  /**
   * Time a handler has before an unacknowledged message is redelivered (the consumer died).
   * The effective ack deadline of attempt n is `ackWaitMs + backoffMs[n-1]`. Default 30 s.
   * A handler still running is kept alive (in-progress) so a slow handler is not redelivered.
   */
  readonly ackWaitMs?: number;
  /** Messages buffered ahead of the handler (NATS pull batch size). Default 256. */
  readonly prefetch?: number;
  /**
   * Schema check before the handler. `data` is the parsed JSON when the message was published
   * as an object (Content-Type application/json), the raw bytes otherwise. A failure is
   * dead-lettered at once, without retries.
   */
  readonly validate?: (data: unknown) => Validation;
  /**
   * Authenticity check before `validate` (e.g. `eventVerifier(key)`): the logical subject, msgId,
   * raw payload and headers. A failure is dead-lettered at once (kind `unverified`), never handled.
   * Default: the bus's `verifyEvents` for messages on `evt.>`, none otherwise.
   */
  readonly verify?: (m: {
    readonly subject: string;
    readonly msgId: string | undefined;
    readonly data: Uint8Array;
    readonly headers: BusHeaders;
  }) => Validation;
  readonly handler: MessageHandler;
}

export interface ConsumerHandle {
  /** Stops fetching, lets the in-flight handler finish and acknowledge, releases buffered messages. */
  stop(): Promise<void>;
}

export interface Bus {
  /** Creates or updates the stream (idempotent: stream setup as code). */
  ensureStream(spec: StreamSpec): Promise<void>;
  /** Deletes a stream and its consumers; false when it did not exist. */
  deleteStream(name: string): Promise<boolean>;
  publish(subject: string, payload: Uint8Array | object, options?: PublishOptions): Promise<PublishResult>;
  /** Creates or updates the durable consumer (and its dead-letter stream) and starts handling. */
  consume(options: ConsumeOptions): Promise<ConsumerHandle>;
  /** Graceful: stops every consumer after its in-flight message, flushes, then closes. */
  drain(): Promise<void>;
  /** Abrupt: in-flight messages stay unacknowledged and are redelivered after their ack wait. */
  close(): Promise<void>;
}

/** pino-compatible subset, so a service can pass its logger as is. */
export interface BusLogger {
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}
