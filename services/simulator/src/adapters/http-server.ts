// HTTP adapter (Fastify): an authenticated fault-injection endpoint and a health check.
// The bearer token is compared as SHA-256 digests with timingSafeEqual (constant time,
// whatever the length of what was sent).

import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { ControlApi, ControlHandlers, ControlResult } from '../features/ports.ts';

export interface HttpConfig {
  host: string;
  /** 0 picks a free port */
  port: number;
  token: string;
}

export type HttpResult = ControlResult;
export type HttpHandlers = ControlHandlers;
export type HttpAdapter = ControlApi;

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export function bearerMatches(header: string | undefined, expectedDigest: Buffer): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? '');
  const presented = digest(m?.[1] ?? '');
  // always compare, so a missing header takes as long as a wrong one
  return timingSafeEqual(presented, expectedDigest) && m !== null;
}

export async function startHttpServer(config: HttpConfig, handlers: HttpHandlers): Promise<HttpAdapter> {
  if (config.token.length === 0) throw new Error('HTTP token must not be empty');
  const expected = digest(config.token);
  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: 1_048_576 });

  // JSON parse errors become 400 with a field, like every other validation failure
  app.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    void reply.code(status).send({ error: status === 500 ? 'internal error' : err.message, field: 'body' });
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.register(async (secured) => {
    secured.addHook('onRequest', async (req, reply) => {
      if (!bearerMatches(req.headers.authorization, expected)) {
        return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'missing or invalid bearer token' });
      }
    });
    secured.get('/status', async () => handlers.status());
    secured.post('/faults', async (req, reply) => {
      const r = handlers.injectFault(req.body);
      if (!r.ok) return reply.code(400).send({ error: r.error, field: r.field });
      return reply.code(201).send(r.body);
    });
    secured.post('/scenarios', async (req, reply) => {
      const r = handlers.injectScenario(req.body);
      if (!r.ok) return reply.code(400).send({ error: r.error, field: r.field });
      return reply.code(201).send(r.body);
    });
  });

  const address = await app.listen({ host: config.host, port: config.port });
  return {
    url: address,
    stop: () => app.close(),
  };
}
