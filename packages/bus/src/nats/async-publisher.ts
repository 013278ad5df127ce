// Pipelined JetStream publishing: like the Go client's PublishAsync, every publish is a core NATS
// publish whose reply subject is one token under a single wildcard inbox subscription, and PubAcks
// are matched by that token. `js.publish` sets up a request and a timer per message, which caps a
// Node process at a few thousand msgs/s; this keeps one subscription and one sweeping timer.

import { createInbox, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { BusError, BusErrorCode } from '../errors.ts';

export interface PubAckResult {
  readonly stream: string;
  readonly seq: number;
  readonly duplicate: boolean;
}

interface Waiting {
  readonly subject: string;
  readonly sentAt: number;
  resolve(ack: PubAckResult): void;
  reject(err: BusError): void;
}

interface Outgoing {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: MsgHdrs | undefined;
  readonly reply: string;
}

const decoder = new TextDecoder();

export class AsyncPublisher {
  readonly #nc: NatsConnection;
  readonly #timeoutMs: number;
  /** Server stream name → the caller's (deployment prefix removed). */
  readonly #streamName: (server: string) => string;
  readonly #prefix: string;
  readonly #sub: Subscription;
  readonly #waiting = new Map<string, Waiting>();
  readonly #sweep: NodeJS.Timeout;
  #next = 0;
  #noRespondersSince: number | null = null;
  #lastNoResponders = 0;
  #outbox: Outgoing[] = [];
  #immediate: NodeJS.Immediate | undefined;

  constructor(nc: NatsConnection, timeoutMs: number, streamName: (server: string) => string = (s) => s) {
    this.#nc = nc;
    this.#timeoutMs = timeoutMs;
    this.#streamName = streamName;
    // The connection's inbox prefix (a per-service one under least-privilege permissions).
    const inboxPrefix = (nc as { readonly options?: { readonly inboxPrefix?: string } }).options?.inboxPrefix;
    this.#prefix = `${createInbox(inboxPrefix)}.`;
    this.#sub = nc.subscribe(`${this.#prefix}*`, {
      callback: (err, msg) => {
        if (err !== null) return;
        const w = this.#waiting.get(msg.subject);
        if (w === undefined) return; // timed out already
        this.#waiting.delete(msg.subject);
        if (msg.headers?.code === 503) {
          this.#noRespondersSince ??= Date.now();
          this.#lastNoResponders = Date.now();
          w.reject(new BusError(BusErrorCode.NoStream, `no stream captures subject ${w.subject}`));
          return;
        }
        if (settle(w, msg.data, this.#streamName)) this.#noRespondersSince = null;
      },
    });
    // Insertion order is send order: expire from the front until a young one.
    this.#sweep = setInterval(
      () => {
        const cutoff = Date.now() - this.#timeoutMs;
        for (const [key, w] of this.#waiting) {
          if (w.sentAt > cutoff) break;
          this.#waiting.delete(key);
          w.reject(new BusError(BusErrorCode.PublishFailed, `no PubAck for ${w.subject} within ${this.#timeoutMs} ms (retry with the same msgId)`));
        }
      },
      Math.max(100, Math.min(1_000, this.#timeoutMs / 2)),
    );
    this.#sweep.unref();
  }

  /**
   * Queues the publish and writes it with the others queued in this event-loop turn (setImmediate):
   * callers that publish again from each PubAck's continuation would otherwise cost one socket
   * write per message, since nats.js flushes its outbound buffer on a microtask.
   */
  publish(subject: string, data: Uint8Array, headers: MsgHdrs | undefined): Promise<PubAckResult> {
    const reply = this.#prefix + (this.#next++).toString(36);
    return new Promise<PubAckResult>((resolve, reject) => {
      this.#waiting.set(reply, { subject, sentAt: Date.now(), resolve, reject });
      this.#outbox.push({ subject, data, headers, reply });
      this.#immediate ??= setImmediate(this.#flush);
    });
  }

  readonly #flush = (): void => {
    this.#immediate = undefined;
    const out = this.#outbox;
    this.#outbox = [];
    for (const o of out) {
      try {
        this.#nc.publish(o.subject, o.data, o.headers === undefined ? { reply: o.reply } : { reply: o.reply, headers: o.headers });
      } catch (err) {
        const w = this.#waiting.get(o.reply);
        if (w === undefined) continue;
        this.#waiting.delete(o.reply);
        const closed = this.#nc.isClosed();
        w.reject(new BusError(closed ? BusErrorCode.Closed : BusErrorCode.PublishFailed, `publish to ${o.subject} failed`, { cause: err }));
      }
    }
  };

  /**
   * Since when every answer to a publish has been "no responders" (no stream leader this server
   * knows of); null once a PubAck arrives.
   */
  get noRespondersSince(): number | null {
    return this.#noRespondersSince;
  }

  /** When the last "no responders" answer came (0: never). */
  get lastNoResponders(): number {
    return this.#lastNoResponders;
  }

  /** Resolves when every publish sent so far has its PubAck (or timed out). */
  async idle(): Promise<void> {
    while (this.#waiting.size > 0) await new Promise((r) => setTimeout(r, 10));
  }

  close(): void {
    clearInterval(this.#sweep);
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#immediate = undefined;
    this.#outbox = [];
    if (!this.#nc.isClosed()) this.#sub.unsubscribe();
    for (const w of this.#waiting.values()) w.reject(new BusError(BusErrorCode.Closed, 'bus closed before the PubAck arrived'));
    this.#waiting.clear();
  }
}

/** Settles a publish from its PubAck; true when JetStream answered (stored it, or refused it). */
function settle(w: Waiting, data: Uint8Array, streamName: (server: string) => string): boolean {
  let body: unknown;
  try {
    body = JSON.parse(decoder.decode(data));
  } catch (err) {
    w.reject(new BusError(BusErrorCode.PublishFailed, `unreadable PubAck for ${w.subject}`, { cause: err }));
    return false;
  }
  if (typeof body !== 'object' || body === null) {
    w.reject(new BusError(BusErrorCode.PublishFailed, `unexpected PubAck for ${w.subject}`));
    return false;
  }
  if ('error' in body) {
    const e = body.error;
    const description = typeof e === 'object' && e !== null && 'description' in e ? String(e.description) : JSON.stringify(e);
    w.reject(new BusError(BusErrorCode.PublishFailed, `publish to ${w.subject} rejected: ${description}`));
    return true;
  }
  const stream = 'stream' in body && typeof body.stream === 'string' ? body.stream : '';
  const seq = 'seq' in body && typeof body.seq === 'number' ? body.seq : NaN;
  if (stream === '' || Number.isNaN(seq)) {
    w.reject(new BusError(BusErrorCode.PublishFailed, `unexpected PubAck for ${w.subject}`));
    return false;
  }
  w.resolve({ stream: streamName(stream), seq, duplicate: 'duplicate' in body && body.duplicate === true });
  return true;
}
