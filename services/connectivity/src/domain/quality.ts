// OPC UA status codes as UNS quality: the severity comes from bits 31–30 of the 32-bit code, the
// code itself is kept whole (info bits included) so downstream can tell BadSensorFailure from
// BadNoCommunication. Values are normalised to what a UNS sample can carry.
import { severityOfStatusCode, type UnsSample } from '@industrial/contracts';

export type Quality = UnsSample['quality'];

/** Codes connectivity itself stamps on samples (OPC 10000-4 §7.39 / Opc.Ua.StatusCodes.csv). */
export const StatusCode = {
  Good: 0,
  /** The source is unreachable: last known value carried with this code when a session is lost. */
  BadNoCommunication: 0x80310000,
  BadDecodingError: 0x80070000,
  BadTypeMismatch: 0x80740000,
} as const;

export function qualityOf(code: number): Quality {
  const c = code >>> 0;
  return { severity: severityOfStatusCode(c), code: c };
}

export type SampleValue = UnsSample['value'];

/** Max string length a UNS sample accepts. */
const MAX_STRING = 1000;

/**
 * Narrows a decoded value (OPC UA Variant value or JSON) to number | boolean | string.
 * Int64 ([hi, lo]) becomes a number; dates become ISO strings; localized text its text.
 * Returns undefined for what a sample cannot carry (arrays, null, NaN, ±Infinity).
 */
export function toSampleValue(raw: unknown): SampleValue | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'string') return raw.length <= MAX_STRING ? raw : raw.slice(0, MAX_STRING);
  if (typeof raw === 'bigint') return Number(raw);
  if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? undefined : raw.toISOString();
  if (Array.isArray(raw) && raw.length === 2 && raw.every((n) => typeof n === 'number')) {
    // node-opcua Int64/UInt64 as [high, low]
    const [hi, lo] = raw as [number, number];
    return hi * 0x1_0000_0000 + (lo >>> 0);
  }
  if (typeof raw === 'object' && raw !== null && 'text' in raw && typeof (raw as { text: unknown }).text === 'string') {
    return toSampleValue((raw as { text: string }).text);
  }
  return undefined;
}
