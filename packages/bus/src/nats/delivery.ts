// A delivered JetStream message as the consumer core's `Delivery` (settle calls batched), the ack
// subject parser, and the mapping of logical stream names and subjects under a deployment prefix.

import type { JsMsg } from '@nats-io/jetstream';
import type { Delivery } from '../consumer-core.ts';
import { Header } from '../headers.ts';
import type { BusHeaders } from '../types.ts';
import type { SettleBatch } from './settle-batch.ts';

/** Stream sequence and delivery count from a JetStream ack subject (`$JS.ACK.…`), or undefined. */
export function parseAckSubject(reply: string): { seq: number; deliveryCount: number } | undefined {
  // v1: $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>             (9 tokens)
  // v2: $JS.ACK.<domain>.<hash>.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>[.<rnd>]
  // Names cannot contain dots, so token positions are fixed; no split(), no array per message.
  if (!reply.startsWith('$JS.ACK.')) return undefined;
  const dots: number[] = [];
  for (let i = reply.indexOf('.'); i !== -1; i = reply.indexOf('.', i + 1)) dots.push(i);
  const tokens = dots.length + 1;
  const first = tokens === 9 ? 4 : tokens >= 11 ? 6 : -1;
  if (first < 0) return undefined;
  const deliveryCount = Number(reply.slice((dots[first - 1] ?? 0) + 1, dots[first]));
  const seq = Number(reply.slice((dots[first] ?? 0) + 1, dots[first + 1]));
  return Number.isSafeInteger(seq) && Number.isSafeInteger(deliveryCount) ? { seq, deliveryCount } : undefined;
}

/** A JetStream message as a `Delivery`; settle calls go through the consumer's SettleBatch. */
export class NatsDelivery implements Delivery {
  readonly #m: JsMsg;
  readonly #settle: SettleBatch;
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: BusHeaders;
  readonly msgId: string | undefined;
  readonly seq: number;
  readonly deliveryCount: number;

  constructor(m: JsMsg, settle: SettleBatch, names: Names) {
    this.#m = m;
    this.#settle = settle;
    this.subject = names.logicalSubject(m.subject);
    this.data = m.data;
    // JsMsgImpl has the raw reply subject; the JsMsg type does not declare it, and m.info (split +
    // an info object per message) is the fallback.
    const reply: unknown = (m as { readonly reply?: unknown }).reply;
    const ack = typeof reply === 'string' ? parseAckSubject(reply) : undefined;
    this.seq = ack?.seq ?? m.info.streamSequence;
    this.deliveryCount = ack?.deliveryCount ?? m.info.deliveryCount;
    const headers: Record<string, string> = {};
    let msgId: string | undefined;
    const h = m.headers; // undefined for a message published without headers: nothing to parse
    if (h !== undefined) {
      for (const k of h.keys()) {
        if (k === Header.MsgId) msgId = h.get(k);
        else if (!k.startsWith('Nats-')) headers[k] = h.get(k);
      }
    }
    this.headers = headers;
    this.msgId = msgId;
  }

  ack(): void {
    this.#settle.ack(this.#m);
  }

  nak(delayMs: number): void {
    this.#settle.nak(this.#m, delayMs);
  }

  term(): void {
    this.#settle.term(this.#m);
  }

  inProgress(): void {
    this.#settle.working(this.#m);
  }
}

/** Logical stream names and subjects ↔ the server's, under a deployment prefix (identity without one). */
export class Names {
  readonly #prefix: string | undefined;
  readonly #cut: number;
  readonly #streamPrefix: string;

  constructor(prefix: string | undefined) {
    this.#prefix = prefix;
    this.#cut = prefix === undefined ? 0 : prefix.length + 1;
    this.#streamPrefix = prefix === undefined ? '' : `${prefix}_`;
  }

  logicalStream(name: string): string {
    return this.#cut !== 0 && name.startsWith(this.#streamPrefix) ? name.slice(this.#cut) : name;
  }

  stream(name: string): string {
    return this.#prefix === undefined ? name : `${this.#prefix}_${name}`;
  }

  subject(subject: string): string {
    return this.#prefix === undefined ? subject : `${this.#prefix}.${subject}`;
  }

  logicalSubject(subject: string): string {
    return this.#cut === 0 ? subject : subject.slice(this.#cut);
  }
}
