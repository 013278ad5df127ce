import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { AuthenticationError, InvalidArgumentError, authenticate, type AuthenticationFailure, type AuthenticateOptions, type KeySet } from '../src/index.ts';
import { AUDIENCE, ISSUER, T0, at, b64url, fromB64url, newKeys, rawToken, tokenFor, type Keys } from './fixtures.ts';

const options = (now: Date = at(T0, 60)): AuthenticateOptions => ({ issuer: ISSUER, audience: AUDIENCE, now });

async function refusal(token: string | undefined | null, keySet: KeySet, opts = options()): Promise<AuthenticationError> {
  try {
    await authenticate(token, keySet, opts);
  } catch (error) {
    if (error instanceof AuthenticationError) return error;
    throw error;
  }
  throw new Error('the token was accepted');
}

async function expectRefused(token: string | undefined | null, keySet: KeySet, reason: AuthenticationFailure, opts = options()) {
  const error = await refusal(token, keySet, opts);
  expect(error.reason, error.message).toBe(reason);
  expect(error.code).toBe('UNAUTHENTICATED');
  expect(error.name).toBe('AuthenticationError');
  return error;
}

let keys: Keys;
let valid: string;
beforeAll(async () => {
  keys = await newKeys();
  valid = await tokenFor(keys.signingKey);
});

describe('a valid token', () => {
  it('authenticates to its principal', async () => {
    expect(await authenticate(valid, keys.keySet, options())).toEqual({
      subject: 'alice',
      roles: ['operator'],
      scopes: ['line:plant1/packaging/line2'],
      tokenId: 'tok-1',
    });
  });
  it('is accepted as an Authorization header, any case of Bearer', async () => {
    expect((await authenticate(`Bearer ${valid}`, keys.keySet, options())).subject).toBe('alice');
    expect((await authenticate(`bearer   ${valid}`, keys.keySet, options())).subject).toBe('alice');
  });
  it('carries kid, EdDSA and typ in its header', () => {
    const header = fromB64url(valid.split('.')[0] ?? '');
    expect(header).toEqual({ alg: 'EdDSA', kid: keys.keySet.currentKid, typ: 'JWT' });
    const payload = fromB64url(valid.split('.')[1] ?? '');
    expect(payload).toMatchObject({ iss: ISSUER, aud: AUDIENCE, sub: 'alice', jti: 'tok-1', iat: T0.getTime() / 1000 });
    expect(payload['exp']).toBe(T0.getTime() / 1000 + 8 * 3600);
  });
});

describe('refused tokens', () => {
  it('missing: nothing, an empty header, "Bearer" alone', async () => {
    for (const token of [undefined, null, '', '   ', 'Bearer', 'Bearer  ']) await expectRefused(token, keys.keySet, 'missing');
  });

  it('malformed: another scheme, not three parts, garbage header', async () => {
    await expectRefused('Basic dXNlcjpwYXNz', keys.keySet, 'malformed');
    await expectRefused('not-a-jwt', keys.keySet, 'malformed');
    await expectRefused('a.b.c.d.e', keys.keySet, 'malformed');
    await expectRefused('!!!.e30.sig', keys.keySet, 'malformed');
    await expectRefused(`${'a'.repeat(9000)}.e30.sig`, keys.keySet, 'malformed');
  });

  it('expired, but only beyond the clock tolerance', async () => {
    const exp = at(T0, 8 * 3600);
    expect((await authenticate(valid, keys.keySet, options(at(exp, 20)))).subject).toBe('alice');
    const error = await expectRefused(valid, keys.keySet, 'expired', options(at(exp, 31)));
    expect(error.message).toBe('the token expired at 2025-06-01T16:00:00.000Z');
    expect(error.cause).toBeInstanceOf(Error);
    await expectRefused(valid, keys.keySet, 'expired', { ...options(at(exp, 5)), clockToleranceSeconds: 0 });
  });

  it('not yet valid: nbf ahead of the clock beyond the tolerance', async () => {
    expect((await authenticate(valid, keys.keySet, options(at(T0, -20)))).subject).toBe('alice');
    await expectRefused(valid, keys.keySet, 'not_yet_valid', options(at(T0, -120)));
  });

  it('not yet valid: issued in the future without nbf', async () => {
    const iat = T0.getTime() / 1000 + 600;
    const token = await rawToken(
      { iss: ISSUER, aud: AUDIENCE, sub: 'alice', jti: 'x', iat, exp: iat + 3600, roles: ['operator'], scopes: ['*'] },
      { kid: keys.keySet.currentKid },
      keys.signingKey.key,
    );
    await expectRefused(token, keys.keySet, 'not_yet_valid', options(T0));
  });

  it('unsigned: alg none, with or without a signature part', async () => {
    const [, payload] = valid.split('.');
    const none = b64url({ alg: 'none', kid: keys.keySet.currentKid, typ: 'JWT' });
    await expectRefused(`${none}.${payload}.`, keys.keySet, 'unsigned');
    await expectRefused(`${none}.${payload}.c2lnbmF0dXJl`, keys.keySet, 'unsigned');
    const noneUpper = b64url({ alg: 'NONE', kid: keys.keySet.currentKid });
    await expectRefused(`${noneUpper}.${payload}.`, keys.keySet, 'unsigned');
    // an EdDSA header with the signature stripped
    const [header] = valid.split('.');
    await expectRefused(`${header}.${payload}.`, keys.keySet, 'unsigned');
  });

  it('another algorithm (HS256 keyed with anything) is not accepted', async () => {
    const token = await new SignJWT({ roles: ['admin'], scopes: ['*'] })
      .setProtectedHeader({ alg: 'HS256', kid: keys.keySet.currentKid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('mallory')
      .setJti('x')
      .setIssuedAt(T0)
      .setExpirationTime(at(T0, 3600))
      .sign(new TextEncoder().encode('a-shared-secret-of-32-bytes-long!'));
    await expectRefused(token, keys.keySet, 'unsupported_algorithm');
  });

  it('bad signature: signed by another key under a known kid', async () => {
    const other = await newKeys();
    const forged = await tokenFor({ kid: keys.keySet.currentKid, key: other.signingKey.key });
    await expectRefused(forged, keys.keySet, 'bad_signature');
  });

  it('bad signature: a tampered payload (more roles, wider scope, later expiry)', async () => {
    const [header, payload, signature] = valid.split('.');
    const claims = fromB64url(payload ?? '');
    const tampered = b64url({ ...claims, roles: ['admin'], scopes: ['*'], exp: (claims['exp'] as number) + 86_400 * 365 });
    await expectRefused(`${header}.${tampered}.${signature}`, keys.keySet, 'bad_signature');
    // tampered and already expired: still reported as a bad signature, not as expired
    const expiredClaims = b64url({ ...claims, exp: (claims['iat'] as number) + 1 });
    await expectRefused(`${header}.${expiredClaims}.${signature}`, keys.keySet, 'bad_signature');
  });

  it('unknown key id: a kid not in the set, or no kid at all', async () => {
    const other = await newKeys();
    const foreign = await tokenFor(other.signingKey);
    const error = await expectRefused(foreign, keys.keySet, 'unknown_key');
    expect(error.message).toContain(other.keySet.currentKid);
    const noKid = await rawToken({ sub: 'alice' }, {});
    await expectRefused(noKid, keys.keySet, 'unknown_key');
  });

  it('wrong issuer and wrong audience', async () => {
    await expectRefused(valid, keys.keySet, 'wrong_issuer', { ...options(), issuer: 'someone-else' });
    await expectRefused(valid, keys.keySet, 'wrong_audience', { ...options(), audience: 'another-platform' });
    const noIss = await rawToken(
      { aud: AUDIENCE, sub: 'a', jti: 'x', iat: T0.getTime() / 1000, exp: T0.getTime() / 1000 + 3600, roles: ['operator'], scopes: [] },
      { kid: keys.keySet.currentKid },
      keys.signingKey.key,
    );
    await expectRefused(noIss, keys.keySet, 'wrong_issuer');
  });

  it('invalid claims: unknown role, bad scope, no roles, no jti, no exp', async () => {
    const iat = T0.getTime() / 1000;
    const base = { iss: ISSUER, aud: AUDIENCE, sub: 'alice', jti: 'x', iat, exp: iat + 3600, roles: ['operator'], scopes: ['*'] };
    const sign = (claims: Record<string, unknown>) => rawToken(claims, { kid: keys.keySet.currentKid }, keys.signingKey.key);
    await expectRefused(await sign({ ...base, roles: ['superuser'] }), keys.keySet, 'invalid_claims');
    await expectRefused(await sign({ ...base, scopes: ['plant1'] }), keys.keySet, 'invalid_claims');
    await expectRefused(await sign({ ...base, roles: [] }), keys.keySet, 'invalid_claims');
    await expectRefused(await sign({ ...base, roles: 'admin' }), keys.keySet, 'invalid_claims');
    const { jti: _jti, ...noJti } = base;
    await expectRefused(await sign(noJti), keys.keySet, 'invalid_claims');
    const { exp: _exp, ...noExp } = base;
    await expectRefused(await sign(noExp), keys.keySet, 'invalid_claims');
  });

  it('never repeats the token in the error message', async () => {
    const [header, payload, signature] = valid.split('.');
    const tampered = `${header}.${b64url({ ...fromB64url(payload ?? ''), roles: ['admin'] })}.${signature}`;
    const error = await refusal(tampered, keys.keySet);
    expect(error.message).not.toContain(signature);
    expect(error.message).not.toContain(header);
  });
});

describe('issuing', () => {
  it('refuses unusable input, naming the field', async () => {
    await expect(tokenFor(keys.signingKey, { roles: [] })).rejects.toThrow(InvalidArgumentError);
    await expect(tokenFor(keys.signingKey, { scopes: ['area:plant1'] })).rejects.toMatchObject({ field: 'scopes' });
    await expect(tokenFor(keys.signingKey, { ttlSeconds: 0 })).rejects.toMatchObject({ field: 'ttlSeconds' });
    await expect(tokenFor(keys.signingKey, { subject: ' ' })).rejects.toMatchObject({ field: 'subject' });
  });
});

describe('generated keys', () => {
  it('are different each time and never expose the private key in the key set', async () => {
    const other = await newKeys();
    expect(other.keySet.currentKid).not.toBe(keys.keySet.currentKid);
    expect(JSON.stringify(keys.material.keySet)).not.toContain(keys.material.signingKey.d);
    expect(JSON.stringify(keys.signingKey)).not.toContain(keys.material.signingKey.d);
  });
  it('imports the private key as non-extractable', () => {
    expect((keys.signingKey.key as { extractable?: boolean }).extractable).toBe(false);
  });
});
