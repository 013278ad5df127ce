import { accessDeniedEvent, Permission } from '@industrial/access';
import { eventValidator } from '@industrial/contracts';
import type { EventStore } from '@industrial/eventstore';
import { describe, expect, it } from 'vitest';
import { recordDeniedIn, uuidv7 } from './access-denied.ts';

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

/** A store that only records appends. */
function appendsOf(): { store: EventStore; appended: { stream: string; events: readonly unknown[] }[] } {
  const appended: { stream: string; events: readonly unknown[] }[] = [];
  const store = {
    append: async (stream: string, events: readonly unknown[]) => {
      appended.push({ stream, events });
      return { stream, nextExpectedRevision: 0, position: 1, written: events.length };
    },
  } as unknown as EventStore;
  return { store, appended };
}

describe('recording a denial', () => {
  it('appends the guard event as is, to its day stream', async () => {
    const { store, appended } = appendsOf();
    const { stream, event } = denial({
      principal: { subject: 'operator-1', roles: ['operator', 'engineer'], scopes: ['*'], tokenId: 't' },
      cause: { missing: 'role', detail: 'operator-1 has role operator, engineer; audit.verify needs role auditor' },
    });
    await recordDeniedIn(store)(stream, event);
    expect(appended).toEqual([{ stream: 'access-2025-03-01', events: [event] }]);
  });

  it('records events the contract validator accepts, an unauthenticated caller included', () => {
    const known = denial({ principal: { subject: 'operator-1', roles: ['operator'], scopes: ['*'], tokenId: 't' }, cause: { missing: 'role', detail: 'needs auditor' } }).event;
    const anonymous = denial({ principal: null, cause: { authentication: 'missing', detail: 'no bearer token was presented' } }).event;
    for (const e of [known, anonymous]) expect(eventValidator.validate(e.type, e.metadata.schemaVersion, e.data)).toBeNull();
    expect(anonymous.data).toMatchObject({ actor: 'anonymous', role: 'none', roles: [], reason: 'no-token', transport: 'grpc' });
  });

  it('makes time-ordered UUID v7 ids', () => {
    expect(uuidv7(1)).toMatch(/^00000000-0001-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
