// Sign-out: forget the token cookie.
import { redirect } from '@sveltejs/kit';
import { clearTokenCookie } from '#lib/server/session.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = () => redirect(303, '/');

export const actions: Actions = {
  default: ({ cookies }) => {
    clearTokenCookie(cookies);
    redirect(303, '/signin?out=1');
  },
};
