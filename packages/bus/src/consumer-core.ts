// What happens to one delivered message, shared by both adapters so they behave alike:
// validate → handler → ack; handler failure → nak with the backoff delay of that attempt;
// last attempt failed, schema invalid, or delivered past maxDeliver → dead-letter, then term.
// The adapters only translate their transport into a `Delivery`.

import { isJson, parseJson } from './codec.ts';
import { BusError, BusErrorCode } from './errors.ts';
import { DeadLetterKind, deadLetterSubject, Header, headerValue } from './headers.ts';
import { traceProcess } from './tracing.ts';
import type { Bus, BusHeaders, BusLogger, BusMessage, ConsumeOptions, Validation } from './types.ts';

export const DEFAULT_MAX_DELIVER = 5;
export const DEFAULT_BACKOFF_MS: readonly number[] = [1_000, 5_000, 30_000];
export const DEFAULT_ACK_WAIT_MS = 30_000;
export const DEFAULT_PREFETCH = 256;

export interface ResolvedConsume {
  readonly stream: string;
  readonly durable: string;
  readonly filterSubject: string | undefined;
  readonly maxDeliver: number;
  readonly backoffMs: readonly number[];
  readonly ackWaitMs: number;
  readonly prefetch: number;
  readonly validate: ((data: unknown) => Validation) | undefined;
  readonly verify: ConsumeOptions['verify'];
  readonly handler: ConsumeOptions['handler'];
}

const NAME = /^[A-Za-z0-9_-]+$/;

export function resolveConsumeOptions(o: ConsumeOptions): ResolvedConsume {
  const bad = (what: string): never => {
    throw new BusError(BusErrorCode.InvalidArgument, `consume ${o.stream}/${o.durable}: ${what}`);
  };
  if (!NAME.test(o.stream)) bad('stream name must match [A-Za-z0-9_-]+');
  if (!NAME.test(o.durable)) bad('durable name must match [A-Za-z0-9_-]+');
  const maxDeliver = o.maxDeliver ?? DEFAULT_MAX_DELIVER;
  if (!Number.isInteger(maxDeliver) || maxDeliver < 1) bad('maxDeliver must be an integer ≥ 1');
  const ackWaitMs = o.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
  if (!(ackWaitMs >= 1)) bad('ackWaitMs must be ≥ 1');
  const backoff = o.backoffMs ?? DEFAULT_BACKOFF_MS;
  if (backoff.some((b) => !(b >= 0))) bad('backoffMs values must be ≥ 0');
  const prefetch = o.prefetch ?? DEFAULT_PREFETCH;
  if (!Number.isInteger(prefetch) || prefetch < 1) bad('prefetch must be an integer ≥ 1');
  return {
    stream: o.stream,
    durable: o.durable,
    filterSubject: o.filterSubject,
    maxDeliver,
    // Only the delays before retries 2..maxDeliver are ever used (and JetStream wants len < max_deliver).
    backoffMs: backoff.slice(0, maxDeliver),
    ackWaitMs,
    prefetch,
    validate: o.validate,
    verify: o.verify,
    handler: o.handler,
  };
}

/** Delay before the retry that follows failed attempt `attempt` (1-based). */
export const retryDelayMs = (backoffMs: readonly number[], attempt: number): number =>
  backoffMs.length === 0 ? 0 : (backoffMs[Math.min(attempt, backoffMs.length) - 1] ?? 0);

/**
 * Ack deadline of attempt `attempt`: the handler's ack wait plus the retry delay, so a consumer that
 * dies is retried on the same schedule as one that fails. (JetStream `backoff` replaces `ack_wait`.)
 */
export const ackDeadlineMs = (c: ResolvedConsume, attempt: number): number => c.ackWaitMs + retryDelayMs(c.backoffMs, attempt);

/**
 * Deliveries the server allows: one more than `maxDeliver`, so a message whose last attempt was
 * never acknowledged (consumer died) comes back once more and is dead-lettered instead of stuck.
 */
export const serverMaxDeliver = (c: ResolvedConsume): number => c.maxDeliver + 1;

/** A delivered message as an adapter hands it over. The settle calls never throw. */
export interface Delivery {
  readonly subject: string;
  readonly data: Uint8Array;
  /** Without the transport's `Nats-*` headers. */
  readonly headers: BusHeaders;
  readonly msgId: string | undefined;
  readonly seq: number;
  readonly deliveryCount: number;
  ack(): void;
  nak(delayMs: number): void;
  term(): void;
  /** Extends the ack deadline of a message still being handled. */
  inProgress(): void;
}

export interface ProcessorDeps {
  /** `messaging.system` on spans. */
  readonly system: string;
  readonly publish: Bus['publish'];
  readonly logger: BusLogger;
  /** Bus-wide check of integration events: applies to every delivery on `evt.>` of a consume() without its own `verify`. */
  readonly verifyEvents?: ConsumeOptions['verify'];
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

class Settled extends Error {
  override readonly name = 'HandlerFailed';
}

/** The handler's view of a delivery: plain fields, `json()` on the prototype (no closure per message). */
class ConsumedMessage implements BusMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: BusHeaders;
  readonly msgId: string | undefined;
  readonly seq: number;
  readonly deliveryCount: number;
  readonly redelivered: boolean;
  readonly validated: unknown;
  #parsed: { v: unknown } | undefined;

  constructor(d: Delivery, parsed?: { v: unknown }, validated?: unknown) {
    this.subject = d.subject;
    this.data = d.data;
    this.headers = d.headers;
    this.msgId = d.msgId;
    this.seq = d.seq;
    this.deliveryCount = d.deliveryCount;
    this.redelivered = d.deliveryCount > 1;
    this.#parsed = parsed;
    this.validated = validated;
  }

  json(): unknown {
    return (this.#parsed ??= { v: parseJson(this.data) }).v;
  }
}

export class DeliveryProcessor {
  readonly #c: ResolvedConsume;
  readonly #deps: ProcessorDeps;
  /** The delivery whose handler is running, and the one that was running at the previous tick. */
  #current: Delivery | undefined;
  #seenAtLastTick: Delivery | undefined;
  readonly #keepAlive: NodeJS.Timeout;

  constructor(c: ResolvedConsume, deps: ProcessorDeps) {
    this.#c = c;
    this.#deps = deps;
    // One timer per consumer (not per message, no clock read per message): a handler still
    // running at two consecutive ticks has run for at least a third of the ack wait and is
    // reported in progress, so a slow handler is not redelivered to someone else meanwhile.
    const every = Math.max(Math.floor(c.ackWaitMs / 3), 20);
    this.#keepAlive = setInterval(() => {
      const cur = this.#current;
      if (cur !== undefined && cur === this.#seenAtLastTick) cur.inProgress();
      this.#seenAtLastTick = cur;
    }, every);
    this.#keepAlive.unref();
  }

  dispose(): void {
    clearInterval(this.#keepAlive);
    this.#current = undefined;
    this.#seenAtLastTick = undefined;
  }

  /** Settles the message; returns a promise only when something asynchronous had to happen. */
  process(d: Delivery): void | Promise<void> {
    let r: void | Promise<void>;
    try {
      r = traceProcess({ system: this.#deps.system, subject: d.subject, msgId: d.msgId, durable: this.#c.durable, headers: d.headers }, this.#deps.logger, () =>
        this.#handle(d),
      );
    } catch {
      return; // already settled (nak or dead-letter) inside #handle; rethrown only to mark the span
    }
    if (r !== undefined) return r.catch(() => undefined);
  }

  #handle(d: Delivery): void | Promise<void> {
    const c = this.#c;
    if (d.deliveryCount > c.maxDeliver) {
      const reason = `not acknowledged within the ack wait after ${c.maxDeliver} deliveries`;
      return this.#deadLetter(d, DeadLetterKind.AckTimeout, reason, c.maxDeliver).then(() => {
        throw new Settled(reason);
      });
    }
    const verify = c.verify ?? (d.subject.startsWith('evt.') ? this.#deps.verifyEvents : undefined);
    if (verify !== undefined) {
      let verdict: Validation;
      try {
        verdict = verify(d);
      } catch (err) {
        verdict = { ok: false, error: `signature could not be checked: ${messageOf(err)}` };
      }
      if (!verdict.ok) {
        const reason = verdict.error;
        this.#deps.logger.warn({ stream: c.stream, durable: c.durable, seq: d.seq, subject: d.subject, reason }, 'bus: unverified message dead-lettered');
        return this.#deadLetter(d, DeadLetterKind.Unverified, reason, d.deliveryCount).then(() => {
          throw new Settled(`unverified message: ${reason}`);
        });
      }
    }
    let parsed: { v: unknown } | undefined;
    let validated: unknown;
    if (c.validate !== undefined) {
      let verdict: Validation;
      try {
        const json = isJson(d.headers);
        const data = json ? parseJson(d.data) : d.data;
        if (json) parsed = { v: data };
        verdict = c.validate(data);
      } catch (err) {
        verdict = { ok: false, error: `payload could not be validated: ${messageOf(err)}` };
      }
      if (!verdict.ok) {
        const reason = verdict.error;
        return this.#deadLetter(d, DeadLetterKind.Invalid, reason, d.deliveryCount).then(() => {
          throw new Settled(`invalid message: ${reason}`);
        });
      }
      validated = verdict.value;
    }
    this.#current = d;
    let result: void | Promise<void>;
    try {
      result = c.handler(new ConsumedMessage(d, parsed, validated));
    } catch (err) {
      return this.#failed(d, err);
    }
    if (result === undefined || typeof result.then !== 'function') {
      this.#current = undefined;
      d.ack();
      return;
    }
    return result.then(
      () => {
        this.#current = undefined;
        d.ack();
      },
      (err: unknown) => this.#failed(d, err),
    );
  }

  async #failed(d: Delivery, err: unknown): Promise<never> {
    this.#current = undefined;
    if (d.deliveryCount >= this.#c.maxDeliver) {
      await this.#deadLetter(d, DeadLetterKind.MaxDeliver, messageOf(err), d.deliveryCount);
    } else {
      d.nak(retryDelayMs(this.#c.backoffMs, d.deliveryCount));
    }
    throw err;
  }

  async #deadLetter(d: Delivery, kind: DeadLetterKind, reason: string, attempts: number): Promise<void> {
    const { stream, durable } = this.#c;
    try {
      await publishDeadLetter(this.#deps.publish, stream, durable, d, kind, reason, attempts);
    } catch (err) {
      this.#deps.logger.error({ err, stream, durable, seq: d.seq, kind, reason }, 'bus: dead-lettering failed; the message will be retried');
      d.nak(retryDelayMs(this.#c.backoffMs, d.deliveryCount));
      return;
    }
    d.term();
  }
}

/** What a dead letter is made of: the original message as stored in its stream. */
export interface DeadLetterSource {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: BusHeaders;
  readonly msgId: string | undefined;
  readonly seq: number;
}

/**
 * Publishes `m` (of `stream`, consumed by `durable`) to `dlq.<stream>.<durable>` with the Bus-Dlq-*
 * headers. Its msgId `dlq:<stream>:<durable>:<seq>` makes dead-lettering idempotent when two
 * consumers (or a consumer and the MAX_DELIVERIES safety net) race on the same message.
 */
export async function publishDeadLetter(
  publish: Bus['publish'],
  stream: string,
  durable: string,
  m: DeadLetterSource,
  kind: DeadLetterKind,
  reason: string,
  attempts: number,
): Promise<void> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers)) if (!k.startsWith('Nats-')) headers[k] = v;
  headers[Header.DlqKind] = kind;
  headers[Header.DlqReason] = headerValue(reason) || '(no message)';
  headers[Header.DlqAttempts] = String(attempts);
  headers[Header.DlqStream] = stream;
  headers[Header.DlqDurable] = durable;
  headers[Header.DlqSubject] = m.subject;
  headers[Header.DlqSeq] = String(m.seq);
  if (m.msgId !== undefined) headers[Header.DlqMsgId] = headerValue(m.msgId);
  await publish(deadLetterSubject(stream, durable), m.data, { msgId: `dlq:${stream}:${durable}:${m.seq}`, headers });
}
