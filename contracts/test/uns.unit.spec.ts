import { describe, expect, it } from 'vitest';
import { ContractViolationError, InvalidSubjectError } from '../src/errors.ts';
import { unsSampleBatchExample } from '../src/examples.ts';
import {
  parseUnsAssetPath,
  parseUnsSampleBatch,
  parseUnsSubject,
  severityOfStatusCode,
  unsAssetPath,
  unsAssetSubject,
  unsSubject,
  type UnsTagAddress,
} from '../src/messages/uns.ts';

const address: UnsTagAddress = { enterprise: 'acme', site: 'plant1', area: 'packaging', line: 'line-1', asset: 'filler-3', tag: 'nozzle_pressure' };

function subjectError(run: () => unknown): InvalidSubjectError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidSubjectError) return error;
    throw error;
  }
  throw new Error('expected an InvalidSubjectError');
}

describe('UNS subjects', () => {
  it('builds the tag subject from every ISA-95 level and the tag', () => {
    expect(unsSubject(address)).toBe('uns.v1.acme.plant1.packaging.line-1.filler-3.nozzle_pressure');
  });

  it('round-trips a tag subject', () => {
    expect(parseUnsSubject(unsSubject(address))).toEqual(address);
  });

  it('round-trips an asset (batch) subject with a null tag', () => {
    const { tag: _tag, ...asset } = address;
    const subject = unsAssetSubject(asset);
    expect(subject).toBe('uns.v1.acme.plant1.packaging.line-1.filler-3');
    expect(parseUnsSubject(subject)).toEqual({ ...asset, tag: null });
  });

  it('round-trips an asset path', () => {
    const { tag: _tag, ...asset } = address;
    expect(parseUnsAssetPath(unsAssetPath(asset))).toEqual(asset);
  });

  describe('when a token is bad', () => {
    const bad: [keyof UnsTagAddress, string][] = [
      ['site', 'Plant1'],
      ['area', 'pack aging'],
      ['line', 'line.1'],
      ['asset', 'filler*'],
      ['tag', 'temp>'],
      ['enterprise', 'acmé'],
    ];
    for (const [field, token] of bad) {
      it(`names the ${field} token "${token}"`, () => {
        const error = subjectError(() => unsSubject({ ...address, [field]: token }));
        expect(error.code).toBe('INVALID_SUBJECT');
        expect(error.field).toBe(field);
        expect(error.message).toContain(`"${token}"`);
        expect(error.message).toContain(field);
      });
    }

    it('says which level is missing when a token is empty', () => {
      const error = subjectError(() => unsSubject({ ...address, area: '' }));
      expect(error.field).toBe('area');
      expect(error.message).toMatch(/area is required/);
    });

    it('refuses a token longer than 64 characters', () => {
      expect(() => unsSubject({ ...address, tag: 'a'.repeat(65) })).toThrow(/longer than 64/);
    });
  });

  describe('when parsing a subject', () => {
    it('names the bad token', () => {
      const error = subjectError(() => parseUnsSubject('uns.v1.acme.Plant1.packaging.line-1.filler-3.temp'));
      expect(error.field).toBe('site');
      expect(error.message).toContain('"Plant1"');
    });

    it('names the first missing ISA-95 level', () => {
      const error = subjectError(() => parseUnsSubject('uns.v1.acme.plant1.packaging'));
      expect(error.field).toBe('line');
      expect(error.message).toMatch(/missing the line level/);
    });

    it('names an empty level between dots', () => {
      expect(subjectError(() => parseUnsSubject('uns.v1.acme..packaging.line-1.filler-3')).field).toBe('site');
    });

    it('refuses a wrong prefix or version', () => {
      expect(subjectError(() => parseUnsSubject('uns.v2.acme.plant1.packaging.line-1.filler-3')).field).toBe('prefix');
      expect(subjectError(() => parseUnsSubject('evt.v1.governance.ModelPromoted')).field).toBe('prefix');
    });

    it('refuses tokens after the tag and NATS wildcards', () => {
      expect(() => parseUnsSubject('uns.v1.acme.plant1.packaging.line-1.filler-3.temp.extra')).toThrow(/after the tag/);
      expect(subjectError(() => parseUnsSubject('uns.v1.acme.plant1.packaging.line-1.*.temp')).field).toBe('asset');
    });
  });
});

describe('UNS sample batches', () => {
  it('accepts the example batch', () => {
    expect(parseUnsSampleBatch(unsSampleBatchExample)).toEqual(unsSampleBatchExample);
  });

  it('reads the severity from the top two bits of the OPC UA status code', () => {
    expect(severityOfStatusCode(0x00000000)).toBe('Good');
    expect(severityOfStatusCode(0x40900000)).toBe('Uncertain');
    expect(severityOfStatusCode(0x80ae0000)).toBe('Bad');
    expect(severityOfStatusCode(0xc0000000)).toBe('Bad');
  });

  const cases: { name: string; mutate: (b: typeof unsSampleBatchExample) => void; field: string }[] = [
    { name: 'the severity contradicts the status code', mutate: (b) => (b.samples[1]!.quality.severity = 'Good'), field: 'samples[1].quality.severity' },
    { name: 'the status code does not fit 32 bits', mutate: (b) => (b.samples[0]!.quality.code = 2 ** 32), field: 'samples[0].quality.code' },
    { name: 'a value is not a number, boolean or string', mutate: (b) => ((b.samples[0] as { value: unknown }).value = null), field: 'samples[0].value' },
    { name: 'a value is not finite', mutate: (b) => (b.samples[0]!.value = Number.NaN), field: 'samples[0].value' },
    { name: 'a boolean has a unit', mutate: (b) => (b.samples[2]!.unit = 'bar'), field: 'samples[2].unit' },
    { name: 'a timestamp has no offset', mutate: (b) => (b.samples[0]!.sourceTimestamp = '2025-03-05T10:00:00'), field: 'samples[0].sourceTimestamp' },
    { name: 'the batch is empty', mutate: (b) => (b.samples = []), field: 'samples' },
    { name: 'the batch id is not a UUID', mutate: (b) => (b.batchId = '42'), field: 'batchId' },
    { name: 'a tag is not a UNS token', mutate: (b) => (b.samples[0]!.tag = 'Nozzle Pressure'), field: 'samples[0].tag' },
  ];
  for (const c of cases) {
    it(`refuses the batch at ${c.field} when ${c.name}`, () => {
      const batch = structuredClone(unsSampleBatchExample);
      c.mutate(batch);
      expect(() => parseUnsSampleBatch(batch)).toThrow(ContractViolationError);
      expect(() => parseUnsSampleBatch(batch)).toThrow(expect.objectContaining({ field: c.field }));
    });
  }
});
