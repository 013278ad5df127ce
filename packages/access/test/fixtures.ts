// Key material and token helpers shared by the unit tests.
import { SignJWT, generateKeyPair } from 'jose';
import { createKeySet, importKeySet, importSigningKey, issueToken, type IssueTokenInput, type KeySet, type SigningKey } from '../src/index.ts';

export const ISSUER = 'industrial-access';
export const AUDIENCE = 'industrial-platform';
export const T0 = new Date('2025-06-01T08:00:00.000Z');

export const at = (base: Date, seconds: number): Date => new Date(base.getTime() + seconds * 1000);

export interface Keys {
  keySet: KeySet;
  signingKey: SigningKey;
  material: Awaited<ReturnType<typeof createKeySet>>;
}

export async function newKeys(now = T0): Promise<Keys> {
  const material = await createKeySet({ now });
  return { material, keySet: await importKeySet(material.keySet), signingKey: await importSigningKey(material.signingKey) };
}

export function tokenFor(signingKey: SigningKey, overrides: Partial<IssueTokenInput> = {}): Promise<string> {
  return issueToken(signingKey, {
    subject: 'alice',
    roles: ['operator'],
    scopes: ['line:plant1/packaging/line2'],
    tokenId: 'tok-1',
    issuer: ISSUER,
    audience: AUDIENCE,
    now: T0,
    ttlSeconds: 8 * 3600,
    ...overrides,
  });
}

/** A token built by hand, for shapes `issueToken` refuses to make. */
export async function rawToken(claims: Record<string, unknown>, header: { kid?: string; alg?: string }, key?: Parameters<SignJWT['sign']>[0]): Promise<string> {
  const signingKey = key ?? (await generateKeyPair('EdDSA', { crv: 'Ed25519' })).privateKey;
  return new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', ...header }).sign(signingKey);
}

export const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
export const fromB64url = (part: string): Record<string, unknown> => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
