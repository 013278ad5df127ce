// `npm run central`: the centre of an edge ↔ central deployment (issue #21) — governance, charter,
// dataops, training, the relay and the integration service (reading every edge site's records
// into the historian, through dataops' UNS ingest, and into the event store) as separate processes
// on PostgreSQL and the centre's own nats-server (the hub: JetStream domain `hub`, per-service nkeys,
// TLS with the local CA, a leafnode port the sites connect to with the password in
// <data>/hub/leaf-access.json). Start the sites with `npm run edge`. Plant data, prompts and the
// HMI are at the sites; the centre trains, approves and records.
import { resolve, join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { anchorStreamGrant, connectNats, natsEnvConfig } from '@industrial/bus';
import { charterV1, createClient } from '@industrial/grpc';
import { AUDIENCE, ISSUER, devKeys, devToken } from './dev-keys.ts';
import { mirrorArtifacts, modelMirrorGrant, startHubNats } from './edge-nats.ts';
import { runProcs, type Proc } from './edge-procs.ts';
import { platformTls } from './tls.ts';
import { loadUseCases, readUseCaseFiles } from './usecases.ts';

const HELP = `npm run central — the centre of an edge ↔ central deployment (issue #21).

Environment:
  PLATFORM_DATA_DIR      keys, CA, NATS store (.data/edge-central; npm run edge uses the same); training's
                         artifacts (<dir>/artifacts) are mirrored into the hub's object store bucket models
  PLATFORM_BASE_PORT     first port (58200): governance +1, dataops +3, charter +5, training +9,
                         integration API +43, hub NATS +50, hub leafnode port +51
  PG_URL                 PostgreSQL (postgres://postgres@127.0.0.1:5432/postgres); schema PG_SCHEMA (central)
  EDGE_SITES             the sites whose records the centre reads (plant1), comma-separated
  PLATFORM_TLS           1 (default) | mtls | 0 (plaintext, development only)
  LOG_LEVEL              info`;

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}

const env = process.env;
const dataDir = resolve(env.PLATFORM_DATA_DIR ?? '.data/edge-central');
const PG_URL = env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const base = Number(env.PLATFORM_BASE_PORT ?? 58_200);
const sites = (env.EDGE_SITES ?? 'plant1').split(',').map((s) => s.trim());
const schema = env.PG_SCHEMA ?? 'central';

async function main(): Promise<void> {
  const keys = await devKeys(dataDir);
  const tls = platformTls(dataDir, env.PLATFORM_TLS);
  const anchorStream = `LEDGER_ANCHORS_${keys.ledgerKey.keyId}`;
  const natsTls = tls.server === null || tls.caFile === null ? null : { ...tls.server, caFile: tls.caFile };
  const hub = await startHubNats(join(dataDir, 'hub'), base + 50, base + 51, natsTls, [anchorStreamGrant(anchorStream), modelMirrorGrant]);
  process.on('exit', () => hub.server.process.kill('SIGTERM'));
  // The sites' models: training's content-addressed artifacts mirrored into the hub's object store, every 5 s.
  const mirrorEnv = natsEnvConfig(hub.envFor('models'));
  if (!mirrorEnv.ok) throw new Error(mirrorEnv.message);
  const mirrorNc = await connectNats({ servers: hub.url, name: 'central-models', ...mirrorEnv.nats });
  const mirrored = new Set<string>();
  const say = (line: string) => process.stdout.write(`${'models'.padEnd(12)} │ ${line}\n`);
  const mirror = () =>
    mirrorArtifacts(mirrorNc, join(dataDir, 'artifacts'), mirrored, say)
      .catch((e: unknown) => say(`mirror failed (tried again in 5 s): ${(e as Error).message}`))
      .finally(() => setTimeout(mirror, 5_000).unref());
  void mirror();
  const common = {
    ...tls.env,
    EVENTSTORE: 'postgres',
    PG_URL,
    PG_SCHEMA: schema,
    LEDGER_KEY_FILE: keys.ledgerKeyFile,
    ANCHOR_FILE: join(dataDir, 'central-anchors.jsonl'),
    ACCESS_KEYS_DIR: keys.accessDir,
    ACCESS_ISSUER: ISSUER,
    ACCESS_AUDIENCE: AUDIENCE,
    LOG_LEVEL: env.LOG_LEVEL ?? 'info',
  };
  const svc = (name: string, p: number): Record<string, string> => ({
    [`${name}_GRPC_HOST`]: '127.0.0.1',
    [`${name}_GRPC_PORT`]: String(p),
    [`${name}_HTTP_HOST`]: '127.0.0.1',
    [`${name}_HTTP_PORT`]: String(p + 100),
  });
  const charterDataopsToken = join(dataDir, 'charter-dataops.jwt');
  const trainingGovernanceToken = join(dataDir, 'training-governance.jwt');
  writeFileSync(trainingGovernanceToken, await devToken(keys.accessDir, 'svc:training', ['service'], 7 * 86_400), { mode: 0o600 });
  writeFileSync(charterDataopsToken, await devToken(keys.accessDir, 'svc:charter', ['service'], 7 * 86_400), { mode: 0o600 });
  const procs: Proc[] = [
    { name: 'relay', entry: 'packages/relay/src/main.ts', env: { PG_URL, PG_SCHEMA: schema, LEDGER_KEY_FILE: keys.ledgerKeyFile } },
    {
      name: 'governance',
      entry: 'services/governance/src/main.ts',
      env: { ...common, ...svc('GOVERNANCE', base + 1), GOVERNANCE_HTTP_PORT: String(base + 2), ANCHOR_NATS_STREAM: anchorStream },
    },
    {
      name: 'dataops',
      entry: 'services/dataops/src/main.ts',
      env: {
        ...common,
        ...svc('DATAOPS', base + 3),
        DATAOPS_STORE: 'postgres',
        DATAOPS_PG_SCHEMA: `${schema}_historian`,
        DATAOPS_SNAPSHOT_DIR: join(dataDir, 'snapshots'),
      },
    },
    {
      name: 'charter',
      entry: 'services/charter/src/main.ts',
      env: { ...common, ...svc('CHARTER', base + 5), CHARTER_DATAOPS_GRPC_URL: `127.0.0.1:${base + 3}`, CHARTER_DATAOPS_TOKEN_FILE: charterDataopsToken },
    },
    {
      name: 'training',
      entry: 'services/training/src/main.ts',
      env: {
        ...common,
        ...svc('TRAINING', base + 9),
        TRAINING_ARTIFACT_DIR: join(dataDir, 'artifacts'),
        SNAPSHOT_DIR: join(dataDir, 'snapshots'),
        TRAINING_GOVERNANCE_ADDRESS: `127.0.0.1:${base + 1}`,
        TRAINING_GOVERNANCE_TOKEN_FILE: trainingGovernanceToken,
        // Retrainings' fresh snapshots from dataops, as the same service account (dataset.create).
        TRAINING_DATAOPS_ADDRESS: `127.0.0.1:${base + 3}`,
      },
    },
    {
      name: 'integration',
      entry: 'services/integration/src/main.ts',
      env: {
        ...common,
        INTEGRATION_HTTP_HOST: '127.0.0.1',
        INTEGRATION_HTTP_PORT: String(base + 43),
        INTEGRATION_EDGE_ROLE: 'central',
        INTEGRATION_EDGE_SITES: sites.join(','),
        INTEGRATION_EDGE_PG_SCHEMA: `${schema}_edge`,
        ...(env.CENTRAL_INTEGRATION_SETUP ? { INTEGRATION_SETUP_FILE: env.CENTRAL_INTEGRATION_SETUP } : {}),
      },
    },
  ];
  for (const p of procs) Object.assign(p.env, hub.envFor(p.name));
  runProcs(procs, () => hub.server.process.kill('SIGTERM'));

  const engineer = await devToken(keys.accessDir, 'central-engineer', ['engineer']);
  const auditor = await devToken(keys.accessDir, 'central-auditor', ['auditor']);
  // The demo use cases, defined through the charter's API once the catalog (filled from the sites'
  // tag mappings, which reach the centre through the edge link) lists their assets.
  const charterClient = createClient(charterV1.CharterServiceClient, `127.0.0.1:${base + 5}`, {
    token: engineer,
    tls: tls.caFile === null ? null : { caFile: tls.caFile },
    deadlineMs: 30_000,
  });
  void (async () => {
    for (const f of readUseCaseFiles()) {
      await loadUseCases(charterClient, [f], { waitForCatalogMs: 600_000 }).then(
        ([u]) => process.stdout.write(`${'use cases'.padEnd(12)} │ "${u!.name}" defined (spec version ${u!.specVersion}); the sites receive it\n`),
        (e: unknown) => process.stdout.write(`${'use cases'.padEnd(12)} │ "${f.serving.name}" not defined: ${(e as Error).message}\n`),
      );
    }
    charterClient.close();
  })();
  process.stdout.write(
    [
      '',
      `Central profile: ${procs.map((p) => p.name).join(', ')} on PostgreSQL (schema ${schema}) and the hub NATS ${hub.url} (JetStream domain hub, per-service nkeys${natsTls === null ? ', plaintext' : ', TLS'})`,
      `  ${tls.summary}`,
      `  edge sites connect to the leafnode port 127.0.0.1:${base + 51} (password in ${join(dataDir, 'hub', 'leaf-access.json')}); sites read: ${sites.join(', ')}`,
      `  governance / dataops / charter / training gRPC 127.0.0.1:${base + 1} / ${base + 3} / ${base + 5} / ${base + 9}; integration API ${tls.scheme}://127.0.0.1:${base + 43}/api/v1/outbound`,
      `  engineer token  ${engineer}`,
      `  auditor token   ${auditor}`,
      'Now start a site: npm run edge. Ctrl-C stops every process.',
      '',
    ].join('\n'),
  );
}

main().catch((e: unknown) => {
  console.error('central could not start:', e);
  process.exit(1);
});
