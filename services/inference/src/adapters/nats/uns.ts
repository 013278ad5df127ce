// UNS intake: the durable consumer of the `UNS` stream (one durable per replica: every replica
// sees every asset's batches and keeps the ones it owns), and the window rebuild for an asset a
// replica takes over: an ordered JetStream consumer on that asset's subject from a start time.
import type { Bus, ConsumerHandle } from '@industrial/bus';
import { parseUnsSampleBatch, UNS_STREAM as UNS, type UnsSampleBatch } from '@industrial/contracts';
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

/** The UNS stream's logical name, declared once in the contracts. */
export const UNS_STREAM = UNS.name;

export async function consumeUns(
  bus: Bus,
  options: { durable: string; subject?: string; handle: (batch: UnsSampleBatch) => Promise<void>; onInvalid?: (error: unknown) => void },
): Promise<ConsumerHandle> {
  await bus.ensureStream({ name: UNS.name, subjects: [...UNS.subjects] });
  return bus.consume({
    stream: UNS_STREAM,
    durable: options.durable,
    filterSubject: options.subject ?? UNS.subjects[0],
    prefetch: 512,
    maxDeliver: 3,
    backoffMs: [200, 1_000],
    validate: (data) => {
      try {
        // Parsed and validated once: the handler gets this value as `msg.validated`.
        return { ok: true, value: parseUnsSampleBatch(data) };
      } catch (error) {
        options.onInvalid?.(error);
        return { ok: false, error: error instanceof Error ? error.message : String(error) };
      }
    },
    handler: async (msg) => {
      await options.handle(msg.validated as UnsSampleBatch);
    },
  });
}

/** Replays an asset's UNS batches stored since `startMs` (JetStream deliver by start time). */
export interface UnsReplaySource {
  replay(assetSubject: string, startMs: number, onBatch: (batch: UnsSampleBatch) => void): Promise<number>;
}

/** `prefix`: the deployment's NATS prefix (the bus's `prefix`): stream `<prefix>_UNS`, subjects `<prefix>.uns.…`. */
export function natsUnsReplay(nc: NatsConnection, logicalStream = UNS_STREAM, prefix?: string): UnsReplaySource {
  const stream = prefix === undefined ? logicalStream : `${prefix}_${logicalStream}`;
  return {
    async replay(assetSubject, startMs, onBatch) {
      const js = jetstream(nc);
      const jsm = await js.jetstreamManager();
      const info = await jsm.streams.info(stream).catch(() => null);
      if (info === null) return 0;
      const consumer = await js.consumers.get(stream, {
        // One subject as a string: `filter_subject`, which servers before 2.10 accept too (an array needs 2.10).
        filter_subjects: prefix === undefined ? assetSubject : `${prefix}.${assetSubject}`,
        deliver_policy: DeliverPolicy.StartTime,
        opt_start_time: new Date(startMs).toISOString(),
      });
      // Everything stored up to now, then stop: pending reaches 0.
      let n = 0;
      const pending = (await consumer.info()).num_pending;
      if (pending === 0) {
        await consumer.delete().catch(() => undefined);
        return 0;
      }
      const messages = await consumer.consume();
      for await (const m of messages) {
        try {
          onBatch(parseUnsSampleBatch(m.json()));
        } catch {
          // a malformed batch is skipped here as the live consumer would dead-letter it
        }
        n++;
        if (m.info.pending === 0) break;
      }
      await messages.close();
      return n;
    },
  };
}
