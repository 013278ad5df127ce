// Ids: UUID v7 for events (time-ordered, client-chosen → idempotent appends) and name-based UUID
// v5 for batches, so a batch's id follows from (source, asset, sequence) alone and a replay after
// a restart carries the same Nats-Msg-Id.
import { createHash, randomBytes } from 'node:crypto';

const hex = (b: Buffer) => {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};

export function uuidv7(now: number = Date.now()): string {
  const b = randomBytes(16);
  b.writeUIntBE(now, 0, 6);
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return hex(b);
}

/** RFC 9562 UUID v5 of `name` in the namespace `namespaceUuid`. */
export function uuidv5(namespaceUuid: string, name: string): string {
  const ns = Buffer.from(namespaceUuid.replace(/-/g, ''), 'hex');
  const b = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return hex(b);
}

/** The batch id: v5 of `<assetPath>#<seq>` in the source's id as namespace. */
export const batchIdOf = (sourceId: string, assetPath: string, seq: number): string => uuidv5(sourceId, `${assetPath}#${seq}`);
