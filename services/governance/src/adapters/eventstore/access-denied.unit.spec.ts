import { accessDeniedEvent, Permission } from '@industrial/access';
import { eventValidator } from '@industrial/contracts';
import { describe, expect, it } from 'vitest';
import { accessDeniedReasonCode, conformAccessDenied, uuidv7 } from './access-denied.ts';

const denial = (reason: string, principal: Parameters<typeof accessDeniedEvent>[0]['principal']) =>
  accessDeniedEvent({
    principal,
    permission: Permission.AuditVerify,
    service: 'governance',
    method: '/industrial.governance.v1.AuditService/VerifyIntegrity',
    reason,
    correlationId: 'c-1',
    traceparent: null,
    now: new Date('2025-03-01T08:00:00Z'),
    id: uuidv7(0),
  }).event;

describe('recording a denial in the contract shape', () => {
  describe('when an operator lacks the permission', () => {
    it('is a valid AccessDenied v2 with reason missing-permission and transport grpc', () => {
      const e = conformAccessDenied(denial('operator-1 has operator; audit.verify needs role auditor', { subject: 'operator-1', roles: ['operator', 'engineer'], scopes: ['*'], tokenId: 't' }), 'grpc');
      expect(e.data).toMatchObject({ role: 'operator', reason: 'missing-permission', transport: 'grpc' });
      expect(eventValidator.validate(e.type, e.metadata.schemaVersion, e.data)).toBeNull();
    });
  });

  it('maps the guard reasons to contract codes', () => {
    expect(accessDeniedReasonCode('unauthenticated (missing): no token')).toBe('no-token');
    expect(accessDeniedReasonCode('unauthenticated (expired): …')).toBe('token-expired');
    expect(accessDeniedReasonCode('unauthenticated (unknown_key): …')).toBe('key-unknown');
    expect(accessDeniedReasonCode('unauthenticated (bad_signature): …')).toBe('token-invalid');
    expect(accessDeniedReasonCode('line plant1/a/b is outside bob\'s scopes; …')).toBe('out-of-scope');
  });

  it('makes time-ordered UUID v7 ids', () => {
    expect(uuidv7(1)).toMatch(/^00000000-0001-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
