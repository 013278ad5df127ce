// Ids: UUID v7 for new things, and name-based UUIDs (sha256 of a key, version 8 layout) for
// things derived from other data, so a replay or a redelivery produces the same id — one definition
// for the platform (@industrial/contracts/ids).
import { createHash } from 'node:crypto';

export { uuidFromKey, uuidv7 } from '@industrial/contracts/ids';

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
