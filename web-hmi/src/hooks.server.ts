// Puts the signed-in operator in `locals`: the token from the httpOnly cookie is verified with
// the platform key set on each request. A refused token clears the cookie and, outside the
// sign-in page, sends the operator back to sign in with a plain reason. Rate limits first: per
// source address before the cookie is verified, per token after (429 with Retry-After; the probe
// /healthz is not limited).
import { redirect } from '@sveltejs/kit';
import type { Handle } from '@sveltejs/kit/hooks';
import { withClientAddress } from '#lib/server/client-address.ts';
import { config } from '#lib/server/config.ts';
import { createHmiGate, type HmiGate } from '#lib/server/rate-limit.ts';
import { clearTokenCookie, TOKEN_COOKIE, verifyToken } from '#lib/server/session.ts';

const PUBLIC = new Set(['/signin', '/healthz']);

let gate: HmiGate | null = null;

export const handle: Handle = async ({ event, resolve }) => {
  const path = event.url.pathname;
  const address = event.getClientAddress();
  if (path !== '/healthz') {
    gate ??= createHmiGate(config().rateLimits);
    const limited = gate.source(address);
    if (limited !== null) return limited;
  }
  const raw = event.cookies.get(TOKEN_COOKIE);
  event.locals.session = null;
  let why: 'expired' | 'invalid' | 'keys' | null = null;
  if (raw) {
    const result = await verifyToken(raw);
    if (result.ok) {
      event.locals.session = result.session;
      const limited = gate?.token(result.session.principal.tokenId) ?? null;
      if (limited !== null) return limited;
    } else {
      why = result.reason;
      clearTokenCookie(event.cookies);
    }
  }
  if (event.locals.session === null && !PUBLIC.has(path)) {
    if (path.startsWith('/api/')) return new Response('signed out', { status: 401 });
    const q = new URLSearchParams();
    if (why === 'expired') q.set('expired', '1');
    if (why === 'keys') q.set('keys', '1');
    if (event.request.method === 'GET' && path !== '/') q.set('next', path + event.url.search);
    redirect(303, `/signin${q.size > 0 ? `?${q}` : ''}`);
  }
  // Gateway calls made while serving this request name the browser's address (X-Forwarded-For).
  return withClientAddress(address, () => resolve(event));
};
