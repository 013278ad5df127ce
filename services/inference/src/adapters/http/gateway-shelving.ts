// The gateway's shelving routes (issue 17, ISA-18.2): POST /api/v1/recommendations/:id/shelve with
// a reason and either `durationSeconds` (10 s to 12 h) or `endOfShift: true`, and POST …/unshelve.
// Same permission and scope as acknowledging. A prompt someone already closed → 409 with its state
// and the prompt as it is now (`recommendation`).
import { Permission, type Resource } from '@industrial/access';
import { Uuid } from '@industrial/contracts';
import type { Cause } from '@industrial/kernel';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { SHELVE_MAX_SECONDS, SHELVE_MIN_SECONDS } from '../../domain/shelving.ts';
import type { Shelving } from '../../features/shelving.ts';

type Route = <T>(
  permission: Permission,
  schema: z.ZodType<T>,
  resourceOf: (input: T) => Resource | undefined,
  run: (input: T, cause: Cause) => Promise<unknown>,
) => {
  onRequest: (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;
  handler: (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;
};

const seconds = z
  .number({ message: `must be a number of seconds from ${SHELVE_MIN_SECONDS} to ${SHELVE_MAX_SECONDS}` })
  .int(`must be a whole number of seconds from ${SHELVE_MIN_SECONDS} to ${SHELVE_MAX_SECONDS}`)
  .min(SHELVE_MIN_SECONDS, `must be at least ${SHELVE_MIN_SECONDS} seconds`)
  .max(SHELVE_MAX_SECONDS, `must be at most ${SHELVE_MAX_SECONDS} seconds (12 h)`);

const ShelveBody = z
  .object({
    id: Uuid,
    reason: z.string().trim().min(1, 'say why the prompt is shelved').max(500),
    durationSeconds: seconds.optional(),
    endOfShift: z.literal(true, { message: 'must be true (or give durationSeconds)' }).optional(),
  })
  .superRefine((b, ctx) => {
    if ((b.durationSeconds === undefined) === (b.endOfShift === undefined))
      ctx.addIssue({ code: 'custom', path: ['durationSeconds'], message: 'give either durationSeconds or endOfShift: true' });
  });

export function registerShelvingRoutes(
  app: FastifyInstance,
  deps: { shelving: Shelving; route: Route; resourceOf: (input: { id: string }) => Resource | undefined },
): void {
  const { route, shelving } = deps;
  app.post(
    '/api/v1/recommendations/:id/shelve',
    route(Permission.RecommendationDecide, ShelveBody, deps.resourceOf, (q, cause) =>
      shelving.shelve(
        q.id,
        q.durationSeconds === undefined ? { reason: q.reason, endOfShift: true } : { reason: q.reason, durationSeconds: q.durationSeconds },
        cause,
      ),
    ),
  );
  app.post(
    '/api/v1/recommendations/:id/unshelve',
    route(Permission.RecommendationDecide, z.object({ id: Uuid }), deps.resourceOf, (q, cause) => shelving.unshelve(q.id, cause)),
  );
}
