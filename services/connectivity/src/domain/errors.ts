// Errors of the connectivity service: one class per failure, each with a stable code that the
// gRPC adapter maps to a status, a `field` when the caller's input is at fault, and the cause.

export const ConnectivityErrorCode = {
  InvalidArgument: 'INVALID_ARGUMENT',
  SourceNotFound: 'SOURCE_NOT_FOUND',
  SourceExists: 'SOURCE_EXISTS',
  Unreachable: 'SOURCE_UNREACHABLE',
  CertificateUntrusted: 'CERTIFICATE_UNTRUSTED',
  AuthenticationFailed: 'SOURCE_AUTHENTICATION_FAILED',
  NodeNotFound: 'NODE_NOT_FOUND',
  SecurityNotOffered: 'SECURITY_NOT_OFFERED',
  NotConnected: 'SOURCE_NOT_CONNECTED',
  BufferClosed: 'BUFFER_CLOSED',
} as const;
export type ConnectivityErrorCode = (typeof ConnectivityErrorCode)[keyof typeof ConnectivityErrorCode];

export class ConnectivityError extends Error {
  readonly code: ConnectivityErrorCode;
  /** The request field at fault, when there is one. */
  readonly field: string | null;
  constructor(code: ConnectivityErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConnectivityError';
    this.code = code;
    this.field = options.field ?? null;
  }
}

export class InvalidSourceInputError extends ConnectivityError {
  constructor(field: string, reason: string) {
    super(ConnectivityErrorCode.InvalidArgument, `${field}: ${reason}`, { field });
    this.name = 'InvalidSourceInputError';
  }
}

export class SourceNotFoundError extends ConnectivityError {
  constructor(sourceId: string) {
    super(ConnectivityErrorCode.SourceNotFound, `source ${sourceId} is not registered`, { field: 'source_id' });
    this.name = 'SourceNotFoundError';
  }
}

export class SourceConnectError extends ConnectivityError {
  constructor(code: ConnectivityErrorCode, message: string, cause?: unknown) {
    super(code, message, { cause });
    this.name = 'SourceConnectError';
  }
}

export class NodeNotFoundError extends ConnectivityError {
  constructor(address: string, status: string) {
    super(ConnectivityErrorCode.NodeNotFound, `node ${address} does not exist on the server (${status})`, { field: 'address' });
    this.name = 'NodeNotFoundError';
  }
}

export const isConnectivityError = (e: unknown): e is ConnectivityError => e instanceof ConnectivityError;
