// A use case's training runs with their progress, as JSON for the engineer's page to poll while a
// run is going (the page shows progress without a reload). Same token and permission as the page.
import { json } from '@sveltejs/kit';
import { Permission } from '@industrial/access';
import { runsOf } from '#lib/server/models.ts';
import { withPlatform } from '#lib/server/platform.ts';
import { can } from '#lib/server/session.ts';
import type { RequestHandler } from './$types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const GET: RequestHandler = async ({ locals, url }) => {
  const s = locals.session;
  if (s === null) return new Response('signed out', { status: 401 });
  if (!can(s, Permission.ModelRead)) return json({ error: 'Your role does not read the model registry.' }, { status: 403 });
  const useCase = url.searchParams.get('useCase') ?? '';
  if (!UUID.test(useCase)) return json({ error: 'useCase must be a use case id (UUID).', field: 'useCase' }, { status: 400 });
  const r = await withPlatform(s.token, (p) => runsOf(p, useCase));
  return json(r, { headers: { 'cache-control': 'no-store' } });
};
