// Sparkplug B metric values → UNS sample values (pure): the data type a tag gets, a metric value
// of a given Sparkplug type as a sample value (or the reason it is not one), timestamps, and the
// properties (unit, range) a birth may carry.
import type { TagDataType } from '../mapping.ts';
import type { SampleValue } from '../quality.ts';
import { DataType, dataTypeName, type PropertySet, type WireValue } from './payload.ts';

/** Sparkplug data type → what a UNS sample carries; null for what it cannot (arrays, DataSet, Template, Bytes, File…). */
export function tagDataTypeOf(datatype: number): TagDataType | null {
  if (datatype >= DataType.Int8 && datatype <= DataType.Double) return 'number';
  if (datatype === DataType.Boolean) return 'boolean';
  if (datatype === DataType.String || datatype === DataType.Text || datatype === DataType.UUID || datatype === DataType.DateTime) return 'string';
  return null;
}

/** Shortest decimal that is the same float32 (a Float 0.1 arrives as 0.10000000149011612). */
function float32(v: number): number {
  if (!Number.isFinite(v)) return v;
  for (let p = 1; p <= 9; p++) {
    const d = Number(v.toPrecision(p));
    if (Math.fround(d) === v) return d;
  }
  return v;
}

const MIN_MS = -62_135_596_800_000;
const MAX_MS = 253_402_300_799_999;

/** A metric value of the given type as a sample value, or the reason it is not one. */
export function sampleValueOf(datatype: number, v: WireValue): { ok: true; value: SampleValue } | { ok: false; reason: string } {
  const bad = { ok: false as const, reason: `${dataTypeName(datatype)} carried in ${v.field === 'unsupported' ? `field ${v.fieldNo}` : `${v.field}_value`}` };
  const int = (bits: number, signed: boolean) => {
    let b: bigint;
    if (v.field === 'int') b = BigInt(v.value);
    else if (v.field === 'long') b = v.value;
    else return bad;
    b = signed ? BigInt.asIntN(bits, b) : BigInt.asUintN(bits, b);
    return { ok: true as const, value: Number(b) };
  };
  switch (datatype) {
    case DataType.Int8:
      return int(8, true);
    case DataType.Int16:
      return int(16, true);
    case DataType.Int32:
      return int(32, true);
    case DataType.Int64:
      return int(64, true);
    case DataType.UInt8:
      return int(8, false);
    case DataType.UInt16:
      return int(16, false);
    case DataType.UInt32:
      return int(32, false);
    case DataType.UInt64:
      return int(64, false);
    case DataType.Float:
    case DataType.Double: {
      if (v.field !== 'float' && v.field !== 'double') return bad;
      if (!Number.isFinite(v.value)) return { ok: false, reason: `${dataTypeName(datatype)} ${v.value} is not a finite number` };
      return { ok: true, value: v.field === 'float' ? float32(v.value) : v.value };
    }
    case DataType.Boolean:
      return v.field === 'boolean' ? { ok: true, value: v.value } : bad;
    case DataType.String:
    case DataType.Text:
    case DataType.UUID:
      if (v.field !== 'string') return bad;
      return { ok: true, value: v.value.length <= 1000 ? v.value : v.value.slice(0, 1000) };
    case DataType.DateTime: {
      const ms = v.field === 'long' ? Number(v.value) : v.field === 'int' ? v.value : NaN;
      if (Number.isNaN(ms)) return bad;
      if (ms < MIN_MS || ms > MAX_MS) return { ok: false, reason: `DateTime ${ms} is out of range` };
      return { ok: true, value: new Date(ms).toISOString() };
    }
    default:
      return { ok: false, reason: `${dataTypeName(datatype)} is not a type a UNS sample can carry` };
  }
}

export function isoOf(ms: bigint | undefined, fallback: string): { ok: true; iso: string } | { ok: false } {
  if (ms === undefined) return { ok: true, iso: fallback };
  const n = Number(ms);
  return n >= 0 && n <= MAX_MS ? { ok: true, iso: new Date(n).toISOString() } : { ok: false };
}

export function property(set: PropertySet | undefined, keys: readonly string[]): WireValue | undefined {
  if (set === undefined) return undefined;
  for (const k of keys) {
    const i = set.keys.indexOf(k);
    const v = i >= 0 ? set.values[i] : undefined;
    if (v && !v.isNull && v.value !== undefined) return v.value;
  }
  return undefined;
}

export const numberOf = (v: WireValue | undefined): number | undefined =>
  v === undefined
    ? undefined
    : v.field === 'int' || v.field === 'float' || v.field === 'double'
      ? v.value
      : v.field === 'long'
        ? Number(BigInt.asIntN(64, v.value))
        : undefined;
