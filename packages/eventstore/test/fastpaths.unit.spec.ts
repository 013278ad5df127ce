import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../src/canonical.ts';
import { headerOf, headerOfValidated, sealMatches, sealOf } from '../src/ledger.ts';
import { metadataParts, prepareEvents, recordedMetadataJson } from '../src/validation.ts';

describe('append fast paths give the bytes of the general ones', () => {
  const metas = [
    { actor: 'op-1', role: 'operator', correlationId: 'c-1', causationId: null, traceparent: null, schemaVersion: 1 },
    {
      actor: 'ä "quoted" \\ \n',
      role: 'service',
      correlationId: '😀',
      causationId: 'x',
      traceparent: '00-0123456789abcdef0123456789abcdef-0123456789abcdef-01',
      schemaVersion: 7,
    },
  ];
  it('metadata parts + recordedAt = canonicalJson of the recorded metadata', () => {
    for (const m of metas) {
      const at = new Date(1_700_000_000_123).toISOString();
      expect(recordedMetadataJson(metadataParts(m, 'metadata'), at)).toBe(canonicalJson({ ...m, recordedAt: at }, 'metadata'));
    }
  });
  it('prepareEvents shares one validation per metadata object and keeps paths', () => {
    const events = prepareEvents(
      [0, 1].map((i) => ({ id: `0190a8e2-7f3c-7a00-8000-00000000000${i}`, type: 'SampleMeasured', data: { i }, metadata: metas[0] })),
      undefined,
    );
    expect(events[0]?.metaHead).toBe(events[1]?.metaHead);
    expect(() =>
      prepareEvents([{ id: '0190a8e2-7f3c-7a00-8000-000000000000', type: 'SampleMeasured', data: {}, metadata: { ...metas[0], actor: '\ud800' } }], undefined),
    ).toThrow(/actor/);
  });
  it('headerOfValidated = headerOf for validated ids, streams and types', () => {
    const r = {
      id: '0190a8e2-7f3c-7a00-8000-000000000000',
      metadata: '{"a":1}',
      position: 12,
      revision: 3,
      stream: 'asset-acme.plant1/line2:pump+4@x_y-z',
      type: 'ModelPromoted',
    };
    expect(headerOfValidated(r.id, r.metadata, r.position, r.revision, JSON.stringify(r.stream), r.type)).toBe(headerOf(r));
  });
  it('seal is HMAC-SHA256 of the hash, also for malformed stored hashes', () => {
    const key = Buffer.alloc(32, 9);
    for (const h of ['ab'.repeat(32), 'AB'.repeat(32), 'é'.repeat(64), 'short']) {
      const want = createHmac('sha256', key).update(h).digest('hex');
      expect(sealOf(key, h)).toBe(want);
      expect(sealMatches(key, h, want)).toBe(true);
      expect(sealMatches(key, h, `${want.slice(0, 63)}0`)).toBe(want.endsWith('0'));
    }
  });
  it('seal checks decode a stored seal exactly as Buffer.from(seal, "hex") + timingSafeEqual did', () => {
    const key = Buffer.alloc(32, 3);
    const reference = (h: string, seal: string): boolean => {
      const expected = createHmac('sha256', key).update(h).digest();
      const actual = Buffer.from(seal, 'hex');
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    };
    for (const h of ['cd'.repeat(32), `${'cd'.repeat(31)}\u00e9x`, `${'cd'.repeat(31)}é`, '']) {
      const want = createHmac('sha256', key).update(h).digest('hex');
      const seals = [
        want,
        want.toUpperCase(),
        `${want}0`,
        `${want}zz`,
        `${want}00`,
        want.slice(0, 62),
        `${want.slice(0, 62)}z0`,
        '',
        'zz',
        `x${want}`,
        want.replace(/.$/, 'g'),
      ];
      for (const seal of seals) expect([h, seal, sealMatches(key, h, seal)]).toEqual([h, seal, reference(h, seal)]);
      // the general path and the in-place path give the same seal, and a wrong key never matches
      expect(sealOf(key, h)).toBe(want);
      expect(sealMatches(Buffer.alloc(32, 4), h, want)).toBe(false);
    }
  });
});
