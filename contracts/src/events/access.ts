// Access events (owner: access): authorisation decisions and token/key lifecycle, in `access-<date>` streams.
import { z } from 'zod';
import { Service, StreamFamily, defineContract } from '../contract.ts';
import { Base64Key, IsoDateTime, KeyId, Permission, Role, Subject, UnsToken, Uuid, text } from '../primitives.ts';

/** Where in the plant the denied request pointed; absent levels mean "any". */
const ResourceScope = z.strictObject({ site: UnsToken.optional(), area: UnsToken.optional(), line: UnsToken.optional() });

const AccessDeniedV1 = z.strictObject({
  actor: Subject,
  role: Role,
  /** Permission that was required, e.g. `model.approve`. */
  permission: Permission,
  resource: ResourceScope,
  /** Service that refused the call. */
  service: z.enum(['charter', 'connectivity', 'dataops', 'training', 'inference', 'governance', 'access', 'simulator', 'hmi']),
  /** gRPC full method (`/industrial.governance.v1.Models/Approve`) or HTTP `METHOD /path`. */
  method: text(200),
  reason: z.enum(['missing-permission', 'out-of-scope', 'token-expired', 'token-invalid', 'key-unknown', 'no-token']),
});

/** The request channel the call came through. */
export const AccessTransport = z.enum(['grpc', 'http', 'nats', 'unknown']);

/** Actor recorded when no principal could be established (missing or invalid token). */
const ANONYMOUS_ACTOR = 'anonymous';

/**
 * Why access refused a call, as a code. The plain-language text goes in `detail`.
 * Authorization (a known caller): `missing-permission` (no role grants it), `out-of-scope` (the
 * location is outside the caller's scopes), `unknown-resource` (the request named no well-formed
 * location). Authentication (no principal; actor `anonymous`, role `none`): `no-token`,
 * `token-expired`, `token-not-yet-valid`, `token-invalid` (malformed, bad signature, unsigned,
 * unsupported algorithm, invalid claims, wrong issuer or audience), `key-unknown` (signed with a
 * key the key set does not hold), `key-retired` (signed with a key past its retirement).
 */
export const AccessDeniedReason = z.enum([
  'missing-permission',
  'out-of-scope',
  'unknown-resource',
  'no-token',
  'token-expired',
  'token-not-yet-valid',
  'token-invalid',
  'key-unknown',
  'key-retired',
]);

/** A platform role, or `none` for a caller that could not be authenticated. */
const RoleOrNone = z.enum([...Role.options, 'none']);

// v2 (edited in place before any production record): records the channel of the denied call so
// audits can separate HMI (http) from engineer/API (grpc) and bus (nats) access attempts; every
// role of the caller; the plain-language reason; unauthenticated callers (role `none`); and the
// complete set of reason codes access can give.
const AccessDeniedV2 = z
  .strictObject({
    ...AccessDeniedV1.shape,
    /** The caller's first role, or `none` when the caller could not be authenticated (actor `anonymous`). */
    role: RoleOrNone,
    reason: AccessDeniedReason,
    transport: AccessTransport,
    /** Plain-language reason, e.g. "olga@plant1 has role operator; model.approve needs role quality_lead". */
    detail: text(500),
    /** Every role of the caller; empty when the caller could not be authenticated. */
    roles: z.array(Role),
  })
  .superRefine((d, ctx) => {
    if (d.role === 'none') {
      if (d.roles.length > 0) ctx.addIssue({ code: 'custom', path: ['roles'], message: 'must be empty when role is "none" (unauthenticated)' });
      if (d.actor !== ANONYMOUS_ACTOR) ctx.addIssue({ code: 'custom', path: ['actor'], message: `must be "${ANONYMOUS_ACTOR}" when role is "none"` });
    } else if (!d.roles.includes(d.role)) {
      ctx.addIssue({ code: 'custom', path: ['roles'], message: `must include role "${d.role}"` });
    }
  });

export const accessDenied = defineContract({
  service: Service.Access,
  streamFamily: StreamFamily.Access,
  description: 'A call was refused: the caller could not be authenticated, or lacked the permission or scope it needed.',
  versions: [AccessDeniedV1, AccessDeniedV2],
  upcasters: [
    {
      note:
        'v2 adds `transport`, `detail`, `roles` and role "none"; v1 events read as transport "unknown" (never guessed), ' +
        'roles [role] (v1 could only record authenticated callers, so never "none") and detail = the v1 reason code.',
      up: (v1) => ({ ...v1, transport: 'unknown' as const, detail: v1.reason, roles: [v1.role] }),
    },
  ],
});

export const tokenIssued = defineContract({
  service: Service.Access,
  streamFamily: StreamFamily.Access,
  description: 'An access token was issued; records its claims, never the token itself.',
  versions: [
    z
      .strictObject({
        /** The token's `jti`: lets an auditor match later calls to this issuance. */
        tokenId: Uuid,
        subject: Subject,
        roles: z.array(Role).min(1),
        /** Plant scopes the token is limited to, e.g. `site:plant1`, `line:plant1.packaging.line-1`. */
        scopes: z.array(z.string().regex(/^(enterprise|site|area|line):[a-z0-9_.-]+$/, 'must look like "site:plant1"')),
        keyId: KeyId,
        issuedAt: IsoDateTime,
        expiresAt: IsoDateTime,
      })
      .refine((t) => Date.parse(t.expiresAt) > Date.parse(t.issuedAt), { message: 'must be after issuedAt', path: ['expiresAt'] }),
  ],
  upcasters: [],
});

export const signingKeyRotated = defineContract({
  service: Service.Access,
  streamFamily: StreamFamily.Access,
  description: 'A new signing key became active; the previous one verifies until it retires.',
  versions: [
    z.strictObject({
      purpose: z.enum(['access-token', 'audit-anchor']),
      algorithm: z.literal('Ed25519'),
      keyId: KeyId,
      /** Raw 32-byte Ed25519 public key, base64. */
      publicKey: Base64Key,
      previousKeyId: KeyId.nullable(),
      activatedAt: IsoDateTime,
      /** Until then tokens/anchors signed with the previous key still verify; null when there is none. */
      previousKeyRetiresAt: IsoDateTime.nullable(),
    }),
  ],
  upcasters: [],
});
