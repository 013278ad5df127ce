import canonicalize from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../src/canonical.ts';
import { InvalidArgumentError } from '../src/errors.ts';

describe('canonical JSON (RFC 8785)', () => {
  it('gives the same bytes as the reference implementation by an RFC author', () => {
    const samples: unknown[] = [
      { b: 1, a: [true, null, 'x'], c: { z: 1e21, y: -0, x: 0.1 + 0.2 } },
      { '\u20ac': 1, '\r': 2, '1': 3, é: 4, '😀': 5 },
      [1.5e-7, 123456789012345680000, 'line\nbreak "quoted"'],
      { nested: { deeper: { list: [{ b: 2, a: 1 }] } } },
    ];
    for (const s of samples) expect(canonicalJson(s, 'data')).toBe((canonicalize as unknown as (v: unknown) => string)(s));
  });

  it('refuses values JSON cannot carry, naming the path', () => {
    const bad: [unknown, string][] = [
      [{ a: Number.POSITIVE_INFINITY }, 'data.a'],
      [{ a: [1, { b: undefined as unknown as number }, () => 1] }, 'data.a[2]'],
      [{ m: new Map() }, 'data.m'],
      [{ s: 'ok', t: '\uD800' }, 'data.t'],
      [{ sym: Symbol('x') }, 'data.sym'],
    ];
    for (const [v, field] of bad) {
      const e = (() => {
        try {
          canonicalJson(v, 'data');
          return null;
        } catch (x) {
          return x;
        }
      })();
      expect(e).toBeInstanceOf(InvalidArgumentError);
      expect((e as InvalidArgumentError).field).toBe(field);
    }
  });

  it('drops undefined members like JSON.stringify does', () => {
    expect(canonicalJson({ a: undefined, b: 1 }, 'data')).toBe('{"b":1}');
  });
});

describe('seal', () => {
  it('is HMAC-SHA256 of the hash under the seal key', async () => {
    const { createHmac } = await import('node:crypto');
    const { sealOf } = await import('../src/ledger.ts');
    const key = Buffer.from('0123456789abcdef0123456789abcdef');
    const h = 'f'.repeat(64);
    expect(sealOf(key, h)).toBe(createHmac('sha256', key).update(h).digest('hex'));
  });
});
