// Bus throughput on the real NATS JetStream: N small messages published with a bounded window of
// in-flight publishes, then consumed with one ack each through a durable pull consumer.
// Run: npx tsx packages/bus/bench/bus.bench.ts  (last line of output is JSON)

import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { connectNatsBus } from '../src/index.ts';

export interface BusBenchOptions {
  readonly servers?: string;
  readonly messages?: number;
  /** Publishes awaiting their PubAck at any time. */
  readonly publishWindow?: number;
  /** Pull batch size of the consumer. */
  readonly prefetch?: number;
}

export interface BusBenchResult {
  readonly publish_msgs_per_s: number;
  readonly consume_msgs_per_s: number;
}

export async function benchBus(options: BusBenchOptions = {}): Promise<BusBenchResult> {
  const n = options.messages ?? 200_000;
  const window = options.publishWindow ?? 4_096;
  const bus = await connectNatsBus({ servers: options.servers ?? '127.0.0.1:4222', name: 'bus-bench' });
  const run = randomBytes(4).toString('hex');
  const stream = `BENCH_${run}`;
  const subject = `bench.${run}.reading`;
  const payload = new Uint8Array(32).fill(7);
  try {
    await bus.ensureStream({ name: stream, subjects: [`bench.${run}.>`] });

    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      let sent = 0;
      let acked = 0;
      let inflight = 0;
      const pump = (): void => {
        while (inflight < window && sent < n) {
          inflight++;
          sent++;
          bus.publish(subject, payload).then(() => {
            inflight--;
            if (++acked === n) resolve();
            else pump();
          }, reject);
        }
      };
      pump();
    });
    const publishSeconds = (performance.now() - t0) / 1000;

    let received = 0;
    let done: () => void = () => {};
    const allReceived = new Promise<void>((resolve) => (done = resolve));
    const t1 = performance.now();
    const handle = await bus.consume({
      stream,
      durable: 'bench',
      prefetch: options.prefetch ?? 4_096,
      ackWaitMs: 60_000,
      handler: () => {
        if (++received === n) done();
      },
    });
    await allReceived;
    const consumeSeconds = (performance.now() - t1) / 1000;
    await handle.stop();

    return {
      publish_msgs_per_s: Math.round(n / publishSeconds),
      consume_msgs_per_s: Math.round(n / consumeSeconds),
    };
  } finally {
    await bus.deleteStream(stream).catch(() => false);
    await bus.deleteStream(`${stream}_DLQ`).catch(() => false);
    await bus.drain();
  }
}

async function main(): Promise<void> {
  const result = await benchBus();
  console.log(JSON.stringify({ bench: 'bus', ...result }));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
