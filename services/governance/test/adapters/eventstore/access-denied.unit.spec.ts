import { accessDeniedEvent, Permission } from '@industrial/access';
import { eventValidator } from '@industrial/contracts';
import { uuidv7 } from '@industrial/contracts/ids';
import type { EventStore } from '@industrial/eventstore';
import { createKernel, OwnershipError } from '@industrial/kernel';
import { describe, expect, it } from 'vitest';
import { recordDeniedIn } from '../../../src/adapters/eventstore/access-denied.ts';

const denial = (input: Pick<Parameters<typeof accessDeniedEvent>[0], 'principal' | 'cause'>) =>
  accessDeniedEvent({
    ...input,
    permission: Permission.AuditVerify,
    service: 'governance',
    method: '/industrial.governance.v1.AuditService/VerifyIntegrity',
    transport: 'grpc',
    correlationId: 'c-1',
    traceparent: null,
    now: new Date('2025-03-01T08:00:00Z'),
    id: uuidv7(0),
  });

/** A store that only records appends, behind governance's kernel. */
function appendsOf() {
  const appended: { stream: string; events: readonly unknown[] }[] = [];
  const store = {
    append: async (stream: string, events: readonly unknown[]) => {
      appended.push({ stream, events });
      return { stream, nextExpectedRevision: 0, position: 1, written: events.length };
    },
  } as unknown as EventStore;
  return { kernel: createKernel({ service: 'governance', store }), appended };
}

describe('recording a denial', () => {
  it('appends the guard event as is, to its day stream, through the kernel', async () => {
    const { kernel, appended } = appendsOf();
    const { stream, event } = denial({
      principal: { subject: 'operator-1', roles: ['operator', 'engineer'], scopes: ['*'], tokenId: 't' },
      cause: { missing: 'role', detail: 'operator-1 has role operator, engineer; audit.verify needs role auditor' },
    });
    await recordDeniedIn(kernel)(stream, event);
    expect(appended).toEqual([{ stream: 'access-2025-03-01', events: [event] }]);
  });

  it('is refused by the kernel in a stream that is not an access- stream, and nothing is written', async () => {
    const { kernel, appended } = appendsOf();
    const { event } = denial({ principal: null, cause: { authentication: 'missing', detail: 'no bearer token was presented' } });
    await expect(recordDeniedIn(kernel)('model-x', event)).rejects.toBeInstanceOf(OwnershipError);
    expect(appended).toEqual([]);
  });

  it('records events the contract validator accepts, an unauthenticated caller included', () => {
    const known = denial({
      principal: { subject: 'operator-1', roles: ['operator'], scopes: ['*'], tokenId: 't' },
      cause: { missing: 'role', detail: 'needs auditor' },
    }).event;
    const anonymous = denial({ principal: null, cause: { authentication: 'missing', detail: 'no bearer token was presented' } }).event;
    for (const e of [known, anonymous]) expect(eventValidator.validate(e.type, e.metadata.schemaVersion, e.data)).toBeNull();
    expect(anonymous.data).toMatchObject({ actor: 'anonymous', role: 'none', roles: [], reason: 'no-token', transport: 'grpc' });
  });
});
