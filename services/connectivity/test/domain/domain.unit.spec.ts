// The pure rules: quality from status codes, UNS mapping, batching with stable ids, admission
// under both overflow policies, MQTT payload decoding.
import { describe, expect, it } from 'vitest';
import { parseUnsSampleBatch, type UnsSample } from '@industrial/contracts';
import { Batcher, MAX_SAMPLES_PER_BATCH } from '../../src/domain/batcher.ts';
import { planAdmission } from '../../src/domain/buffer-policy.ts';
import { InvalidSourceInputError } from '../../src/domain/errors.ts';
import { autoMapBrowsePath, explicitMapping, findUnsCollision, toUnsToken } from '../../src/domain/mapping.ts';
import { decodeMqttPayload } from '../../src/domain/mqtt-payload.ts';
import { qualityOf, toSampleValue } from '../../src/domain/quality.ts';
import { parseSourceSpec } from '../../src/domain/source.ts';

const SRC = '0190a0b0-0000-7000-8000-000000000001';
const sample = (tag: string, value: number, ts = '2025-03-05T10:00:00.000Z'): UnsSample => ({
  tag,
  value,
  quality: { severity: 'Good', code: 0 },
  sourceTimestamp: ts,
  serverTimestamp: ts,
});
const fakeId = (s: string, a: string, n: number) =>
  `00000000-0000-5000-8000-${(a.length * 1000 + n).toString(16).padStart(12, '0')}${s.length === 0 ? 'x' : ''}`;

describe('quality', () => {
  it('takes the severity from bits 31–30 and keeps the whole code', () => {
    expect(qualityOf(0)).toEqual({ severity: 'Good', code: 0 });
    expect(qualityOf(0x40900000)).toEqual({ severity: 'Uncertain', code: 0x40900000 });
    expect(qualityOf(0x808c0000)).toEqual({ severity: 'Bad', code: 0x808c0000 });
    expect(qualityOf(-2138308608)).toEqual({ severity: 'Bad', code: 0x808c0000 }); // signed int from a decoder
  });
  it('narrows values a sample can carry and refuses the rest', () => {
    expect(toSampleValue(1.5)).toBe(1.5);
    expect(toSampleValue(Number.NaN)).toBeUndefined();
    expect(toSampleValue([0, 5])).toBe(5); // Int64 [hi, lo]
    expect(toSampleValue({ text: 'Running' })).toBe('Running');
    expect(toSampleValue(new Date('2025-01-01T00:00:00Z'))).toBe('2025-01-01T00:00:00.000Z');
    expect(toSampleValue([1, 2, 3])).toBeUndefined();
  });
});

describe('mapping', () => {
  it('maps the last six browse names to enterprise/site/area/line/asset/tag', () => {
    expect(autoMapBrowsePath(['Acme', 'Plant 1', 'utilities', 'cooling-water', 'pump-4', 'Vibration RMS'])).toEqual({
      ok: true,
      asset: { enterprise: 'acme', site: 'plant_1', area: 'utilities', line: 'cooling-water', asset: 'pump-4' },
      assetPath: 'acme.plant_1.utilities.cooling-water.pump-4',
      tag: 'vibration_rms',
    });
    expect(autoMapBrowsePath(['pump-4', 'flow'])).toMatchObject({ ok: false, reason: expect.stringMatching(/shallower/) });
    expect(toUnsToken('Température °C')).toBe('temperature_c');
    expect(toUnsToken('°°')).toBeNull();
  });
  it('refuses an explicit UNS path with an illegal token, naming the level', () => {
    const bad = () => explicitMapping(SRC, { address: 'ns=2;s=x', unsPath: 'acme.plant-1.Utilities.cw.p1.flow' }, { samplingIntervalMs: 100 }, 3);
    expect(bad).toThrow(InvalidSourceInputError);
    expect(bad).toThrow(/mappings\[3\]\.uns_path: UNS area "Utilities" is invalid/);
    expect(() => explicitMapping(SRC, { address: 'ns=2;s=x', unsPath: 'acme.plant-1.u.cw.p1' }, { samplingIntervalMs: 100 })).toThrow(
      /missing the tag|names an asset/,
    );
  });
  it('finds two addresses mapped to one UNS tag', () => {
    const a = explicitMapping(SRC, { address: 'a', unsPath: 'e.s.a.l.x.t' }, { samplingIntervalMs: 100 });
    const b = explicitMapping(SRC, { address: 'b', unsPath: 'e/s/a/l/x/t' }, { samplingIntervalMs: 100 });
    expect(findUnsCollision([a, b])).toMatchObject({ a: { address: 'a' }, b: { address: 'b' } });
  });
});

describe('batching', () => {
  it('cuts one batch per asset with consecutive sequences that resume after a restart', () => {
    const b = new Batcher(SRC, new Map([['e.s.a.l.x', 41]]));
    b.add('e.s.a.l.x', sample('t', 1));
    b.add('e.s.a.l.y', sample('t', 2));
    b.add('e.s.a.l.x', sample('u', 3));
    const cut = b.cut('2025-03-05T10:00:01Z', fakeId);
    expect(cut.map((c) => [c.assetPath, c.seq, c.batch.samples.length])).toEqual([
      ['e.s.a.l.x', 42, 2],
      ['e.s.a.l.y', 1, 1],
    ]);
    expect(cut[0]!.batch.batchId).toBe(fakeId(SRC, 'e.s.a.l.x', 42));
    for (const c of cut) expect(parseUnsSampleBatch(c.batch)).toEqual(c.batch);
    expect(b.cut('2025-03-05T10:00:02Z', fakeId)).toEqual([]);
  });
  it("stamps batches with the source's clock (a simulated plant runs ahead of wall time), the local clock only when no sample has one", () => {
    const b = new Batcher(SRC);
    b.add('e.s.a.l.x', sample('t', 1, '2025-01-06T07:59:00.000Z'));
    b.add('e.s.a.l.y', sample('t', 2, '2025-01-06T08:00:00.000Z'));
    expect(b.cut('2026-11-25T16:00:00.000Z', fakeId).map((c) => c.batch.plantTime)).toEqual(['2025-01-06T08:00:00.000Z', '2025-01-06T08:00:00.000Z']);
    b.add('e.s.a.l.x', sample('t', 3, 'not a time'));
    expect(b.cut('2026-11-25T16:00:01.000Z', fakeId).map((c) => c.batch.plantTime)).toEqual(['2026-11-25T16:00:01.000Z']);
  });
  it('splits an asset above the contract limit', () => {
    const b = new Batcher(SRC);
    for (let i = 0; i < MAX_SAMPLES_PER_BATCH + 1; i++) b.add('e.s.a.l.x', sample('t', i));
    expect(b.cut('2025-03-05T10:00:01Z', fakeId).map((c) => [c.seq, c.batch.samples.length])).toEqual([
      [1, MAX_SAMPLES_PER_BATCH],
      [2, 1],
    ]);
  });
});

describe('store-and-forward admission', () => {
  const incoming = { samples: 4, oldestSourceTs: '2025-01-01T00:00:10.000Z', newestSourceTs: '2025-01-01T00:00:11.000Z' };
  const buffered = [
    { seq: 1, samples: 3, oldestSourceTs: '2025-01-01T00:00:00.000Z', newestSourceTs: '2025-01-01T00:00:01.000Z' },
    { seq: 2, samples: 3, oldestSourceTs: '2025-01-01T00:00:02.000Z', newestSourceTs: '2025-01-01T00:00:03.000Z' },
  ];
  it('admits what fits', () => {
    expect(planAdmission({ capacity: 10, used: 6, incoming, policy: 'drop-oldest', oldest: () => buffered })).toMatchObject({
      accept: true,
      evict: [],
      droppedSamples: 0,
    });
  });
  it('under drop-oldest evicts whole batches from the front and reports their time span', () => {
    expect(planAdmission({ capacity: 8, used: 6, incoming, policy: 'drop-oldest', oldest: () => buffered })).toEqual({
      accept: true,
      evict: [1],
      droppedSamples: 3,
      droppedFrom: '2025-01-01T00:00:00.000Z',
      droppedTo: '2025-01-01T00:00:01.000Z',
    });
  });
  it('under drop-newest refuses the incoming batch', () => {
    expect(planAdmission({ capacity: 8, used: 6, incoming, policy: 'drop-newest', oldest: () => buffered })).toEqual({
      accept: false,
      evict: [],
      droppedSamples: 4,
      droppedFrom: incoming.oldestSourceTs,
      droppedTo: incoming.newestSourceTs,
    });
  });
  it('refuses a batch larger than the whole buffer', () => {
    expect(planAdmission({ capacity: 3, used: 0, incoming, policy: 'drop-oldest', oldest: () => [] })).toMatchObject({ accept: false, droppedSamples: 4 });
  });
});

describe('MQTT payloads', () => {
  const m = explicitMapping(SRC, { address: 'plant/pump-1/flow', unsPath: 'e.s.a.l.pump-1.flow', unit: 'm3/h' }, { samplingIntervalMs: 100 });
  const now = '2025-03-05T10:00:00.500Z';
  it('takes a bare number, or value/timestamp/quality fields', () => {
    expect(decodeMqttPayload('21.5', m, now)).toMatchObject({ ok: true, sample: { tag: 'flow', value: 21.5, unit: 'm3/h', sourceTimestamp: now } });
    expect(decodeMqttPayload('{"value":3,"timestamp":1741168800000,"quality":"Uncertain"}', m, now)).toMatchObject({
      ok: true,
      sample: { value: 3, sourceTimestamp: '2025-03-05T10:00:00.000Z', quality: { severity: 'Uncertain', code: 0x40000000 } },
    });
  });
  it('refuses malformed payloads with the reason', () => {
    expect(decodeMqttPayload('{"value": ', m, now)).toMatchObject({ ok: false, reason: expect.stringMatching(/not JSON/) });
    expect(decodeMqttPayload('{"v": 1}', m, now)).toMatchObject({ ok: false, reason: expect.stringMatching(/no value field/) });
    expect(decodeMqttPayload('"high"', m, now)).toMatchObject({ ok: false, reason: expect.stringMatching(/must be a number/) });
    expect(decodeMqttPayload('{"value":1,"timestamp":"yesterday"}', m, now)).toMatchObject({ ok: false, reason: expect.stringMatching(/timestamp/) });
  });
  it('refuses timestamps outside the years 0001–9999 instead of throwing or writing a 6-digit year', () => {
    // 1e20 made toISOString() throw inside the MQTT message handler; 1e15 gave "+033658-…", which the
    // contract refuses, dropping the valid samples batched with it.
    for (const ts of ['1e20', '1e15', '-1e15', '"9999-99-99T00:00:00Z"']) {
      expect(decodeMqttPayload(`{"value":1,"timestamp":${ts}}`, m, now)).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/is neither ISO-8601 nor epoch milliseconds/),
      });
    }
    expect(decodeMqttPayload('{"value":1,"timestamp":253402300799999}', m, now)).toMatchObject({
      ok: true,
      sample: { sourceTimestamp: '9999-12-31T23:59:59.999Z' },
    });
    expect(decodeMqttPayload('{"value":1,"ts":0}', m, now)).toMatchObject({ ok: true, sample: { sourceTimestamp: '1970-01-01T00:00:00.000Z' } });
  });
});

describe('source registration', () => {
  it('fills defaults and names the first bad field', () => {
    const spec = parseSourceSpec({ sourceId: SRC, name: 'Filler', protocol: 'opcua', endpoint: 'opc.tcp://10.0.0.1:4840' });
    expect(spec).toMatchObject({ securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256', auth: { kind: 'anonymous' } });
    expect(() => parseSourceSpec({ sourceId: SRC, name: 'x', protocol: 'opcua', endpoint: 'http://x' })).toThrow(/^endpoint: must be an opc\.tcp/);
    expect(() =>
      parseSourceSpec({ sourceId: SRC, name: 'x', protocol: 'opcua', endpoint: 'opc.tcp://x:1', securityMode: 'Sign', securityPolicy: 'None' }),
    ).toThrow(/^securityPolicy:/);
    expect(() =>
      parseSourceSpec({ sourceId: SRC, name: 'x', protocol: 'opcua', endpoint: 'opc.tcp://x:1', subscription: { deadband: { type: 'percent', value: 120 } } }),
    ).toThrow(/^subscription\.deadband\.value/);
  });
});
