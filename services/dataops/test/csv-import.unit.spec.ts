// Bad CSV input: every refusal names the row, the column and the reason, and nothing is returned.
import { describe, expect, it } from 'vitest';
import { parseCsvStream } from '../src/adapters/files/csv-import.ts';
import { columnIdentifier, parseCsvMapping } from '../src/domain/csv-mapping.ts';
import { CsvImportError, InvalidArgumentError } from '../src/domain/errors.ts';

async function* text(s: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from(s);
}

const wide = (extra: object = {}) =>
  parseCsvMapping({ time: { column: 'time' }, fields: [{ column: 'temp [degC]' }, { column: 'state', type: 'utf8', role: 'context' }], ...extra });

async function refusal(csv: string, mapping = wide()): Promise<CsvImportError> {
  try {
    await parseCsvStream(text(csv), mapping);
  } catch (e) {
    if (e instanceof CsvImportError) return e;
    throw e;
  }
  throw new Error('expected the import to be refused');
}

describe('when a CSV file is bad', () => {
  it('names a missing column', async () => {
    const e = await refusal('time,temp [degC]\n2025-01-01T00:00:00Z,1\n');
    expect(e).toMatchObject({ row: 1, column: 'state' });
    expect(e.message).toMatch(/row 1, column "state": missing column/);
  });
  it('names a non-numeric value with its row', async () => {
    const e = await refusal('time,temp [degC],state\n2025-01-01T00:00:00Z,1,run\n2025-01-01T00:00:01Z,abc,run\n');
    expect(e).toMatchObject({ row: 3, column: 'temp [degC]' });
    expect(e.reason).toMatch(/"abc" is not a number/);
  });
  it('quotes at most 64 characters of a huge bad cell', async () => {
    const cell = 'x'.repeat(1_000_000);
    const e = await refusal(`time,temp [degC],state\n2025-01-01T00:00:00Z,${cell},run\n`);
    expect(e).toMatchObject({ row: 2, column: 'temp [degC]' });
    expect(e.reason).toBe(`"${'x'.repeat(63)}…" (1000000 characters) is not a number`);
  });
  it('refuses duplicate and unsorted timestamps', async () => {
    const dup = await refusal('time,temp [degC],state\n2025-01-01T00:00:00Z,1,a\n2025-01-01T00:00:00Z,2,a\n');
    expect(dup).toMatchObject({ row: 3, column: 'time' });
    expect(dup.reason).toMatch(/duplicate timestamp/);
    const uns = await refusal('time,temp [degC],state\n2025-01-01T00:00:05Z,1,a\n2025-01-01T00:00:01Z,2,a\n');
    expect(uns.reason).toMatch(/unsorted timestamp/);
  });
  it('refuses an unknown unit', async () => {
    const e = await refusal(
      'time,temp [furlongs],state\n2025-01-01T00:00:00Z,1,a\n',
      parseCsvMapping({ time: { column: 'time' }, fields: [{ column: 'temp [furlongs]' }] }),
    );
    expect(e).toMatchObject({ row: 1, column: 'temp [furlongs]' });
    expect(e.reason).toMatch(/unknown unit "furlongs"/);
  });
  it('refuses an empty file', async () => {
    expect((await refusal('')).reason).toMatch(/empty/);
    expect((await refusal('time,temp [degC],state\n')).reason).toMatch(/no data rows/);
  });
  it('refuses a mapping without a time or order column', () => {
    expect(() => parseCsvMapping({ fields: [{ column: 'x' }] })).toThrow(InvalidArgumentError);
  });
});

describe('column identifiers', () => {
  it('keep the unit as a suffix, as @industrial/ml names the AI4I columns', () => {
    expect(columnIdentifier('Air temperature [K]')).toBe('air_temperature_k');
    expect(columnIdentifier('Process temperature [K]')).toBe('process_temperature_k');
    expect(columnIdentifier('Rotational speed [rpm]')).toBe('rotational_speed_rpm');
    expect(columnIdentifier('Torque [Nm]')).toBe('torque_nm');
    expect(columnIdentifier('Tool wear [min]')).toBe('tool_wear_min');
    expect(columnIdentifier('Flow [m3/h]')).toBe('flow_m3_h');
  });
  it('name a converted column after the unit it holds, and never repeat the unit', () => {
    expect(columnIdentifier('temp [degC]', 'K')).toBe('temp_k');
    expect(columnIdentifier('power_w [W]')).toBe('power_w');
    expect(columnIdentifier('[K]')).toBe('k');
    expect(columnIdentifier('UDI')).toBe('udi');
    expect(columnIdentifier('Machine failure')).toBe('machine_failure');
  });
  it('puts the header unit in the column spec and the suffix in the name', async () => {
    const m = parseCsvMapping({ order: { column: 'UDI' }, fields: [{ column: 'Torque [Nm]' }, { column: 'Rotational speed [rpm]', type: 'int32' }] });
    const { table } = await parseCsvStream(text('UDI,Torque [Nm],Rotational speed [rpm]\n1,42.8,1551\n'), m);
    expect(table.columns.map((c) => [c.name, c.unit])).toEqual([
      ['udi', undefined],
      ['torque_nm', 'Nm'],
      ['rotational_speed_rpm', 'rpm'],
    ]);
  });
});

describe('when a CSV file is good', () => {
  it('converts units on request and keeps the declared types', async () => {
    const m = parseCsvMapping({
      delimiter: ';',
      time: { column: 'time' },
      fields: [
        { column: 'temp [degC]', targetUnit: 'K' },
        { column: 'state', type: 'utf8', role: 'context' },
      ],
    });
    const { table } = await parseCsvStream(text('\uFEFFtime;temp [degC];state\r\n2025-01-01T00:00:00Z;25;run\r\n2025-01-01T00:00:01Z;26;stop\r\n'), m);
    expect(table.rowCount).toBe(2);
    // Named after the unit it holds after conversion; the unit is in the column spec too.
    expect((table.data.temp_k as Float64Array)[0]).toBeCloseTo(298.15, 10);
    expect(table.columns.find((c) => c.name === 'temp_k')).toMatchObject({ unit: 'K', source: 'temp [degC]' });
    expect(table.data.state).toEqual(['run', 'stop']);
  });
  it('pivots a long file and leaves missing tags missing', async () => {
    const m = parseCsvMapping({ format: 'long', time: { column: 't', format: 'epoch-ms' }, long: { tagColumn: 'tag', valueColumn: 'v', unitColumn: 'u' } });
    const { table } = await parseCsvStream(text('t,tag,v,u\n1000,a,1,bar\n1000,b,2,K\n2000,a,3,bar\n'), m);
    expect(table.rowCount).toBe(2);
    expect(Array.from(table.data.a as Float64Array)).toEqual([1, 3]);
    expect(Number.isNaN((table.data.b as Float64Array)[1])).toBe(true);
  });
});
