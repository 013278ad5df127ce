// The one mapping of thrown values to gRPC statuses, for failures of a downstream platform call:
// retryable ones become UNAVAILABLE for our caller, anything else INTERNAL; the other service's
// message is never passed on.
import { Metadata, status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { toGrpcStatus } from '../src/index.ts';

/** What a grpc-js client call rejects with. */
function serviceError(code: status, details: string): Error {
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details, metadata: new Metadata() });
}

describe('toGrpcStatus on a downstream call that failed', () => {
  it.each([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.RESOURCE_EXHAUSTED])('maps a retryable %s to UNAVAILABLE, naming it', (code) => {
    const mapped = toGrpcStatus(serviceError(code, 'rate limited at /srv/dataops/secret-path'), 'c-1');
    expect(mapped.code).toBe(status.UNAVAILABLE);
    expect(mapped.errorCode).toBe('UPSTREAM_UNAVAILABLE');
    expect(mapped.details).toBe(`a platform service this call depends on answered ${status[code]}: retry later`);
    expect(mapped.details).not.toContain('secret-path');
    expect(mapped.internal).toBe(false);
  });

  it.each([status.PERMISSION_DENIED, status.INVALID_ARGUMENT, status.INTERNAL])('keeps %s from a downstream call as this service’s INTERNAL error', (code) => {
    const mapped = toGrpcStatus(serviceError(code, 'token lacks data.read'), 'c-2');
    expect(mapped.code).toBe(status.INTERNAL);
    expect(mapped.details).toBe('internal error (correlation id c-2)');
    expect(mapped.internal).toBe(true);
  });

  it('leaves the service’s own typed errors alone', () => {
    const own = Object.assign(new Error('too many requests from 10.0.0.7'), { code: 'RESOURCE_EXHAUSTED' });
    expect(toGrpcStatus(own, 'c-3')).toMatchObject({ code: status.RESOURCE_EXHAUSTED, details: 'too many requests from 10.0.0.7' });
  });
});
