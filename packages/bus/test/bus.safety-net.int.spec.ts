// The MAX_DELIVERIES safety net of the NATS adapter: when JetStream gives up on a message (its
// last allowed delivery was never settled), a running consumer of the durable dead-letters it from
// the stream. The advisory is injected here with the exact shape nats-server 2.9 publishes
// ({"type":"io.nats.jetstream.advisory.v1.max_deliver","stream","consumer","stream_seq",
// "deliveries"}), for a message the durable's filter never delivers, so the test does not depend
// on killing consumers at the right moment.

import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadLetterKind, deadLetterStream, Header } from '../src/headers.ts';
import { connectNatsBus, maxDeliveriesAdvisorySubject } from '../src/nats/nats-bus.ts';
import { waitFor } from './test-support/wait.ts';
import type { Bus, BusMessage, ConsumerHandle } from '../src/types.ts';

const NATS_URL = '127.0.0.1:4222';
const silent = { warn: () => {}, error: () => {} };

describe('Bus on NATS JetStream: MAX_DELIVERIES advisory safety net', () => {
  const run = randomBytes(4).toString('hex');
  const stream = `SN_${run}`;
  const prefix = `sn.${run}`;
  let bus: Bus;
  let raw: NatsConnection;
  const handles: ConsumerHandle[] = [];

  beforeAll(async () => {
    bus = await connectNatsBus({ servers: NATS_URL, name: 'bus-safety-net', logger: silent });
    raw = await connect({ servers: NATS_URL });
    await bus.ensureStream({ name: stream, subjects: [`${prefix}.>`] });
  });

  afterAll(async () => {
    await Promise.all(handles.map((h) => h.stop()));
    await bus.deleteStream(stream).catch(() => false);
    await bus.deleteStream(deadLetterStream(stream)).catch(() => false);
    await bus.close();
    await raw.close();
  });

  const advise = (seq: number, deliveries: number): void =>
    raw.publish(
      maxDeliveriesAdvisorySubject(stream, 'worker'),
      JSON.stringify({
        type: 'io.nats.jetstream.advisory.v1.max_deliver',
        id: randomBytes(8).toString('hex'),
        timestamp: new Date().toISOString(),
        stream,
        consumer: 'worker',
        stream_seq: seq,
        deliveries,
      }),
    );

  it('dead-letters the exhausted message once, with its payload, headers and the advisory count', async () => {
    handles.push(await bus.consume({ stream, durable: 'worker', filterSubject: `${prefix}.work`, maxDeliver: 5, handler: () => {} }));
    const dead: BusMessage[] = [];
    handles.push(await bus.consume({ stream: deadLetterStream(stream), durable: 'inspect', handler: (m) => void dead.push(m) }));

    const orphan = await bus.publish(`${prefix}.other`, { id: 'orphan' }, { msgId: 'orphan-1', headers: { 'x-trace': 't' } });
    const sentinel = await bus.publish(`${prefix}.other`, { id: 'sentinel' });
    await raw.flush();

    advise(orphan.seq, 6);
    await waitFor(() => dead.length === 1, 'the dead letter');
    const d = dead[0];
    expect(d?.subject).toBe(`dlq.${stream}.worker`);
    expect(d?.json()).toEqual({ id: 'orphan' });
    expect(d?.headers).toMatchObject({
      [Header.DlqKind]: DeadLetterKind.AckTimeout,
      [Header.DlqAttempts]: '6',
      [Header.DlqStream]: stream,
      [Header.DlqDurable]: 'worker',
      [Header.DlqSubject]: `${prefix}.other`,
      [Header.DlqSeq]: String(orphan.seq),
      [Header.DlqMsgId]: 'orphan-1',
      [Header.ContentType]: 'application/json',
      'x-trace': 't',
    });
    expect(d?.headers[Header.DlqReason]).toContain('MAX_DELIVERIES');

    // A repeated advisory (or a consumer that dead-lettered it too) is de-duplicated by the DLQ msgId.
    advise(orphan.seq, 6);
    advise(sentinel.seq, 6);
    await waitFor(() => dead.some((m) => (m.json() as { id: string }).id === 'sentinel'), 'the sentinel dead letter');
    await new Promise((r) => setTimeout(r, 300));
    expect(dead.filter((m) => m.headers[Header.DlqSeq] === String(orphan.seq))).toHaveLength(1);
  });
});
