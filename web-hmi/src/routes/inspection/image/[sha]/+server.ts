// The board image (PNG) for the inspection screen, fetched from the gateway with the operator's
// token (the token never reaches the browser).
import { inspections } from '#lib/server/inspections.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ locals, params }) => {
  const s = locals.session;
  if (s === null) return new Response('signed out', { status: 401 });
  if (!/^[0-9a-f]{64}$/.test(params.sha)) return new Response('not an image id', { status: 400 });
  let upstream: Response;
  try {
    upstream = await inspections(s.token).image(params.sha);
  } catch {
    return new Response('gateway not reachable', { status: 502 });
  }
  if (!upstream.ok) return new Response('image not available', { status: upstream.status === 404 ? 404 : 502 });
  return new Response(await upstream.arrayBuffer(), { headers: { 'content-type': 'image/png', 'cache-control': 'private, max-age=3600' } });
};
