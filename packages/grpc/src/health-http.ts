// HTTP probes every service serves beside its gRPC server, without a token: /healthz (the process
// answers), /readyz (the event store answers within a timeout, the gRPC server is serving and every
// required dependency the process registered is ok: NATS, each consumer within its lag limit) and
// /status (each dependency and its state).
// Orchestrators and the launchers poll these.
import Fastify, { type FastifyInstance } from 'fastify';
import type { GrpcServerHandle } from './server.ts';
import { readPem } from './tls.ts';
import { evaluateReadiness, type ReadinessReport } from '@industrial/telemetry/readiness';

/** HTTPS from files: HTTP_TLS_CERT_FILE + HTTP_TLS_KEY_FILE. */
export interface HttpTls {
  certFile: string;
  keyFile: string;
}

/** Fastify's `https` option from the files (read now: a missing file fails, naming its variable); null: plain HTTP. */
export function httpsOptions(tls: HttpTls | null | undefined): { cert: Buffer; key: Buffer } | null {
  if (!tls) return null;
  return { cert: readPem('HTTP_TLS_CERT_FILE', tls.certFile), key: readPem('HTTP_TLS_KEY_FILE', tls.keyFile) };
}

export interface HealthDeps {
  /** Resolves when the store answers (e.g. `store.headPosition()`). */
  storeAnswers: () => Promise<number>;
  /** Whether the gRPC server is started and not draining. */
  serving: () => boolean;
  readyTimeoutMs?: number;
  /** Serve HTTPS with these files; absent or null: plain HTTP (loopback only). */
  tls?: HttpTls | null | undefined;
}

export function createHealthHttp(deps: HealthDeps): FastifyInstance {
  const https = httpsOptions(deps.tls);
  // The HTTPS instance has the same routes and lifecycle; only its server type differs.
  const app = (https === null ? Fastify({ logger: false }) : Fastify({ logger: false, https })) as unknown as FastifyInstance;
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
      // Every other dependency the process registered (NATS, each consumer's lag): not ready while a required one fails.
      const report = await evaluateReadiness(timeoutMs);
      if (!report.ready) return reply.code(503).send({ status: 'not-ready', reason: failing(report), dependencies: report.dependencies });
      return { status: 'ready', headPosition };
    } catch (error) {
      return reply.code(503).send({ status: 'not-ready', reason: `event store: ${error instanceof Error ? error.message : String(error)}` });
    } finally {
      clearTimeout(timer);
    }
  });
  // Each dependency and its state (no token: names and counts only, like /readyz).
  app.get('/status', async () => {
    const report = await evaluateReadiness(deps.readyTimeoutMs ?? 2000);
    return { status: report.ready && deps.serving() ? 'ready' : 'not-ready', serving: deps.serving(), dependencies: report.dependencies };
  });
  return app;
}

const failing = (r: ReadinessReport): string =>
  r.dependencies
    .filter((d) => d.required && !d.ok)
    .map((d) => `${d.name}: ${d.detail}`)
    .join('; ');

export interface ServiceEndpointsOptions {
  /** The service's gRPC server (createGrpcServer). */
  grpc: GrpcServerHandle;
  storeAnswers: () => Promise<number>;
  grpcAddress: { host: string; port: number };
  httpAddress: { host: string; port: number };
  /** HTTPS for the health endpoints; absent or null: plain HTTP. */
  httpTls?: HttpTls | null | undefined;
  /** In-flight calls get this long at shutdown. Default 10 s. */
  shutdownGraceMs?: number;
  logger: { info(fields: object, msg: string): void };
  /** `charter` → "charter started" / "charter stopped". */
  name: string;
}

export interface ServiceEndpoints {
  /** The health/readiness HTTP server (served beside gRPC). */
  readonly http: FastifyInstance;
  /** Binds gRPC then HTTP and turns ready; resolves the bound ports (useful with port 0). */
  listen(): Promise<{ grpcPort: number; httpPort: number }>;
  /** /readyz answers 503 from now on (a service that drains work of its own before shutdown calls this first). */
  notReady(): void;
  /** Not ready first, then drains gRPC and closes HTTP. Idempotent. */
  shutdown(): Promise<void>;
}

/** The gRPC server and its health probes, started and stopped together: the lifecycle every service shares. */
export function serviceEndpoints(o: ServiceEndpointsOptions): ServiceEndpoints {
  let serving = false;
  let stopping: Promise<void> | null = null;
  const http = createHealthHttp({ storeAnswers: o.storeAnswers, serving: () => serving, tls: o.httpTls });
  return {
    http,
    async listen() {
      const grpcPort = await o.grpc.listen(`${o.grpcAddress.host}:${o.grpcAddress.port}`);
      await http.listen({ host: o.httpAddress.host, port: o.httpAddress.port });
      const address = http.server.address();
      const httpPort = typeof address === 'object' && address !== null ? address.port : o.httpAddress.port;
      serving = true;
      o.logger.info({ grpcPort, httpPort }, `${o.name} started`);
      return { grpcPort, httpPort };
    },
    notReady() {
      serving = false;
    },
    shutdown() {
      serving = false;
      stopping ??= (async () => {
        await o.grpc.shutdown({ graceMs: o.shutdownGraceMs ?? 10_000 });
        await http.close();
        o.logger.info({}, `${o.name} stopped`);
      })();
      return stopping;
    },
  };
}
