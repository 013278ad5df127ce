// The hand-written codec against the schema: protobufjs (an independent implementation) reads
// sparkplug_b.proto, encodes, and sparkplug-codec.ts decodes; and the other way round.
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { DataType, type Payload } from '../../../src/domain/sparkplug/payload.ts';
import { decodePayload, encodePayload, SparkplugDecodeError } from '../../../src/adapters/mqtt/sparkplug-codec.ts';

const root = protobuf.loadSync(fileURLToPath(new URL('../../../src/adapters/mqtt/sparkplug_b.proto', import.meta.url)));
const PayloadType = root.lookupType('org.eclipse.tahu.protobuf.Payload');

const T0 = 1_741_168_800_000; // 2025-03-05T10:00:00Z

describe('Sparkplug B payload codec', () => {
  it('decodes what protobufjs encodes from sparkplug_b.proto: every scalar value field, flags, metadata, properties', () => {
    const msg = PayloadType.fromObject({
      timestamp: T0,
      seq: 7,
      uuid: 'u-1',
      body: Buffer.from([1, 2, 3]),
      metrics: [
        {
          name: 'Inputs/Temp',
          alias: 1,
          timestamp: T0 + 1,
          datatype: DataType.Float,
          floatValue: 21.5,
          properties: { keys: ['engUnit'], values: [{ type: DataType.String, stringValue: 'degC' }] },
        },
        { alias: 2, datatype: DataType.Int32, intValue: 0xffffffff },
        { name: 'big', datatype: DataType.UInt64, longValue: '18446744073709551615' },
        { name: 'd', datatype: DataType.Double, doubleValue: 1e300 },
        { name: 'b', datatype: DataType.Boolean, booleanValue: true, isHistorical: true, isTransient: true },
        { name: 's', datatype: DataType.String, stringValue: 'héllo' },
        { name: 'raw', datatype: DataType.Bytes, bytesValue: Buffer.from([9]) },
        { name: 'n', datatype: DataType.Double, isNull: true },
        {
          name: 'f',
          datatype: DataType.File,
          metadata: { isMultiPart: false, contentType: 'text/plain', size: 3, seq: 1, fileName: 'a.txt', fileType: 'txt', md5: 'x', description: 'd' },
        },
      ],
    });
    const bytes = PayloadType.encode(msg).finish();
    const p = decodePayload(bytes);
    expect(p.timestamp).toBe(BigInt(T0));
    expect(p.seq).toBe(7n);
    expect(p.uuid).toBe('u-1');
    expect([...(p.body ?? [])]).toEqual([1, 2, 3]);
    const [temp, i32, big, d, b, s, raw, n, f] = p.metrics;
    expect(temp).toEqual({
      name: 'Inputs/Temp',
      alias: 1n,
      timestamp: BigInt(T0 + 1),
      datatype: DataType.Float,
      value: { field: 'float', value: 21.5 },
      properties: { keys: ['engUnit'], values: [{ type: DataType.String, value: { field: 'string', value: 'degC' } }] },
    });
    expect(i32).toEqual({ alias: 2n, datatype: DataType.Int32, value: { field: 'int', value: 0xffffffff } });
    expect(big?.value).toEqual({ field: 'long', value: 18446744073709551615n });
    expect(d?.value).toEqual({ field: 'double', value: 1e300 });
    expect(b).toMatchObject({ isHistorical: true, isTransient: true, value: { field: 'boolean', value: true } });
    expect(s?.value).toEqual({ field: 'string', value: 'héllo' });
    expect(raw?.value).toMatchObject({ field: 'bytes' });
    expect(n).toEqual({ name: 'n', datatype: DataType.Double, isNull: true });
    expect(f?.metadata).toEqual({
      isMultiPart: false,
      contentType: 'text/plain',
      size: 3n,
      seq: 1n,
      fileName: 'a.txt',
      fileType: 'txt',
      md5: 'x',
      description: 'd',
    });
  });

  it('encodes what protobufjs decodes (round trip through both)', () => {
    const p: Payload = {
      timestamp: BigInt(T0),
      seq: 255n,
      metrics: [
        { name: 'Node Control/Rebirth', datatype: DataType.Boolean, value: { field: 'boolean', value: true } },
        { name: 'bdSeq', datatype: DataType.Int64, value: { field: 'long', value: 3n } },
        {
          alias: 9n,
          timestamp: BigInt(T0),
          value: { field: 'double', value: -0.5 },
          properties: { keys: ['engLow'], values: [{ type: DataType.Double, value: { field: 'double', value: 0 } }] },
        },
      ],
    };
    const bytes = encodePayload(p);
    const o = PayloadType.toObject(PayloadType.decode(bytes), { longs: String }) as {
      seq: string;
      metrics: { name?: string; booleanValue?: boolean; longValue?: string; alias?: string; doubleValue?: number; properties?: unknown }[];
    };
    expect(o.seq).toBe('255');
    expect(o.metrics[0]).toMatchObject({ name: 'Node Control/Rebirth', booleanValue: true });
    expect(o.metrics[1]).toMatchObject({ name: 'bdSeq', longValue: '3' });
    expect(o.metrics[2]).toMatchObject({ alias: '9', doubleValue: -0.5, properties: { keys: ['engLow'], values: [{ doubleValue: 0 }] } });
    expect(decodePayload(bytes)).toEqual(p);
  });

  it('skips unknown fields (a DataSet value, a future field) and keeps the rest', () => {
    // metric { name: "ds", datatype: 16, dataset_value (17): { num_of_columns (1): 1 } }, payload field 99 (varint)
    const metric = [0x0a, 0x02, 0x64, 0x73, 0x20, 0x10, 0x8a, 0x01, 0x02, 0x08, 0x01];
    const bytes = Uint8Array.from([0x12, metric.length, ...metric, 0x98, 0x06, 0x05, 0x18, 0x04]);
    expect(decodePayload(bytes)).toEqual({ metrics: [{ name: 'ds', datatype: 16, value: { field: 'unsupported', fieldNo: 17 } }], seq: 4n });
  });

  it('refuses what is not a Sparkplug payload with the reason', () => {
    expect(() => decodePayload(new TextEncoder().encode('{"value": 1}'))).toThrow(SparkplugDecodeError);
    expect(() => decodePayload(Uint8Array.from([0x12, 0x05, 0x0a]))).toThrow(/truncated|premature|past the end/);
    expect(() => decodePayload(Uint8Array.from([0x0a, 0x01, 0x41]))).toThrow(/Payload field 1 has wire type length-delimited, expected varint/);
    expect(() => decodePayload(Uint8Array.from([0x12, 0x03, 0x0a, 0x01, 0xff]))).toThrow(SparkplugDecodeError); // bad UTF-8 name
    expect(decodePayload(new Uint8Array(0))).toEqual({ metrics: [] });
  });
});
