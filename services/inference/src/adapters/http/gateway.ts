// HTTP gateway for the HMI (Fastify): bearer-authenticated, role-checked REST for the operator
// actions, a live feed as Server-Sent Events, and health/readiness probes with the service's
// counters (OpenTelemetry metrics are not set up by @industrial/telemetry, so counters live here).
// Every /api/ route checks the source's rate limit, then the token and role (auth.ts, an onRequest
// hook: before the body is read), then validates the input, then the location scope.
import { Permission, isAccessError, httpStatusFor, type GuardOptions, type Resource } from '@industrial/access';
import { AssetMode, RejectionReason, UnsAssetPath, Uuid } from '@industrial/contracts';
import { causeOfCall, resourceOfAssetPath, type Cause, type TypedEvent } from '@industrial/kernel';
import { httpsOptions, type HttpTls } from '@industrial/grpc';
import { currentTraceparent } from '@industrial/telemetry/api';
import { evaluateReadiness } from '@industrial/telemetry/readiness';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { InferenceError } from '../../domain/errors.ts';
import type { Commands } from '../../features/commands.ts';
import type { EvidenceBands } from '../../features/evidence-bands.ts';
import type { Projection } from '../../features/projection.ts';
import { withKernelErrors } from '../kernel-errors.ts';
import type { VisualInspection } from '../../features/visual.ts';
import { registerVisualRoutes } from './gateway-vision.ts';
import { registerShelvingRoutes } from './gateway-shelving.ts';
import { registerMlopsRoutes } from './gateway-mlops.ts';
import { createGatewayAuth } from './auth.ts';
import { promptTraceFrom, traceFeedPush, traceHttpServer, traceparentOf } from './tracing.ts';
import { DEFAULT_RATE_LIMITS, type RateLimitConfig } from './rate-limit.ts';

export interface GatewayDeps {
  commands: Commands;
  projection: Projection;
  guard: Omit<GuardOptions, never>;
  health: () => Record<string, unknown>;
  ready: () => boolean;
  /** The recommendation's stream, in order (its decision history for auditors). */
  history: (recommendationId: string) => Promise<readonly TypedEvent[]>;
  /** Board prompts of visual inspection (#22; routes in gateway-vision.ts); absent/null: none. */
  visual?: VisualInspection | null;
  /** Every asset of the plant with its use cases' monitoring states (GET /api/v1/assets); absent: an empty list. */
  assets?: () => Promise<{ assets: readonly unknown[] }>;
  /** Drift evaluations of a use case over time (GET /api/v1/drift/history); absent: an empty history. */
  driftHistory?: (useCaseId: string) => unknown;
  /** The normal band of each evidence signal of a prompt (normalLow/normalHigh on its evidence items); absent: none. */
  evidenceBands?: EvidenceBands;
  /** Per-source and per-token limits (default DEFAULT_RATE_LIMITS); null: none. */
  rateLimit?: RateLimitConfig | null;
  /** Bytes of a request body at most (default 64 KiB): larger → 413 after authentication. */
  bodyLimit?: number;
  /**
   * Addresses (or CIDRs) of proxies in front — the HMI server — whose X-Forwarded-For names the
   * caller: the per-source limit and the denial record then use the browser's address, not the
   * proxy's. Default none: X-Forwarded-For is ignored.
   */
  trustProxy?: readonly string[];
  /** Serve HTTPS with these files (HTTP_TLS_CERT_FILE, HTTP_TLS_KEY_FILE); absent: plain HTTP (loopback). */
  tls?: HttpTls | null;
}

const STATUS: Record<string, number> = { INVALID_ARGUMENT: 400, NOT_FOUND: 404, FAILED_PRECONDITION: 409, ABORTED: 409, UNAVAILABLE: 503 };

function sendError(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof InferenceError)
    return reply.code(STATUS[error.code] ?? 500).send({ error: error.message, code: error.code, field: error.field ?? null, ...(error.detail ?? {}) });
  if (isAccessError(error)) return reply.code(httpStatusFor(error.code)).send({ error: error.message, code: error.code });
  if (error instanceof z.ZodError) {
    const i = error.issues[0];
    return reply.code(400).send({ error: i?.message ?? 'invalid request', code: 'INVALID_ARGUMENT', field: i?.path.join('.') ?? null });
  }
  const code = (error as { code?: unknown }).code;
  if (code === 'INVALID_ARGUMENT') return reply.code(400).send({ error: (error as Error).message, code, field: (error as { field?: string }).field ?? null });
  const status = (error as { statusCode?: unknown }).statusCode;
  // Fastify's own refusals of a request (unparsable JSON, body too large, wrong content type).
  if (typeof status === 'number' && status >= 400 && status < 500)
    return reply
      .code(status)
      .send({ error: (error as Error).message.slice(0, 200), code: status === 413 ? 'RESOURCE_EXHAUSTED' : 'INVALID_ARGUMENT', field: null });
  reply.log.error({ err: error }, 'gateway error');
  return reply.code(500).send({ error: 'internal error', code: 'INTERNAL' });
}

export function createGateway(deps: GatewayDeps): FastifyInstance {
  const trusted = deps.trustProxy ?? [];
  const https = httpsOptions(deps.tls);
  const options = { logger: false, bodyLimit: deps.bodyLimit ?? 64 * 1024, ...(trusted.length === 0 ? {} : { trustProxy: [...trusted] }) };
  // The HTTPS instance has the same routes and lifecycle; only its server type differs.
  const app = (https === null ? Fastify(options) : Fastify({ ...options, https })) as unknown as FastifyInstance;
  const { projection } = deps;
  const commands = withKernelErrors(deps.commands);
  const auth = createGatewayAuth(deps.guard, deps.rateLimit === undefined ? DEFAULT_RATE_LIMITS : deps.rateLimit, sendError);
  app.setErrorHandler((error, _req, reply) => sendError(reply, error));
  // HTTP server spans first (refusals are traced too); a decision on a prompt continues the prompt's trace.
  const promptTrace = promptTraceFrom(deps.history);
  traceHttpServer(app, promptTrace);
  // The per-source limit and the correlation id come first on every API route, before anything else.
  app.addHook('onRequest', async (req, reply) => {
    if (req.url.startsWith('/api/')) return auth.admit(req, reply);
    return undefined;
  });

  const causeOf = async (req: FastifyRequest, permission: Permission, resource: Resource | undefined): Promise<Cause> => {
    const principal = await auth.authorizeOn(req, permission, resource);
    return causeOfCall(
      { principal, correlationId: auth.correlationOf(req), traceparent: traceparentOf(req) ?? currentTraceparent() },
      { service: 'inference' },
    );
  };

  /** A guarded route: authentication in onRequest, then the input, then the scope, then the use case. */
  const route = <T>(
    permission: Permission,
    schema: z.ZodType<T>,
    resourceOf: (input: T) => Resource | undefined,
    run: (input: T, cause: Cause) => Promise<unknown>,
  ) => ({
    onRequest: auth.authenticateFirst(permission),
    handler: async (req: FastifyRequest, reply: FastifyReply) => {
      try {
        const raw = { ...((req.params as object) ?? {}), ...((req.query as object) ?? {}), ...((req.body as object | null) ?? {}) };
        const input = schema.parse(raw);
        return reply.send(await run(input, await causeOf(req, permission, resourceOf(input))));
      } catch (error) {
        return sendError(reply, error);
      }
    },
  });

  // Each evidence item of a prompt carries its normal band where one is known (model reference or rule limits).
  const banded = <T extends { useCaseId: string; assetPath: string; modelVersionId: string | null; source: string; record: Record<string, unknown> }>(
    dto: T,
  ): T => {
    const evidence = dto.record.evidence;
    if (deps.evidenceBands === undefined || !Array.isArray(evidence) || evidence.length === 0) return dto;
    const bands = deps.evidenceBands(dto);
    const items = (evidence as Record<string, unknown>[]).map((e) => {
      const b = bands[String(e.feature)];
      return b === undefined ? e : { ...e, normalLow: b.normalLow, normalHigh: b.normalHigh };
    });
    return { ...dto, record: { ...dto.record, evidence: items } };
  };
  const list = (filter: Parameters<Commands['list']>[0]) => commands.list(filter).map(banded);

  const recResource = (i: { id: string }) => resourceOfAssetPath(projection.get(i.id)?.state.context.assetPath);

  app.get('/healthz', async () => ({ status: 'ok' }));
  // Ready once started and while every dependency the process registered answers (event store, NATS, the UNS consumer within its lag limit).
  app.get('/readyz', async (_req, reply) => {
    if (!deps.ready()) return reply.code(503).send({ status: 'starting' });
    const report = await evaluateReadiness();
    return report.ready ? { status: 'ready' } : reply.code(503).send({ status: 'not-ready', dependencies: report.dependencies });
  });
  app.get('/status', async () => {
    const report = await evaluateReadiness();
    return { status: deps.ready() && report.ready ? 'ready' : 'not-ready', dependencies: report.dependencies };
  });
  // Anonymous callers learn only the status; the detail (model versions, asset paths) needs a token with model.read.
  app.get('/api/v1/health', async (req, reply) => {
    try {
      const status = deps.ready() ? 'ready' : 'starting';
      if ((await auth.optionalPrincipal(req, Permission.ModelRead)) === null) return { status };
      return { status, ...deps.health(), gateway: auth.counters() };
    } catch (error) {
      return sendError(reply, error);
    }
  });

  app.get(
    '/api/v1/recommendations',
    route(
      Permission.RecommendationRead,
      z.object({ open: z.enum(['true', 'false']).optional(), asset: UnsAssetPath.optional(), max: z.coerce.number().int().min(1).max(500).optional() }),
      (q) => resourceOfAssetPath(q.asset),
      async (q) => ({ recommendations: list({ openOnly: q.open === 'true', ...(q.asset ? { assetPath: q.asset } : {}), max: q.max ?? 100 }) }),
    ),
  );
  app.get(
    '/api/v1/recommendations/:id',
    route(Permission.RecommendationRead, z.object({ id: Uuid }), recResource, async (q) => {
      const found = commands.list({ includeUnshown: false, max: 100_000 }).find((r) => r.recommendationId === q.id);
      if (!found) throw new InferenceError('NOT_FOUND', `recommendation ${q.id} does not exist`, 'id');
      return banded(found);
    }),
  );
  app.post(
    '/api/v1/recommendations/:id/acknowledge',
    route(Permission.RecommendationDecide, z.object({ id: Uuid }), recResource, (q, cause) => commands.acknowledge(q.id, cause)),
  );
  app.post(
    '/api/v1/recommendations/:id/done',
    route(Permission.RecommendationDecide, z.object({ id: Uuid, note: z.string().max(1000).optional() }), recResource, (q, cause) =>
      commands.decide(q.id, { decision: 'done', ...(q.note ? { note: q.note } : {}) }, cause),
    ),
  );
  app.post(
    '/api/v1/recommendations/:id/not-done',
    route(Permission.RecommendationDecide, z.object({ id: Uuid, reason: RejectionReason, note: z.string().max(1000).optional() }), recResource, (q, cause) =>
      commands.decide(q.id, { decision: 'not-done', reason: q.reason, ...(q.note ? { note: q.note } : {}) }, cause),
    ),
  );
  app.post(
    '/api/v1/recommendations/:id/override',
    route(
      Permission.RecommendationDecide,
      z.object({ id: Uuid, actionTaken: z.string().trim().min(1).max(500), reason: z.string().trim().min(1).max(1000) }),
      recResource,
      (q, cause) => commands.decide(q.id, { decision: 'overridden', actionTaken: q.actionTaken, reason: q.reason }, cause),
    ),
  );
  app.post(
    '/api/v1/recommendations/:id/outcome',
    route(
      Permission.RecommendationDecide,
      z.object({
        id: Uuid,
        outcome: z.enum(['event-prevented', 'event-occurred', 'no-event', 'unknown']),
        observedAt: z.iso.datetime({ offset: true }).optional(),
        note: z.string().max(1000).optional(),
        costImpact: z
          .object({ amount: z.number(), currency: z.string().length(3) })
          .nullable()
          .optional(),
      }),
      recResource,
      (q, cause) =>
        commands.recordOutcome(
          q.id,
          {
            outcome: q.outcome,
            ...(q.observedAt ? { observedAtMs: Date.parse(q.observedAt) } : {}),
            ...(q.note ? { note: q.note } : {}),
            costImpact: q.costImpact ?? null,
          },
          cause,
        ),
    ),
  );
  app.post(
    '/api/v1/problems',
    route(
      Permission.ProblemReport,
      z.object({
        assetPath: UnsAssetPath,
        description: z.string().trim().min(1).max(2000),
        severity: z.enum(['minor', 'major', 'stop']),
        observedAt: z.iso.datetime({ offset: true }).optional(),
        missedFailure: z.boolean().default(false),
        relatedRecommendationId: Uuid.nullable().default(null),
        useCaseId: Uuid.nullable().default(null),
      }),
      (q) => resourceOfAssetPath(q.assetPath),
      (q, cause) => commands.reportProblem({ ...q, ...(q.observedAt ? { observedAtMs: Date.parse(q.observedAt) } : {}) }, cause),
    ),
  );
  app.put(
    '/api/v1/modes/:path',
    route(
      Permission.AssetSetMode,
      z.object({
        path: z.string().regex(/^[a-z0-9_-]+(\.[a-z0-9_-]+){3,4}$/, 'must be a line path (4 tokens) or an asset path (5 tokens)'),
        mode: AssetMode,
        reason: z.string().trim().min(1).max(500),
      }),
      (q) => resourceOfAssetPath(q.path),
      (q, cause) => commands.setMode(q, cause),
    ),
  );
  // Decision history for the auditor view: every event of the recommendation's stream, with who,
  // when and the model version — same permission and scope as reading the recommendation itself.
  app.get(
    '/api/v1/recommendations/:id/events',
    route(Permission.RecommendationRead, z.object({ id: Uuid }), recResource, async (q) => {
      const events = await deps.history(q.id);
      if (events.length === 0) throw new InferenceError('NOT_FOUND', `recommendation ${q.id} does not exist`, 'id');
      return {
        events: events.map((e) => {
          const data = e.data as { modelVersionId?: string | null; context?: { modelVersionId?: string | null } };
          return {
            type: e.type,
            recordedAt: e.metadata.recordedAt,
            actor: e.metadata.actor,
            role: e.metadata.role,
            modelVersionId: data.context?.modelVersionId ?? data.modelVersionId ?? null,
            // The trace the event was recorded in (W3C traceparent): the HMI's server puts the operator's decision in the prompt's trace.
            traceparent: e.metadata.traceparent ?? null,
            data: e.data,
          };
        }),
      };
    }),
  );

  app.get(
    '/api/v1/modes',
    route(
      Permission.RecommendationRead,
      z.object({}),
      () => undefined,
      async () => ({ modes: Object.fromEntries(projection.modes()) }),
    ),
  );
  // Every asset of the plant (dataops catalog) and, per use case in its scope, whether it is watched:
  // warming_up | monitored | stale_data | manual | rules | not_served, since when, and why in plain words.
  app.get(
    '/api/v1/assets',
    route(
      Permission.RecommendationRead,
      z.object({}),
      () => undefined,
      async () => (deps.assets ? deps.assets() : { assets: [] }),
    ),
  );
  app.post(
    '/api/v1/predict',
    route(
      Permission.ModelRead,
      z.object({ useCaseId: z.string(), features: z.record(z.string(), z.unknown()), stage: z.enum(['production', 'shadow']).default('production') }),
      () => undefined,
      (q) => commands.predict({ useCaseId: q.useCaseId, features: q.features, stage: q.stage }),
    ),
  );
  // Drift over time: the use case's drift evaluations (oldest first) with the thresholds they are judged against.
  app.get(
    '/api/v1/drift/history',
    route(
      Permission.DriftRead,
      z.object({ useCaseId: Uuid }),
      () => undefined,
      async (q) => (deps.driftHistory ? deps.driftHistory(q.useCaseId) : { useCaseId: q.useCaseId, pauseThreshold: 0.25, warnThreshold: 0.1, points: [] }),
    ),
  );
  app.get(
    '/api/v1/drift/:useCaseId',
    route(
      Permission.DriftRead,
      z.object({ useCaseId: Uuid }),
      () => undefined,
      async (q) => commands.driftReport(q.useCaseId),
    ),
  );

  registerShelvingRoutes(app, { shelving: commands, route, resourceOf: recResource });
  registerMlopsRoutes(app, { shadow: commands, route });
  if (deps.visual)
    registerVisualRoutes(app, { visual: deps.visual, route, authenticateFirst: auth.authenticateFirst, authorizeOn: auth.authorizeOn, sendError });

  // Live feed: Server-Sent Events of production recommendations and mode changes (never shadow).
  app.get('/api/v1/feed', { onRequest: auth.authenticateFirst(Permission.RecommendationRead) }, async (req, reply) => {
    let principal;
    try {
      principal = await auth.authorizeOn(req, Permission.RecommendationRead, undefined);
    } catch (error) {
      return sendError(reply, error);
    }
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(`retry: 2000\n: feed for ${principal.subject}\n\n`);
    const write = (event: string, id: number | null, data: unknown) =>
      res.write(`${id === null ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    write('snapshot', projection.position, { recommendations: list({ openOnly: true, max: 500 }), modes: Object.fromEntries(projection.modes()) });
    const stop = projection.subscribe((item) => {
      write(item.kind, item.position, { type: item.type, ...item.payload });
      if (item.type === 'RecommendationRaised') void traceFeedPush(promptTrace, String(item.payload.recommendationId), principal.subject);
    });
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    req.raw.on('close', () => {
      clearInterval(ping);
      stop();
    });
  });
  return app;
}
