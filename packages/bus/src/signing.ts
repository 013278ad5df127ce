// Integrity of integration events on the bus (ADR 0010): the relay signs every event it publishes
// with HMAC-SHA256 under a key derived (HKDF) from the private ledger key, over the subject, the
// message id and the exact payload bytes; every consumer of `evt.>` verifies before anything is
// applied. Someone who can publish on NATS but does not hold the ledger key cannot make an event a
// consumer accepts; an event altered in flight (payload, subject or id) no longer verifies. A
// failed check dead-letters the message (kind `unverified`, the reason in Bus-Dlq-Reason).

import { createHash, createPrivateKey, createPublicKey, hash, hkdfSync, timingSafeEqual, type KeyObject } from 'node:crypto';
import { BusError, BusErrorCode } from './errors.ts';
import type { BusHeaders, Validation } from './types.ts';

export const SignatureHeader = {
  /** `hmac-sha256=<base64url>` */
  Signature: 'Event-Signature',
  /** Key id of the ledger key the signing key derives from (sha256 of its public key, 16 hex). */
  KeyId: 'Event-Key-Id',
} as const;

export interface EventSigningKey {
  readonly keyId: string;
  readonly secret: Buffer;
}

/** What a signature covers; the bus hands the verifier the logical (unprefixed) subject. */
export interface SignedFields {
  readonly subject: string;
  readonly msgId: string | undefined;
  readonly data: Uint8Array;
  readonly headers: BusHeaders;
}

/** The signing key of integration events, from the private ledger key (never from the public one). */
export function eventSigningKey(privateKey: KeyObject): EventSigningKey {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new BusError(BusErrorCode.InvalidArgument, 'integration events are signed with a key derived from the private Ed25519 ledger key');
  }
  const raw = privateKey.export({ format: 'der', type: 'pkcs8' });
  const secret = Buffer.from(hkdfSync('sha256', raw, 'industrial-bus', 'evt-sign-v1', 32));
  const keyId = createHash('sha256')
    .update(createPublicKey(privateKey).export({ format: 'der', type: 'spki' }))
    .digest('hex')
    .slice(0, 16);
  return { keyId, secret };
}

/** `eventSigningKey` from the ledger key's PEM text (LEDGER_KEY_FILE); a public key is refused. */
export function eventSigningKeyFromPem(pem: string): EventSigningKey {
  if (!pem.includes('PRIVATE KEY')) {
    throw new BusError(BusErrorCode.InvalidArgument, 'LEDGER_KEY_FILE holds no private key: signing or verifying integration events needs it');
  }
  return eventSigningKey(createPrivateKey(pem));
}

// HMAC-SHA256 (RFC 2104) from two one-shot hashes over [key ⊕ ipad ‖ message] and [key ⊕ opad ‖
// inner digest]: cheaper per event than a createHmac object (the relay signs every event it publishes).
const pads = new WeakMap<Buffer, { ipad: Buffer; opad: Buffer }>();
function padsOf(secret: Buffer): { ipad: Buffer; opad: Buffer } {
  let p = pads.get(secret);
  if (p === undefined) {
    if (secret.length > 64) throw new BusError(BusErrorCode.InvalidArgument, 'event signing key longer than the SHA-256 block');
    const ipad = Buffer.alloc(64, 0x36);
    const opad = Buffer.alloc(64, 0x5c);
    for (let i = 0; i < secret.length; i++) {
      ipad[i] = (ipad[i] as number) ^ (secret[i] as number);
      opad[i] = (opad[i] as number) ^ (secret[i] as number);
    }
    p = { ipad, opad };
    pads.set(secret, p);
  }
  return p;
}

function mac(key: EventSigningKey, subject: string, msgId: string | undefined, data: Uint8Array): Buffer {
  const { ipad, opad } = padsOf(key.secret);
  // Length-prefixed fields: no two (subject, id, payload) triples share the MAC input.
  const id = msgId ?? '';
  const inner = hash('sha256', Buffer.concat([ipad, Buffer.from(`evt-sig|v1|${subject.length}|${subject}|${id.length}|${id}|`), data]), 'buffer');
  return hash('sha256', Buffer.concat([opad, inner]), 'buffer');
}

/** Headers that carry the signature of (subject, msgId, data). */
export function signatureHeaders(key: EventSigningKey, subject: string, msgId: string | undefined, data: Uint8Array): Record<string, string> {
  return { [SignatureHeader.Signature]: `hmac-sha256=${mac(key, subject, msgId, data).toString('base64url')}`, [SignatureHeader.KeyId]: key.keyId };
}

/** A verify hook for `ConsumeOptions.verify` / the bus-wide `verifyEvents`: accepts only messages signed with `key`. */
export function eventVerifier(key: EventSigningKey): (m: SignedFields) => Validation {
  return (m) => {
    const header = m.headers[SignatureHeader.Signature];
    if (header === undefined) return { ok: false, error: `unsigned integration event on ${m.subject}: no ${SignatureHeader.Signature} header` };
    const kid = m.headers[SignatureHeader.KeyId];
    if (kid !== key.keyId) return { ok: false, error: `integration event signed with unknown key id "${String(kid).slice(0, 32)}" (expected ${key.keyId})` };
    if (!header.startsWith('hmac-sha256=')) return { ok: false, error: 'integration event signature is not hmac-sha256' };
    const given = Buffer.from(header.slice('hmac-sha256='.length), 'base64url');
    const expected = mac(key, m.subject, m.msgId, m.data);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { ok: false, error: `integration event signature mismatch on ${m.subject}: forged, or altered in flight` };
    }
    return { ok: true };
  };
}
