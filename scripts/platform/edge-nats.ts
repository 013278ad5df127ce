// The nats-servers of an edge ↔ central deployment, each started by its launcher with its own
// config (issue #21): the centre's hub (JetStream domain `hub`) and a site's leaf node (domain
// `edge-<site>`), each with one nkey user per service and least-privilege permissions (@industrial/bus
// PLATFORM_GRANTS, ADR 0010) and TLS with the local CA; the leaf connects to the hub's leafnode
// port over TLS with the leaf user's password (written by the centre, 0600, read by the edge). The
// link carries only what the sites and the centre exchange through JetStream (EDGE_<SITE>, the
// hub's EVENTS for the downlink, the models bucket): plant data and events published at one end
// (uns.>, evt.>, inference heartbeats) are not forwarded to the other (deny_imports/deny_exports).
// Models: the centre's launcher mirrors the training service's content-addressed artifact
// directory (`sha256/<hash>`: ONNX models, explainers, reference profiles, cards) into the hub's
// object store bucket `models` (mirrorArtifacts); a site's inference reads them across the link
// (domain hub), checks each against the hash its registration recorded and caches it.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  createNkeyUser,
  inboxPrefixFor,
  natsAuthorizationConfig,
  nkeyPublicKey,
  PLATFORM_GRANTS,
  startNatsServer,
  type NatsServerProcess,
  type ServiceGrant,
} from '@industrial/bus';

export interface SiteNats {
  readonly url: string;
  readonly server: NatsServerProcess;
  /** NATS_URL, NATS_NKEY_SEED_FILE, NATS_INBOX_PREFIX, NATS_TLS_CA_FILE of a process (relay-a → relay). */
  envFor(proc: string): Record<string, string>;
}

export interface NatsTlsFiles {
  certFile: string;
  keyFile: string;
  caFile: string;
}

/** The integration process at either end reads and writes JetStream across domains (EDGE_<SITE>, the hub's EVENTS). */
const integrationGrant: ServiceGrant = {
  service: 'integration',
  publishes: ['uns.>', 'edge.>'],
  consumes: [
    { stream: 'EVENTS', durables: ['integration-actions'] },
    { stream: 'UNS', durables: ['integration-edge-uplink'] },
  ],
  exact: { publish: ['$JS.>', '$O.>'] },
};

/** The hub's bucket of model artifacts, and its JetStream domain (what a site's inference reads across the link). */
export const MODELS_BUCKET = 'models';
export const HUB_DOMAIN = 'hub';

/** The JetStream stream behind the models bucket (@nats-io/obj names it `OBJ_<bucket>`). */
const MODELS_STREAM = `OBJ_${MODELS_BUCKET}`;

/**
 * What reading the models bucket with @nats-io/obj calls on the JetStream API `api` (`$JS.API`, or
 * `$JS.<domain>.API` across the link): the API check (jetstreamManager), the stream's info (open), an
 * object's meta record (MSG.GET, last by subject), and the ordered push consumer streaming its chunks
 * (created per read, the chunk filter in the subject; deleted and made again after a gap). Nothing on
 * any other stream, and nothing that changes this one.
 */
const modelReadApi = (api: string): string[] => [
  `${api}.INFO`,
  `${api}.STREAM.INFO.${MODELS_STREAM}`,
  `${api}.STREAM.MSG.GET.${MODELS_STREAM}`,
  `${api}.CONSUMER.CREATE.${MODELS_STREAM}.>`,
  `${api}.CONSUMER.INFO.${MODELS_STREAM}.*`,
  `${api}.CONSUMER.DELETE.${MODELS_STREAM}.*`,
];

/**
 * The centre's launcher, putting training's artifacts into the models bucket (mirrorArtifacts): it
 * creates the bucket's stream, reads it like a site does, publishes chunks and meta records under
 * `$O.models.>`, and purges the chunks of a put that failed half-way (what @nats-io/obj does).
 */
export const modelMirrorGrant: ServiceGrant = {
  service: 'models',
  exact: {
    publish: [...modelReadApi('$JS.API'), ...['CREATE', 'UPDATE', 'PURGE'].map((op) => `$JS.API.STREAM.${op}.${MODELS_STREAM}`), `$O.${MODELS_BUCKET}.>`],
  },
};

/** A site's inference reads the hub's models bucket across the link: that stream's read API in the hub domain and its consumers' flow control. */
const withModelReads = (g: ServiceGrant): ServiceGrant =>
  g.service === 'inference'
    ? { ...g, exact: { ...g.exact, publish: [...(g.exact?.publish ?? []), ...modelReadApi(`$JS.${HUB_DOMAIN}.API`), `$JS.FC.${MODELS_STREAM}.>`] } }
    : g;

const NOT_ACROSS = ['uns.>', 'evt.>', 'inference.>', 'ledger.>'];

const tlsBlock = (tls: NatsTlsFiles | null, indent = ''): string =>
  tls === null
    ? ''
    : `${indent}tls {\n${indent}  cert_file: ${JSON.stringify(tls.certFile)}\n${indent}  key_file: ${JSON.stringify(tls.keyFile)}\n${indent}  timeout: 10\n${indent}}\n`;

function users(dir: string, grants: readonly ServiceGrant[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { service } of grants) {
    const seedFile = join(dir, `${service}.nk`);
    if (!existsSync(seedFile)) writeFileSync(seedFile, createNkeyUser().seed, { mode: 0o600 });
    out[service] = nkeyPublicKey(readFileSync(seedFile, 'utf8'));
  }
  return out;
}

function envFor(url: string, dir: string, grants: readonly ServiceGrant[], tls: NatsTlsFiles | null) {
  return (name: string): Record<string, string> => {
    const grant = grants.find((g) => name === g.service || name.startsWith(`${g.service}-`));
    const ca: Record<string, string> = tls === null ? {} : { NATS_TLS_CA_FILE: tls.caFile };
    if (grant === undefined) return { NATS_URL: url, ...ca };
    const out: Record<string, string> = {
      ...ca,
      NATS_URL: url,
      NATS_NKEY_SEED_FILE: join(dir, `${grant.service}.nk`),
      NATS_INBOX_PREFIX: grant.inbox ?? inboxPrefixFor(grant.service),
    };
    if (grant.service === 'governance') out.ANCHOR_NATS_URL = url;
    return out;
  };
}

/** The leaf user's password and where the hub's leafnode port is: written by the centre, read by the sites. */
export interface LeafAccess {
  url: string;
  user: string;
  password: string;
}

export async function startHubNats(dir: string, port: number, leafPort: number, tls: NatsTlsFiles | null, extraGrants: ServiceGrant[]): Promise<SiteNats> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const grants = [...PLATFORM_GRANTS.filter((g) => g.service !== 'integration'), integrationGrant, ...extraGrants];
  const accessFile = join(dir, 'leaf-access.json');
  if (!existsSync(accessFile)) {
    const access: LeafAccess = { url: `127.0.0.1:${leafPort}`, user: 'edge-site', password: randomBytes(24).toString('base64url') };
    writeFileSync(accessFile, JSON.stringify(access), { mode: 0o600 });
  }
  const access = JSON.parse(readFileSync(accessFile, 'utf8')) as LeafAccess;
  const config = join(dir, 'hub.conf');
  writeFileSync(
    config,
    [
      `jetstream { domain: ${HUB_DOMAIN} }`,
      natsAuthorizationConfig(users(dir, grants), grants),
      tlsBlock(tls),
      'leafnodes {',
      `  listen: "127.0.0.1:${leafPort}"`,
      tlsBlock(tls, '  '),
      `  authorization { user: ${JSON.stringify(access.user)}, password: ${JSON.stringify(access.password)} }`,
      '}',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const server = await startNatsServer({ port, storeDir: join(dir, 'store'), configFile: config });
  return { url: server.url, server, envFor: envFor(server.url, dir, grants, tls) };
}

export function readLeafAccess(hubDir: string): LeafAccess {
  const f = join(hubDir, 'leaf-access.json');
  if (!existsSync(f)) throw new Error(`${f} does not exist: start the centre first (npm run central)`);
  return JSON.parse(readFileSync(f, 'utf8')) as LeafAccess;
}

export async function startLeafNats(dir: string, site: string, port: number, hub: LeafAccess, tls: NatsTlsFiles | null): Promise<SiteNats> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const grants = [...PLATFORM_GRANTS.filter((g) => g.service !== 'integration').map(withModelReads), integrationGrant];
  const scheme = tls === null ? 'nats-leaf' : 'tls';
  const remote = [
    '  remotes: [ {',
    `    url: ${JSON.stringify(`${scheme}://${encodeURIComponent(hub.user)}:${encodeURIComponent(hub.password)}@${hub.url}`)}`,
    tls === null ? '' : `    tls { ca_file: ${JSON.stringify(tls.caFile)} }`,
    `    deny_imports: ${JSON.stringify(NOT_ACROSS)}`,
    `    deny_exports: ${JSON.stringify(NOT_ACROSS)}`,
    '  } ]',
  ];
  const config = join(dir, 'leaf.conf');
  writeFileSync(
    config,
    [
      `jetstream { domain: ${JSON.stringify(`edge-${site}`)} }`,
      natsAuthorizationConfig(users(dir, grants), grants),
      tlsBlock(tls),
      'leafnodes {',
      ...remote,
      '}',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const server = await startNatsServer({ port, storeDir: join(dir, 'store'), configFile: config });
  return { url: server.url, server, envFor: envFor(server.url, dir, grants, tls) };
}

/**
 * One pass of the centre's model mirror: every content-addressed artifact of training's artifact
 * directory (`<dir>/sha256/<hash>`) that the hub's models bucket does not hold yet is put there
 * under the same name, once its bytes still hash to it (a file that does not is skipped and said).
 * Names already mirrored are remembered in `done`. Returns what it put.
 */
export async function mirrorArtifacts(nc: NatsConnection, artifactDir: string, done: Set<string>, say: (line: string) => void): Promise<string[]> {
  const dir = join(artifactDir, 'sha256');
  const names = existsSync(dir) ? (await readdir(dir)).filter((n) => /^[0-9a-f]{64}$/.test(n) && !done.has(n)) : [];
  if (names.length === 0) return [];
  const os = await new Objm(jetstream(nc)).create(MODELS_BUCKET, { storage: 'file' });
  const put: string[] = [];
  for (const hash of names) {
    const name = `sha256/${hash}`;
    if ((await os.info(name)) === null) {
      const bytes = await readFile(join(dir, hash));
      if (createHash('sha256').update(bytes).digest('hex') !== hash) {
        say(`${name} does not hash to its name; not mirrored`);
        continue;
      }
      await os.putBlob({ name }, bytes);
      put.push(name);
      say(`${name} (${bytes.byteLength} bytes) put into the hub's ${MODELS_BUCKET} bucket`);
    }
    done.add(hash);
  }
  return put;
}
