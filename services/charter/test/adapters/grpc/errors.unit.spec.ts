// The CharterService edge: a use case's refusal names the request field in proto form, a stale or
// contended revision is ABORTED, an event this release cannot read and an append the contracts
// forbid (ownership) are FAILED_PRECONDITION naming the stream and the type.
import { status } from '@grpc/grpc-js';
import { Service } from '@industrial/contracts';
import { toGrpcStatus } from '@industrial/grpc';
import { ConcurrencyConflictError, OwnershipError, UnknownSchemaVersionError } from '@industrial/kernel';
import { describe, expect, it } from 'vitest';
import { CharterError } from '../../../src/features/errors.ts';
import { atEdge, toCallError } from '../../../src/adapters/grpc/errors.ts';

const statusOf = async (error: unknown) => {
  const thrown = await atEdge(() => Promise.reject(error)).catch((e: unknown) => e);
  return toGrpcStatus(thrown, 'corr-1');
};

describe('when a use case or the kernel refuses a CharterService call', () => {
  it('names the request field of a refusal in proto form', async () => {
    const s = await statusOf(new CharterError('INVALID_ARGUMENT', ['objectives', 'kpis', 0, 'target'], 'must be below the baseline 8'));
    expect(s).toMatchObject({
      code: status.INVALID_ARGUMENT,
      field: 'objectives.kpis[0].target',
      details: 'objectives.kpis[0].target: must be below the baseline 8',
    });
    expect(await statusOf(new CharterError('FOUR_EYES_VIOLATION', [], 'the owner cannot approve'))).toMatchObject({
      code: status.PERMISSION_DENIED,
      field: null,
    });
  });

  it('answers ABORTED for a stale expected revision (naming expected_revision) and for a stream that kept moving', async () => {
    expect(await statusOf(new ConcurrencyConflictError('usecase-1', [], 1, 7))).toMatchObject({ code: status.ABORTED, field: 'expected_revision' });
    const contended = await statusOf(new ConcurrencyConflictError('usecase-1', ['CostModelSet'], 5, 3));
    expect(contended).toMatchObject({ code: status.ABORTED, field: null });
    expect(contended.details).toMatch(/usecase-1.*CostModelSet.*5 attempts/);
  });

  it('answers FAILED_PRECONDITION, with the reason, for an event this release cannot read', async () => {
    const s = await statusOf(new UnknownSchemaVersionError('usecase-1', 'ObjectiveSet', 9, 1));
    expect(s).toMatchObject({ code: status.FAILED_PRECONDITION });
    expect(s.details).toMatch(/ObjectiveSet has schemaVersion 9/);
  });

  it('keeps an ownership refusal a typed kernel error, answered FAILED_PRECONDITION naming the type, the stream and the owner', async () => {
    const refusal = new OwnershipError('usecase-1', 'LabelRecorded', Service.Charter, Service.DataOps, 'LabelRecorded is owned by dataops');
    expect(toCallError(refusal)).toBe(refusal);
    const s = await statusOf(refusal);
    expect(s).toMatchObject({ code: status.FAILED_PRECONDITION, errorCode: 'OWNERSHIP' });
    expect(s.details).toBe('charter may not append LabelRecorded to stream "usecase-1": LabelRecorded is owned by dataops');
  });
});
