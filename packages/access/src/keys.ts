// Signing keys and the key set that verifies tokens, with rotation.
//
// Two documents, both JSON:
// - the key set (`keyset.json`, public, JWKS-like): every Ed25519 public key with its `kid`,
//   when it was created and when it retires, plus which one is current. Services need only this.
// - the signing key (`signing-key.json`, private, mode 0600): the current key's private JWK.
//   Only the token issuer holds it. Rotation replaces it; old private keys are not kept.
//
// Rotating adds a new current key and gives the old one a retire time: tokens it signed stay
// valid until then (bounded by their own `exp`), and are refused afterwards.
// Nothing here reads files or the environment; keyfiles.ts does the I/O for the CLI and services.

import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK } from 'jose';
import { z } from 'zod';
import { InvalidArgumentError, InvalidKeysError } from './errors.ts';

export const KEYSET_FORMAT = 'industrial-access-keyset/v1';
export const SIGNING_KEY_FORMAT = 'industrial-access-signing-key/v1';
const ALG = 'EdDSA';

const base64url = z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be base64url');

const publicKeySchema = z.object({
  kid: z.string().min(1),
  kty: z.literal('OKP'),
  crv: z.literal('Ed25519'),
  alg: z.literal(ALG),
  use: z.literal('sig'),
  x: base64url,
  createdAt: z.iso.datetime(),
  /** null for the current key; previous keys verify until this instant. */
  retireAt: z.iso.datetime().nullable(),
});

const keySetSchema = z.object({
  format: z.literal(KEYSET_FORMAT),
  currentKid: z.string().min(1),
  keys: z.array(publicKeySchema).min(1),
});

const signingKeySchema = z.object({
  format: z.literal(SIGNING_KEY_FORMAT),
  kid: z.string().min(1),
  kty: z.literal('OKP'),
  crv: z.literal('Ed25519'),
  alg: z.literal(ALG),
  x: base64url,
  d: base64url,
});

export type PublicKeyEntry = z.infer<typeof publicKeySchema>;
export type KeySetDocument = z.infer<typeof keySetSchema>;
export type SigningKeyDocument = z.infer<typeof signingKeySchema>;

type ImportedKey = Awaited<ReturnType<typeof importJWK>>;

export interface VerificationKey {
  readonly kid: string;
  readonly createdAt: Date;
  /** null while current; tokens signed with this key are refused from this instant on. */
  readonly retireAt: Date | null;
  readonly key: ImportedKey;
}

/** Keys that verify tokens, by kid. Built from a KeySetDocument with `importKeySet`. */
export interface KeySet {
  readonly currentKid: string;
  readonly keys: ReadonlyMap<string, VerificationKey>;
}

/** The private key that signs new tokens. The key is imported non-extractable. */
export interface SigningKey {
  readonly kid: string;
  readonly key: ImportedKey;
}

function describeIssues(error: z.ZodError): { field: string; message: string } {
  // Paths and zod's generic messages only: never the offending input values.
  const first = error.issues[0];
  const field = first === undefined || first.path.length === 0 ? '(root)' : first.path.map(String).join('.');
  return { field, message: `${field}: ${first?.message ?? 'invalid'}` };
}

/** Validates a key set document (e.g. parsed keyset.json). Refuses private key material. */
export function parseKeySetDocument(input: unknown): KeySetDocument {
  if (typeof input === 'object' && input !== null && Array.isArray((input as { keys?: unknown }).keys)) {
    const keys = (input as { keys: unknown[] }).keys;
    const withPrivate = keys.findIndex((k) => typeof k === 'object' && k !== null && 'd' in k);
    if (withPrivate >= 0) {
      throw new InvalidKeysError(`key set must not contain private key material (keys.${withPrivate}.d)`, {
        field: `keys.${withPrivate}.d`,
      });
    }
  }
  const parsed = keySetSchema.safeParse(input);
  if (!parsed.success) {
    const { field, message } = describeIssues(parsed.error);
    throw new InvalidKeysError(`invalid key set: ${message}`, { field, cause: parsed.error });
  }
  const doc = parsed.data;
  const seen = new Set<string>();
  for (const [i, key] of doc.keys.entries()) {
    if (seen.has(key.kid)) throw new InvalidKeysError(`invalid key set: keys.${i}.kid "${key.kid}" appears twice`, { field: `keys.${i}.kid` });
    seen.add(key.kid);
  }
  const current = doc.keys.find((k) => k.kid === doc.currentKid);
  if (current === undefined) {
    throw new InvalidKeysError(`invalid key set: currentKid "${doc.currentKid}" is not among the keys`, { field: 'currentKid' });
  }
  if (current.retireAt !== null) {
    throw new InvalidKeysError('invalid key set: the current key must not have a retireAt', { field: 'currentKid' });
  }
  return doc;
}

/** Imports a key set document into verification keys. */
export async function importKeySet(input: unknown): Promise<KeySet> {
  const doc = parseKeySetDocument(input);
  const keys = new Map<string, VerificationKey>();
  for (const [i, entry] of doc.keys.entries()) {
    let key: ImportedKey;
    try {
      key = await importJWK({ kty: entry.kty, crv: entry.crv, x: entry.x }, ALG);
    } catch (cause) {
      throw new InvalidKeysError(`invalid key set: keys.${i} (kid ${entry.kid}) is not a usable Ed25519 public key`, {
        field: `keys.${i}.x`,
        cause,
      });
    }
    keys.set(entry.kid, {
      kid: entry.kid,
      createdAt: new Date(entry.createdAt),
      retireAt: entry.retireAt === null ? null : new Date(entry.retireAt),
      key,
    });
  }
  return { currentKid: doc.currentKid, keys };
}

/**
 * Imports the private signing key. Error messages name fields only; no cause is attached,
 * because parse errors could echo parts of the private key.
 */
export async function importSigningKey(input: unknown): Promise<SigningKey> {
  const parsed = signingKeySchema.safeParse(input);
  if (!parsed.success) {
    const { field, message } = describeIssues(parsed.error);
    throw new InvalidKeysError(`invalid signing key: ${message}`, { field });
  }
  const { kid, kty, crv, x, d } = parsed.data;
  try {
    const key = await importJWK({ kty, crv, x, d }, ALG, { extractable: false });
    return { kid, key };
  } catch {
    throw new InvalidKeysError(`invalid signing key (kid ${kid}): not a usable Ed25519 private key`, { field: 'd' });
  }
}

async function newKeyPair(now: Date): Promise<{ entry: PublicKeyEntry; signingKey: SigningKeyDocument }> {
  const { privateKey } = await generateKeyPair(ALG, { crv: 'Ed25519', extractable: true });
  const jwk = await exportJWK(privateKey);
  if (jwk.x === undefined || jwk.d === undefined) throw new InvalidKeysError('generated key has no x/d');
  const kid = await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: jwk.x });
  return {
    entry: { kid, kty: 'OKP', crv: 'Ed25519', alg: ALG, use: 'sig', x: jwk.x, createdAt: now.toISOString(), retireAt: null },
    signingKey: { format: SIGNING_KEY_FORMAT, kid, kty: 'OKP', crv: 'Ed25519', alg: ALG, x: jwk.x, d: jwk.d },
  };
}

function assertDate(field: string, value: Date): void {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new InvalidArgumentError(field, 'must be a valid Date');
}

export interface KeyMaterial {
  keySet: KeySetDocument;
  signingKey: SigningKeyDocument;
}

/** A fresh key set with one current key, and its signing key. */
export async function createKeySet(options: { now: Date }): Promise<KeyMaterial> {
  assertDate('now', options.now);
  const { entry, signingKey } = await newKeyPair(options.now);
  return { keySet: { format: KEYSET_FORMAT, currentKid: entry.kid, keys: [entry] }, signingKey };
}

/**
 * Adds a new current key. The old current key keeps verifying until `retireAt` (≥ now), so
 * tokens it signed stay valid until then; choose `retireAt` ≥ now + the longest token TTL.
 * Keys retired earlier stay listed so their tokens are refused as "retired", not "unknown".
 */
export async function rotateKeySet(input: KeySetDocument, options: { now: Date; retireAt: Date }): Promise<KeyMaterial> {
  assertDate('now', options.now);
  assertDate('retireAt', options.retireAt);
  if (options.retireAt.getTime() < options.now.getTime()) {
    throw new InvalidArgumentError('retireAt', 'must not be before now');
  }
  const doc = parseKeySetDocument(input);
  const { entry, signingKey } = await newKeyPair(options.now);
  const retireAt = options.retireAt.toISOString();
  const keys = doc.keys.map((k) => (k.kid === doc.currentKid ? { ...k, retireAt } : k));
  return { keySet: { format: KEYSET_FORMAT, currentKid: entry.kid, keys: [...keys, entry] }, signingKey };
}

/** Retires a previous key at `at` (e.g. now, when it is suspected compromised). The current key cannot be retired: rotate first. */
export function retireKey(input: KeySetDocument, kid: string, at: Date): KeySetDocument {
  assertDate('at', at);
  const doc = parseKeySetDocument(input);
  if (kid === doc.currentKid) throw new InvalidArgumentError('kid', `"${kid}" is the current key; rotate before retiring it`);
  if (!doc.keys.some((k) => k.kid === kid)) throw new InvalidArgumentError('kid', `"${kid}" is not in the key set`);
  return { ...doc, keys: doc.keys.map((k) => (k.kid === kid ? { ...k, retireAt: at.toISOString() } : k)) };
}
