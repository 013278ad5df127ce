import { status } from '@grpc/grpc-js';
import { toGrpcStatus } from '@industrial/grpc';
import { describe, expect, it } from 'vitest';
import {
  ConnectivityError,
  ConnectivityErrorCode,
  InvalidSourceInputError,
  NodeNotFoundError,
  SourceConnectError,
  SourceNotFoundError,
} from '../../../src/domain/errors.ts';
import { ConcurrencyConflictError, OwnershipError, resourceOfAssetPath } from '@industrial/kernel';
import { AssetPathPrefix, GRPC_CODE_BY_CONNECTIVITY_CODE, protoField, toRpcError } from '../../../src/adapters/grpc/connectivity.ts';

const statusOf = (e: unknown) => toGrpcStatus(toRpcError(e), 'corr');

describe('connectivity errors → gRPC status', () => {
  it('maps every connectivity code to a status a client can act on', () => {
    const cases: [ConnectivityError, status][] = [
      [new SourceConnectError(ConnectivityErrorCode.Unreachable, 'cannot connect to opc.tcp://h:4840: ECONNREFUSED'), status.UNAVAILABLE],
      [
        new SourceConnectError(ConnectivityErrorCode.CertificateUntrusted, 'the server certificate of opc.tcp://h:4840 is not trusted'),
        status.FAILED_PRECONDITION,
      ],
      [new SourceConnectError(ConnectivityErrorCode.SecurityNotOffered, 'no endpoint with SignAndEncrypt'), status.FAILED_PRECONDITION],
      [new SourceConnectError(ConnectivityErrorCode.AuthenticationFailed, 'opc.tcp://h:4840 refused the user "u"'), status.PERMISSION_DENIED],
      [new SourceConnectError(ConnectivityErrorCode.NotConnected, 'not connected'), status.UNAVAILABLE],
      [new NodeNotFoundError('ns=1;s=x', 'BadNodeIdUnknown'), status.NOT_FOUND],
      [new SourceNotFoundError('0190a0b0-0000-7000-8000-000000000001'), status.NOT_FOUND],
      [new ConnectivityError(ConnectivityErrorCode.SourceExists, 'exists', { field: 'source_id' }), status.ALREADY_EXISTS],
      [new ConnectivityError(ConnectivityErrorCode.BufferClosed, 'not started'), status.UNAVAILABLE],
      [new InvalidSourceInputError('mappings[0].uns_path', 'UNS site "Plant 1" is invalid'), status.INVALID_ARGUMENT],
    ];
    for (const [error, expected] of cases) {
      const s = statusOf(error);
      expect(s.code, error.code).toBe(expected);
      expect(s.internal).toBe(false);
      expect(s.details).toContain(error.message);
    }
    expect(Object.keys(GRPC_CODE_BY_CONNECTIVITY_CODE).sort()).toEqual(Object.values(ConnectivityErrorCode).sort());
  });

  it('leads with the connectivity code and names the field in proto form', () => {
    const s = statusOf(new SourceConnectError(ConnectivityErrorCode.AuthenticationFailed, 'refused the user "u"'));
    expect(s.details).toBe('SOURCE_AUTHENTICATION_FAILED: refused the user "u"');
    expect(statusOf(new InvalidSourceInputError('subscription.samplingIntervalMs', 'too small')).field).toBe('subscription.sampling_interval_ms');
    expect(protoField('auth.password')).toBe('password');
    expect(protoField('auth.username')).toBe('username');
    expect(protoField('securityPolicy')).toBe('security_policy');
  });

  it('leaves unknown errors to INTERNAL (message hidden)', () => {
    const s = statusOf(new Error('secret internals'));
    expect(s.code).toBe(status.INTERNAL);
    expect(s.details).not.toContain('secret');
  });
});

describe('asset path prefix', () => {
  it('accepts whole UNS levels and names the level of a bad token', () => {
    expect(AssetPathPrefix.safeParse('').success).toBe(true);
    expect(AssetPathPrefix.safeParse('acme.plant-1.utilities.cw.pump-1').success).toBe(true);
    const bad = AssetPathPrefix.safeParse('acme.plant 1');
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toContain('site "plant 1"');
    expect(AssetPathPrefix.safeParse('acme..x').error?.issues[0]?.message).toContain('site is empty');
    expect(AssetPathPrefix.safeParse('a.b.c.d.e.f').success).toBe(false);
  });

  it('names the location for the scope check with the platform mapping (enterprise is not a scope level)', () => {
    expect(resourceOfAssetPath('')).toBeUndefined();
    expect(resourceOfAssetPath('acme')).toBeUndefined();
    expect(resourceOfAssetPath('acme.plant-1')).toEqual({ site: 'plant-1' });
    expect(resourceOfAssetPath('acme.plant-1.packaging.line-2.packer-1')).toEqual({ site: 'plant-1', area: 'packaging', line: 'line-2' });
  });
});

describe('command kernel refusals at the connectivity edge', () => {
  it('an append the contracts forbid is FAILED_PRECONDITION naming the type, the stream and the owner', () => {
    const s = statusOf(new OwnershipError('quality-abc', 'DataQualityIssueRaised', 'connectivity', 'dataops', 'DataQualityIssueRaised is owned by dataops'));
    expect(s.code).toBe(status.FAILED_PRECONDITION);
    expect(s.errorCode).toBe('OWNERSHIP');
    expect(s.details).toContain('DataQualityIssueRaised');
    expect(s.details).toContain('quality-abc');
  });

  it('a conflict that outlived the retries is ABORTED (re-read and retry)', () => {
    const s = statusOf(new ConcurrencyConflictError('source-abc', ['TagMapped'], 5, 3));
    expect(s.code).toBe(status.ABORTED);
    expect(s.errorCode).toBe('CONCURRENCY_CONFLICT');
  });
});
