// Sparkplug B payload codec on @bufbuild/protobuf's wire reader and writer (the message model is
// domain/sparkplug/payload.ts; the schema subset is ./sparkplug_b.proto, same field numbers as Eclipse
// Tahu's). Decoding is strict about what it reads (a known field with the wrong wire type, a
// truncated message or bad UTF-8 throws SparkplugDecodeError with the reason) and skips fields it
// does not know (DataSet, Template, extensions), as protobuf requires. Pure: no I/O.
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import type { MetaData, Metric, Payload, PropertySet, PropertyValue, WireValue } from '../../domain/sparkplug/payload.ts';

export class SparkplugDecodeError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'SparkplugDecodeError';
  }
}

const WIRE_NAME: Record<number, string> = { 0: 'varint', 1: 'fixed64', 2: 'length-delimited', 3: 'start-group', 4: 'end-group', 5: 'fixed32' };

function expect(msg: string, fieldNo: number, got: WireType, want: WireType): void {
  if (got !== want) throw new SparkplugDecodeError(`${msg} field ${fieldNo} has wire type ${WIRE_NAME[got] ?? got}, expected ${WIRE_NAME[want]}`);
}

const u64 = (r: BinaryReader): bigint => BigInt(r.uint64());
const str = (r: BinaryReader): string => r.string(true);

/** Reads one message of `len` bytes (or to the end) field by field; `field` returns false for unknown ones. */
function readMessage(r: BinaryReader, len: number, field: (no: number, wt: WireType) => boolean): void {
  const end = len < 0 ? r.len : r.pos + len;
  if (end > r.len) throw new SparkplugDecodeError('truncated message');
  while (r.pos < end) {
    const [no, wt] = r.tag();
    if (no === 0) throw new SparkplugDecodeError('field number 0');
    if (!field(no, wt)) r.skip(wt, no);
  }
  if (r.pos !== end) throw new SparkplugDecodeError('a field runs past the end of its message');
}

function readPropertySet(r: BinaryReader, len: number, depth: number): PropertySet {
  if (depth > 16) throw new SparkplugDecodeError('property sets nested deeper than 16');
  const set: PropertySet = { keys: [], values: [] };
  readMessage(r, len, (no, wt) => {
    if (no === 1) {
      expect('PropertySet', no, wt, WireType.LengthDelimited);
      set.keys.push(str(r));
    } else if (no === 2) {
      expect('PropertySet', no, wt, WireType.LengthDelimited);
      set.values.push(readPropertyValue(r, r.uint32(), depth));
    } else return false;
    return true;
  });
  return set;
}

function readPropertyValue(r: BinaryReader, len: number, depth: number): PropertyValue {
  const v: PropertyValue = {};
  readMessage(r, len, (no, wt) => {
    const ld = WireType.LengthDelimited;
    switch (no) {
      case 1:
        expect('PropertyValue', no, wt, WireType.Varint);
        v.type = r.uint32();
        break;
      case 2:
        expect('PropertyValue', no, wt, WireType.Varint);
        v.isNull = r.bool();
        break;
      case 3:
        expect('PropertyValue', no, wt, WireType.Varint);
        v.value = { field: 'int', value: r.uint32() };
        break;
      case 4:
        expect('PropertyValue', no, wt, WireType.Varint);
        v.value = { field: 'long', value: u64(r) };
        break;
      case 5:
        expect('PropertyValue', no, wt, WireType.Bit32);
        v.value = { field: 'float', value: r.float() };
        break;
      case 6:
        expect('PropertyValue', no, wt, WireType.Bit64);
        v.value = { field: 'double', value: r.double() };
        break;
      case 7:
        expect('PropertyValue', no, wt, WireType.Varint);
        v.value = { field: 'boolean', value: r.bool() };
        break;
      case 8:
        expect('PropertyValue', no, wt, ld);
        v.value = { field: 'string', value: str(r) };
        break;
      case 9:
        expect('PropertyValue', no, wt, ld);
        v.value = { field: 'propertyset', value: readPropertySet(r, r.uint32(), depth + 1) };
        break;
      case 10:
      case 11:
        r.skip(wt, no);
        v.value = { field: 'unsupported', fieldNo: no };
        break;
      default:
        return false;
    }
    return true;
  });
  return v;
}

function readMetaData(r: BinaryReader, len: number): MetaData {
  const m: MetaData = {};
  readMessage(r, len, (no, wt) => {
    const ld = WireType.LengthDelimited;
    switch (no) {
      case 1:
        expect('MetaData', no, wt, WireType.Varint);
        m.isMultiPart = r.bool();
        break;
      case 2:
        expect('MetaData', no, wt, ld);
        m.contentType = str(r);
        break;
      case 3:
        expect('MetaData', no, wt, WireType.Varint);
        m.size = u64(r);
        break;
      case 4:
        expect('MetaData', no, wt, WireType.Varint);
        m.seq = u64(r);
        break;
      case 5:
        expect('MetaData', no, wt, ld);
        m.fileName = str(r);
        break;
      case 6:
        expect('MetaData', no, wt, ld);
        m.fileType = str(r);
        break;
      case 7:
        expect('MetaData', no, wt, ld);
        m.md5 = str(r);
        break;
      case 8:
        expect('MetaData', no, wt, ld);
        m.description = str(r);
        break;
      default:
        return false;
    }
    return true;
  });
  return m;
}

function readMetric(r: BinaryReader, len: number): Metric {
  const m: Metric = {};
  readMessage(r, len, (no, wt) => {
    const ld = WireType.LengthDelimited;
    const vi = WireType.Varint;
    switch (no) {
      case 1:
        expect('Metric', no, wt, ld);
        m.name = str(r);
        break;
      case 2:
        expect('Metric', no, wt, vi);
        m.alias = u64(r);
        break;
      case 3:
        expect('Metric', no, wt, vi);
        m.timestamp = u64(r);
        break;
      case 4:
        expect('Metric', no, wt, vi);
        m.datatype = r.uint32();
        break;
      case 5:
        expect('Metric', no, wt, vi);
        m.isHistorical = r.bool();
        break;
      case 6:
        expect('Metric', no, wt, vi);
        m.isTransient = r.bool();
        break;
      case 7:
        expect('Metric', no, wt, vi);
        m.isNull = r.bool();
        break;
      case 8:
        expect('Metric', no, wt, ld);
        m.metadata = readMetaData(r, r.uint32());
        break;
      case 9:
        expect('Metric', no, wt, ld);
        m.properties = readPropertySet(r, r.uint32(), 0);
        break;
      case 10:
        expect('Metric', no, wt, vi);
        m.value = { field: 'int', value: r.uint32() };
        break;
      case 11:
        expect('Metric', no, wt, vi);
        m.value = { field: 'long', value: u64(r) };
        break;
      case 12:
        expect('Metric', no, wt, WireType.Bit32);
        m.value = { field: 'float', value: r.float() };
        break;
      case 13:
        expect('Metric', no, wt, WireType.Bit64);
        m.value = { field: 'double', value: r.double() };
        break;
      case 14:
        expect('Metric', no, wt, vi);
        m.value = { field: 'boolean', value: r.bool() };
        break;
      case 15:
        expect('Metric', no, wt, ld);
        m.value = { field: 'string', value: str(r) };
        break;
      case 16:
        expect('Metric', no, wt, ld);
        m.value = { field: 'bytes', value: r.bytes() };
        break;
      case 17:
      case 18:
      case 19:
        r.skip(wt, no);
        m.value = { field: 'unsupported', fieldNo: no };
        break;
      default:
        return false;
    }
    return true;
  });
  return m;
}

/** Decodes a Sparkplug B payload; throws SparkplugDecodeError naming what is wrong. */
export function decodePayload(bytes: Uint8Array): Payload {
  const r = new BinaryReader(bytes);
  const p: Payload = { metrics: [] };
  try {
    readMessage(r, -1, (no, wt) => {
      switch (no) {
        case 1:
          expect('Payload', no, wt, WireType.Varint);
          p.timestamp = u64(r);
          break;
        case 2:
          expect('Payload', no, wt, WireType.LengthDelimited);
          p.metrics.push(readMetric(r, r.uint32()));
          break;
        case 3:
          expect('Payload', no, wt, WireType.Varint);
          p.seq = u64(r);
          break;
        case 4:
          expect('Payload', no, wt, WireType.LengthDelimited);
          p.uuid = str(r);
          break;
        case 5:
          expect('Payload', no, wt, WireType.LengthDelimited);
          p.body = r.bytes();
          break;
        default:
          return false;
      }
      return true;
    });
  } catch (err) {
    if (err instanceof SparkplugDecodeError) throw err;
    // BinaryReader: premature EOF, invalid varint, invalid UTF-8, unknown wire type…
    throw new SparkplugDecodeError(`not a Sparkplug B payload (${err instanceof Error ? err.message : String(err)})`);
  }
  return p;
}

function writeValue(w: BinaryWriter, v: WireValue, base: number): void {
  // Metric's oneof starts at field 10, PropertyValue's at 3: same order up to string.
  switch (v.field) {
    case 'int':
      w.tag(base, WireType.Varint).uint32(v.value);
      break;
    case 'long':
      w.tag(base + 1, WireType.Varint).uint64(v.value);
      break;
    case 'float':
      w.tag(base + 2, WireType.Bit32).float(v.value);
      break;
    case 'double':
      w.tag(base + 3, WireType.Bit64).double(v.value);
      break;
    case 'boolean':
      w.tag(base + 4, WireType.Varint).bool(v.value);
      break;
    case 'string':
      w.tag(base + 5, WireType.LengthDelimited).string(v.value);
      break;
    case 'bytes':
      if (base !== 10) throw new Error('a property value has no bytes field');
      w.tag(16, WireType.LengthDelimited).bytes(v.value);
      break;
    case 'propertyset':
      if (base !== 3) throw new Error('a metric value cannot be a property set');
      w.tag(9, WireType.LengthDelimited).fork();
      writePropertySet(w, v.value);
      w.join();
      break;
    case 'unsupported':
      throw new Error(`cannot encode value field ${v.fieldNo}`);
  }
}

function writePropertySet(w: BinaryWriter, s: PropertySet): void {
  for (const k of s.keys) w.tag(1, WireType.LengthDelimited).string(k);
  for (const v of s.values) {
    w.tag(2, WireType.LengthDelimited).fork();
    if (v.type !== undefined) w.tag(1, WireType.Varint).uint32(v.type);
    if (v.isNull !== undefined) w.tag(2, WireType.Varint).bool(v.isNull);
    if (v.value !== undefined) writeValue(w, v.value, 3);
    w.join();
  }
}

function writeMetric(w: BinaryWriter, m: Metric): void {
  if (m.name !== undefined) w.tag(1, WireType.LengthDelimited).string(m.name);
  if (m.alias !== undefined) w.tag(2, WireType.Varint).uint64(m.alias);
  if (m.timestamp !== undefined) w.tag(3, WireType.Varint).uint64(m.timestamp);
  if (m.datatype !== undefined) w.tag(4, WireType.Varint).uint32(m.datatype);
  if (m.isHistorical !== undefined) w.tag(5, WireType.Varint).bool(m.isHistorical);
  if (m.isTransient !== undefined) w.tag(6, WireType.Varint).bool(m.isTransient);
  if (m.isNull !== undefined) w.tag(7, WireType.Varint).bool(m.isNull);
  if (m.metadata !== undefined) {
    const d = m.metadata;
    w.tag(8, WireType.LengthDelimited).fork();
    if (d.isMultiPart !== undefined) w.tag(1, WireType.Varint).bool(d.isMultiPart);
    if (d.contentType !== undefined) w.tag(2, WireType.LengthDelimited).string(d.contentType);
    if (d.size !== undefined) w.tag(3, WireType.Varint).uint64(d.size);
    if (d.seq !== undefined) w.tag(4, WireType.Varint).uint64(d.seq);
    if (d.fileName !== undefined) w.tag(5, WireType.LengthDelimited).string(d.fileName);
    if (d.fileType !== undefined) w.tag(6, WireType.LengthDelimited).string(d.fileType);
    if (d.md5 !== undefined) w.tag(7, WireType.LengthDelimited).string(d.md5);
    if (d.description !== undefined) w.tag(8, WireType.LengthDelimited).string(d.description);
    w.join();
  }
  if (m.properties !== undefined) {
    w.tag(9, WireType.LengthDelimited).fork();
    writePropertySet(w, m.properties);
    w.join();
  }
  if (m.value !== undefined) writeValue(w, m.value, 10);
}

/** Encodes a payload (NCMD rebirth requests; tests and edge-node simulators). */
export function encodePayload(p: Partial<Payload>): Uint8Array {
  const w = new BinaryWriter();
  if (p.timestamp !== undefined) w.tag(1, WireType.Varint).uint64(p.timestamp);
  for (const m of p.metrics ?? []) {
    w.tag(2, WireType.LengthDelimited).fork();
    writeMetric(w, m);
    w.join();
  }
  if (p.seq !== undefined) w.tag(3, WireType.Varint).uint64(p.seq);
  if (p.uuid !== undefined) w.tag(4, WireType.LengthDelimited).string(p.uuid);
  if (p.body !== undefined) w.tag(5, WireType.LengthDelimited).bytes(p.body);
  return w.finish();
}
