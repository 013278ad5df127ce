// Two deployments on one NATS server (127.0.0.1:4222), each with its own prefix: the same logical
// streams (UNS, EVENTS), the same durable names and the same message ids, and neither ever sees the
// other's messages. The server holds `<prefix>_UNS` etc.; the streams are deleted afterwards.

import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBusError } from '../src/errors.ts';
import { connectNatsBus } from '../src/nats/nats-bus.ts';
import { waitFor } from './test-support/wait.ts';
import type { Bus, BusMessage, ConsumerHandle } from '../src/types.ts';

const NATS_URL = '127.0.0.1:4222';
const silent = { warn: () => {}, error: () => {} };
const STREAMS = ['UNS', 'EVENTS'];

describe('deployment prefix on a shared NATS server', () => {
  const run = randomBytes(4).toString('hex');
  const prefixes = [`dep_a_${run}`, `dep_b_${run}`] as const;
  const buses = new Map<string, Bus>();
  const got = new Map<string, { subject: string; body: string; msgId: string | undefined }[]>();
  const handles: ConsumerHandle[] = [];
  let raw: NatsConnection;

  beforeAll(async () => {
    raw = await connect({ servers: NATS_URL });
    for (const prefix of prefixes) {
      const bus = await connectNatsBus({ servers: NATS_URL, name: `bus-prefix-${prefix}`, logger: silent, prefix });
      buses.set(prefix, bus);
      got.set(prefix, []);
      await bus.ensureStream({ name: 'UNS', subjects: ['uns.v1.>'] });
      await bus.ensureStream({ name: 'EVENTS', subjects: ['evt.v1.>'] });
      const record = (m: BusMessage) => void got.get(prefix)?.push({ subject: m.subject, body: new TextDecoder().decode(m.data), msgId: m.msgId });
      for (const stream of STREAMS) handles.push(await bus.consume({ stream, durable: 'dataops-historian', handler: record }));
    }
  });

  afterAll(async () => {
    await Promise.all(handles.map((h) => h.stop()));
    for (const bus of buses.values()) {
      for (const s of [...STREAMS, ...STREAMS.map((s) => `${s}_DLQ`)]) await bus.deleteStream(s).catch(() => false);
      await bus.drain();
    }
    await raw.close();
  });

  it('keeps streams, consumers and messages of the two deployments apart', async () => {
    for (const prefix of prefixes) {
      const bus = buses.get(prefix) as Bus;
      // Same subjects and the same msgIds in both deployments: neither de-duplicates the other's.
      await bus.publish('uns.v1.acme.p1.a.l.pump1', { from: prefix, n: 1 }, { msgId: 'batch-1' });
      await bus.publish('evt.v1.simulator.FaultLabelled', { from: prefix, n: 2 }, { msgId: 'event-1' });
    }
    await waitFor(() => prefixes.every((p) => (got.get(p) ?? []).length >= 2), 'each deployment to receive its two messages');
    // Nothing else arrives later (a third message for either would be the other's).
    for (const prefix of prefixes) await buses.get(prefix)?.publish('uns.v1.acme.p1.a.l.pump1', { from: prefix, n: 3 }, { msgId: 'batch-3' });
    await waitFor(() => prefixes.every((p) => (got.get(p) ?? []).length >= 3), 'the marker messages');

    for (const prefix of prefixes) {
      const mine = got.get(prefix) ?? [];
      expect(mine).toHaveLength(3);
      for (const m of mine) expect(JSON.parse(m.body)).toMatchObject({ from: prefix });
      // Consumers see logical subjects.
      expect(mine.map((m) => m.subject).sort()).toEqual(['evt.v1.simulator.FaultLabelled', 'uns.v1.acme.p1.a.l.pump1', 'uns.v1.acme.p1.a.l.pump1']);
    }

    // On the server: prefixed stream names capturing prefixed subjects, the durables inside them.
    const jsm = await jetstreamManager(raw);
    for (const prefix of prefixes) {
      const info = await jsm.streams.info(`${prefix}_UNS`);
      expect(info.config.subjects).toEqual([`${prefix}.uns.v1.>`]);
      expect(info.state.messages).toBe(2);
      expect((await jsm.consumers.info(`${prefix}_UNS`, 'dataops-historian')).config.durable_name).toBe('dataops-historian');
    }
  });

  it('refuses a prefix that is not a subject token', async () => {
    let error: unknown;
    try {
      await connectNatsBus({ servers: NATS_URL, prefix: 'a.b', logger: silent });
    } catch (e) {
      error = e;
    }
    expect(isBusError(error, 'BUS_INVALID_ARGUMENT')).toBe(true);
  });
});
