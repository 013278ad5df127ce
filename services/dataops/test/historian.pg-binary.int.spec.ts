// The PostgreSQL historian sends its columns as binary arrays (pg-binary.ts): PostgreSQL itself
// reads them back here, element by element, including NULLs, extremes and empty arrays.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BinaryArray, OID, Utf8Cache } from '../src/adapters/historian/pg-binary.ts';
import { PG_URL } from './harness.ts';

describe('binary array parameters (PostgreSQL historian)', () => {
  let c: pg.Client;
  beforeAll(async () => {
    c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
  });
  afterAll(async () => {
    await c.end();
  });

  /** What PostgreSQL reads from the array, one text element per row (null stays null). */
  const readBack = async (type: string, a: BinaryArray): Promise<(string | null)[]> =>
    (await c.query<{ v: string | null }>(`SELECT v::text FROM unnest($1::${type}[]) WITH ORDINALITY AS u(v, i) ORDER BY i`, [a.finish()])).rows.map((r) => r.v);

  it('reads integers of every width, negative and at the limits, and NULLs', async () => {
    const i2 = BinaryArray.fixed(OID.int2, 2, 4);
    [0, 2, -32768, 32767].forEach((v) => i2.int2(v));
    expect(await readBack('smallint', i2)).toEqual(['0', '2', '-32768', '32767']);
    const i4 = BinaryArray.fixed(OID.int4, 4, 4);
    i4.int4(-2147483648);
    i4.null();
    i4.int4(2147483647);
    i4.int4(7);
    expect(await readBack('int', i4)).toEqual(['-2147483648', null, '2147483647', '7']);
    const i8 = BinaryArray.fixed(OID.int8, 8, 6);
    [0, -1, 4294967296, -4294967297, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER].forEach((v) => i8.int8(v));
    expect(await readBack('bigint', i8)).toEqual(['0', '-1', '4294967296', '-4294967297', '9007199254740991', '-9007199254740991']);
  });

  it('reads doubles bit for bit, specials included', async () => {
    const values = [0.1 + 0.2, -0, 5e-324, -1.7976931348623157e308, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
    const f = BinaryArray.fixed(OID.float8, 8, 1); // grows past its first estimate
    values.forEach((v) => f.float8(v));
    f.null();
    const back = (await c.query<{ v: number | null }>(`SELECT v FROM unnest($1::float8[]) WITH ORDINALITY AS u(v, i) ORDER BY i`, [f.finish()])).rows.map(
      (r) => r.v,
    );
    expect(back).toEqual([...values, null]);
    expect(Object.is(back[1], -0)).toBe(true);
  });

  it('reads text as UTF-8, repeated strings encoded once', async () => {
    const utf8 = new Utf8Cache();
    const t = new BinaryArray(OID.text, 4);
    const texts = ['bar', 'say "hi" \\ {x,y}', 'ünïcödé ✓ 𝄞', '', 'bar'];
    texts.forEach((v) => t.bytes(utf8.get(v)));
    t.null();
    expect(await readBack('text', t)).toEqual([...texts, null]);
    expect(utf8.get('bar')).toBe(utf8.get('bar'));
  });

  it('sends an empty array as one with no dimension', async () => {
    const r = await c.query<{ n: number; t: string }>('SELECT cardinality($1::int[]) AS n, $1::int[]::text AS t', [BinaryArray.fixed(OID.int4, 4, 0).finish()]);
    expect(r.rows[0]).toEqual({ n: 0, t: '{}' });
  });

  it('refuses numbers the column type cannot hold instead of truncating them', () => {
    expect(() => BinaryArray.fixed(OID.int4, 4, 1).int4(2 ** 31)).toThrow(RangeError);
    expect(() => BinaryArray.fixed(OID.int4, 4, 1).int4(1.5)).toThrow(RangeError);
    expect(() => BinaryArray.fixed(OID.int2, 2, 1).int2(40_000)).toThrow(RangeError);
    expect(() => BinaryArray.fixed(OID.int8, 8, 1).int8(2 ** 53)).toThrow(RangeError);
    expect(() => BinaryArray.fixed(OID.int8, 8, 1).int8(0.5)).toThrow(RangeError);
  });
});
