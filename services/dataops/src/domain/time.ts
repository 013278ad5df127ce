// Timestamps in requests: ISO-8601 text or epoch ms, refused with the field's name otherwise. Pure.
import { InvalidArgumentError } from './errors.ts';

/** Epoch ms of an ISO-8601 string or an epoch-ms number; InvalidArgumentError naming `field` otherwise. */
export function toMs(field: string, v: string | number): number {
  const ms = typeof v === 'number' ? v : Date.parse(v);
  if (!Number.isFinite(ms)) throw new InvalidArgumentError(field, `"${String(v)}" is not a timestamp (ISO-8601 or epoch ms)`);
  return ms;
}
