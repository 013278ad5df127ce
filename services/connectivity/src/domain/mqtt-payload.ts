// MQTT JSON payloads → one sample. Accepted shapes: a bare JSON value (`21.5`, `true`, `"on"`),
// `{"value": …, "timestamp": …, "quality": …}`, or any object with the value (and timestamp) at the
// mapped dotted paths. A payload that does not fit is refused with the reason, never guessed.
import type { UnsSample } from '@industrial/contracts';
import type { TagMapping } from './mapping.ts';
import { qualityOf, StatusCode, toSampleValue } from './quality.ts';

export type DecodeResult = { ok: true; sample: UnsSample } | { ok: false; reason: string };

function at(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** Epoch ms of 0001-01-01 and 9999-12-31T23:59:59.999Z: the years an ISO-8601 UNS timestamp can carry. */
const MIN_MS = -62_135_596_800_000;
const MAX_MS = 253_402_300_799_999;

function isoOf(raw: unknown): string | null {
  // Out of range, `new Date(ms).toISOString()` throws (beyond ±8.64e15) or writes a 6-digit year
  // the contract refuses, which would drop the whole batch of the asset: refuse the payload instead.
  const inRange = (ms: number) => Number.isFinite(ms) && ms >= MIN_MS && ms <= MAX_MS;
  if (typeof raw === 'number') return inRange(raw) ? new Date(raw).toISOString() : null;
  if (typeof raw === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(raw)) {
    const ms = Date.parse(raw);
    return inRange(ms) ? new Date(ms).toISOString() : null;
  }
  return null;
}

/** `receivedAt` (ISO) stands in for the server timestamp, and for the source timestamp when the payload has none. */
export function decodeMqttPayload(payload: string, mapping: TagMapping, receivedAt: string): DecodeResult {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return { ok: false, reason: `payload on ${mapping.address} is not JSON (${JSON.stringify(payload.slice(0, 40))})` };
  }
  const isObject = typeof json === 'object' && json !== null && !Array.isArray(json);
  const rawValue = mapping.valueField !== undefined ? at(json, mapping.valueField) : isObject ? (json as Record<string, unknown>).value : json;
  if (rawValue === undefined) {
    return { ok: false, reason: `payload on ${mapping.address} has no ${mapping.valueField ?? 'value'} field` };
  }
  const value = toSampleValue(rawValue);
  if (value === undefined || typeof value !== mapping.dataType) {
    return {
      ok: false,
      reason: `payload on ${mapping.address}: ${mapping.valueField ?? 'value'} must be a ${mapping.dataType} (got ${JSON.stringify(rawValue)?.slice(0, 40)})`,
    };
  }
  const rawTs =
    mapping.timestampField !== undefined
      ? at(json, mapping.timestampField)
      : isObject
        ? ((json as Record<string, unknown>).timestamp ?? (json as Record<string, unknown>).ts)
        : undefined;
  let sourceTimestamp = receivedAt;
  if (rawTs !== undefined) {
    const iso = isoOf(rawTs);
    if (iso === null)
      return { ok: false, reason: `payload on ${mapping.address}: timestamp ${JSON.stringify(rawTs)} is neither ISO-8601 nor epoch milliseconds` };
    sourceTimestamp = iso;
  }
  const rawQuality = isObject ? (json as Record<string, unknown>).quality : undefined;
  let code: number = StatusCode.Good;
  if (rawQuality !== undefined) {
    if (typeof rawQuality === 'number' && Number.isInteger(rawQuality) && rawQuality >= 0 && rawQuality <= 0xffffffff) code = rawQuality;
    else if (rawQuality === 'Good') code = 0;
    else if (rawQuality === 'Uncertain') code = 0x40000000;
    else if (rawQuality === 'Bad') code = 0x80000000;
    else return { ok: false, reason: `payload on ${mapping.address}: quality ${JSON.stringify(rawQuality)} is not a status code or Good/Uncertain/Bad` };
  }
  const sample: UnsSample = {
    tag: mapping.tag,
    value,
    quality: qualityOf(code),
    sourceTimestamp,
    serverTimestamp: receivedAt,
  };
  if (mapping.unit !== undefined && typeof value === 'number') sample.unit = mapping.unit;
  return { ok: true, sample };
}
