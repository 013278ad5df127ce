// In-process adapter (standalone mode): the Bus over an InProcBroker. Several buses may share one
// broker, like several processes sharing one NATS server; closing a bus abruptly behaves like a
// process dying (its unacknowledged message is redelivered to the others after the ack deadline).

import { encodePayload } from '../codec.ts';
import { ackDeadlineMs, DeliveryProcessor, resolveConsumeOptions, serverMaxDeliver, type Delivery } from '../consumer-core.ts';
import { BusError, BusErrorCode } from '../errors.ts';
import { deadLetterStream, Header, JSON_CONTENT_TYPE } from '../headers.ts';
import { consoleLogger } from '../streams.ts';
import { tracePublish } from '../tracing.ts';
import type { Bus, BusLogger, ConsumeOptions, ConsumerHandle, PublishOptions, PublishResult, StreamSpec } from '../types.ts';
import { InProcBroker, type StoredMessage } from './broker.ts';

export interface InProcBusOptions {
  /** Share a broker between buses; without one the bus owns a private broker and closes it. */
  readonly broker?: InProcBroker;
  readonly logger?: BusLogger;
  /** Checks every delivery on `evt.>` of a consume() without its own `verify` (e.g. `eventVerifier(key)`). */
  readonly verifyEvents?: ConsumeOptions['verify'];
}

export function createInProcBus(options: InProcBusOptions = {}): Bus {
  return new InProcBus(options.broker ?? new InProcBroker(), options.broker === undefined, options.logger ?? consoleLogger, options.verifyEvents);
}

interface RunningConsumer {
  readonly handle: ConsumerHandle;
  abort(): void;
}

class InProcBus implements Bus {
  readonly #broker: InProcBroker;
  readonly #owns: boolean;
  readonly #logger: BusLogger;
  readonly #running = new Set<RunningConsumer>();
  readonly #verifyEvents: ConsumeOptions['verify'];
  #closed = false;

  constructor(broker: InProcBroker, owns: boolean, logger: BusLogger, verifyEvents: ConsumeOptions['verify']) {
    this.#broker = broker;
    this.#owns = owns;
    this.#logger = logger;
    this.#verifyEvents = verifyEvents;
  }

  #assertOpen(): void {
    if (this.#closed) throw new BusError(BusErrorCode.Closed, 'bus is closed');
  }

  async ensureStream(spec: StreamSpec): Promise<void> {
    this.#assertOpen();
    this.#broker.ensureStream(spec);
  }

  async deleteStream(name: string): Promise<boolean> {
    this.#assertOpen();
    return this.#broker.deleteStream(name);
  }

  async publish(subject: string, payload: Uint8Array | object, options: PublishOptions = {}): Promise<PublishResult> {
    this.#assertOpen();
    const { data, json } = encodePayload(payload);
    const h: Record<string, string> = { ...options.headers };
    if (json && h[Header.ContentType] === undefined) h[Header.ContentType] = JSON_CONTENT_TYPE;
    return tracePublish('inproc', subject, options.msgId, h, this.#logger, async () => this.#broker.publish(subject, data, h, options.msgId));
  }

  async consume(options: ConsumeOptions): Promise<ConsumerHandle> {
    this.#assertOpen();
    const c = resolveConsumeOptions(options);
    const { stream, durable } = c;
    this.#broker.ensureStream({ name: deadLetterStream(stream), subjects: [`dlq.${stream}.>`] });
    this.#broker.ensureDurable(stream, durable, {
      filterSubject: c.filterSubject,
      maxDeliver: serverMaxDeliver(c),
      ackDeadlineMs: (n) => ackDeadlineMs(c, n),
    });
    const processor = new DeliveryProcessor(c, {
      system: 'inproc',
      publish: (s, p, o) => this.publish(s, p, o),
      logger: this.#logger,
      ...(this.#verifyEvents === undefined ? {} : { verifyEvents: this.#verifyEvents }),
    });
    let dead = false; // abrupt close: settle calls are lost, as with a dead connection
    let inflight: Promise<void> | undefined;
    const b = this.#broker;
    const toDelivery = (m: StoredMessage, deliveryCount: number): Delivery => ({
      subject: m.subject,
      data: m.data,
      headers: m.headers,
      msgId: m.msgId,
      seq: m.seq,
      deliveryCount,
      ack: () => void (dead || b.ack(stream, durable, m.seq)),
      nak: (ms) => void (dead || b.nak(stream, durable, m.seq, ms)),
      term: () => void (dead || b.ack(stream, durable, m.seq)),
      inProgress: () => void (dead || b.inProgress(stream, durable, m.seq)),
    });
    const sub = this.#broker.subscribe(stream, durable, {
      deliver: (m, n) => {
        inflight = Promise.resolve(processor.process(toDelivery(m, n))).finally(() => {
          inflight = undefined;
          if (!dead) sub.idle();
        });
      },
    });
    let stopped: Promise<void> | undefined;
    const running: RunningConsumer = {
      handle: {
        stop: () =>
          (stopped ??= (async () => {
            sub.detach();
            await inflight;
            processor.dispose();
            this.#running.delete(running);
          })()),
      },
      abort: () => {
        dead = true;
        sub.detach();
        processor.dispose();
      },
    };
    this.#running.add(running);
    return running.handle;
  }

  async drain(): Promise<void> {
    if (this.#closed) return;
    await Promise.all([...this.#running].map((r) => r.handle.stop()));
    this.#closed = true;
    if (this.#owns) this.#broker.close();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const r of this.#running) r.abort();
    this.#running.clear();
    if (this.#owns) this.#broker.close();
  }
}
