// A platform server on loopback for this package's integration tests: governance's AuditService
// with stub handlers (ReadAll answers head position 7 and keeps each call's context) behind a guard
// that keeps each request and lets every caller in as an auditor but the token `bad` (UNAUTHENTICATED).
import { AccessError, AccessErrorCode, Permission, type GuardRequest, type Principal } from '@industrial/access';
import {
  createGrpcServer,
  defineService,
  governanceV1,
  serverStream,
  unary,
  type CallContext,
  type GrpcServerHandle,
  type GrpcRateLimits,
  type GrpcServerTls,
} from '../src/index.ts';

export interface AuditServerFixture {
  server: GrpcServerHandle;
  /** host:port */
  address: string;
  /** What the guard was asked, in order. */
  guard: GuardRequest[];
  /** The context of each ReadAll call, in order. */
  ctx: CallContext[];
}

/** `tls`: serve over TLS with these files (tls.int.spec.ts), default plaintext; `rateLimit`: the server's limits (default none). */
export async function startAuditServer(options: { tls?: GrpcServerTls; rateLimit?: GrpcRateLimits } = {}): Promise<AuditServerFixture> {
  const seen: Pick<AuditServerFixture, 'guard' | 'ctx'> = { guard: [], ctx: [] };
  const service = defineService(governanceV1.AuditServiceService, {
    readAll: unary({
      permission: Permission.AuditRead,
      input: (r: governanceV1.ReadAllRequest) => r,
      handle: async (_q: governanceV1.ReadAllRequest, ctx: CallContext) => {
        seen.ctx.push(ctx);
        return { events: [], nextPosition: undefined, headPosition: 7 };
      },
    }),
    readStream: unary({ permission: Permission.AuditRead, input: (r) => r, handle: async () => ({ events: [], nextRevision: undefined }) }),
    verifyIntegrity: unary({
      permission: Permission.AuditVerify,
      input: (r) => r,
      handle: async () => ({
        ok: true,
        checked: 0,
        lastPosition: 0,
        anchorsChecked: 0,
        sealsChecked: false,
        firstBadPosition: undefined,
        problem: '',
        detail: '',
      }),
    }),
    replayTo: serverStream({ permission: Permission.AuditReplay, input: (r) => r, handle: async function* () {} }),
  });
  const server = createGrpcServer({
    services: [service],
    serviceName: 'governance',
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    accessGuard: async (r: GuardRequest): Promise<Principal> => {
      seen.guard.push(r);
      if (r.authorization === 'Bearer bad') throw new AccessError(AccessErrorCode.Unauthenticated, 'bad token');
      // The token's id is the bearer value itself: per-token limits tell callers apart.
      return { subject: 'ada', roles: ['auditor'], scopes: ['*'], tokenId: r.authorization ?? 'none' };
    },
    tls: options.tls,
    rateLimit: options.rateLimit ?? null,
  });
  return { server, address: `127.0.0.1:${await server.listen()}`, ...seen };
}
