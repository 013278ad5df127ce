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

// v2 (released after v1): records the channel of the denied call so audits can separate HMI
// (http) from engineer/API (grpc) and bus (nats) access attempts.
const AccessDeniedV2 = z.strictObject({ ...AccessDeniedV1.shape, transport: AccessTransport });

export const accessDenied = defineContract({
  service: Service.Access,
  streamFamily: StreamFamily.Access,
  description: 'A call was refused because the caller lacked the permission or scope it needed.',
  versions: [AccessDeniedV1, AccessDeniedV2],
  upcasters: [
    {
      note: 'v2 adds `transport`; v1 events did not record it, so they read as "unknown" (never guessed).',
      up: (v1) => ({ ...v1, transport: 'unknown' as const }),
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
