// DataOps contracts: RestrictedDataRead (owner dataops, in `access-<date>` streams next to
// AccessDenied) and DatasetSnapshotCreated for an offline import with no asset (empty assetPaths,
// never a made-up path).
import { describe, expect, it } from 'vitest';
import { eventExamples } from '../src/examples.ts';
import { eventValidator, getContract, streamFor } from '../src/registry.ts';

describe('RestrictedDataRead', () => {
  const example = eventExamples.RestrictedDataRead;

  it('is owned by dataops and recorded in the access stream of the day', () => {
    expect(getContract('RestrictedDataRead', 1)).toMatchObject({ service: 'dataops', streamFamily: 'access-', latest: true });
    expect(streamFor('RestrictedDataRead', '2025-03-04')).toBe('access-2025-03-04');
    expect(eventValidator.validate('RestrictedDataRead', 1, example)).toBeNull();
  });

  it('records a tag read without a dataset', () => {
    const tagRead = {
      ...example,
      kind: 'tag',
      target: 'acme.plant1.packaging.line-1.filler-3.operator_badge',
      datasetId: null,
      method: 'in-process',
      transport: 'unknown',
    };
    expect(eventValidator.validate('RestrictedDataRead', 1, tagRead)).toBeNull();
  });

  it('refuses a read with no role, an unknown kind or an unknown field', () => {
    expect(eventValidator.validate('RestrictedDataRead', 1, { ...example, roles: [] })?.path).toBe('roles');
    expect(eventValidator.validate('RestrictedDataRead', 1, { ...example, kind: 'model' })?.path).toBe('kind');
    expect(eventValidator.validate('RestrictedDataRead', 1, { ...example, rows: 10 })?.path).toBe('rows');
  });
});

describe('DatasetSnapshotCreated of an offline import', () => {
  it('accepts an empty assetPaths list (no asset is invented for an external file)', () => {
    expect(eventValidator.validate('DatasetSnapshotCreated', 1, { ...eventExamples.DatasetSnapshotCreated, assetPaths: [] })).toBeNull();
  });

  it('still refuses a malformed asset path', () => {
    expect(eventValidator.validate('DatasetSnapshotCreated', 1, { ...eventExamples.DatasetSnapshotCreated, assetPaths: ['import.offline'] })?.path).toBe(
      'assetPaths[0]',
    );
  });
});
