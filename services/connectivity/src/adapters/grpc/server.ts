// The connectivity gRPC server: ConnectivityService (connectivity.ts) on createGrpcServer, which
// adds grpc.health.v1 and server reflection, with the platform access guard. Denials are recorded
// through the command kernel (stream `access-<date>`) like every other service.
import { createGuard, type KeySet } from '@industrial/access';
import { uuidv7 } from '@industrial/contracts/ids';
import { createGrpcServer, type GrpcLogger, type GrpcRateLimits, type GrpcServerTls } from '@industrial/grpc';
import type { Kernel } from '@industrial/kernel';
import { ConnectivityError, ConnectivityErrorCode } from '../../domain/errors.ts';
import type { ConnectivityApi, ConnectivityLogger } from '../../ports.ts';
import { connectivityService } from './connectivity.ts';

export interface GrpcOptions {
  host: string;
  port: number;
  access: { issuer: string; audience: string };
  /** How long stop() waits for in-flight unary calls before cancelling them. Default 10 s. */
  shutdownGraceMs?: number;
  /** Live UNS batches a slow SubscribeUns client may lag before its stream ends. Default 10 000. */
  maxQueuedBatches?: number;
  /** Certificate, key (and client CA for mutual TLS); absent: plaintext (loopback). */
  tls?: GrpcServerTls | null | undefined;
  /** Per-address and per-token limits of the gRPC server (default DEFAULT_GRPC_RATE_LIMITS); null: none. */
  rateLimit?: GrpcRateLimits | null;
  keySet: KeySet | (() => KeySet) | undefined;
  logger: ConnectivityLogger & { debug?: (fields: object, msg: string) => void };
  kernel: Kernel;
}

export async function startGrpc(app: ConnectivityApi, o: GrpcOptions): Promise<{ port: number; stop(): Promise<void> }> {
  if (o.keySet === undefined) {
    throw new ConnectivityError(
      ConnectivityErrorCode.InvalidArgument,
      'config.grpc is set but no keySet was given: the gRPC API verifies bearer tokens with it',
      { field: 'keySet' },
    );
  }
  const logger: GrpcLogger = {
    debug: (fields, msg) => o.logger.debug?.(fields, msg ?? ''),
    info: (fields, msg) => o.logger.info(fields, msg ?? ''),
    warn: (fields, msg) => o.logger.warn(fields, msg ?? ''),
    error: (fields, msg) => o.logger.error(fields, msg ?? ''),
  };
  const accessGuard = createGuard({
    keySet: o.keySet,
    issuer: o.access.issuer,
    audience: o.access.audience,
    newId: () => uuidv7(),
    recordDenied: (stream, event) => o.kernel.appendPrepared(stream, [event]),
    onRecordFailure: (error, event) => logger.error({ err: error, deniedEvent: event }, 'could not record AccessDenied in the event store'),
  });
  const closing = new AbortController();
  const server = createGrpcServer({
    services: [connectivityService(app, { maxQueuedBatches: o.maxQueuedBatches ?? 10_000, closing: closing.signal })],
    accessGuard,
    serviceName: 'connectivity',
    logger,
    tls: o.tls,
    rateLimit: o.rateLimit,
  });
  const port = await server.listen(`${o.host}:${o.port}`);
  logger.info({ port }, 'connectivity gRPC serving');
  let stopping: Promise<void> | null = null;
  return {
    port,
    stop() {
      stopping ??= (async () => {
        // Live streams never end by themselves: close them first so the grace period serves unary calls.
        closing.abort();
        await server.shutdown({ graceMs: o.shutdownGraceMs ?? 10_000 });
      })();
      return stopping;
    },
  };
}
