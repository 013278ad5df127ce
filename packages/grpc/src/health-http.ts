// HTTP probes every service serves beside its gRPC server, without a token: /healthz (the process
// answers) and /readyz (the event store answers within a timeout and the gRPC server is serving).
// Orchestrators and the launchers poll these.
import Fastify, { type FastifyInstance } from 'fastify';

export interface HealthDeps {
  /** Resolves when the store answers (e.g. `store.headPosition()`). */
  storeAnswers: () => Promise<number>;
  /** Whether the gRPC server is started and not draining. */
  serving: () => boolean;
  readyTimeoutMs?: number;
}

export function createHealthHttp(deps: HealthDeps): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (!deps.serving()) return reply.code(503).send({ status: 'not-ready', reason: 'gRPC server not serving' });
    const timeoutMs = deps.readyTimeoutMs ?? 2000;
    let timer: NodeJS.Timeout | undefined;
    try {
      const headPosition = await Promise.race([
        deps.storeAnswers(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      return { status: 'ready', headPosition };
    } catch (error) {
      return reply.code(503).send({ status: 'not-ready', reason: `event store: ${error instanceof Error ? error.message : String(error)}` });
    } finally {
      clearTimeout(timer);
    }
  });
  return app;
}
