// The integration service's HTTP API (Fastify): probes, the outbound actions of a prompt and the
// dead-letter list (recommendation.read: the operator's screen shows a failed action), and the
// replay of a dead-lettered action (recommendation.decide). Bearer tokens of the platform's keys;
// HTTPS when the deployment's certificate is given.
import { authenticate, authorize, Permission, type KeySet, type Principal } from '@industrial/access';
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Ledger } from '../../features/ledger.ts';
import { ReplayError } from '../../features/replay.ts';
import type { RunResult } from '../../features/outbound.ts';

export interface ApiDeps {
  ledger: Ledger;
  replay: (actionKey: string, by: string) => Promise<RunResult>;
  keySet: KeySet | (() => KeySet);
  access: { issuer: string; audience: string };
  ready: () => boolean;
  health: () => Record<string, unknown>;
  /** Serve HTTPS with these files (HTTP_TLS_CERT_FILE, HTTP_TLS_KEY_FILE); null: plain HTTP (loopback). */
  tls?: { certFile: string; keyFile: string } | null;
}

export function createApi(deps: ApiDeps): FastifyInstance {
  const app = (
    deps.tls ? Fastify({ logger: false, https: { cert: readFileSync(deps.tls.certFile), key: readFileSync(deps.tls.keyFile) } }) : Fastify({ logger: false })
  ) as FastifyInstance;
  const keys = (): KeySet => (typeof deps.keySet === 'function' ? deps.keySet() : deps.keySet);

  async function principal(req: FastifyRequest, reply: FastifyReply, permission: Permission): Promise<Principal | null> {
    try {
      const p = await authenticate(req.headers.authorization, keys(), deps.access);
      const decision = authorize(p, permission);
      if (!decision.allowed) {
        await reply.code(403).send({ error: decision.reason, code: 'PERMISSION_DENIED' });
        return null;
      }
      return p;
    } catch (error) {
      await reply.code(401).send({ error: (error as Error).message, code: 'UNAUTHENTICATED' });
      return null;
    }
  }

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => (deps.ready() ? { status: 'ready', ...deps.health() } : reply.code(503).send({ status: 'starting' })));
  app.get('/api/v1/outbound', async (req, reply) => {
    if ((await principal(req, reply, Permission.RecommendationRead)) === null) return reply;
    const q = req.query as { recommendationId?: string; status?: string };
    const status = q.status === 'dead-lettered' || q.status === 'retrying' || q.status === 'succeeded' ? q.status : undefined;
    await deps.ledger.refresh();
    return { actions: deps.ledger.list({ ...(q.recommendationId ? { recommendationId: q.recommendationId } : {}), ...(status ? { status } : {}) }) };
  });
  app.get('/api/v1/outbound/dead-letters', async (req, reply) => {
    if ((await principal(req, reply, Permission.RecommendationRead)) === null) return reply;
    await deps.ledger.refresh();
    return { actions: deps.ledger.list({ status: 'dead-lettered' }) };
  });
  app.post('/api/v1/outbound/:key/replay', async (req, reply) => {
    const p = await principal(req, reply, Permission.RecommendationDecide);
    if (p === null) return reply;
    const key = (req.params as { key: string }).key;
    try {
      return { actionKey: key, result: await deps.replay(key, p.subject) };
    } catch (error) {
      if (error instanceof ReplayError) return reply.code(error.code === 'NOT_FOUND' ? 404 : 409).send({ error: error.message, code: error.code });
      throw error;
    }
  });
  return app;
}
