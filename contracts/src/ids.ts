// Ids every service mints (server side: node:crypto; a subpath export, so the browser bundle of the
// HMI never pulls it in):
//   uuidv7       time-ordered UUIDs for new things (events, runs, requests);
//   uuidFromKey  name-based UUIDs, version 8 layout over sha256(key): the same key → the same id, so
//                a retry, a redelivery or a replay appends nothing twice;
//   uuidv5       RFC 9562 v5 (sha1 in a namespace), connectivity's batch ids.
import { createHash, randomBytes } from 'node:crypto';

const format = (b: Uint8Array): string => {
  const h = Buffer.from(b.buffer, b.byteOffset, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};

const stamp = (b: Uint8Array, version: number): string => {
  b[6] = (b[6]! & 0x0f) | (version << 4);
  b[8] = (b[8]! & 0x3f) | 0x80;
  return format(b);
};

export function uuidv7(nowMs: number = Date.now()): string {
  const b = randomBytes(16);
  b.writeUIntBE(nowMs, 0, 6);
  return stamp(b, 7);
}

export function uuidFromKey(key: string): string {
  return stamp(createHash('sha256').update(key).digest().subarray(0, 16), 8);
}

/** RFC 9562 UUID v5 of `name` in the namespace `namespaceUuid`. */
export function uuidv5(namespaceUuid: string, name: string): string {
  const ns = Buffer.from(namespaceUuid.replace(/-/g, ''), 'hex');
  return stamp(createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16), 5);
}
