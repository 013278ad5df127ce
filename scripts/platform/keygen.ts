// Creates the platform's key material in a directory if missing (docker-compose's one-shot `keygen`
// service, `npm run build`'s dist/scripts/platform/keygen.js in the image, and operators):
//   ledger-key.pem (seals events, signs anchors, derives the relay's event-signing key; 0600),
//   ledger-key.pub.pem (for auditors), access/ (JWT key set + signing key, 0600),
//   sim-users.json (the simulator's OPC UA users with random passwords, 0600), connectivity-sources.json
//   (with KEYGEN_SIM_ENDPOINT: connectivity reads the simulator with its user),
//   nats/<service>.nk (one nkey user per service) + nats/auth.conf (the servers' least-privilege
//   authorization block, ADR 0010), tls/ (a CA, and one certificate for every host name of the
//   deployment: KEYGEN_HOSTS, comma-separated; servers and routes of NATS, gRPC and HTTP, ADR 0014),
//   tokens/charter-dataops.jwt, tokens/training-governance.jwt (service accounts, KEYGEN_TOKEN_DAYS).
// KEYS_OWNER=<uid>:<gid>: the files are then owned by the services' user (still 0600/0700), so a
// keygen run as root leaves keys the non-root services can read.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { anchorStreamGrant, createNkeyUser, natsAuthorizationConfig, nkeyPublicKey, PLATFORM_GRANTS } from '@industrial/bus';
import { ensureLocalCa, issueCertificate } from '@industrial/grpc';
import { devKeys, devToken, simUsers } from './dev-keys.ts';

const env = process.env;
const dir = resolve(process.argv[2] ?? env.KEYS_DIR ?? '.data/keys');
const keys = await devKeys(dir);
writeFileSync(join(dir, 'ledger-key.pub.pem'), keys.ledgerKey.publicKey.export({ format: 'pem', type: 'spki' }).toString());
const plantUsers = simUsers(dir);
// KEYGEN_SIM_ENDPOINT (e.g. opc.tcp://simulator:4840): connectivity's sources file reading the plant
// simulator with its own OPC UA user (SignAndEncrypt), as the cluster launcher writes it.
if (env.KEYGEN_SIM_ENDPOINT !== undefined && env.KEYGEN_SIM_ENDPOINT !== '') {
  const source = {
    sourceId: '00000000-0000-4000-8000-00000000a001',
    name: 'plant simulator',
    protocol: 'opcua',
    endpoint: env.KEYGEN_SIM_ENDPOINT,
    securityMode: 'SignAndEncrypt',
    securityPolicy: 'Basic256Sha256',
    auth: { kind: 'userPassword', ...plantUsers.connectivity },
    autoMapRoot: 'ns=1;s=acme/plant-1',
  };
  writeFileSync(join(dir, 'connectivity-sources.json'), JSON.stringify([source], null, 2), { mode: 0o600 });
}

// NATS: one nkey user per service; the servers include auth.conf (prefix NATS_PREFIX, anchor stream of governance).
const prefix = env.NATS_PREFIX === undefined || env.NATS_PREFIX === '' ? undefined : env.NATS_PREFIX;
const anchorStream = env.ANCHOR_NATS_STREAM ?? (prefix === undefined ? 'LEDGER_ANCHORS' : `${prefix}_LEDGER_ANCHORS`);
const natsDir = join(dir, 'nats');
mkdirSync(natsDir, { recursive: true, mode: 0o700 });
const grants = [...PLATFORM_GRANTS, anchorStreamGrant(anchorStream)];
const users: Record<string, string> = {};
for (const { service } of grants) {
  const seedFile = join(natsDir, `${service}.nk`);
  if (!existsSync(seedFile)) writeFileSync(seedFile, createNkeyUser().seed, { mode: 0o600 });
  users[service] = nkeyPublicKey(readFileSync(seedFile, 'utf8'));
}
writeFileSync(join(natsDir, 'auth.conf'), natsAuthorizationConfig(users, grants, prefix), { mode: 0o600 });

// TLS: the deployment's CA and one server certificate naming every host (compose service names, k8s services).
const hosts = (env.KEYGEN_HOSTS ?? 'localhost,nats-1,nats-2,nats-3,governance,charter,connectivity,dataops,training,inference-a,inference-b,simulator,hmi')
  .split(',')
  .map((h) => h.trim())
  .filter((h) => h !== '');
const tlsDir = join(dir, 'tls');
const ca = ensureLocalCa(tlsDir, 'industrial-platform deployment CA');
const hostsFile = join(tlsDir, 'deploy.hosts');
if (!existsSync(join(tlsDir, 'deploy.crt')) || !existsSync(hostsFile) || readFileSync(hostsFile, 'utf8') !== hosts.join(',')) {
  issueCertificate(tlsDir, 'deploy', {
    commonName: hosts[0] ?? 'localhost',
    altNames: [...hosts.map((h) => `DNS:${h}`), 'IP:127.0.0.1'],
    extendedKeyUsage: 'serverAuth',
  });
  writeFileSync(hostsFile, hosts.join(','));
}

// Service accounts between services (role service), re-issued by running keygen again before they expire.
const days = Number(env.KEYGEN_TOKEN_DAYS ?? '365');
const tokensDir = join(dir, 'tokens');
mkdirSync(tokensDir, { recursive: true, mode: 0o700 });
for (const [file, subject] of [
  ['charter-dataops.jwt', 'svc:charter'],
  ['training-governance.jwt', 'svc:training'],
] as const)
  writeFileSync(join(tokensDir, file), await devToken(keys.accessDir, subject, ['service'], days * 86_400), { mode: 0o600 });

// A first look: sign-in tokens (8 hours) printed in keygen's log (docker-compose logs keygen).
const firstLook: string[] = [];
for (const [who, role] of [
  ['operator', 'operator'],
  ['engineer', 'engineer'],
  ['auditor', 'auditor'],
] as const)
  firstLook.push(`  ${who.padEnd(9)} ${await devToken(keys.accessDir, `first-look-${who}`, [role])}`);

const owner = env.KEYS_OWNER;
if (owner !== undefined && owner !== '') {
  if (!/^\d+:\d+$/.test(owner)) {
    process.stderr.write(`KEYS_OWNER must be <uid>:<gid>, got ${JSON.stringify(owner)}\n`);
    process.exit(2);
  }
  execFileSync('chown', ['-R', owner, dir]);
}
process.stdout.write(
  [
    `keys ready in ${dir} (ledger key id ${keys.ledgerKey.keyId}; CA ${ca.caFile}; NATS users ${Object.keys(users).join(', ')})`,
    'Tokens for a first look (8 hours; run keygen again for new ones) — the HMI signs in with the operator token,',
    'the simulator takes fault injections (POST /faults) with the engineer token:',
    ...firstLook,
    '',
  ].join('\n'),
);
