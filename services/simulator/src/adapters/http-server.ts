// HTTP adapter (Fastify): the fault-injection endpoint, authenticated with the platform's per-user
// tokens, and a health check. Order of every secured request: the bearer token is verified first
// (onRequest, before the body is even parsed: 401), then the caller's permission `sim.inject_fault`
// on the location of the asset the body names (or the plant, for a scenario or status: 403), then
// the body (400). Every refusal is recorded as an AccessDenied event by the ControlAccess port.

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resourceOfAssetPath } from '@industrial/access';
import type { Principal } from '@industrial/access';
import Fastify from 'fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ControlApi, ControlHandlers, ControlResult } from '../features/ports.ts';
import type { ControlAccess, RequestInfo } from './control-access.ts';
import { accessStatus } from './control-access.ts';

export interface HttpConfig {
  host: string;
  /** 0 picks a free port */
  port: number;
  /** Serve HTTPS with these PEM files (SIM_HTTP_TLS_CERT_FILE, SIM_HTTP_TLS_KEY_FILE); absent: plain HTTP. */
  tls?: { certFile: string; keyFile: string };
}

function pem(variable: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new Error(`${variable}: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

export type HttpResult = ControlResult;
export type HttpHandlers = ControlHandlers;
export type HttpAdapter = ControlApi;

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    accessInfo?: RequestInfo;
  }
}

const CORRELATION = /^[A-Za-z0-9._:-]{1,128}$/;

function requestInfo(req: FastifyRequest, method: string): RequestInfo {
  const header = req.headers['x-correlation-id'];
  const traceparent = req.headers.traceparent;
  return {
    method,
    // a missing, oversized or odd correlation id is replaced, so a denial is always recordable
    correlationId: typeof header === 'string' && CORRELATION.test(header) ? header : randomUUID(),
    traceparent: typeof traceparent === 'string' && traceparent.length <= 128 ? traceparent : null,
  };
}

const routeName = (req: FastifyRequest): string => `${req.method} ${req.routeOptions.url ?? req.url}`;

export async function startHttpServer(config: HttpConfig, handlers: HttpHandlers, access: ControlAccess): Promise<HttpAdapter> {
  const https =
    config.tls === undefined ? null : { cert: pem('SIM_HTTP_TLS_CERT_FILE', config.tls.certFile), key: pem('SIM_HTTP_TLS_KEY_FILE', config.tls.keyFile) };
  // The HTTPS instance has the same routes and lifecycle; only its server type differs.
  const app = (https === null
    ? Fastify({ logger: false, bodyLimit: 1_048_576 })
    : Fastify({ logger: false, bodyLimit: 1_048_576, https })) as unknown as FastifyInstance;

  // JSON parse errors become 400 with a field, like every other validation failure
  app.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    void reply.code(status).send({ error: status === 500 ? 'internal error' : err.message, field: 'body' });
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.register(async (secured) => {
    secured.addHook('onRequest', async (req, reply) => {
      req.accessInfo = requestInfo(req, routeName(req));
      try {
        req.principal = await access.authenticate(req.headers.authorization, req.accessInfo);
      } catch (err) {
        const status = accessStatus(err);
        if (status === null) throw err;
        return reply.code(status).header('www-authenticate', 'Bearer').send({ error: 'missing or invalid bearer token' });
      }
    });
    // after the body is parsed, before it is validated: the permission on the asset's location
    secured.addHook('preHandler', async (req, reply) => {
      const assetPath = req.method === 'POST' && req.routeOptions.url === '/faults' ? handlers.locate(req.body) : handlers.locate(null);
      try {
        await access.authorize(req.principal!, resourceOfAssetPath(assetPath), req.accessInfo!);
      } catch (err) {
        const status = accessStatus(err);
        if (status === null) throw err;
        return reply.code(status).send({ error: err instanceof Error ? err.message : 'permission denied' });
      }
    });
    const actor = (req: FastifyRequest) => access.actorOf(req.principal!);
    secured.get('/status', async () => handlers.status());
    secured.post('/faults', async (req, reply) => {
      const r = handlers.injectFault(req.body, actor(req));
      if (!r.ok) return reply.code(400).send({ error: r.error, field: r.field });
      return reply.code(201).send(r.body);
    });
    secured.post('/scenarios', async (req, reply) => {
      const r = handlers.injectScenario(req.body, actor(req));
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
