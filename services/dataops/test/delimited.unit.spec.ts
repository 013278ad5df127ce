import { describe, expect, it } from 'vitest';
import { detectDelimiter, readDelimited, sortAndDedupe, toCsvText, typeColumn, FileShapeError } from '../src/domain/delimited.ts';

describe('delimited files as users bring them', () => {
  it('detects comma, semicolon, tab and whitespace', () => {
    expect(detectDelimiter(['a,b,c', '1,2,3'])).toBe(',');
    expect(detectDelimiter(['a;b;c', '1,5;2;3'])).toBe(';');
    expect(detectDelimiter(['a\tb', '1\t2'])).toBe('\t');
    expect(detectDelimiter(['1 1 -0.0007  100.0', '1 2 0.0019  100.0'])).toBe('whitespace');
    expect(() => detectDelimiter(['hello', 'world'])).toThrow(/cannot tell how the columns are separated/);
  });

  it('reads a headerless file with --columns, detects a header, and refuses a delimiter that yields one column', () => {
    const t = readDelimited('1 1 5\n1 2 6\n', { columns: ['unit', 'cycle', 'Sensor 1'] });
    expect(t).toMatchObject({ delimiter: 'whitespace', header: false, names: ['unit', 'cycle', 'sensor_1'] });
    expect(readDelimited('Air temperature [K],Type\n300,L\n').names).toEqual(['air_temperature_k', 'type']);
    expect(readDelimited('1,2\n3,4\n')).toMatchObject({ header: false, names: ['col_1', 'col_2'] });
    expect(() => readDelimited('1 1 5\n1 2 6\n', { delimiter: 'comma' })).toThrow(FileShapeError);
    expect(() => readDelimited('1 1 5\n1 2 6\n', { delimiter: 'comma' })).toThrow(
      /not comma-separated: every line reads as a single column; it looks whitespace-separated/,
    );
    expect(() => readDelimited('1 1 5\n1 2 6\n', { columns: ['a', 'b'] })).toThrow(/--columns names 2 columns but line 1 of the file has 3/);
    const ragged = `a,b\n${'1,2\n'.repeat(12)}3\n`;
    expect(() => readDelimited(ragged)).toThrow(/line 14 has 1 columns, the file's first line has 2 \(comma-separated\)/);
  });

  it('types columns, sorts and de-duplicates keeping the last row of a key', () => {
    expect(typeColumn(['2026-03-01T00:00:00Z', '2026-03-01 00:05']).values).toEqual(
      Float64Array.from([Date.parse('2026-03-01T00:00:00Z'), Date.parse('2026-03-01T00:05:00Z')]),
    );
    expect(typeColumn(['1', '', '2.5']).kind).toBe('number');
    expect(typeColumn(['L', 'M']).kind).toBe('text');
    const t = readDelimited('unit,cycle,x\n2,1,a\n1,2,b\n1,1,c\n1,2,d\n');
    const r = sortAndDedupe(t, ['unit', 'cycle'], ['unit', 'cycle']);
    expect(r.removed).toBe(1);
    expect(toCsvText(r.table)).toBe('unit,cycle,x\n1,1,c\n1,2,d\n2,1,a\n');
    expect(() => sortAndDedupe(t, ['nope'], [])).toThrow(/--sort-by: the file has no column "nope"/);
  });
});
