// Signed integration events on the real NATS server (127.0.0.1:4222): a consumer that verifies
// (`verifyEvents: eventVerifier(key)`) applies the event the relay signed, and dead-letters — with
// kind `unverified` and the reason — an event published without a signature, one altered in flight,
// one signed with another key and a genuine one replayed onto another subject. None of those reaches
// the handler. The streams live under a prefix of this run and are deleted afterwards.

import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { connect, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadLetterKind, Header } from '../src/headers.ts';
import { connectNatsBus } from '../src/nats/nats-bus.ts';
import { eventSigningKey, eventVerifier, signatureHeaders } from '../src/signing.ts';
import { waitFor } from './test-support/wait.ts';
import type { Bus, ConsumerHandle } from '../src/types.ts';

const NATS_URL = '127.0.0.1:4222';
const silent = { warn: () => {}, error: () => {} };
const encoder = new TextEncoder();

describe('signed integration events on NATS JetStream', () => {
  const prefix = `sig${randomBytes(4).toString('hex')}`;
  const key = eventSigningKey(generateKeyPairSync('ed25519').privateKey);
  const otherKey = eventSigningKey(generateKeyPairSync('ed25519').privateKey);
  let relayBus: Bus;
  let consumerBus: Bus;
  let attacker: NatsConnection;
  const handles: ConsumerHandle[] = [];
  const applied: string[] = [];
  const dead: { id: string; kind: string; reason: string }[] = [];

  beforeAll(async () => {
    relayBus = await connectNatsBus({ servers: NATS_URL, name: 'bus-signing-relay', logger: silent, prefix });
    consumerBus = await connectNatsBus({ servers: NATS_URL, name: 'bus-signing-consumer', logger: silent, prefix, verifyEvents: eventVerifier(key) });
    attacker = await connect({ servers: NATS_URL, name: 'bus-signing-attacker' });
    await relayBus.ensureStream({ name: 'EVENTS', subjects: ['evt.v1.>'] });
    handles.push(
      await consumerBus.consume({
        stream: 'EVENTS',
        durable: 'dataops-events',
        filterSubject: 'evt.v1.>',
        backoffMs: [50],
        handler: (m) => void applied.push((m.json() as { id: string }).id),
      }),
      await consumerBus.consume({
        stream: 'EVENTS_DLQ',
        durable: 'dlq-reader',
        handler: (m) =>
          void dead.push({ id: m.headers[Header.DlqMsgId] ?? '', kind: m.headers[Header.DlqKind] ?? '', reason: m.headers[Header.DlqReason] ?? '' }),
      }),
    );
  });

  afterAll(async () => {
    await Promise.all(handles.map((h) => h.stop()));
    for (const s of ['EVENTS', 'EVENTS_DLQ', 'EVENTS_DLQ_DLQ']) await relayBus.deleteStream(s).catch(() => false);
    await relayBus.drain();
    await consumerBus.drain();
    await attacker.close();
  });

  const label = (id: string, confidence: number) => ({ id, type: 'FaultLabelled', data: { assetPath: 'acme.p1.a.l.pump1', label: 'bearing', confidence } });
  const subject = 'evt.v1.simulator.FaultLabelled';

  /** Publishes raw bytes straight onto the server's subject, as anyone holding a connection could. */
  const inject = (subj: string, id: string, data: Uint8Array, extra: Record<string, string>) => {
    const h = natsHeaders();
    h.set('Content-Type', 'application/json');
    h.set('Nats-Msg-Id', id);
    for (const [k, v] of Object.entries(extra)) h.set(k, v);
    attacker.publish(`${prefix}.${subj}`, data, { headers: h });
  };

  it('applies the signed event and dead-letters forged and altered ones with the reason', async () => {
    const genuine = randomUUID();
    const genuineData = encoder.encode(JSON.stringify(label(genuine, 0.7)));
    await relayBus.publish(subject, genuineData, {
      msgId: genuine,
      headers: { 'Content-Type': 'application/json', ...signatureHeaders(key, subject, genuine, genuineData) },
    });

    const unsigned = randomUUID();
    inject(subject, unsigned, encoder.encode(JSON.stringify(label(unsigned, 1))), {});

    // Altered in flight: a genuinely signed event whose payload was changed afterwards.
    const altered = randomUUID();
    const original = encoder.encode(JSON.stringify(label(altered, 0.2)));
    inject(subject, altered, encoder.encode(JSON.stringify(label(altered, 1))), signatureHeaders(key, subject, altered, original));

    const wrongKey = randomUUID();
    const wrongData = encoder.encode(JSON.stringify(label(wrongKey, 1)));
    inject(subject, wrongKey, wrongData, signatureHeaders(otherKey, subject, wrongKey, wrongData));

    // Replayed onto another subject: the signature covers the subject.
    const moved = randomUUID();
    const movedData = encoder.encode(JSON.stringify(label(moved, 1)));
    inject('evt.v1.dataops.LabelRecorded', moved, movedData, signatureHeaders(key, subject, moved, movedData));

    const genuine2 = randomUUID();
    const genuine2Data = encoder.encode(JSON.stringify(label(genuine2, 0.9)));
    await relayBus.publish(subject, genuine2Data, {
      msgId: genuine2,
      headers: { 'Content-Type': 'application/json', ...signatureHeaders(key, subject, genuine2, genuine2Data) },
    });

    await waitFor(() => dead.length >= 4 && applied.length >= 2, `4 dead letters and 2 applied events (got ${dead.length}, ${applied.length})`);
    expect(applied.sort()).toEqual([genuine, genuine2].sort());
    const byId = new Map(dead.map((d) => [d.id, d]));
    expect(dead).toHaveLength(4);
    for (const d of dead) expect(d.kind).toBe(DeadLetterKind.Unverified);
    expect(byId.get(unsigned)?.reason).toMatch(/unsigned integration event/);
    expect(byId.get(altered)?.reason).toMatch(/signature mismatch.*forged, or altered in flight/);
    expect(byId.get(wrongKey)?.reason).toMatch(/unknown key id/);
    expect(byId.get(moved)?.reason).toMatch(/signature mismatch on evt\.v1\.dataops\.LabelRecorded/);
  });
});
