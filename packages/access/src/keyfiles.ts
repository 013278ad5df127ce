// Key files on disk, for the CLI and for composition roots. A key directory holds:
//   keyset.json       public key set (mode 0644), what every service loads to verify tokens
//   signing-key.json  the current private key (mode 0600), only for whoever issues tokens
// Writes are atomic (temp file + rename) so a service reloading the key set never sees half a file.

import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidKeysError } from './errors.ts';
import { importKeySet, importSigningKey, parseKeySetDocument, type KeyMaterial, type KeySet, type KeySetDocument, type SigningKey } from './keys.ts';

export const KEYSET_FILE = 'keyset.json';
export const SIGNING_KEY_FILE = 'signing-key.json';

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable' : 'cannot be read';
    throw new InvalidKeysError(`${what} ${path} ${why}`, { field: path, cause });
  }
}

/** Reads the key set document from a key directory or a keyset.json path. */
export async function readKeySetDocument(dirOrFile: string): Promise<KeySetDocument> {
  const path = (await isDirectory(dirOrFile)) ? join(dirOrFile, KEYSET_FILE) : dirOrFile;
  const text = await readText(path, 'key set');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new InvalidKeysError(`key set ${path} is not valid JSON`, { field: path, cause });
  }
  return parseKeySetDocument(json);
}

/** Loads the verification key set from a key directory or a keyset.json path. */
export async function loadKeySet(dirOrFile: string): Promise<KeySet> {
  return importKeySet(await readKeySetDocument(dirOrFile));
}

/**
 * Loads the private signing key from a key directory or a signing-key.json path. Refuses a file
 * that group or others may read. Errors never carry the file's content (not even as a cause).
 */
export async function loadSigningKey(dirOrFile: string): Promise<SigningKey> {
  const path = (await isDirectory(dirOrFile)) ? join(dirOrFile, SIGNING_KEY_FILE) : dirOrFile;
  const text = await readText(path, 'signing key');
  if (process.platform !== 'win32') {
    const mode = (await stat(path)).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new InvalidKeysError(`signing key ${path} is readable by others (mode ${mode.toString(8).padStart(4, '0')}); run chmod 600 on it`, {
        field: path,
      });
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidKeysError(`signing key ${path} is not valid JSON`, { field: path });
  }
  return importSigningKey(json);
}

async function writeAtomic(path: string, content: string, mode: number): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  // Created with its final mode, so the private key never exists on disk with a wider one.
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await chmod(temp, mode); // the umask may have narrowed it further; make it exact
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/** Writes keyset.json and signing-key.json into `dir` (created with mode 0700 if missing). */
export async function writeKeyMaterial(dir: string, material: KeyMaterial): Promise<{ keySetPath: string; signingKeyPath: string }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const signingKeyPath = join(dir, SIGNING_KEY_FILE);
  const keySetPath = join(dir, KEYSET_FILE);
  // Key set first: until the new signing key lands, tokens are still signed with the previous
  // key, which the new key set keeps for verification. The other order would briefly sign
  // tokens with a kid no service knows yet.
  await writeAtomic(keySetPath, JSON.stringify(material.keySet, null, 2) + '\n', 0o644);
  await writeAtomic(signingKeyPath, JSON.stringify(material.signingKey, null, 2) + '\n', 0o600);
  return { keySetPath, signingKeyPath };
}
