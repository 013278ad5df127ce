// The gateway's MLOps routes (issue 16) for the engineer and quality-lead screens: GET
// /api/v1/shadow/comparisons — the shadow view of a use case (ListShadowComparisons over HTTP):
// per candidate a summary (windows, agreement, alarms of each side, caught / missed / false alarms
// against the operators' outcomes) and the compared prompts newest first, in pages. Same permission
// and scope rule as the gRPC method: drift.read on a location covering `scope`.
import { Permission, resourceOfAssetPath } from '@industrial/access';
import { UnsScope, Uuid } from '@industrial/contracts';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ShadowViewing } from '../../features/shadow-view.ts';
import type { registerShelvingRoutes } from './gateway-shelving.ts';

/** The gateway's guarded route builder (gateway.ts), as the shelving routes take it. */
type Route = Parameters<typeof registerShelvingRoutes>[1]['route'];

const ShadowQuery = z.object({
  useCaseId: Uuid,
  scope: z.union([z.literal(''), UnsScope]).optional(),
  candidateVersionId: z.union([z.literal(''), Uuid]).optional(),
  pageSize: z.coerce.number().int('must be a whole number').min(1, 'must be 1–500').max(500, 'must be at most 500').optional(),
  pageToken: z.string().max(20).optional(),
});

export function registerMlopsRoutes(app: FastifyInstance, deps: { shadow: ShadowViewing; route: Route }): void {
  app.get(
    '/api/v1/shadow/comparisons',
    deps.route(
      Permission.DriftRead,
      ShadowQuery,
      (q) => resourceOfAssetPath(q.scope),
      (q) =>
        deps.shadow.listShadowComparisons({
          useCaseId: q.useCaseId,
          scope: q.scope || null,
          candidateVersionId: q.candidateVersionId || null,
          pageSize: q.pageSize ?? 50,
          pageToken: q.pageToken || null,
        }),
    ),
  );
}
