// NATS consumers of dataops: UNS sample batches (durable, work shared by `concurrency`
// consumers, invalid payloads dead-lettered at once) and the integration events it reacts to
// (FaultLabelled → labels, TagMapped → catalog). Handlers return → ack; throw → redelivery.
import type { Bus, BusLogger, ConsumerHandle } from '@industrial/bus';
import { UnsSampleBatchSchema, parseIntegrationEvent, type IntegrationEvent, type UnsSampleBatch } from '@industrial/contracts';

export interface UnsConsumerOptions {
  stream: string;
  durable: string;
  filterSubject: string;
  concurrency: number;
  prefetch?: number;
  maxDeliver?: number;
  backoffMs?: readonly number[];
}

export async function startUnsConsumers(bus: Bus, options: UnsConsumerOptions, handle: (batch: UnsSampleBatch) => Promise<void>): Promise<ConsumerHandle[]> {
  const handles: ConsumerHandle[] = [];
  for (let i = 0; i < options.concurrency; i++) {
    handles.push(
      await bus.consume({
        stream: options.stream,
        durable: options.durable,
        filterSubject: options.filterSubject,
        prefetch: options.prefetch ?? 64,
        maxDeliver: options.maxDeliver ?? 5,
        backoffMs: options.backoffMs ?? [500, 2_000, 10_000],
        validate: (data) => {
          const r = UnsSampleBatchSchema.safeParse(data);
          return r.success ? { ok: true } : { ok: false, error: `not a UnsSampleBatch: ${r.error.issues[0]?.path.join('.') ?? ''} ${r.error.issues[0]?.message ?? ''}` };
        },
        // `validate` already checked the payload against the schema: no second parse per message.
        handler: async (msg) => handle(msg.json() as UnsSampleBatch),
      }),
    );
  }
  return handles;
}

export interface EventConsumerOptions {
  stream: string;
  durable: string;
  filterSubject: string;
}

/** Integration events: validated and upcast by the contracts; unknown types are acked and ignored. */
export async function startEventConsumer(bus: Bus, options: EventConsumerOptions, handle: (event: IntegrationEvent) => Promise<void>, logger: BusLogger): Promise<ConsumerHandle> {
  return bus.consume({
    stream: options.stream,
    durable: options.durable,
    filterSubject: options.filterSubject,
    maxDeliver: 5,
    backoffMs: [500, 2_000, 10_000],
    validate: (data) => {
      try {
        parseIntegrationEvent(data);
        return { ok: true };
      } catch (e) {
        return { ok: false, error: e instanceof Error ? e.message : String(e) };
      }
    },
    handler: async (msg) => {
      const event = parseIntegrationEvent(msg.json());
      try {
        await handle(event);
      } catch (e) {
        logger.warn({ err: e, eventId: event.id, type: event.type }, 'dataops could not handle an integration event; it will be retried');
        throw e;
      }
    },
  });
}
