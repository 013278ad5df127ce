// How the bus recovers from what a lost NATS node left behind (issue 19, ADR 0019), on the real NATS.
// A consumer whose pull request is gone from the server pulls again by itself (after a NATS
// node died, a durable's new leader had messages pending and no pull request waiting). Here the pull
// is lost by deleting the durable under a running consumer and adding it back: nats.js stalls on the
// "consumer deleted" status until two idle heartbeats are missed (pullExpiresMs 120 s: a minute or
// more); the bus's stall check sees messages pending and nothing received and pulls again, so the
// messages published afterwards arrive well within the bound (which the heartbeats alone cannot meet).
// A publisher whose every publish is answered "no responders" for noRespondersReconnectMs moves its
// connection to another server (here the only one: the reconnect itself is what is checked).
import { randomUUID } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstreamManager, type ConsumerConfig } from '@nats-io/jetstream';
import { afterAll, describe, expect, it } from 'vitest';
import { connectNatsBus } from '../src/nats/nats-bus.ts';
import { waitFor } from './test-support/wait.ts';
import type { Bus, ConsumerHandle } from '../src/types.ts';

const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

describe('bus recovery after a lost NATS node', () => {
  const run = randomUUID().replaceAll('-', '').slice(0, 10);
  const stream = `REPULL_${run}`;
  const subject = `repull${run}.reading`;
  let bus: Bus | undefined;
  let admin: NatsConnection | undefined;
  let handle: ConsumerHandle | undefined;

  afterAll(async () => {
    await handle?.stop();
    await bus?.deleteStream(stream).catch(() => false);
    await bus?.close();
    await admin?.close();
  });

  it('pulls again when messages wait and it has received nothing for stallMs', async () => {
    const warnings: string[] = [];
    const logger = { warn: (_: object, msg: string) => warnings.push(msg), error: (_: object, msg: string) => warnings.push(msg) };
    bus = await connectNatsBus({ servers: NATS_URL, name: 'bus-repull', logger, stallMs: 1_000, pullExpiresMs: 120_000 });
    await bus.ensureStream({ name: stream, subjects: [`repull${run}.>`] });
    const got: number[] = [];
    handle = await bus.consume({
      stream,
      durable: 'historian',
      handler: async (m) => {
        got.push((m.json() as { n: number }).n);
      },
    });
    await bus.publish(subject, { n: 0 }, { msgId: `${run}-0` });
    await waitFor(() => got.includes(0), 'the first message');

    // The durable disappears under the running consumer (its pull request with it) and comes back.
    admin = await connect({ servers: NATS_URL });
    const jsm = await jetstreamManager(admin);
    const config = (await jsm.consumers.info(stream, 'historian')).config;
    await jsm.consumers.delete(stream, 'historian');
    const { name: _name, ...rest } = config;
    const again: Partial<ConsumerConfig> = { ...rest, durable_name: 'historian', ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.New };
    await jsm.consumers.add(stream, again);

    for (let n = 1; n <= 5; n++) await bus.publish(subject, { n }, { msgId: `${run}-${n}` });
    await waitFor(() => [1, 2, 3, 4, 5].every((n) => got.includes(n)), 'the messages published after the pull was lost', { timeoutMs: 20_000 });
    expect(warnings).toContain('bus: consumer received nothing while messages wait; pulling again');
  }, 60_000);

  it('reconnects when every publish has been answered "no responders" for noRespondersReconnectMs', async () => {
    const warnings: string[] = [];
    const logger = { warn: (_: object, msg: string) => warnings.push(msg), error: (_: object, msg: string) => warnings.push(msg) };
    const b = await connectNatsBus({ servers: NATS_URL, name: 'bus-no-responders', logger, noRespondersReconnectMs: 500 });
    try {
      // No stream captures this subject: every publish is answered 503.
      const refused: string[] = [];
      await waitFor(
        () => {
          void b.publish(`norecv${run}.x`, { n: 1 }).catch((err: unknown) => refused.push(String(err)));
          return warnings.includes('bus: NATS reconnected');
        },
        'a forced reconnect',
        { timeoutMs: 20_000, intervalMs: 100 },
      );
      expect(refused.some((e) => e.includes('no stream captures subject'))).toBe(true);
      expect(warnings).toContain('bus: every publish answered "no responders"; reconnecting to another NATS server');
    } finally {
      await b.close();
    }
  }, 60_000);
});
