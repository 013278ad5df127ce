// The event signature (standalone path, in-process bus): the key comes from the private ledger key
// only; a bus with `verifyEvents` hands signed events on `evt.>` to the handler and dead-letters
// unsigned ones (kind `unverified`); subjects outside `evt.>` are not checked.

import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isBusError } from '../src/errors.ts';
import { DeadLetterKind, Header } from '../src/headers.ts';
import { createInProcBus } from '../src/inproc/inproc-bus.ts';
import { eventSigningKey, eventSigningKeyFromPem, eventVerifier, signatureHeaders } from '../src/signing.ts';
import { waitFor } from './test-support/wait.ts';

const pair = () => generateKeyPairSync('ed25519');
const encoder = new TextEncoder();

describe('event signing keys', () => {
  it('derive from the private ledger key; the same key gives the same signature, another does not verify', () => {
    const { privateKey } = pair();
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const a = eventSigningKey(privateKey);
    const b = eventSigningKeyFromPem(pem);
    expect(b.keyId).toBe(a.keyId);
    const data = encoder.encode('{"x":1}');
    expect(signatureHeaders(b, 'evt.v1.x.Y', 'id', data)).toEqual(signatureHeaders(a, 'evt.v1.x.Y', 'id', data));
    const m = { subject: 'evt.v1.x.Y', msgId: 'id', data, headers: signatureHeaders(a, 'evt.v1.x.Y', 'id', data) };
    expect(eventVerifier(a)(m)).toEqual({ ok: true });
    expect(eventVerifier(a)({ ...m, msgId: 'other' })).toMatchObject({ ok: false, error: expect.stringMatching(/signature mismatch/) });
    expect(eventVerifier(eventSigningKey(pair().privateKey))(m)).toMatchObject({ ok: false, error: expect.stringMatching(/unknown key id/) });
  });

  it('sign with HMAC-SHA256 (RFC 2104) over the length-prefixed subject and id, then the payload bytes', () => {
    const key = eventSigningKey(pair().privateKey);
    const data = encoder.encode('{"id":"e1"}');
    const expected = createHmac('sha256', key.secret).update('evt-sig|v1|10|evt.v1.a.B|2|e1|').update(data).digest('base64url');
    expect(signatureHeaders(key, 'evt.v1.a.B', 'e1', data)).toEqual({ 'Event-Signature': `hmac-sha256=${expected}`, 'Event-Key-Id': key.keyId });
  });

  it('refuse a public key', () => {
    const pem = pair().publicKey.export({ format: 'pem', type: 'spki' }).toString();
    let error: unknown;
    try {
      eventSigningKeyFromPem(pem);
    } catch (e) {
      error = e;
    }
    expect(isBusError(error)).toBe(true);
    expect(String(error)).toMatch(/no private key/);
  });
});

describe('in-process bus with verifyEvents', () => {
  it('handles the signed event, dead-letters the unsigned one, leaves other subjects alone', async () => {
    const key = eventSigningKey(pair().privateKey);
    const bus = createInProcBus({ verifyEvents: eventVerifier(key), logger: { warn: () => {}, error: () => {} } });
    await bus.ensureStream({ name: 'EVENTS', subjects: ['evt.v1.>', 'other.>'] });
    const handled: string[] = [];
    const dead: Record<string, string>[] = [];
    await bus.consume({ stream: 'EVENTS', durable: 'd', handler: (m) => void handled.push(m.msgId ?? '') });
    await bus.consume({ stream: 'EVENTS_DLQ', durable: 'r', handler: (m) => void dead.push({ ...m.headers }) });
    const signed = randomUUID();
    const data = encoder.encode(JSON.stringify({ id: signed }));
    await bus.publish('evt.v1.a.B', data, { msgId: signed, headers: signatureHeaders(key, 'evt.v1.a.B', signed, data) });
    await bus.publish('evt.v1.a.B', { id: 'forged' }, { msgId: 'forged' });
    await bus.publish('other.x', { id: 'plain' }, { msgId: 'plain' });
    await waitFor(() => handled.length >= 2 && dead.length >= 1, 'two handled, one dead letter');
    expect(handled.sort()).toEqual(['plain', signed].sort());
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ [Header.DlqKind]: DeadLetterKind.Unverified, [Header.DlqMsgId]: 'forged' });
    expect(dead[0]?.[Header.DlqReason]).toMatch(/unsigned integration event on evt\.v1\.a\.B/);
    await bus.drain();
  });
});
