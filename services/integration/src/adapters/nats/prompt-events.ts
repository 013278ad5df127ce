// inference's integration events from the bus (stream EVENTS, durable `integration-actions`,
// signature verified by the bus before anything is handled; ADR 0010). Unknown types are acked.
import { parseIntegrationEvent, type IntegrationEvent } from '@industrial/contracts';
import type { Bus, BusLogger, ConsumerHandle } from '@industrial/bus';

export const PROMPT_EVENTS = { stream: 'EVENTS', durable: 'integration-actions', filterSubject: 'evt.v1.inference.>' } as const;

export function consumePromptEvents(
  bus: Bus,
  handle: (event: IntegrationEvent) => Promise<void>,
  logger: BusLogger,
  durable: string = PROMPT_EVENTS.durable,
): Promise<ConsumerHandle> {
  return bus.consume({
    stream: PROMPT_EVENTS.stream,
    durable,
    filterSubject: PROMPT_EVENTS.filterSubject,
    maxDeliver: 10,
    backoffMs: [1_000, 5_000, 30_000],
    // A handler may wait out a connector's backoff; the bus keeps the message in progress meanwhile.
    ackWaitMs: 60_000,
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
        logger.warn({ err: e, eventId: event.id, type: event.type }, 'integration could not handle a prompt event; it will be retried');
        throw e;
      }
    },
  });
}
