// Forged bearer tokens for the attack suite: each one must be refused (401 / UNAUTHENTICATED or
// 403 / PERMISSION_DENIED) and recorded as AccessDenied. Only the platform's EdDSA key set signs.
import { createHmac, randomUUID } from 'node:crypto';
import { generateKeyPair, SignJWT } from 'jose';
import { issueToken, loadSigningKey, type Role } from '@industrial/access';

export interface Forgery {
  readonly name: string;
  readonly token: string;
}

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

/** alg none, expired, wrong key (same kid), payload altered after signing, HS256 with the public key as secret (alg confusion). */
export async function forgeries(accessDir: string, issuer: string, audience: string): Promise<Forgery[]> {
  const signing = await loadSigningKey(accessDir);
  const now = Math.floor(Date.now() / 1000);
  const escalated = {
    iss: issuer,
    aud: audience,
    sub: 'redteam-mallory',
    jti: randomUUID(),
    iat: now,
    nbf: now,
    exp: now + 3600,
    roles: ['admin', 'quality_lead', 'engineer', 'auditor', 'service'],
    scopes: ['*'],
  };
  const base = { subject: 'redteam-mallory', scopes: ['*'], issuer, audience, tokenId: randomUUID() };
  const expired = await issueToken(signing, { ...base, roles: ['engineer', 'auditor'] as Role[], now: new Date(Date.now() - 10 * 3600_000), ttlSeconds: 3600 });
  const operator = await issueToken(signing, { ...base, roles: ['operator'] as Role[], scopes: ['site:redteam-nowhere'], now: new Date(), ttlSeconds: 3600 });
  const [h, , sig] = operator.split('.');
  const { privateKey } = await generateKeyPair('EdDSA');
  const wrongKey = await new SignJWT(escalated).setProtectedHeader({ alg: 'EdDSA', kid: signing.kid, typ: 'JWT' }).sign(privateKey);
  const hsHeader = b64({ alg: 'HS256', kid: signing.kid, typ: 'JWT' });
  const hsSig = createHmac('sha256', signing.kid)
    .update(`${hsHeader}.${b64(escalated)}`)
    .digest('base64url');
  return [
    { name: 'alg-none', token: `${b64({ alg: 'none', typ: 'JWT', kid: signing.kid })}.${b64(escalated)}.` },
    { name: 'expired', token: expired },
    { name: 'wrong-key', token: wrongKey },
    { name: 're-signed-escalated', token: `${h}.${b64(escalated)}.${sig}` },
    { name: 'alg-confusion-hs256', token: `${hsHeader}.${b64(escalated)}.${hsSig}` },
  ];
}

/** A genuine token with every role and scope: fuzzing must reach each method's validation. */
export async function fullToken(accessDir: string, issuer: string, audience: string): Promise<string> {
  const roles: Role[] = ['operator', 'engineer', 'quality_lead', 'auditor', 'service', 'admin'] as Role[];
  return issueToken(await loadSigningKey(accessDir), {
    subject: 'redteam-fuzzer',
    roles,
    scopes: ['*'],
    tokenId: randomUUID(),
    issuer,
    audience,
    now: new Date(),
    ttlSeconds: 3600,
  });
}
