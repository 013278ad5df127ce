// Who is signed in: the token lives only in an httpOnly cookie; it is verified here with the
// platform's key set (@industrial/access `authenticate`) on every request, so an expired or
// forged token never reaches a page. The gateway verifies it again on every call it receives.
import {
  authenticate,
  AuthenticationError,
  AuthenticationFailure,
  loadKeySet,
  roleHasPermission,
  type KeySet,
  type Permission,
  type Principal,
} from '@industrial/access';
import type { Cookies } from '@sveltejs/kit';
import { config } from './config.ts';

export const TOKEN_COOKIE = 'hmi_token';

export interface Session {
  token: string;
  principal: Principal;
  /** Token expiry (ms since epoch), to warn before it runs out. */
  expiresAtMs: number | null;
}

export type SignInResult = { ok: true; session: Session } | { ok: false; reason: 'expired' | 'invalid' | 'keys' };

// The key set is re-read every minute so a key rotation needs no restart.
let keys: { set: KeySet; loadedAtMs: number } | null = null;
async function keySet(nowMs: number): Promise<KeySet> {
  if (keys === null || nowMs - keys.loadedAtMs > 60_000) keys = { set: await loadKeySet(config().accessKeysDir), loadedAtMs: nowMs };
  return keys.set;
}

function expiryOf(token: string): number | null {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : null;
  } catch {
    return null;
  }
}

/** Verifies a bearer token; never throws for a bad token, only says why it was refused. */
export async function verifyToken(raw: string, now: Date = new Date()): Promise<SignInResult> {
  const token = raw.trim().replace(/^Bearer\s+/i, '');
  if (token === '') return { ok: false, reason: 'invalid' };
  let set: KeySet;
  try {
    set = await keySet(now.getTime());
  } catch {
    return { ok: false, reason: 'keys' };
  }
  try {
    const principal = await authenticate(token, set, { issuer: config().issuer, audience: config().audience, now });
    return { ok: true, session: { token, principal, expiresAtMs: expiryOf(token) } };
  } catch (error) {
    if (error instanceof AuthenticationError && error.reason === AuthenticationFailure.Expired) return { ok: false, reason: 'expired' };
    return { ok: false, reason: 'invalid' };
  }
}

export function setTokenCookie(cookies: Cookies, token: string, secure: boolean, expiresAtMs: number | null): void {
  cookies.set(TOKEN_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure,
    ...(expiresAtMs === null ? {} : { expires: new Date(expiresAtMs) }),
  });
}

export function clearTokenCookie(cookies: Cookies): void {
  cookies.delete(TOKEN_COOKIE, { path: '/' });
}

export function can(session: Session | null, permission: Permission): boolean {
  return session !== null && session.principal.roles.some((r) => roleHasPermission(r, permission));
}

/** The first page of a role: operators the prompts, quality leads approvals, engineers models, auditors the audit view. */
export function homeFor(session: Session): string {
  if (can(session, 'recommendation.decide' as Permission)) return '/';
  if (can(session, 'model.approve' as Permission)) return '/approvals';
  if (can(session, 'model.propose' as Permission)) return '/models';
  if (can(session, 'audit.read' as Permission)) return '/audit';
  return '/plant';
}

/** A `next` target after sign-in: only a path of this site (no scheme, no `//`). */
export function safeNext(next: string | null): string | null {
  return next !== null && /^\/(?!\/)[\w\-./?=&%]*$/.test(next) && !next.startsWith('/signin') ? next : null;
}
