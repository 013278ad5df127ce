// The gateway's routes of visual inspection (#22), registered by gateway.ts when inference scores
// part images: the board prompts with their regions, the board image (PNG), the operator's verdict
// on one region, and a live feed of new prompts and verdicts (Server-Sent Events). Same guard as
// every route: token and role first, then the input.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Permission, type Principal, type Resource } from '@industrial/access';
import type { Cause } from '@industrial/kernel';
import { InferenceError } from '../../domain/errors.ts';
import { InspectionError, type VisualInspection } from '../../features/visual.ts';

const Uuid = z.string().uuid('must be a UUID');
const CODE = { 'not-found': 'NOT_FOUND', 'invalid-argument': 'INVALID_ARGUMENT', 'failed-precondition': 'FAILED_PRECONDITION' } as const;

type Route = <T>(
  permission: Permission,
  schema: z.ZodType<T>,
  resourceOf: (input: T) => Resource | undefined,
  run: (input: T, cause: Cause) => Promise<unknown>,
) => { onRequest: unknown; handler: (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply> };

export interface VisualRoutesDeps {
  readonly visual: VisualInspection;
  readonly route: Route;
  readonly authenticateFirst: (permission: Permission) => (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;
  readonly authorizeOn: (req: FastifyRequest, permission: Permission, resource: Resource | undefined) => Promise<Principal>;
  readonly sendError: (reply: FastifyReply, error: unknown) => FastifyReply;
}

const named = <T>(run: () => Promise<T>): Promise<T> =>
  run().catch((error: unknown) => {
    if (error instanceof InspectionError) throw new InferenceError(CODE[error.code], error.message, error.code === 'invalid-argument' ? 'region' : undefined);
    throw error;
  });

export function registerVisualRoutes(app: FastifyInstance, deps: VisualRoutesDeps): void {
  const { visual, route } = deps;
  const none = () => undefined;
  app.get(
    '/api/v1/inspections',
    route(
      Permission.RecommendationRead,
      z.object({ open: z.enum(['true', 'false']).optional(), limit: z.coerce.number().int().min(1).max(200).optional() }),
      none,
      async (q) => ({
        inspections: visual.list({ open: q.open === 'true', limit: q.limit ?? 50 }),
      }),
    ) as never,
  );
  app.get(
    '/api/v1/inspections/:id',
    route(Permission.RecommendationRead, z.object({ id: Uuid }), none, (q) =>
      named(async () => {
        const v = visual.get(q.id);
        if (v === undefined || v.mode !== 'production') throw new InspectionError('not-found', `no board prompt ${q.id}`);
        return v;
      }),
    ) as never,
  );
  app.post(
    '/api/v1/inspections/:id/verdict',
    route(
      Permission.RecommendationDecide,
      z.object({
        id: Uuid,
        region: z.coerce.number().int().min(0),
        verdict: z.enum(['defect-confirmed', 'no-defect']),
        defectType: z.enum(['open', 'short', 'mousebite', 'spur', 'spurious-copper', 'pin-hole', 'other']).optional(),
      }),
      none,
      (q, cause) =>
        named(() =>
          visual.verdict({ recommendationId: q.id, region: q.region, verdict: q.verdict, ...(q.defectType ? { defectType: q.defectType } : {}) }, cause),
        ),
    ) as never,
  );
  app.get('/api/v1/images/:sha256', { onRequest: deps.authenticateFirst(Permission.RecommendationRead) }, async (req, reply) => {
    try {
      await deps.authorizeOn(req, Permission.RecommendationRead, undefined);
      const sha = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 (64 lowercase hex digits)') }).parse(req.params).sha256;
      const png = await visual.png(sha);
      if (png === null) throw new InferenceError('NOT_FOUND', `no stored image ${sha}`);
      return reply.header('content-type', 'image/png').header('cache-control', 'private, max-age=3600').send(Buffer.from(png));
    } catch (error) {
      return deps.sendError(reply, error);
    }
  });
  app.get('/api/v1/inspections/feed', { onRequest: deps.authenticateFirst(Permission.RecommendationRead) }, async (req, reply) => {
    try {
      await deps.authorizeOn(req, Permission.RecommendationRead, undefined);
    } catch (error) {
      return deps.sendError(reply, error);
    }
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write('retry: 2000\n\n');
    const stop = visual.subscribe((item) => res.write(`event: inspection\ndata: ${JSON.stringify(item)}\n\n`));
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    req.raw.on('close', () => {
      clearInterval(ping);
      stop();
    });
  });
}
