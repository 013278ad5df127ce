// Creates the platform's key material in a directory if missing (used by docker-compose's one-shot
// `keygen` service and by operators): ledger-key.pem (seals events, signs anchors; 0600),
// ledger-key.pub.pem (for auditors and the relay), access/ (JWT key set + signing key, 0600),
// sim-users.json (the simulator's OPC UA users with random passwords, 0600).
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { devKeys, simUsers } from './dev-keys.ts';

const dir = resolve(process.argv[2] ?? process.env.KEYS_DIR ?? '.data/keys');
const keys = await devKeys(dir);
writeFileSync(join(dir, 'ledger-key.pub.pem'), keys.ledgerKey.publicKey.export({ format: 'pem', type: 'spki' }).toString());
simUsers(dir);
process.stdout.write(`keys ready in ${dir} (ledger key id ${keys.ledgerKey.keyId})\n`);
