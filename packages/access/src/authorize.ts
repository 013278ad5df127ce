// Authorization: may this principal perform this permission on this resource? Pure: no I/O,
// no clock. Role first (the matrix), then location scope (unless the permission waives it).

import { FourEyesViolationError, PermissionDeniedError } from './errors.ts';
import { PERMISSION_INFO, isPermission, rolesGranting, roleHasPermission, type Permission, type Role } from './permissions.ts';
import { describeResource, parseScope, resourcePath, scopeCovers, scopeNeededFor, type Resource } from './scopes.ts';

/** Who is calling, as established by `authenticate` from a verified token. */
export interface Principal {
  /** Token `sub`: a user name or a service account (e.g. `svc:inference`). */
  readonly subject: string;
  readonly roles: readonly Role[];
  /** Location scopes, e.g. `line:plant1/packaging/line2` or `*`. */
  readonly scopes: readonly string[];
  /** Token `jti`. */
  readonly tokenId: string;
}

export type AuthorizationDecision =
  { readonly allowed: true } | { readonly allowed: false; readonly missing: 'role' | 'scope' | 'resource'; readonly reason: string };

export function authorize(principal: Principal, permission: Permission, resource?: Resource): AuthorizationDecision {
  // Permission arrives typed, but callers on a boundary may pass strings: fail closed.
  if (!isPermission(permission)) {
    return { allowed: false, missing: 'role', reason: `"${String(permission)}" is not a known permission` };
  }
  if (!principal.roles.some((role) => roleHasPermission(role, permission))) {
    const needed = rolesGranting(permission);
    const has = principal.roles.length === 0 ? 'no role' : `role ${principal.roles.join(', ')}`;
    return {
      allowed: false,
      missing: 'role',
      reason: `${principal.subject} has ${has}; ${permission} needs role ${needed.length === 0 ? '(none grants it)' : needed.join(' or ')}`,
    };
  }
  if (PERMISSION_INFO[permission].scope === 'none') return { allowed: true };

  const location = resourcePath(resource);
  if (!location.ok) return { allowed: false, missing: 'resource', reason: location.reason };
  const covered = principal.scopes.some((text) => {
    const parsed = parseScope(text);
    return parsed.ok && scopeCovers(parsed.scope, location.path);
  });
  if (covered) return { allowed: true };

  const held = principal.scopes.length === 0 ? 'no scope' : `scope ${principal.scopes.join(', ')}`;
  const needed = scopeNeededFor(location.path);
  const hint = needed === '*' ? 'scope *' : `scope ${needed} (or a wider one, or *)`;
  return {
    allowed: false,
    missing: 'scope',
    reason: `${describeResource(resource)} is outside ${principal.subject}'s ${held}; ${permission} there needs ${hint}`,
  };
}

/** `authorize`, throwing `PermissionDeniedError` on denial. */
export function assertAuthorized(principal: Principal, permission: Permission, resource?: Resource): void {
  const decision = authorize(principal, permission, resource);
  if (!decision.allowed) throw new PermissionDeniedError(permission, resource, decision.reason);
}

/**
 * Four eyes: the approver must be a different person from the proposer. Subjects are compared
 * trimmed, Unicode-normalised and case-insensitively, so `Alice` cannot approve `alice`'s proposal.
 */
export function assertFourEyes(proposer: string | Pick<Principal, 'subject'>, approver: string | Pick<Principal, 'subject'>): void {
  const a = typeof proposer === 'string' ? proposer : proposer.subject;
  const b = typeof approver === 'string' ? approver : approver.subject;
  const norm = (s: string) => s.normalize('NFKC').trim().toLowerCase();
  if (norm(a) === '' || norm(b) === '') {
    throw new PermissionDeniedError(null, undefined, 'four eyes needs both a proposer and an approver subject');
  }
  if (norm(a) === norm(b)) throw new FourEyesViolationError(b);
}
