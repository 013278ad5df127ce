// The prompt card's outbound status (OutboundStatus.svelte), proxied: the browser asks this route
// (same origin, cookie) and it asks the integration service with the operator's bearer token.
import { json } from '@sveltejs/kit';
import { outboundOf } from '#lib/server/outbound.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ locals, url }) => {
  const s = locals.session;
  if (s === null) return json({ error: 'signed out' }, { status: 401 });
  const id = url.searchParams.get('recommendationId') ?? '';
  if (!/^[0-9a-f-]{36}$/i.test(id)) return json({ error: 'recommendationId must be the prompt id' }, { status: 400 });
  try {
    return json({ actions: (await outboundOf(s.token, id)) ?? [] });
  } catch {
    return json({ error: 'the integration service is not reachable' }, { status: 502 });
  }
};
