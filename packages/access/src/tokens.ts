// Bearer tokens: JWTs signed with Ed25519 (EdDSA), carrying the principal's roles and scopes.
// `issueToken` signs; `authenticate` verifies and returns the Principal, or throws an
// AuthenticationError whose `reason` says exactly why the token was refused.

import { SignJWT, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import type { Principal } from './authorize.ts';
import { AuthenticationError, AuthenticationFailure, InvalidArgumentError } from './errors.ts';
import type { KeySet, SigningKey } from './keys.ts';
import { ROLES, isRole, type Role } from './permissions.ts';
import { parseScope } from './scopes.ts';

const ACCEPTED_ALGS = ['EdDSA', 'Ed25519'];
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;
/** Our tokens are well under 1 KiB; anything far larger is refused before any decoding work. */
const MAX_TOKEN_LENGTH = 8192;

export interface IssueTokenInput {
  subject: string;
  roles: readonly Role[];
  scopes: readonly string[];
  /** `jti`; pass a UUID (v7 preferred). */
  tokenId: string;
  issuer: string;
  audience: string;
  now: Date;
  ttlSeconds: number;
}

/** Signs a token with the signing key; `kid` in the header names the key for verification. */
export async function issueToken(signingKey: SigningKey, input: IssueTokenInput): Promise<string> {
  if (input.subject.trim() === '') throw new InvalidArgumentError('subject', 'must not be empty');
  if (input.tokenId.trim() === '') throw new InvalidArgumentError('tokenId', 'must not be empty');
  if (input.issuer === '') throw new InvalidArgumentError('issuer', 'must not be empty');
  if (input.audience === '') throw new InvalidArgumentError('audience', 'must not be empty');
  if (input.roles.length === 0) throw new InvalidArgumentError('roles', `at least one role is needed (${ROLES.join(', ')})`);
  for (const role of input.roles) {
    if (!isRole(role)) throw new InvalidArgumentError('roles', `unknown role "${String(role)}" (known: ${ROLES.join(', ')})`);
  }
  for (const scope of input.scopes) {
    const parsed = parseScope(scope);
    if (!parsed.ok) throw new InvalidArgumentError('scopes', parsed.reason);
  }
  if (!Number.isInteger(input.ttlSeconds) || input.ttlSeconds <= 0) {
    throw new InvalidArgumentError('ttlSeconds', 'must be a positive whole number of seconds');
  }
  if (Number.isNaN(input.now.getTime())) throw new InvalidArgumentError('now', 'must be a valid Date');
  const iat = Math.floor(input.now.getTime() / 1000);
  return new SignJWT({ roles: [...new Set(input.roles)], scopes: [...new Set(input.scopes)] })
    .setProtectedHeader({ alg: 'EdDSA', kid: signingKey.kid, typ: 'JWT' })
    .setIssuer(input.issuer)
    .setAudience(input.audience)
    .setSubject(input.subject)
    .setJti(input.tokenId)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + input.ttlSeconds)
    .sign(signingKey.key);
}

export interface AuthenticateOptions {
  issuer: string;
  audience: string;
  /** The clock; defaults to the system clock. */
  now?: Date;
  /** Allowed skew for exp/nbf/iat, default 30 s. */
  clockToleranceSeconds?: number;
}

const claimsSchema = z.object({
  sub: z.string().min(1),
  jti: z.string().min(1),
  roles: z.array(z.string()).min(1),
  scopes: z.array(z.string()),
});

/** Token contents are attacker-controlled: quote and shorten before putting them in a message. */
function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}

const fail = (reason: AuthenticationFailure, message: string, cause?: unknown) =>
  new AuthenticationError(reason, message, cause === undefined ? {} : { cause });

/** Takes `Bearer <jwt>` (an Authorization header) or the bare JWT. */
function extractToken(headerOrToken: string | null | undefined): string {
  const text = (headerOrToken ?? '').trim();
  if (text === '') throw fail(AuthenticationFailure.Missing, 'no bearer token was presented');
  const bearer = /^bearer\s+(\S+)$/i.exec(text);
  if (bearer?.[1] !== undefined) return bearer[1];
  if (/\s/.test(text)) {
    throw fail(AuthenticationFailure.Malformed, 'the authorization header must be "Bearer <token>"');
  }
  if (/^bearer$/i.test(text)) throw fail(AuthenticationFailure.Missing, 'the authorization header has no token after "Bearer"');
  return text;
}

/**
 * Verifies a bearer token against the key set and returns who is calling.
 * Order of checks: shape → algorithm → kid → key retired → signature → iss/aud/time → claims,
 * so a tampered payload is reported as a bad signature, never as e.g. "expired".
 */
export async function authenticate(headerOrToken: string | null | undefined, keySet: KeySet, options: AuthenticateOptions): Promise<Principal> {
  const now = options.now ?? new Date();
  if (Number.isNaN(now.getTime())) throw new InvalidArgumentError('now', 'must be a valid Date');
  const tolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new InvalidArgumentError('clockToleranceSeconds', 'must be ≥ 0');
  const token = extractToken(headerOrToken);
  if (token.length > MAX_TOKEN_LENGTH) {
    throw fail(AuthenticationFailure.Malformed, `the token is longer than ${MAX_TOKEN_LENGTH} characters`);
  }
  const parts = token.split('.');
  if (parts.length !== 3) {
    throw fail(AuthenticationFailure.Malformed, `the token must be a signed JWT of 3 dot-separated parts (got ${parts.length})`);
  }

  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch (cause) {
    throw fail(AuthenticationFailure.Malformed, 'the token header is not valid base64url JSON', cause);
  }
  const alg = typeof header.alg === 'string' ? header.alg : undefined;
  if (alg === undefined || alg.toLowerCase() === 'none' || parts[2] === '') {
    throw fail(AuthenticationFailure.Unsigned, 'the token is unsigned (alg "none" or no signature); only EdDSA-signed tokens are accepted');
  }
  if (!ACCEPTED_ALGS.includes(alg)) {
    throw fail(AuthenticationFailure.UnsupportedAlgorithm, `the token is signed with ${quote(alg)}; only EdDSA is accepted`);
  }
  if (typeof header.kid !== 'string' || header.kid === '') {
    throw fail(AuthenticationFailure.UnknownKey, 'the token header has no key id (kid)');
  }
  const key = keySet.keys.get(header.kid);
  if (key === undefined) {
    throw fail(AuthenticationFailure.UnknownKey, `the token was signed with key ${quote(header.kid)}, which is not in the key set`);
  }
  if (key.retireAt !== null && key.retireAt.getTime() <= now.getTime()) {
    throw fail(AuthenticationFailure.KeyRetired, `the token was signed with key ${key.kid}, retired at ${key.retireAt.toISOString()}`);
  }

  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, key.key, {
      issuer: options.issuer,
      audience: options.audience,
      algorithms: ACCEPTED_ALGS,
      currentDate: now,
      clockTolerance: tolerance,
      requiredClaims: ['exp', 'iat', 'sub', 'jti'],
    }));
  } catch (cause) {
    throw mapJoseError(cause);
  }

  // jose only checks iat against the clock when maxTokenAge is set; a token "issued" in the future is not valid yet.
  if (typeof payload.iat === 'number' && payload.iat > now.getTime() / 1000 + tolerance) {
    throw fail(AuthenticationFailure.NotYetValid, `the token is issued in the future (iat ${new Date(payload.iat * 1000).toISOString()})`);
  }

  const claims = claimsSchema.safeParse(payload);
  if (!claims.success) {
    const issue = claims.error.issues[0];
    const field = issue?.path.map(String).join('.') ?? '(claims)';
    throw fail(AuthenticationFailure.InvalidClaims, `the token's "${field}" claim is missing or invalid`, claims.error);
  }
  const roles: Role[] = [];
  for (const role of claims.data.roles) {
    if (!isRole(role)) throw fail(AuthenticationFailure.InvalidClaims, `the token names an unknown role ${quote(role)}`);
    if (!roles.includes(role)) roles.push(role);
  }
  for (const scope of claims.data.scopes) {
    const parsed = parseScope(scope);
    if (!parsed.ok) throw fail(AuthenticationFailure.InvalidClaims, `the token has an invalid scope ${quote(scope)}`);
  }
  return { subject: claims.data.sub, roles, scopes: [...new Set(claims.data.scopes)], tokenId: claims.data.jti };
}

function mapJoseError(cause: unknown): AuthenticationError {
  if (cause instanceof errors.JWTExpired) {
    const exp = typeof cause.payload.exp === 'number' ? ` at ${new Date(cause.payload.exp * 1000).toISOString()}` : '';
    return fail(AuthenticationFailure.Expired, `the token expired${exp}`, cause);
  }
  if (cause instanceof errors.JWTClaimValidationFailed) {
    const { claim, reason } = cause;
    if (claim === 'iss') return fail(AuthenticationFailure.WrongIssuer, `the token's issuer ${quote(cause.payload.iss)} is not the expected one`, cause);
    if (claim === 'aud') return fail(AuthenticationFailure.WrongAudience, `the token's audience ${quote(cause.payload.aud)} is not the expected one`, cause);
    if (claim === 'nbf' && reason === 'check_failed') {
      const nbf = typeof cause.payload.nbf === 'number' ? ` before ${new Date(cause.payload.nbf * 1000).toISOString()}` : '';
      return fail(AuthenticationFailure.NotYetValid, `the token is not valid${nbf}`, cause);
    }
    return fail(AuthenticationFailure.InvalidClaims, `the token's "${claim}" claim is missing or invalid`, cause);
  }
  if (cause instanceof errors.JWSSignatureVerificationFailed) {
    return fail(AuthenticationFailure.BadSignature, 'the token signature does not match its contents and key', cause);
  }
  if (cause instanceof errors.JOSEAlgNotAllowed) {
    return fail(AuthenticationFailure.UnsupportedAlgorithm, 'the token algorithm is not accepted; only EdDSA is', cause);
  }
  if (cause instanceof errors.JWSInvalid || cause instanceof errors.JWTInvalid || cause instanceof errors.JOSEError) {
    return fail(AuthenticationFailure.Malformed, 'the token is not a well-formed signed JWT', cause);
  }
  return fail(AuthenticationFailure.Malformed, 'the token could not be verified', cause);
}
