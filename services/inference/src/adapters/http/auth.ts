// Authentication first on every gateway route: an onRequest hook (it runs before Fastify reads or
// parses the body) checks the source's rate limit, the bearer token and the role, so an
// unauthenticated caller always gets 401 and a recorded AccessDenied — never a schema error. The
// location scope needs the parsed input (the asset of the request), so it is checked after the
// body by `authorizeOn`. Denials are recorded by @industrial/access `guard`, which is called again
// only on a denial (the token is verified once on the way in).
import { AuthenticationError, authenticate, authorize, guard, type GuardOptions, type Permission, type Principal, type Resource } from '@industrial/access';
import { currentTraceparent } from '@industrial/telemetry/api';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { createRateLimiter, type RateLimitConfig, type RateLimiter } from './rate-limit.ts';

/** A caller's correlation id is kept when it is 1–256 visible ASCII characters (the store's limit); anything else is replaced. */
const CORRELATION_ID = /^[\x21-\x7e]{1,256}$/;

interface RequestAuth {
  correlationId: string;
  /** Why the caller's header was replaced (empty, oversized, not visible ASCII); null when kept or absent. */
  replaced: string | null;
  principal: Principal | null;
}

export interface GatewayAuth {
  /** onRequest hook of a guarded route: source limit, token, role, token limit; answers 401/403/429 itself. */
  authenticateFirst(permission: Permission): (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;
  /** After the body: the location scope of the request (records and throws the denial). */
  authorizeOn(req: FastifyRequest, permission: Permission, resource: Resource | undefined): Promise<Principal>;
  /** The principal of an optional token (health detail): null without an Authorization header; throws a recorded 401 for a bad one. */
  optionalPrincipal(req: FastifyRequest, permission: Permission): Promise<Principal | null>;
  /** onRequest hook for every /api/ route: the per-source limit and the correlation id. */
  admit(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>;
  correlationOf(req: FastifyRequest): string;
  counters(): { refusedBySource: number; refusedByToken: number; correlationIdsReplaced: number };
}

function problemOf(header: string | string[]): string {
  if (Array.isArray(header)) return 'sent more than once';
  if (header === '') return 'empty';
  if (header.length > 256) return `too long (${header.length} characters, at most 256)`;
  return 'not visible ASCII';
}

export function createGatewayAuth(options: GuardOptions, limits: RateLimitConfig | null, sendError: (reply: FastifyReply, error: unknown) => FastifyReply) {
  const state = new WeakMap<FastifyRequest, RequestAuth>();
  const bySource: RateLimiter | null = limits === null ? null : createRateLimiter(limits.perSource, limits.maxKeys);
  const byToken: RateLimiter | null = limits === null ? null : createRateLimiter(limits.perToken, limits.maxKeys);
  let replacedIds = 0;

  const stateOf = (req: FastifyRequest): RequestAuth => {
    let s = state.get(req);
    if (s === undefined) {
      const header = req.headers['x-correlation-id'];
      const ok = typeof header === 'string' && CORRELATION_ID.test(header);
      s = { correlationId: ok ? header : randomUUID(), replaced: header === undefined || ok ? null : problemOf(header), principal: null };
      if (s.replaced !== null) replacedIds += 1;
      state.set(req, s);
    }
    return s;
  };

  const refuse = (reply: FastifyReply, retryAfterSeconds: number, what: string) =>
    reply
      .code(429)
      .header('retry-after', String(retryAfterSeconds))
      .send({ error: `too many requests from this ${what}; retry in ${retryAfterSeconds} s`, code: 'RESOURCE_EXHAUSTED' });

  /** Records the denial through `guard` and throws it (guard answers the same for the same token). */
  const deny = async (req: FastifyRequest, permission: Permission, resource?: Resource): Promise<Principal> => {
    const s = stateOf(req);
    return guard(
      {
        authorization: req.headers.authorization,
        permission,
        ...(resource ? { resource } : {}),
        service: 'inference',
        method: `${req.method} ${req.routeOptions.url ?? req.url}`,
        transport: 'http',
        correlationId: s.correlationId,
        traceparent: currentTraceparent(),
        // Anonymous denials are aggregated per address; a replaced correlation id is named in the record.
        source: req.ip,
        correlationIdReplaced: s.replaced,
      },
      options,
    );
  };

  async function principalOf(req: FastifyRequest, permission: Permission): Promise<Principal> {
    const keySet = typeof options.keySet === 'function' ? options.keySet() : options.keySet;
    try {
      return await authenticate(req.headers.authorization, keySet, {
        issuer: options.issuer,
        audience: options.audience,
        now: options.now?.() ?? new Date(),
        ...(options.clockToleranceSeconds === undefined ? {} : { clockToleranceSeconds: options.clockToleranceSeconds }),
      });
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      return deny(req, permission);
    }
  }

  const auth: GatewayAuth = {
    async admit(req, reply) {
      const s = stateOf(req);
      reply.header('x-correlation-id', s.correlationId);
      if (s.replaced !== null) reply.header('x-correlation-id-replaced', s.replaced);
      const took = bySource?.take(`ip:${req.ip}`);
      if (took !== undefined && !took.allowed) return refuse(reply, took.retryAfterSeconds, 'address');
      return undefined;
    },

    authenticateFirst(permission) {
      return async (req, reply) => {
        try {
          const principal = await principalOf(req, permission);
          // The role is known before the body; the location scope waits for it.
          const decision = authorize(principal, permission, undefined);
          if (!decision.allowed && decision.missing === 'role') await deny(req, permission);
          const took = byToken?.take(`jti:${principal.tokenId}:${principal.subject}`);
          if (took !== undefined && !took.allowed) return refuse(reply, took.retryAfterSeconds, 'token');
          stateOf(req).principal = principal;
          return undefined;
        } catch (error) {
          return sendError(reply, error);
        }
      };
    },

    async authorizeOn(req, permission, resource) {
      const principal = stateOf(req).principal;
      if (principal === null) return deny(req, permission, resource);
      if (authorize(principal, permission, resource).allowed) return principal;
      return deny(req, permission, resource);
    },

    async optionalPrincipal(req, permission) {
      if (req.headers.authorization === undefined) return null;
      const principal = await principalOf(req, permission);
      if (!authorize(principal, permission, undefined).allowed) return deny(req, permission);
      return principal;
    },

    correlationOf: (req) => stateOf(req).correlationId,
    counters: () => ({ refusedBySource: bySource?.refused ?? 0, refusedByToken: byToken?.refused ?? 0, correlationIdsReplaced: replacedIds }),
  };
  return auth;
}
