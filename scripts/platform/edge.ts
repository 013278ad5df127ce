// `npm run edge`: one edge site of an edge ↔ central deployment (issue #21) — the plant simulator,
// connectivity, inference and the operator HMI, with the site's own nats-server (a leaf node of the
// centre's hub: JetStream domain edge-<site>, per-service nkeys, TLS with the local CA) and the
// site's own store (PostgreSQL schema edge_<site>; on a real site its own database). The
// integration process at the site writes its records (UNS batches, prompts, decisions, outcomes,
// tag mappings) into its EDGE stream, which the centre reads whenever the link is up, and brings
// the centre's use cases and model approvals into the site's store; inference takes the approved
// models from the centre's object store (bucket models, domain hub), checks their hashes and caches
// them under <site dir>/models. With the uplink down the site keeps scoring and prompting (from the
// cache after a restart). Start the centre first (npm run central).
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AUDIENCE, ISSUER, devKeys, devToken, simUsers } from './dev-keys.ts';
import { HUB_DOMAIN, MODELS_BUCKET, readLeafAccess, startLeafNats } from './edge-nats.ts';
import { runProcs, type Proc } from './edge-procs.ts';
import { platformTls } from './tls.ts';

const HELP = `npm run edge — one edge site of an edge ↔ central deployment (issue #21); start npm run central first.

Environment:
  EDGE_SITE              the site's name (plant1): JetStream domain edge-<site>, store schema edge_<site>
  PLATFORM_DATA_DIR      keys, CA (shared with npm run central: .data/edge-central); the site's NATS store under it
  PLATFORM_BASE_PORT     first port (58400): simulator OPC UA +40 / faults +41, connectivity +4, inference +8
                         (gateway +108), HMI +10, integration API +43, the site's NATS +50
  PG_URL                 PostgreSQL of the site's store (postgres://postgres@127.0.0.1:5432/postgres)
  CENTRAL_DATA_DIR       where the centre wrote hub/leaf-access.json (PLATFORM_DATA_DIR)
  PLATFORM_TLS           1 (default) | mtls | 0
  LOG_LEVEL              info`;

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}

const env = process.env;
const dataDir = resolve(env.PLATFORM_DATA_DIR ?? '.data/edge-central');
const site = env.EDGE_SITE ?? 'plant1';
if (!/^[a-z0-9_-]{1,32}$/.test(site)) throw new Error(`EDGE_SITE: must be 1–32 of [a-z0-9_-], got ${JSON.stringify(site)}`);
const PG_URL = env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const base = Number(env.PLATFORM_BASE_PORT ?? 58_400);
const schema = `edge_${site.replace(/-/g, '_')}`;
const siteDir = join(dataDir, `edge-${site}`);

async function main(): Promise<void> {
  const keys = await devKeys(dataDir);
  const tls = platformTls(dataDir, env.PLATFORM_TLS);
  const natsTls = tls.server === null || tls.caFile === null ? null : { ...tls.server, caFile: tls.caFile };
  const leaf = await startLeafNats(join(siteDir, 'nats'), site, base + 50, readLeafAccess(join(resolve(env.CENTRAL_DATA_DIR ?? dataDir), 'hub')), natsTls);
  process.on('exit', () => leaf.server.process.kill('SIGTERM'));
  const common = {
    ...tls.env,
    EVENTSTORE: 'postgres',
    PG_URL,
    PG_SCHEMA: schema,
    LEDGER_KEY_FILE: keys.ledgerKeyFile,
    ANCHOR_FILE: join(siteDir, 'anchors.jsonl'),
    ACCESS_KEYS_DIR: keys.accessDir,
    ACCESS_ISSUER: ISSUER,
    ACCESS_AUDIENCE: AUDIENCE,
    LOG_LEVEL: env.LOG_LEVEL ?? 'info',
  };
  const plantUsers = simUsers(siteDir);
  const sourcesFile = join(siteDir, 'sources.json');
  writeFileSync(
    sourcesFile,
    JSON.stringify([
      {
        sourceId: '00000000-0000-4000-8000-00000000e001',
        name: `plant simulator (${site})`,
        protocol: 'opcua',
        endpoint: `opc.tcp://127.0.0.1:${base + 40}`,
        securityMode: 'SignAndEncrypt',
        securityPolicy: 'Basic256Sha256',
        auth: { kind: 'userPassword', ...plantUsers.connectivity },
        autoMapRoot: 'ns=1;s=acme/plant-1',
      },
    ]),
    { mode: 0o600 },
  );
  const integrationInferenceToken = join(siteDir, 'integration-inference.jwt');
  writeFileSync(integrationInferenceToken, await devToken(keys.accessDir, 'svc:integration', ['operator'], 7 * 86_400), { mode: 0o600 });
  const hmiBuilt = existsSync('web-hmi/build/handler.js');
  const procs: Proc[] = [
    {
      name: 'simulator',
      entry: 'services/simulator/src/main.ts',
      env: {
        ...common,
        SIM_USERS_FILE: plantUsers.file,
        SIM_AUTO_ACCEPT_CERTS: 'true',
        SIM_TIME_ACCELERATION: '10',
        SIM_OPCUA_PORT: String(base + 40),
        SIM_HTTP_PORT: String(base + 41),
        SIM_PKI_DIR: join(siteDir, 'pki'),
      },
    },
    {
      name: 'connectivity',
      entry: 'services/connectivity/src/main.ts',
      env: {
        ...common,
        CONNECTIVITY_STATE_DIR: join(siteDir, 'connectivity'),
        CONNECTIVITY_SOURCES_FILE: sourcesFile,
        CONNECTIVITY_AUTO_ACCEPT_CERTS: 'true',
        CONNECTIVITY_GRPC_HOST: '127.0.0.1',
        CONNECTIVITY_GRPC_PORT: String(base + 4),
      },
    },
    {
      name: 'inference',
      entry: 'services/inference/src/main.ts',
      env: {
        ...common,
        INFERENCE_GRPC_HOST: '127.0.0.1',
        INFERENCE_GRPC_PORT: String(base + 8),
        INFERENCE_HTTP_HOST: '127.0.0.1',
        INFERENCE_HTTP_PORT: String(base + 108),
        INFERENCE_REPLICA_ID: `inference-${site}`,
        INFERENCE_CHECKPOINT_PATH: join(siteDir, 'inference.checkpoint.db'),
        // Approved models from the centre's object store across the link, hash-checked, cached at the site.
        INFERENCE_MODEL_STORE_BUCKET: MODELS_BUCKET,
        INFERENCE_MODEL_STORE_DOMAIN: HUB_DOMAIN,
        INFERENCE_MODEL_CACHE_DIR: join(siteDir, 'models'),
      },
    },
    {
      name: 'integration',
      entry: 'services/integration/src/main.ts',
      env: {
        ...common,
        INTEGRATION_HTTP_HOST: '127.0.0.1',
        INTEGRATION_HTTP_PORT: String(base + 43),
        INTEGRATION_INFERENCE_URL: `${tls.scheme}://127.0.0.1:${base + 108}`,
        INTEGRATION_INFERENCE_TOKEN_FILE: integrationInferenceToken,
        INTEGRATION_EDGE_ROLE: 'edge',
        INTEGRATION_EDGE_SITES: site,
        INTEGRATION_EDGE_CHECKPOINT_FILE: join(siteDir, 'uplink.checkpoint'),
        ...(env.EDGE_INTEGRATION_SETUP ? { INTEGRATION_SETUP_FILE: env.EDGE_INTEGRATION_SETUP } : {}),
      },
    },
    ...(hmiBuilt
      ? [
          {
            name: 'hmi',
            entry: 'web-hmi/server.js',
            env: {
              ...tls.env,
              HOST: '127.0.0.1',
              PORT: String(base + 10),
              INFERENCE_URL: `${tls.scheme}://127.0.0.1:${base + 108}`,
              HMI_INTEGRATION_URL: `${tls.scheme}://127.0.0.1:${base + 43}`,
              ACCESS_KEYS_DIR: keys.accessDir,
              ACCESS_ISSUER: ISSUER,
              ACCESS_AUDIENCE: AUDIENCE,
            },
          },
        ]
      : []),
  ];
  for (const p of procs) if (p.name !== 'hmi') Object.assign(p.env, leaf.envFor(p.name));
  runProcs(procs, () => leaf.server.process.kill('SIGTERM'));
  const operator = await devToken(keys.accessDir, `${site}-operator`, ['operator']);
  const engineer = await devToken(keys.accessDir, `${site}-engineer`, ['engineer']);
  process.stdout.write(
    [
      '',
      `Edge profile (site ${site}): ${procs.map((p) => p.name).join(', ')}; the site's store is PostgreSQL schema ${schema}; its NATS ${leaf.url} (leaf node of the hub, JetStream domain edge-${site}${natsTls === null ? ', plaintext' : ', TLS'})`,
      `  ${tls.summary}`,
      `  plant simulator  opc.tcp://127.0.0.1:${base + 40}   faults ${tls.scheme}://127.0.0.1:${base + 41}/faults`,
      hmiBuilt
        ? `  operator HMI     ${tls.scheme}://127.0.0.1:${base + 10}   (sign in with the operator token)`
        : '  operator HMI     not built (npm run build)',
      `  inference gateway ${tls.scheme}://127.0.0.1:${base + 108}/api/v1; integration API ${tls.scheme}://127.0.0.1:${base + 43}/api/v1/outbound`,
      `  operator token   ${operator}`,
      `  engineer token   ${engineer}`,
      'The site keeps scoring and prompting with the uplink down; its records reach the centre when it is back. Ctrl-C stops every process.',
      '',
    ].join('\n'),
  );
}

main().catch((e: unknown) => {
  console.error('edge could not start:', e);
  process.exit(1);
});
