// Sign-in: the operator pastes or scans a platform token; it is verified with the key set and
// kept in an httpOnly, SameSite=Strict cookie (Secure when served over https).
import { fail, redirect } from '@sveltejs/kit';
import { clearTokenCookie, homeFor, safeNext, setTokenCookie, verifyToken } from '#lib/server/session.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ url, locals, cookies }) => {
  // "Sign in again" after the browser saw the sign-in run out always shows the form (the server may
  // still accept the old token for a moment: clock leeway), and drops the old cookie
  if (url.searchParams.has('expired')) clearTokenCookie(cookies);
  else if (locals.session !== null) redirect(303, safeNext(url.searchParams.get('next')) ?? homeFor(locals.session));
  return {
    notice: url.searchParams.has('expired')
      ? 'Your sign-in has run out. Scan or paste your badge token again.'
      : url.searchParams.has('keys')
        ? 'The HMI cannot check sign-ins right now (key set missing). Call the control-room engineer.'
        : url.searchParams.has('out')
          ? 'You are signed out.'
          : null,
  };
};

const REFUSED = {
  expired: 'This token has run out. Ask your supervisor for a new one.',
  invalid: 'This token is not valid here. Check that you scanned the whole badge, or ask your supervisor.',
  keys: 'The HMI cannot check sign-ins right now (key set missing). Call the control-room engineer.',
} as const;

export const actions: Actions = {
  default: async ({ request, cookies, url }) => {
    const form = await request.formData();
    const token = String(form.get('token') ?? '').trim();
    if (token === '') return fail(400, { field: 'token', message: 'Paste or scan your token first.' });
    const result = await verifyToken(token);
    if (!result.ok) return fail(result.reason === 'keys' ? 503 : 400, { field: 'token', message: REFUSED[result.reason] });
    setTokenCookie(cookies, result.session.token, url.protocol === 'https:', result.session.expiresAtMs);
    redirect(303, safeNext(url.searchParams.get('next')) ?? homeFor(result.session));
  },
};
