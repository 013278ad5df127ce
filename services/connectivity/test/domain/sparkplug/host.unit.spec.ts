// The Sparkplug B host state machine: births, aliases, types, timestamps, seq gaps, deaths, is_null,
// rebirth requests and their spacing, and the asset mapping.
import { describe, expect, it } from 'vitest';
import { BAD_NO_DATA, parseSparkplugTopic, SparkplugHost, sparkplugAsset, type SparkplugMapping } from '../../../src/domain/sparkplug/host.ts';
import { sampleValueOf } from '../../../src/domain/sparkplug/metric-values.ts';
import { parseSourceSpec } from '../../../src/domain/source.ts';
import { DataType, type Metric, type Payload } from '../../../src/domain/sparkplug/payload.ts';

const SRC = '0190a0b0-0000-7000-8000-0000000000aa';
const T0 = Date.parse('2025-03-05T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const cfg: SparkplugMapping = { groupId: 'Plant 1', enterprise: 'acme', site: 'plant-1', nodeAsset: 'node', assets: [], rebirthIntervalMs: 5_000 };

function topic(s: string) {
  const t = parseSparkplugTopic(s);
  if (t === null) throw new Error(`bad topic ${s}`);
  return t;
}

const nbirth = (seq: number, bdSeq: number, metrics: Metric[] = []): Payload => ({
  timestamp: BigInt(T0),
  seq: BigInt(seq),
  metrics: [
    { name: 'bdSeq', datatype: DataType.Int64, value: { field: 'long', value: BigInt(bdSeq) } },
    { name: 'Node Control/Rebirth', datatype: DataType.Boolean, value: { field: 'boolean', value: false } },
    ...metrics,
  ],
});

const dbirthMetrics: Metric[] = [
  {
    name: 'Inputs/Flow',
    alias: 10n,
    datatype: DataType.Float,
    timestamp: BigInt(T0 - 5),
    value: { field: 'float', value: 0.1 },
    properties: {
      keys: ['engUnit', 'engLow', 'engHigh'],
      values: [{ value: { field: 'string', value: 'm3/h' } }, { value: { field: 'double', value: 0 } }, { value: { field: 'double', value: 100 } }],
    },
  },
  { name: 'Running', alias: 11n, datatype: DataType.Boolean, value: { field: 'boolean', value: true } },
  { name: 'Mode', alias: 12n, datatype: DataType.String, value: { field: 'string', value: 'auto' } },
  { name: 'Count', alias: 13n, datatype: DataType.Int16, value: { field: 'int', value: 0xfffe } },
  { name: 'Snapshot', alias: 14n, datatype: DataType.DataSet },
  { name: 'Level', alias: 15n, datatype: DataType.Double, isNull: true },
];

function bornHost() {
  const h = new SparkplugHost(SRC, cfg, 100);
  const n = h.handle(
    topic('spBv1.0/Plant 1/NBIRTH/Edge-1'),
    nbirth(0, 4, [{ name: 'CPU', alias: 1n, datatype: DataType.Double, value: { field: 'double', value: 12.5 } }]),
    T0 + 10,
  );
  const d = h.handle(topic('spBv1.0/Plant 1/DBIRTH/Edge-1/Pump 1'), { timestamp: BigInt(T0 + 1), seq: 1n, metrics: dbirthMetrics }, T0 + 11);
  return { h, n, d };
}

describe('Sparkplug topics and the asset mapping', () => {
  it('parses node and device topics and nothing else', () => {
    expect(parseSparkplugTopic('spBv1.0/G/NDATA/E')).toEqual({ group: 'G', type: 'NDATA', edgeNode: 'E', device: null });
    expect(parseSparkplugTopic('spBv1.0/G/DDATA/E/D')).toEqual({ group: 'G', type: 'DDATA', edgeNode: 'E', device: 'D' });
    for (const bad of ['spBv1.0/STATE/host', 'spBv1.0/G/NDATA/E/D', 'spBv1.0/G/DDATA/E', 'spBv1.0/G/XDATA/E', 'spAv1.0/G/NDATA/E', 'spBv1.0/G/NDATA/']) {
      expect(parseSparkplugTopic(bad)).toBeNull();
    }
  });

  it('maps group/edge node/device to area/line/asset by default, explicitly when configured', () => {
    expect(sparkplugAsset(cfg, 'Edge-1', 'Pump 1')).toMatchObject({ ok: true, assetPath: 'acme.plant-1.plant_1.edge-1.pump_1' });
    expect(sparkplugAsset(cfg, 'Edge-1', null)).toMatchObject({ ok: true, assetPath: 'acme.plant-1.plant_1.edge-1.node' });
    const explicit = { ...cfg, area: 'utilities', assets: [{ edgeNode: 'Edge-1', device: 'Pump 1', assetPath: 'acme.plant-1.utilities.cw.pump-1' }] };
    expect(sparkplugAsset(explicit, 'Edge-1', 'Pump 1')).toMatchObject({ ok: true, assetPath: 'acme.plant-1.utilities.cw.pump-1' });
    expect(sparkplugAsset(explicit, 'Edge-1', 'Pump 2')).toMatchObject({ ok: true, assetPath: 'acme.plant-1.utilities.edge-1.pump_2' });
    expect(sparkplugAsset(cfg, 'Edge-1', '***')).toMatchObject({ ok: false, reason: expect.stringContaining('device id "***"') });
  });

  it('converts each scalar type, sign-extending the signed integers', () => {
    expect(sampleValueOf(DataType.Int8, { field: 'int', value: 0xff })).toEqual({ ok: true, value: -1 });
    expect(sampleValueOf(DataType.Int32, { field: 'int', value: 0x80000000 })).toEqual({ ok: true, value: -2147483648 });
    expect(sampleValueOf(DataType.UInt32, { field: 'int', value: 0xffffffff })).toEqual({ ok: true, value: 4294967295 });
    expect(sampleValueOf(DataType.Int64, { field: 'long', value: 0xffffffffffffffffn })).toEqual({ ok: true, value: -1 });
    expect(sampleValueOf(DataType.UInt64, { field: 'long', value: 42n })).toEqual({ ok: true, value: 42 });
    expect(sampleValueOf(DataType.Float, { field: 'float', value: Math.fround(0.1) })).toEqual({ ok: true, value: 0.1 });
    expect(sampleValueOf(DataType.Double, { field: 'double', value: 0.1 })).toEqual({ ok: true, value: 0.1 });
    expect(sampleValueOf(DataType.Boolean, { field: 'boolean', value: false })).toEqual({ ok: true, value: false });
    expect(sampleValueOf(DataType.Text, { field: 'string', value: 'x' })).toEqual({ ok: true, value: 'x' });
    expect(sampleValueOf(DataType.DateTime, { field: 'long', value: BigInt(T0) })).toEqual({ ok: true, value: iso(T0) });
    expect(sampleValueOf(DataType.Int32, { field: 'string', value: '1' })).toEqual({ ok: false, reason: 'Int32 carried in string_value' });
    expect(sampleValueOf(DataType.Double, { field: 'double', value: NaN })).toMatchObject({ ok: false });
    expect(sampleValueOf(DataType.Bytes, { field: 'bytes', value: new Uint8Array() })).toMatchObject({ ok: false });
  });
});

describe('SparkplugHost', () => {
  it('NBIRTH/DBIRTH define the tags (type, unit, range) and their values become samples; bdSeq, controls and unsupported types are not tags', () => {
    const { n, d } = bornHost();
    expect(n.birth).toBe(true);
    expect(n.mapped.map((m) => `${m.assetPath}.${m.tag}`)).toEqual(['acme.plant-1.plant_1.edge-1.node.cpu']);
    expect(n.samples.map((s) => s.sample)).toEqual([
      { tag: 'cpu', value: 12.5, quality: { severity: 'Good', code: 0 }, sourceTimestamp: iso(T0), serverTimestamp: iso(T0) },
    ]);
    expect(d.mapped).toEqual([
      expect.objectContaining({
        address: 'spBv1.0/Plant 1/Edge-1/Pump 1#Inputs/Flow',
        assetPath: 'acme.plant-1.plant_1.edge-1.pump_1',
        tag: 'inputs_flow',
        dataType: 'number',
        unit: 'm3/h',
        range: { low: 0, high: 100 },
        samplingIntervalMs: 100,
      }),
      expect.objectContaining({ tag: 'running', dataType: 'boolean' }),
      expect.objectContaining({ tag: 'mode', dataType: 'string' }),
      expect.objectContaining({ tag: 'count', dataType: 'number' }),
      expect.objectContaining({ tag: 'level', dataType: 'number' }),
    ]);
    expect(d.samples.map((s) => [s.sample.tag, s.sample.value, s.sample.sourceTimestamp, s.sample.serverTimestamp])).toEqual([
      ['inputs_flow', 0.1, iso(T0 - 5), iso(T0 + 1)],
      ['running', true, iso(T0 + 1), iso(T0 + 1)],
      ['mode', 'auto', iso(T0 + 1), iso(T0 + 1)],
      ['count', -2, iso(T0 + 1), iso(T0 + 1)],
    ]); // Level is null with no value before it: absent, not 0
    expect(d.samples[0]?.sample.unit).toBe('m3/h');
    expect(d.refused).toEqual(['DBIRTH from Edge-1/Pump 1: metric "Snapshot" is a DataSet, not a type a UNS sample can carry']);
    expect(d.gap).toBeNull();
    expect(d.rebirth).toBeNull();
  });

  it('DDATA by alias (and by name) → samples with the metric timestamp as source and the payload timestamp as server timestamp', () => {
    const { h } = bornHost();
    const out = h.handle(
      topic('spBv1.0/Plant 1/DDATA/Edge-1/Pump 1'),
      {
        timestamp: BigInt(T0 + 1000),
        seq: 2n,
        metrics: [
          { alias: 10n, timestamp: BigInt(T0 + 990), value: { field: 'float', value: 21.5 } },
          { name: 'Running', value: { field: 'boolean', value: false } },
          { alias: 14n }, // the DataSet: known, ignored
        ],
      },
      T0 + 2000,
    );
    expect(out.samples.map((s) => s.sample)).toEqual([
      {
        tag: 'inputs_flow',
        value: 21.5,
        unit: 'm3/h',
        quality: { severity: 'Good', code: 0 },
        sourceTimestamp: iso(T0 + 990),
        serverTimestamp: iso(T0 + 1000),
      },
      { tag: 'running', value: false, quality: { severity: 'Good', code: 0 }, sourceTimestamp: iso(T0 + 1000), serverTimestamp: iso(T0 + 1000) },
    ]);
    expect(out.mapped).toEqual([]);
    expect(out.refused).toEqual([]);
    expect(out.gap).toBeNull();
    // no payload timestamp: the receipt stands in
    const late = h.handle(topic('spBv1.0/Plant 1/NDATA/Edge-1'), { seq: 3n, metrics: [{ alias: 1n, value: { field: 'double', value: 13 } }] }, T0 + 3000);
    expect(late.samples[0]?.sample).toMatchObject({ tag: 'cpu', value: 13, sourceTimestamp: iso(T0 + 3000), serverTimestamp: iso(T0 + 3000) });
  });

  it('is_null → the last value Bad (BadNoData), never 0; a wrong type is refused with the reason', () => {
    const { h } = bornHost();
    const out = h.handle(
      topic('spBv1.0/Plant 1/DDATA/Edge-1/Pump 1'),
      {
        timestamp: BigInt(T0 + 1000),
        seq: 2n,
        metrics: [
          { alias: 10n, isNull: true },
          { alias: 15n, isNull: true },
          { alias: 12n, value: { field: 'int', value: 3 } },
          { alias: 11n, datatype: DataType.String, value: { field: 'string', value: 'x' } },
        ],
      },
      T0 + 2000,
    );
    expect(out.samples.map((s) => s.sample)).toEqual([
      {
        tag: 'inputs_flow',
        value: 0.1,
        unit: 'm3/h',
        quality: { severity: 'Bad', code: BAD_NO_DATA },
        sourceTimestamp: iso(T0 + 1000),
        serverTimestamp: iso(T0 + 1000),
      },
    ]);
    expect(out.refused).toEqual([
      'DDATA from Edge-1/Pump 1: metric "Mode": String carried in int_value',
      'DDATA from Edge-1/Pump 1: metric "Running" is a String, its birth said Boolean',
    ]);
  });

  it('a seq gap is reported and answered with a rebirth request (spaced), and the data still flows; seq wraps 255 → 0', () => {
    const h = new SparkplugHost(SRC, cfg, 100);
    h.handle(topic('spBv1.0/Plant 1/NBIRTH/E'), nbirth(254, 1, [{ name: 'x', alias: 1n, datatype: DataType.Int32, value: { field: 'int', value: 1 } }]), T0);
    const data = (seq: number, v: number, at: number) =>
      h.handle(topic('spBv1.0/Plant 1/NDATA/E'), { seq: BigInt(seq), metrics: [{ alias: 1n, value: { field: 'int', value: v } }] }, at);
    expect(data(255, 2, T0 + 1).gap).toBeNull();
    expect(data(0, 3, T0 + 2).gap).toBeNull();
    const gap = data(2, 4, T0 + 3);
    expect(gap.gap).toEqual({ edgeNode: 'E', expected: 1, got: 2, messageType: 'NDATA' });
    expect(gap.rebirth).toEqual({ edgeNode: 'E', kind: 'sequence-gap', reason: 'seq gap from E: expected 1, got 2 (NDATA)', expectedSeq: 1, receivedSeq: 2 });
    expect(gap.samples.map((s) => s.sample.value)).toEqual([4]);
    // tracking continues from the seq seen; a second gap within the interval: reported, no second request
    expect(data(3, 5, T0 + 4).gap).toBeNull();
    const again = data(9, 6, T0 + 5);
    expect(again.gap).toMatchObject({ expected: 4, got: 9 });
    expect(again.rebirth).toBeNull();
    expect(data(11, 7, T0 + 5_010).rebirth).not.toBeNull(); // the interval has passed
    // a message without seq is a gap too
    expect(h.handle(topic('spBv1.0/Plant 1/NDATA/E'), { metrics: [] }, T0 + 20_000).gap).toEqual({
      edgeNode: 'E',
      expected: 12,
      got: null,
      messageType: 'NDATA',
    });
    // the NBIRTH answering the request resets the spacing and the seq
    h.handle(topic('spBv1.0/Plant 1/NBIRTH/E'), nbirth(0, 1), T0 + 20_001);
    const after = data(1, 1, T0 + 20_002);
    expect(after.gap).toBeNull();
    expect(after.samples).toEqual([]); // the new birth has no metric x: unknown alias
    expect(after.refused).toEqual(['NDATA from E: alias 1 is not in the birth certificate; dropped']);
    expect(after.rebirth).toEqual({
      edgeNode: 'E',
      kind: 'unknown-alias',
      reason: 'NDATA from E: unknown metric alias 1',
      expectedSeq: null,
      receivedSeq: null,
    });
  });

  it('data before NBIRTH or DBIRTH is dropped and a rebirth requested, once per interval', () => {
    const h = new SparkplugHost(SRC, cfg, 100);
    const nd = h.handle(
      topic('spBv1.0/Plant 1/NDATA/E'),
      { seq: 5n, metrics: [{ name: 'x', datatype: DataType.Int32, value: { field: 'int', value: 1 } }] },
      T0,
    );
    expect(nd.samples).toEqual([]);
    expect(nd.rebirth).toEqual({ edgeNode: 'E', kind: 'data-before-birth', reason: 'NDATA from E before its NBIRTH', expectedSeq: null, receivedSeq: null });
    expect(h.handle(topic('spBv1.0/Plant 1/DDATA/E/D'), { seq: 6n, metrics: [] }, T0 + 1).rebirth).toBeNull();
    h.handle(topic('spBv1.0/Plant 1/NBIRTH/E'), nbirth(0, 0), T0 + 2);
    const dd = h.handle(topic('spBv1.0/Plant 1/DDATA/E/D'), { seq: 1n, metrics: [{ alias: 1n, value: { field: 'int', value: 1 } }] }, T0 + 3);
    expect(dd.gap).toBeNull();
    expect(dd.samples).toEqual([]);
    expect(dd.rebirth).toEqual({ edgeNode: 'E', kind: 'data-before-birth', reason: 'DDATA from E/D before its DBIRTH', expectedSeq: null, receivedSeq: null });
    expect(h.onlineNodes()).toEqual(['E']);
  });

  it('DDEATH marks the device Bad; NDEATH (with the current bdSeq) marks the node and its devices Bad; a stale NDEATH is ignored', () => {
    const { h } = bornHost();
    const dd = h.handle(topic('spBv1.0/Plant 1/DDEATH/Edge-1/Pump 1'), { timestamp: BigInt(T0 + 5000), seq: 2n, metrics: [] }, T0 + 5001);
    expect(dd.death).toBe(true);
    expect(dd.samples.map((s) => [s.sample.tag, s.sample.value, s.sample.quality.severity, s.sample.quality.code, s.sample.sourceTimestamp])).toEqual([
      ['inputs_flow', 0.1, 'Bad', 0x80310000, iso(T0 + 5000)],
      ['running', true, 'Bad', 0x80310000, iso(T0 + 5000)],
      ['mode', 'auto', 'Bad', 0x80310000, iso(T0 + 5000)],
      ['count', -2, 'Bad', 0x80310000, iso(T0 + 5000)],
    ]);
    // data of the dead device: as before its birth
    expect(
      h.handle(topic('spBv1.0/Plant 1/DDATA/Edge-1/Pump 1'), { seq: 3n, metrics: [{ alias: 10n, value: { field: 'float', value: 1 } }] }, T0 + 5002),
    ).toMatchObject({ samples: [], rebirth: { edgeNode: 'Edge-1' } });
    const stale = h.handle(
      topic('spBv1.0/Plant 1/NDEATH/Edge-1'),
      { metrics: [{ name: 'bdSeq', datatype: DataType.Int64, value: { field: 'long', value: 3n } }] },
      T0 + 6000,
    );
    expect(stale).toMatchObject({ death: false, samples: [], ignored: 'stale NDEATH of Edge-1 (bdSeq 3, current birth 4)' });
    const death = h.handle(
      topic('spBv1.0/Plant 1/NDEATH/Edge-1'),
      { timestamp: BigInt(T0 - 99_000), metrics: [{ name: 'bdSeq', datatype: DataType.Int64, value: { field: 'long', value: 4n } }] },
      T0 + 7000,
    );
    expect(death.death).toBe(true);
    // the will was written at connect time: the receipt is when the node died
    expect(death.samples.map((s) => [s.sample.tag, s.sample.quality.severity, s.sample.sourceTimestamp])).toEqual([['cpu', 'Bad', iso(T0 + 7000)]]);
    expect(h.onlineNodes()).toEqual([]);
    expect(h.handle(topic('spBv1.0/Plant 1/NDATA/Edge-1'), { seq: 4n, metrics: [] }, T0 + 10_003).rebirth).toEqual({
      edgeNode: 'Edge-1',
      kind: 'data-before-birth',
      reason: 'NDATA from Edge-1 before its NBIRTH',
      expectedSeq: null,
      receivedSeq: null,
    });
  });

  it('a rebirth with the same metrics maps nothing new; commands and other groups are ignored', () => {
    const { h } = bornHost();
    const again = h.handle(
      topic('spBv1.0/Plant 1/NBIRTH/Edge-1'),
      nbirth(0, 5, [{ name: 'CPU', alias: 1n, datatype: DataType.Double, value: { field: 'double', value: 1 } }]),
      T0 + 9000,
    );
    expect(again.mapped).toEqual([]);
    expect(again.samples).toHaveLength(1);
    const changed = h.handle(
      topic('spBv1.0/Plant 1/NBIRTH/Edge-1'),
      nbirth(0, 6, [{ name: 'CPU', alias: 1n, datatype: DataType.String, value: { field: 'string', value: 'hi' } }]),
      T0 + 9001,
    );
    expect(changed.mapped).toEqual([expect.objectContaining({ tag: 'cpu', dataType: 'string' })]);
    expect(h.handle(topic('spBv1.0/Plant 1/NCMD/Edge-1'), { metrics: [] }, T0).ignored).toMatch(/command/);
    expect(h.handle(topic('spBv1.0/Other/NDATA/Edge-1'), { metrics: [] }, T0).ignored).toMatch(/group Other/);
  });

  it('refuses births it cannot map, naming the metric', () => {
    const h = new SparkplugHost(SRC, cfg, 100);
    const out = h.handle(
      topic('spBv1.0/Plant 1/NBIRTH/E'),
      nbirth(0, 0, [
        { name: 'a', alias: 1n, datatype: DataType.Int32, value: { field: 'int', value: 1 } },
        { name: 'b', alias: 1n, datatype: DataType.Int32, value: { field: 'int', value: 1 } },
        { name: 'A', alias: 2n, datatype: DataType.Int32, value: { field: 'int', value: 1 } },
        { name: 'c', alias: 3n, value: { field: 'int', value: 1 } },
        { alias: 4n, datatype: DataType.Int32 },
      ]),
      T0,
    );
    expect(out.refused).toEqual([
      'NBIRTH from E: metric "b" reuses alias 1 of "a"',
      'NBIRTH from E: metrics "a" and "A" both map to tag a',
      'NBIRTH from E: metric "c" has no datatype',
      'NBIRTH from E: a metric without a name',
    ]);
    expect(out.mapped.map((m) => m.tag)).toEqual(['a']);
  });
});

describe('Sparkplug B source spec', () => {
  const base = { sourceId: SRC, name: 'edge broker', protocol: 'mqtt', endpoint: 'mqtt://127.0.0.1:1883' };
  it('defaults to JSON; sparkplug-b needs a group, enterprise and site, and fills the rest', () => {
    expect(parseSourceSpec(base)).toMatchObject({ payloadFormat: 'json', sparkplug: null });
    const spec = parseSourceSpec({ ...base, payloadFormat: 'sparkplug-b', sparkplug: { groupId: 'Plant 1', enterprise: 'acme', site: 'plant-1' } });
    expect(spec).toMatchObject({
      payloadFormat: 'sparkplug-b',
      sparkplug: { groupId: 'Plant 1', enterprise: 'acme', site: 'plant-1', nodeAsset: 'node', assets: [], rebirthIntervalMs: 5_000 },
    });
  });

  it('refuses a bad Sparkplug configuration naming the field', () => {
    const sp =
      (sparkplug: unknown, payloadFormat = 'sparkplug-b') =>
      () =>
        parseSourceSpec({ ...base, payloadFormat, sparkplug });
    expect(sp(null)).toThrow(/^sparkplug: is required with payloadFormat sparkplug-b/);
    expect(sp({ groupId: 'G', enterprise: 'acme', site: 'p' }, 'json')).toThrow(/^sparkplug: only goes with payloadFormat sparkplug-b/);
    expect(sp({ groupId: 'G', enterprise: 'acme', site: 'p' }, 'protobuf')).toThrow(/^payloadFormat:/);
    expect(sp({ groupId: 'a/#', enterprise: 'acme', site: 'p' })).toThrow(/^sparkplug\.groupId: must not contain \/, \+ or #/);
    expect(sp({ groupId: 'G', enterprise: 'Acme', site: 'p' })).toThrow(/^sparkplug\.enterprise: must be a UNS token/);
    expect(sp({ groupId: '***', enterprise: 'acme', site: 'p' })).toThrow(/^sparkplug\.area: is required/);
    expect(sp({ groupId: 'G', enterprise: 'acme', site: 'p', assets: [{ edgeNode: 'E', assetPath: 'acme.p.a.l' }] })).toThrow(
      /^sparkplug\.assets\.0\.assetPath: .*missing the asset level/,
    );
    expect(
      sp({
        groupId: 'G',
        enterprise: 'acme',
        site: 'p',
        assets: [
          { edgeNode: 'E', assetPath: 'acme.p.a.l.x' },
          { edgeNode: 'E', device: null, assetPath: 'acme.p.a.l.y' },
        ],
      }),
    ).toThrow(/^sparkplug\.assets\.1: E is mapped twice/);
    expect(sp({ groupId: 'G', enterprise: 'acme', site: 'p', rebirthIntervalMs: -1 })).toThrow(/^sparkplug\.rebirthIntervalMs/);
  });
});
