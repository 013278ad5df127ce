import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  InvalidKeysError,
  authenticate,
  importKeySet,
  importSigningKey,
  parseKeySetDocument,
  retireKey,
  rotateKeySet,
} from '../src/index.ts';
import { AUDIENCE, ISSUER, T0, at, newKeys, tokenFor } from './fixtures.ts';

const HOUR = 3600;
const verifyAt = (token: string, keySet: Awaited<ReturnType<typeof importKeySet>>, now: Date) =>
  authenticate(token, keySet, { issuer: ISSUER, audience: AUDIENCE, now });

describe('when the key set is rotated', () => {
  it('keeps old tokens valid until their key retires, then refuses them; new tokens use the new key', async () => {
    const first = await newKeys(T0);
    const oldToken = await tokenFor(first.signingKey, { ttlSeconds: 48 * HOUR });

    const rotatedAt = at(T0, HOUR);
    const retireAt = at(rotatedAt, 24 * HOUR);
    const rotated = await rotateKeySet(first.material.keySet, { now: rotatedAt, retireAt });
    const keySet = await importKeySet(rotated.keySet);
    const signingKey = await importSigningKey(rotated.signingKey);

    expect(rotated.keySet.currentKid).not.toBe(first.keySet.currentKid);
    expect(signingKey.kid).toBe(rotated.keySet.currentKid);
    expect(rotated.keySet.keys.map((k) => [k.kid, k.retireAt])).toEqual([
      [first.keySet.currentKid, retireAt.toISOString()],
      [rotated.keySet.currentKid, null],
    ]);

    // old token, after rotation, before retirement
    expect((await verifyAt(oldToken, keySet, at(rotatedAt, 60))).subject).toBe('alice');
    // a new token verifies by the new kid
    const newToken = await tokenFor(signingKey, { now: rotatedAt, subject: 'bob', ttlSeconds: 48 * HOUR });
    expect((await verifyAt(newToken, keySet, at(rotatedAt, 60))).subject).toBe('bob');

    // old token, once its key is retired (though not expired): refused as retired
    const refused = await verifyAt(oldToken, keySet, retireAt).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AuthenticationError);
    expect((refused as AuthenticationError).reason).toBe('key_retired');
    expect((await verifyAt(newToken, keySet, at(retireAt, 60))).subject).toBe('bob');
  });

  it('rotating twice keeps both previous keys with their own retire times', async () => {
    const first = await newKeys(T0);
    const second = await rotateKeySet(first.material.keySet, { now: at(T0, 10), retireAt: at(T0, 100) });
    const third = await rotateKeySet(second.keySet, { now: at(T0, 20), retireAt: at(T0, 200) });
    expect(third.keySet.keys.map((k) => k.retireAt)).toEqual([at(T0, 100).toISOString(), at(T0, 200).toISOString(), null]);
  });

  it('refuses a retire time in the past', async () => {
    const first = await newKeys(T0);
    await expect(rotateKeySet(first.material.keySet, { now: T0, retireAt: at(T0, -1) })).rejects.toMatchObject({ field: 'retireAt' });
  });

  it('can retire a previous key at once (suspected compromise), but not the current one', async () => {
    const first = await newKeys(T0);
    const oldToken = await tokenFor(first.signingKey);
    const rotated = await rotateKeySet(first.material.keySet, { now: T0, retireAt: at(T0, 24 * HOUR) });
    const retired = retireKey(rotated.keySet, first.keySet.currentKid, at(T0, 30));
    const keySet = await importKeySet(retired);
    await expect(verifyAt(oldToken, keySet, at(T0, 60))).rejects.toMatchObject({ reason: 'key_retired' });
    expect(() => retireKey(rotated.keySet, rotated.keySet.currentKid, T0)).toThrow(/current key/);
  });
});

describe('key set documents', () => {
  it('refuse private key material, naming where it is but not its value', async () => {
    const { material } = await newKeys();
    const leaked = { ...material.keySet, keys: [{ ...material.keySet.keys[0], d: material.signingKey.d }] };
    let caught: unknown;
    try {
      parseKeySetDocument(leaked);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidKeysError);
    expect((caught as InvalidKeysError).code).toBe('INVALID_KEYS');
    expect((caught as Error).message).toContain('keys.0.d');
    expect((caught as Error).message).not.toContain(material.signingKey.d);
  });

  it('refuse a current kid that is not in the set, duplicates, and a retiring current key', async () => {
    const { material } = await newKeys();
    expect(() => parseKeySetDocument({ ...material.keySet, currentKid: 'nope' })).toThrow(/currentKid/);
    expect(() => parseKeySetDocument({ ...material.keySet, keys: [material.keySet.keys[0], material.keySet.keys[0]] })).toThrow(/twice/);
    const retiring = { ...material.keySet, keys: [{ ...material.keySet.keys[0], retireAt: T0.toISOString() }] };
    expect(() => parseKeySetDocument(retiring)).toThrow(/current key/);
    expect(() => parseKeySetDocument({ format: 'x' })).toThrow(InvalidKeysError);
  });

  it('signing key errors never echo the key', async () => {
    const { material } = await newKeys();
    const broken = { ...material.signingKey, d: `${material.signingKey.d}!!` };
    const error = await importSigningKey(broken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidKeysError);
    expect((error as Error).message).not.toContain(material.signingKey.d);
    expect((error as Error).cause).toBeUndefined();
    const wrongLength = { ...material.signingKey, d: material.signingKey.d.slice(0, 20) };
    const error2 = await importSigningKey(wrongLength).catch((e: unknown) => e);
    expect(error2).toBeInstanceOf(InvalidKeysError);
    expect((error2 as Error).message).not.toContain(wrongLength.d);
  });
});
