// Sparkplug B payload encoding (the Payload and Metric messages of Eclipse Tahu's sparkplug_b.proto,
// same field numbers) on @bufbuild/protobuf's wire writer, and a decoder for the subset we write.
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { SparkplugDataType, type SpMetric, type SpPayload } from '../../domain/sparkplug.ts';

export function encodePayload(p: SpPayload): Uint8Array {
  const w = new BinaryWriter();
  w.tag(1, WireType.Varint).uint64(p.timestamp);
  for (const m of p.metrics) {
    w.tag(2, WireType.LengthDelimited).fork();
    w.tag(1, WireType.LengthDelimited).string(m.name);
    w.tag(3, WireType.Varint).uint64(m.timestamp);
    w.tag(4, WireType.Varint).uint32(m.datatype);
    if (typeof m.value === 'boolean') w.tag(14, WireType.Varint).bool(m.value);
    else if (typeof m.value === 'string') w.tag(15, WireType.LengthDelimited).string(m.value);
    else w.tag(11, WireType.Varint).uint64(m.value);
    w.join();
  }
  if (p.seq !== null) w.tag(3, WireType.Varint).uint64(p.seq);
  return w.finish();
}

function decodeMetric(r: BinaryReader, end: number): SpMetric {
  const m: SpMetric = { name: '', datatype: SparkplugDataType.String, value: '', timestamp: 0n };
  while (r.pos < end) {
    const [no, wt] = r.tag();
    if (no === 1) m.name = r.string();
    else if (no === 3) m.timestamp = BigInt(r.uint64());
    else if (no === 4) m.datatype = r.uint32() as SpMetric['datatype'];
    else if (no === 11) m.value = BigInt(r.uint64());
    else if (no === 14) m.value = r.bool();
    else if (no === 15) m.value = r.string();
    else r.skip(wt, no);
  }
  return m;
}

export function decodePayload(bytes: Uint8Array): SpPayload {
  const r = new BinaryReader(bytes);
  const p: SpPayload = { timestamp: 0n, seq: null, metrics: [] };
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (no === 1) p.timestamp = BigInt(r.uint64());
    else if (no === 2) {
      const len = r.uint32();
      p.metrics.push(decodeMetric(r, r.pos + len));
    } else if (no === 3) p.seq = BigInt(r.uint64());
    else r.skip(wt, no);
  }
  return p;
}
