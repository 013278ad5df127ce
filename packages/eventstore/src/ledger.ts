// Tamper evidence. Three layers, each catching what the one before cannot:
//  1. hash chain: hash_n = sha256(hash_{n-1} ‖ canonical header_n ‖ canonical data_n) over the global
//     order — an edited, removed or reordered event breaks it (needs no key to check);
//  2. seal: HMAC-SHA256 of each hash under a key derived from the ledger key, which never enters the
//     database — someone who rewrites a payload AND recomputes the chain cannot recompute seals, so
//     verify() names the exact event (needs the private ledger key to check);
//  3. anchors: the chain head (position, hash, time) signed with Ed25519 and written outside the
//     database — deleting the newest events, or rewriting history, contradicts an anchor (needs only
//     the public key to check).
import {
  createHash,
  createPrivateKey,
  hash as oneShotHash,
  createPublicKey,
  generateKeyPairSync,
  hkdfSync,
  sign,
  verify,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import type { Anchor } from './types.ts';

export const GENESIS_HASH = '0'.repeat(64);

/** The ledger key: Ed25519. Private part signs anchors and derives the seal key; public part verifies anchors. */
export interface LedgerKey {
  keyId: string;
  publicKey: KeyObject;
  privateKey: KeyObject | null;
  sealKey: Buffer | null;
}

export function ledgerKeyFromPem(pem: string): LedgerKey {
  if (pem.includes('PRIVATE KEY')) {
    const privateKey = createPrivateKey(pem);
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('ledger key must be an Ed25519 key');
    const publicKey = createPublicKey(privateKey);
    const raw = privateKey.export({ format: 'der', type: 'pkcs8' });
    const sealKey = Buffer.from(hkdfSync('sha256', raw, 'industrial-eventstore', 'seal-v1', 32));
    return { keyId: keyIdOf(publicKey), publicKey, privateKey, sealKey };
  }
  const publicKey = createPublicKey(pem);
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error('ledger key must be an Ed25519 key');
  return { keyId: keyIdOf(publicKey), publicKey, privateKey: null, sealKey: null };
}

export function generateLedgerKeyPem(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

/** Public part only: what an auditor outside the plant gets. */
export function publicOnly(key: LedgerKey): LedgerKey {
  return { keyId: key.keyId, publicKey: key.publicKey, privateKey: null, sealKey: null };
}

function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ format: 'der', type: 'spki' }))
    .digest('hex')
    .slice(0, 16);
}

/** The stored columns the chain covers — exactly what readers read. */
export interface ChainRow {
  position: number;
  id: string;
  stream: string;
  revision: number;
  type: string;
  /** Canonical JSON text of data, as stored. */
  data: string;
  /** Canonical JSON text of metadata (with recordedAt), as stored. */
  metadata: string;
  prevHash: string;
  hash: string;
  seal: string;
}

/** Canonical header; keys in JCS order (id < metadata < position < revision < stream < type). */
export function headerOf(r: Pick<ChainRow, 'id' | 'metadata' | 'position' | 'revision' | 'stream' | 'type'>): string {
  return `{"id":${JSON.stringify(r.id)},"metadata":${r.metadata},"position":${r.position},"revision":${r.revision},"stream":${JSON.stringify(r.stream)},"type":${JSON.stringify(r.type)}}`;
}

/**
 * `headerOf` for values the append path has validated (lowercase UUID id, stream matching STREAM_NAME,
 * type matching EVENT_TYPE: no character JSON escapes), so quoting needs no JSON.stringify. Verification
 * reads untrusted stored values and uses `headerOf`; a unit test pins both to the same bytes.
 */
export function headerOfValidated(id: string, metadata: string, position: number, revision: number, quotedStream: string, type: string): string {
  return `{"id":"${id}","metadata":${metadata},"position":${position},"revision":${revision},"stream":${quotedStream},"type":"${type}"}`;
}

// One-shot crypto.hash is ~20x cheaper than createHash/createHmac objects for inputs this small;
// on the append and verify hot paths that is most of the CPU per event.
export function chainHash(prevHash: string, header: string, data: string): string {
  return oneShotHash('sha256', `${prevHash}\n${header}\n${data}`, 'hex');
}

// HMAC-SHA256 (RFC 2104) from one-shot hashes over preallocated buffers: per key, [ipad ‖ message] and
// [opad ‖ inner digest]. The inner digest comes back as a latin1 ('binary') string (one byte per char) and is
// written into place: a 'buffer' digest costs an ArrayBuffer allocation, ~1 µs, more than the hash.
// The buffers are only used synchronously, so one set per key is safe in one thread.
interface SealScratch {
  inner: Buffer;
  outer: Buffer;
  expected: Buffer;
  actual: Buffer;
  actual32: Buffer;
}
const scratches = new WeakMap<Buffer, SealScratch>();
function scratchFor(sealKey: Buffer): SealScratch {
  let p = scratches.get(sealKey);
  if (!p) {
    if (sealKey.length > 64) throw new Error('seal key longer than the SHA-256 block');
    const inner = Buffer.alloc(128, 0x36);
    const outer = Buffer.alloc(96, 0x5c);
    for (let i = 0; i < sealKey.length; i++) {
      inner[i] = (inner[i] as number) ^ (sealKey[i] as number);
      outer[i] = (outer[i] as number) ^ (sealKey[i] as number);
    }
    const actual = Buffer.alloc(33);
    p = { inner, outer, expected: Buffer.alloc(32), actual, actual32: actual.subarray(0, 32) };
    scratches.set(sealKey, p);
  }
  return p;
}

/** The HMAC's outer hash input filled in `p.outer`; false when `hash` is not 64 ASCII characters. */
function fillOuter(p: SealScratch, hash: string): boolean {
  // The message is the UTF-8 bytes of `hash`; for 64 ASCII characters (every hash the chain computes)
  // that is one byte per character, written in place. Anything else takes the general path.
  if (hash.length !== 64) return false;
  const inner = p.inner;
  inner.write(hash, 64, 64, 'latin1');
  for (let i = 64; i < 128; i++) if ((inner[i] as number) > 0x7f) return false;
  p.outer.write(oneShotHash('sha256', inner, 'binary'), 64, 32, 'latin1');
  return true;
}

function sealGeneral(p: SealScratch, hash: string): Buffer {
  const innerDigest = oneShotHash('sha256', Buffer.concat([p.inner.subarray(0, 64), Buffer.from(hash)]), 'buffer');
  return oneShotHash('sha256', Buffer.concat([p.outer.subarray(0, 64), innerDigest]), 'buffer');
}

/** HMAC-SHA256 (RFC 2104) of the hash under the seal key, computed with one-shot hashes. */
export function sealOf(sealKey: Buffer, hash: string): string {
  const p = scratchFor(sealKey);
  return fillOuter(p, hash) ? oneShotHash('sha256', p.outer, 'hex') : sealGeneral(p, hash).toString('hex');
}

/** Whether `seal` (hex, decoded as Buffer.from(seal, 'hex') would) is the HMAC of `hash`; constant-time compare. */
export function sealMatches(sealKey: Buffer, hash: string, seal: string): boolean {
  const p = scratchFor(sealKey);
  if (fillOuter(p, hash)) p.expected.write(oneShotHash('sha256', p.outer, 'binary'), 0, 32, 'latin1');
  else sealGeneral(p, hash).copy(p.expected);
  // Decoding into 33 bytes: exactly 32 written iff Buffer.from(seal, 'hex') is 32 bytes long.
  if (p.actual.write(seal, 0, 33, 'hex') !== 32) return false;
  return timingSafeEqual(p.actual32, p.expected);
}

function anchorMessage(a: Pick<Anchor, 'position' | 'hash' | 'signedAt'>): Buffer {
  return Buffer.from(`anchor|v1|${a.position}|${a.hash}|${a.signedAt}`);
}

export function signAnchor(key: LedgerKey, position: number, hash: string, signedAt: string): Anchor {
  if (!key.privateKey) throw new Error('signing an anchor needs the private ledger key');
  const signature = sign(null, anchorMessage({ position, hash, signedAt }), key.privateKey).toString('base64');
  return { position, hash, signedAt, keyId: key.keyId, signature };
}

export function anchorSignatureValid(key: LedgerKey, a: Anchor): boolean {
  try {
    return verify(null, anchorMessage(a), key.publicKey, Buffer.from(a.signature, 'base64'));
  } catch {
    return false;
  }
}
