// Batched ack writes. Acks (and naks, terms, in-progress) are published messages; nats.js flushes
// its outbound buffer on a microtask, and the async iterator of a pull consumer hands over each
// message in its own microtask, so acking inline costs one socket write per message (a third of
// the consumer's CPU in the profile). Settle calls are queued instead and written together after
// the current batch of deliveries (setImmediate): one write per batch, at most one event-loop turn
// later. Order is kept, so an in-progress report is never written after the final ack.

import type { JsMsg } from '@nats-io/jetstream';

const ACK = 0;
const NAK = 1;
const TERM = 2;
const WORKING = 3;
type Op = typeof ACK | typeof NAK | typeof TERM | typeof WORKING;

export class SettleBatch {
  #msgs: JsMsg[] = [];
  #ops: Op[] = [];
  #delays: number[] = [];
  #immediate: NodeJS.Immediate | undefined;

  ack(m: JsMsg): void {
    this.#add(m, ACK, 0);
  }

  nak(m: JsMsg, delayMs = 0): void {
    this.#add(m, NAK, delayMs);
  }

  term(m: JsMsg): void {
    this.#add(m, TERM, 0);
  }

  working(m: JsMsg): void {
    this.#add(m, WORKING, 0);
  }

  #add(m: JsMsg, op: Op, delayMs: number): void {
    this.#msgs.push(m);
    this.#ops.push(op);
    this.#delays.push(delayMs);
    this.#immediate ??= setImmediate(this.flush);
  }

  /** Writes every queued settle call now (into the connection's outbound buffer). Never throws. */
  readonly flush = (): void => {
    if (this.#immediate !== undefined) {
      clearImmediate(this.#immediate);
      this.#immediate = undefined;
    }
    const msgs = this.#msgs;
    const ops = this.#ops;
    const delays = this.#delays;
    if (msgs.length === 0) return;
    this.#msgs = [];
    this.#ops = [];
    this.#delays = [];
    for (let i = 0; i < msgs.length; i++) {
      const m = msgs[i] as JsMsg;
      try {
        switch (ops[i]) {
          case ACK:
            m.ack();
            break;
          case NAK:
            m.nak(delays[i] || undefined);
            break;
          case TERM:
            m.term();
            break;
          default:
            m.working();
        }
      } catch {
        // The connection is gone: the server redelivers after the ack deadline; nothing to do here.
      }
    }
  };
}
