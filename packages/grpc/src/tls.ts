// TLS for gRPC from PEM files: server credentials (optionally requiring a client certificate signed
// by a given CA: mutual TLS) and channel credentials for clients (the CA to trust, optionally the
// client's own certificate). Without files both sides stay insecure — for loopback only; services
// bind 127.0.0.1 by default. A file that cannot be read is a TlsFileError naming the variable.
import { readFileSync } from 'node:fs';
import { ServerCredentials, credentials as grpcCredentials, type ChannelCredentials } from '@grpc/grpc-js';

/** Server side: GRPC_TLS_CERT_FILE + GRPC_TLS_KEY_FILE, optional GRPC_TLS_CLIENT_CA_FILE (mutual TLS). */
export interface GrpcServerTls {
  certFile: string;
  keyFile: string;
  /** Set: every client must present a certificate signed by this CA. */
  clientCaFile?: string | undefined;
}

/** Client side: GRPC_TLS_CA_FILE, optional GRPC_TLS_CLIENT_CERT_FILE + GRPC_TLS_CLIENT_KEY_FILE (mutual TLS). */
export interface GrpcClientTls {
  caFile: string;
  certFile?: string | undefined;
  keyFile?: string | undefined;
}

/** A service's TLS files as its config carries them (TlsConfig of @industrial/eventstore/config). */
export interface ServiceTls {
  grpcServer?: GrpcServerTls | null | undefined;
  grpcClient?: GrpcClientTls | null | undefined;
  http?: { certFile: string; keyFile: string } | null | undefined;
}

export class TlsFileError extends Error {
  constructor(
    readonly variable: string,
    readonly file: string,
    cause: unknown,
  ) {
    super(`${variable}: cannot read ${file}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'TlsFileError';
  }
}

/** Reads one PEM file; a failure names the variable it came from. */
export function readPem(variable: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new TlsFileError(variable, file, error);
  }
}

export function serverCredentialsFromFiles(tls: GrpcServerTls): ServerCredentials {
  const cert = readPem('GRPC_TLS_CERT_FILE', tls.certFile);
  const key = readPem('GRPC_TLS_KEY_FILE', tls.keyFile);
  const clientCa = tls.clientCaFile === undefined ? null : readPem('GRPC_TLS_CLIENT_CA_FILE', tls.clientCaFile);
  return ServerCredentials.createSsl(clientCa, [{ cert_chain: cert, private_key: key }], clientCa !== null);
}

export function channelCredentialsFromFiles(tls: GrpcClientTls): ChannelCredentials {
  const ca = readPem('GRPC_TLS_CA_FILE', tls.caFile);
  const key = tls.keyFile === undefined ? null : readPem('GRPC_TLS_CLIENT_KEY_FILE', tls.keyFile);
  const cert = tls.certFile === undefined ? null : readPem('GRPC_TLS_CLIENT_CERT_FILE', tls.certFile);
  return grpcCredentials.createSsl(ca, key, cert);
}
