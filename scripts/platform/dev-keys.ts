// Development key material for the embedded (standalone) mode: the ledger key that seals events and
// signs anchors, and the JWT key set. Generated once under the data directory, files mode 0600.
// In a real deployment these come from a secret store, never from the database host.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { createKeySet, issueToken, loadKeySet, loadSigningKey, writeKeyMaterial, type KeySet, type Role } from '@industrial/access';
import { generateLedgerKeyPem, ledgerKeyFromPem, type LedgerKey } from '@industrial/eventstore';

export const ISSUER = 'industrial-access';
export const AUDIENCE = 'industrial-platform';

export async function devKeys(dataDir: string): Promise<{ ledgerKey: LedgerKey; ledgerKeyFile: string; accessDir: string; keySet: KeySet }> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const ledgerKeyFile = join(dataDir, 'ledger-key.pem');
  if (!existsSync(ledgerKeyFile)) writeFileSync(ledgerKeyFile, generateLedgerKeyPem().privateKeyPem, { mode: 0o600 });
  const accessDir = join(dataDir, 'access');
  if (!existsSync(join(accessDir, 'keyset.json'))) await writeKeyMaterial(accessDir, await createKeySet({ now: new Date() }));
  return { ledgerKey: ledgerKeyFromPem(readFileSync(ledgerKeyFile, 'utf8')), ledgerKeyFile, accessDir, keySet: await loadKeySet(accessDir) };
}

export async function devToken(accessDir: string, subject: string, roles: Role[], ttlSeconds = 8 * 3600): Promise<string> {
  return issueToken(await loadSigningKey(accessDir), {
    subject,
    roles,
    scopes: ['*'],
    tokenId: randomUUID(),
    issuer: ISSUER,
    audience: AUDIENCE,
    now: new Date(),
    ttlSeconds,
  });
}

/** The OPC UA users of the launchers' simulator: connectivity reads (role service), an engineer may inject faults. */
export interface SimUsers {
  /** SIM_USERS_FILE: JSON [{username, password, roles}], mode 0600 */
  readonly file: string;
  readonly connectivity: { readonly username: string; readonly password: string };
  readonly engineer: { readonly username: string; readonly password: string };
}

/** Generated once under the data directory (random passwords, file mode 0600), then reused. */
export function simUsers(dataDir: string): SimUsers {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, 'sim-users.json');
  if (!existsSync(file)) {
    const password = () => randomBytes(24).toString('base64url');
    const users = [
      { username: 'connectivity', password: password(), roles: ['service'] },
      { username: 'engineer', password: password(), roles: ['engineer'] },
    ];
    writeFileSync(file, `${JSON.stringify(users, null, 2)}\n`, { mode: 0o600 });
  }
  const users = JSON.parse(readFileSync(file, 'utf8')) as { username: string; password: string }[];
  const find = (name: string) => {
    const u = users.find((x) => x.username === name);
    if (!u) throw new Error(`${file} has no user "${name}" (delete the file to have it generated again)`);
    return { username: u.username, password: u.password };
  };
  return { file, connectivity: find('connectivity'), engineer: find('engineer') };
}
