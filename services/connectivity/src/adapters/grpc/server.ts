// gRPC adapter of industrial.connectivity.v1 (proto/industrial/connectivity/v1/connectivity.proto).
// Not wired yet: the generated code lives in packages/grpc, owned by another engineer. Until then
// config.grpc must stay null; this fails loudly instead of starting a service without an API.
import type { ConnectivityApp } from '../../app.ts';
import { ConnectivityError, ConnectivityErrorCode } from '../../domain/errors.ts';

export async function startGrpc(_app: ConnectivityApp, _options: unknown): Promise<{ port: number; stop(): Promise<void> }> {
  throw new ConnectivityError(ConnectivityErrorCode.InvalidArgument, 'the connectivity gRPC API is not wired yet (proto written, code generation pending): set grpc to null');
}
