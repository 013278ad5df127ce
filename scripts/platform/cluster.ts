// `npm run cluster`: each service as its own process on NATS and PostgreSQL (the machine's, or
// PG_URL / NATS_URL), with two relays (one active by advisory lock, one standby). The same service
// code as `npm start`; in production each process runs on its own (docker-compose.yml, infra/).
import { existsSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { startOwnNats } from './cluster-nats.ts';
import { runProcs, type Proc } from './edge-procs.ts';
import { platformTls } from './tls.ts';
import { AUDIENCE, ISSUER, devKeys, devToken, simUsers } from './dev-keys.ts';
import { loadUseCases, readUseCaseFiles } from './usecases.ts';
import { charterV1, createClient } from '@industrial/grpc';
import { connectNatsBus, natsEnv } from '@industrial/bus';
import { EVENTS_STREAM, UNS_STREAM } from '@industrial/contracts';

const env = process.env;
const dataDir = resolve(env.PLATFORM_DATA_DIR ?? '.data/cluster');
const PG_URL = env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const NATS_URL = env.NATS_URL ?? 'nats://127.0.0.1:4222';
const base = Number(env.PLATFORM_BASE_PORT ?? 50150);
// PLATFORM_DIST=<dir>: run the production build (npm run build: <dir>/services/…/main.js with plain
// node, <dir>/web-hmi/server.js) instead of the TypeScript sources through tsx — the image smoke test's way.
const distRoot = env.PLATFORM_DIST === undefined || env.PLATFORM_DIST === '' ? null : resolve(env.PLATFORM_DIST);
/** services/x/src/main.ts → <dist>/services/x/main.js (scripts/build.mjs's layout). */
const builtEntry = (entry: string): string => {
  if (distRoot === null) return entry;
  const parts = entry.replace(/\.ts$/, '.js').split('/');
  const i = parts.indexOf('src');
  return join(distRoot, ...(i < 0 ? parts : [...parts.slice(0, i), parts.at(-1) ?? '']));
};

/** The JetStream stream governance anchors the chain head to: one per ledger key. */
const anchorStreamOf = (keyId: string): string => `LEDGER_ANCHORS_${keyId}`;

async function main(): Promise<void> {
  const keys = await devKeys(dataDir);
  const tls = platformTls(dataDir, env.PLATFORM_TLS);
  const common = {
    ...tls.env,
    EVENTSTORE: 'postgres',
    PG_URL,
    NATS_URL,
    LEDGER_KEY_FILE: keys.ledgerKeyFile,
    ANCHOR_FILE: join(dataDir, 'anchors.jsonl'),
    ACCESS_KEYS_DIR: keys.accessDir,
    ACCESS_ISSUER: ISSUER,
    ACCESS_AUDIENCE: AUDIENCE,
    LOG_LEVEL: env.LOG_LEVEL ?? 'info',
  };
  // The simulator's OPC UA users (sim-users.json, 0600): connectivity reads, an engineer may inject faults.
  const plantUsers = simUsers(dataDir);
  const schema = env.PG_SCHEMA ?? 'eventstore';
  // Connectivity reads the plant simulator as its first source (SignAndEncrypt, its own user, ISA-95 auto-mapping).
  const sourcesFile = join(dataDir, 'sources.json');
  writeFileSync(
    sourcesFile,
    JSON.stringify(
      [
        {
          sourceId: '00000000-0000-4000-8000-00000000a001',
          name: 'plant simulator',
          protocol: 'opcua',
          endpoint: `opc.tcp://127.0.0.1:${base + 40}`,
          securityMode: 'SignAndEncrypt',
          securityPolicy: 'Basic256Sha256',
          auth: { kind: 'userPassword', ...plantUsers.connectivity },
          autoMapRoot: 'ns=1;s=acme/plant-1',
          // CLUSTER_SAMPLING_MS: the OPC UA sampling interval of every mapped tag (default 250 ms; bench:platform 100 = 10 Hz).
          ...(env.CLUSTER_SAMPLING_MS === undefined || env.CLUSTER_SAMPLING_MS === ''
            ? {}
            : { subscription: { samplingIntervalMs: Number(env.CLUSTER_SAMPLING_MS) } }),
        },
      ],
      null,
      2,
    ),
    { mode: 0o600 },
  );
  const svc = (name: string, p: number): Record<string, string> => ({
    [`${name}_GRPC_HOST`]: '127.0.0.1',
    [`${name}_GRPC_PORT`]: String(p),
    [`${name}_HTTP_HOST`]: '127.0.0.1',
    [`${name}_HTTP_PORT`]: String(p + 100),
  });
  // The charter's service account at dataops (role service: data.read), in a file the charter re-reads when it changes.
  const charterDataopsToken = join(dataDir, 'charter-dataops.jwt');
  // Training registers the models it trains through governance's registry (the model stream's one writer), as svc:training.
  const trainingGovernanceToken = join(dataDir, 'training-governance.jwt');
  writeFileSync(trainingGovernanceToken, await devToken(keys.accessDir, 'svc:training', ['service'], 7 * 86_400), { mode: 0o600 });
  writeFileSync(charterDataopsToken, await devToken(keys.accessDir, 'svc:charter', ['service'], 7 * 86_400), { mode: 0o600 });
  // The integration service records outcomes of completed work orders and SCADA acknowledges through inference's gateway (recommendation.decide).
  const integrationInferenceToken = join(dataDir, 'integration-inference.jwt');
  writeFileSync(integrationInferenceToken, await devToken(keys.accessDir, 'svc:integration', ['operator'], 7 * 86_400), { mode: 0o600 });
  const all: Proc[] = [
    // The relays sign every integration event with a key derived from the private ledger key (ADR 0010).
    { name: 'relay-a', entry: 'packages/relay/src/main.ts', env: { PG_URL, NATS_URL, LEDGER_KEY_FILE: keys.ledgerKeyFile } },
    { name: 'relay-b', entry: 'packages/relay/src/main.ts', env: { PG_URL, NATS_URL, LEDGER_KEY_FILE: keys.ledgerKeyFile } },
    // The simulator records its ground truth (fault- streams) in the cluster's store itself.
    {
      name: 'simulator',
      entry: 'services/simulator/src/main.ts',
      env: {
        ...common,
        PG_SCHEMA: schema,
        SIM_USERS_FILE: plantUsers.file,
        SIM_AUTO_ACCEPT_CERTS: 'true',
        // CLUSTER_SIM_ACCELERATION: the plant clock's speed (default 10×; check:telemetry runs 30× so a drift evaluation comes within minutes).
        SIM_TIME_ACCELERATION: env.CLUSTER_SIM_ACCELERATION === undefined || env.CLUSTER_SIM_ACCELERATION === '' ? '10' : env.CLUSTER_SIM_ACCELERATION,
        // CLUSTER_SIM_PUMPS: how many pumps the plant has (default the simulator's 4; check:telemetry runs 8 so a drift evaluation has healthy pumps enough).
        ...(env.CLUSTER_SIM_PUMPS === undefined || env.CLUSTER_SIM_PUMPS === '' ? {} : { SIM_PUMPS: env.CLUSTER_SIM_PUMPS }),
        SIM_OPCUA_PORT: String(base + 40),
        SIM_HTTP_PORT: String(base + 41),
        SIM_PKI_DIR: join(dataDir, 'pki'),
      },
    },
    {
      name: 'governance',
      entry: 'services/governance/src/main.ts',
      env: {
        ...common,
        PG_SCHEMA: schema,
        GOVERNANCE_GRPC_HOST: '127.0.0.1',
        GOVERNANCE_GRPC_PORT: String(base + 1),
        GOVERNANCE_HTTP_HOST: '127.0.0.1',
        GOVERNANCE_HTTP_PORT: String(base + 2),
        // Chain-head anchors also go to a JetStream stream (off the database host), one per ledger key so
        // deployments sharing the NATS server never mix their anchors (ADR 0002).
        ANCHOR_NATS_URL: NATS_URL,
        ANCHOR_NATS_STREAM: anchorStreamOf(keys.ledgerKey.keyId),
      },
    },
    {
      name: 'connectivity',
      entry: 'services/connectivity/src/main.ts',
      env: {
        ...common,
        PG_SCHEMA: schema,
        CONNECTIVITY_STATE_DIR: join(dataDir, 'connectivity'),
        CONNECTIVITY_SOURCES_FILE: sourcesFile,
        CONNECTIVITY_AUTO_ACCEPT_CERTS: 'true',
        CONNECTIVITY_GRPC_HOST: '127.0.0.1',
        CONNECTIVITY_GRPC_PORT: String(base + 4),
      },
    },
    {
      name: 'dataops',
      entry: 'services/dataops/src/main.ts',
      env: {
        ...common,
        ...svc('DATAOPS', base + 3),
        DATAOPS_STORE: 'postgres',
        PG_SCHEMA: schema,
        DATAOPS_PG_SCHEMA: `${schema}_historian`,
        DATAOPS_SNAPSHOT_DIR: join(dataDir, 'snapshots'),
      },
    },
    {
      name: 'charter',
      entry: 'services/charter/src/main.ts',
      env: {
        ...common,
        ...svc('CHARTER', base + 5),
        PG_SCHEMA: schema,
        CHARTER_DATAOPS_GRPC_URL: `127.0.0.1:${base + 3}`,
        CHARTER_DATAOPS_TOKEN_FILE: charterDataopsToken,
      },
    },
    {
      name: 'training',
      entry: 'services/training/src/main.ts',
      env: {
        ...common,
        ...svc('TRAINING', base + 9),
        PG_SCHEMA: schema,
        TRAINING_ARTIFACT_DIR: join(dataDir, 'artifacts'),
        SNAPSHOT_DIR: join(dataDir, 'snapshots'),
        TRAINING_GOVERNANCE_ADDRESS: `127.0.0.1:${base + 1}`,
        TRAINING_GOVERNANCE_TOKEN_FILE: trainingGovernanceToken,
        // Retrainings' fresh snapshots from dataops, as the same service account (dataset.create).
        TRAINING_DATAOPS_ADDRESS: `127.0.0.1:${base + 3}`,
      },
    },
    // Two inference replicas sharing the pumps: live membership over NATS heartbeats (a stopped or
    // silent replica's assets move to the other, windows rebuilt from JetStream).
    {
      name: 'inference-a',
      entry: 'services/inference/src/main.ts',
      env: {
        ...common,
        ...svc('INFERENCE', base + 8),
        PG_SCHEMA: schema,
        INFERENCE_REPLICA_ID: 'inference-a',
        INFERENCE_CHECKPOINT_PATH: join(dataDir, 'inference-a.checkpoint.db'),
        INFERENCE_MEMBERSHIP: 'nats',
        INFERENCE_MEMBERSHIP_GROUP: `cluster-${base}`,
      },
    },
    {
      name: 'inference-b',
      entry: 'services/inference/src/main.ts',
      env: {
        ...common,
        ...svc('INFERENCE', base + 12),
        PG_SCHEMA: schema,
        INFERENCE_REPLICA_ID: 'inference-b',
        INFERENCE_CHECKPOINT_PATH: join(dataDir, 'inference-b.checkpoint.db'),
        INFERENCE_MEMBERSHIP: 'nats',
        INFERENCE_MEMBERSHIP_GROUP: `cluster-${base}`,
      },
    },
    // The operator HMI (built: web-hmi/build), on the first inference replica's gateway.
    {
      name: 'hmi',
      entry: 'web-hmi/server.js',
      env: {
        ...tls.env,
        HOST: '127.0.0.1',
        PORT: String(base + 10),
        INFERENCE_URL: `${tls.scheme}://127.0.0.1:${base + 108}`,
        ACCESS_KEYS_DIR: keys.accessDir,
        ACCESS_ISSUER: ISSUER,
        ACCESS_AUDIENCE: AUDIENCE,
      },
    },
    // Outbound actions, notifications and SCADA publishing of the prompts (issue 21); nothing outbound
    // until CLUSTER_INTEGRATION_SETUP names a setup file. Last, so the metrics ports above keep their numbers.
    {
      name: 'integration',
      entry: 'services/integration/src/main.ts',
      env: {
        ...common,
        PG_SCHEMA: schema,
        INTEGRATION_HTTP_HOST: '127.0.0.1',
        INTEGRATION_HTTP_PORT: String(base + 43),
        INTEGRATION_INFERENCE_URL: `${tls.scheme}://127.0.0.1:${base + 108}`,
        INTEGRATION_INFERENCE_TOKEN_FILE: integrationInferenceToken,
        ...(env.CLUSTER_INTEGRATION_SETUP ? { INTEGRATION_SETUP_FILE: env.CLUSTER_INTEGRATION_SETUP } : {}),
      },
    },
  ];
  for (const p of all) p.entry = builtEntry(p.entry);
  const hmiBuilt = existsSync(join(dirname(builtEntry('web-hmi/server.js')), 'build/handler.js'));
  // CLUSTER_ONLY=relay-a,connectivity,…: only these processes (the kill test and bench:platform run the data path alone).
  const only = env.CLUSTER_ONLY === undefined || env.CLUSTER_ONLY === '' ? null : new Set(env.CLUSTER_ONLY.split(',').map((n) => n.trim()));
  const procs = all.filter((p) => existsSync(p.entry) && (p.name !== 'hmi' || hmiBuilt) && (only === null || only.has(p.name)));
  // Each process's Prometheus scrape endpoint (GET /metrics): base+60, +61, … in the order above
  // (infra/prometheus/cluster.yml scrapes the default ports); METRICS_PORT=off in the environment disables them.
  const metricsPorts = new Map(all.map((p, i) => [p.name, base + 60 + i]));
  if (env.METRICS_PORT !== 'off') for (const p of procs) p.env.METRICS_PORT = String(metricsPorts.get(p.name));
  // The cluster's own nats-server (default, CLUSTER_NATS=own) with one nkey user per service and least-privilege
  // permissions (ADR 0010), TLS with the local CA unless PLATFORM_TLS=0. CLUSTER_NATS=shared: the shared,
  // unauthenticated NATS at NATS_URL (development only).
  const natsMode = env.CLUSTER_NATS === undefined || env.CLUSTER_NATS === '' ? 'own' : env.CLUSTER_NATS;
  if (natsMode !== 'own' && natsMode !== 'shared') throw new Error(`CLUSTER_NATS: must be own or shared, got ${JSON.stringify(env.CLUSTER_NATS)}`);
  const natsTls = tls.server === null || tls.caFile === null ? null : { ...tls.server, caFile: tls.caFile };
  const ownNats = natsMode === 'own' ? await startOwnNats(dataDir, base + 50, anchorStreamOf(keys.ledgerKey.keyId), env.NATS_PREFIX, natsTls) : null;
  if (ownNats !== null) {
    process.on('exit', () => ownNats.process.kill('SIGTERM'));
    for (const p of procs) Object.assign(p.env, ownNats.envFor(p.name));
  }

  // On the shared NATS every process may create the UNS stream, and connectivity, dataops and both inference
  // replicas did so at once: on a 3-node nats-server 2.9.10 that concurrent creation of one R3 stream re-elected
  // it twice and left the historian's consumer without quorum for good (CI, 2026-12-07). The launcher creates
  // it once before the processes start, as a deployment's provisioning would (on the cluster's own NATS only
  // its owner, connectivity, may create it: ADR 0010); the processes then find it as they want it. The same for
  // the EVENTS stream, which both relays and dataops ensure at start.
  if (ownNats === null) await provisionSharedStreams();
  // One stop for all (SIGTERM, SIGKILL after a grace, exit 1 when one stopped uncleanly), shared with central/edge.
  // CLUSTER_KEEP_GOING=1: a process that dies is left dead and the rest carry on (the kill test).
  runProcs(procs, () => undefined, { keepGoing: env.CLUSTER_KEEP_GOING === '1' });
  const auditor = await devToken(keys.accessDir, 'first-look-auditor', ['auditor']);
  const engineer = await devToken(keys.accessDir, 'first-look-engineer', ['engineer']);
  const operator = await devToken(keys.accessDir, 'first-look-operator', ['operator']);
  // The demo's use cases are data (usecases/*.json, ADR 0016): defined through the charter's gRPC API
  // once it answers and the catalog lists the simulator's assets (inference serves them from its events).
  const charterClient = createClient(charterV1.CharterServiceClient, `127.0.0.1:${base + 5}`, {
    token: engineer,
    tls: tls.caFile === null ? null : { caFile: tls.caFile },
    deadlineMs: 30_000,
  });
  // CLUSTER_USECASES=pump-bearing,…: only these data files (the kill test and bench:platform serve one use case).
  const chosen = env.CLUSTER_USECASES === undefined || env.CLUSTER_USECASES === '' ? null : new Set(env.CLUSTER_USECASES.split(',').map((n) => n.trim()));
  const useCaseFiles = readUseCaseFiles().filter((f) => chosen === null || chosen.has(basename(f.file, '.json')));
  void (async () => {
    if (!procs.some((p) => p.name === 'charter')) return; // no charter in CLUSTER_ONLY: nothing defines use cases
    for (const f of useCaseFiles) {
      await loadUseCases(charterClient, [f], { waitForCatalogMs: 180_000 }).then(
        ([u]) => process.stdout.write(`${'use cases'.padEnd(12)} │ "${u!.name}" served (spec version ${u!.specVersion})\n`),
        (e: unknown) => process.stdout.write(`${'use cases'.padEnd(12)} │ "${f.serving.name}" not defined: ${(e as Error).message}\n`),
      );
    }
    charterClient.close();
    // CLUSTER_DEMO_MODELS=mill-power,…|all (opt-in; default none: the use cases are served by their limits): a model
    // for these use cases, trained from the simulated plant by the training service's recipe (cached under
    // CLUSTER_MODELS_DIR, default <data dir>/models) and promoted through governance's gRPC API with four eyes, as `npm start` does.
    const wanted =
      env.CLUSTER_DEMO_MODELS === undefined || env.CLUSTER_DEMO_MODELS === '' ? null : new Set(env.CLUSTER_DEMO_MODELS.split(',').map((n) => n.trim()));
    if (wanted === null || !procs.some((p) => p.name === 'governance')) return;
    const { DEMO_ENGINEER, DEMO_QUALITY_LEAD, demoModels } = await import('./demo-models.ts');
    const { promoted, failed } = await demoModels(
      useCaseFiles.filter((f) => wanted.has('all') || wanted.has(basename(f.file, '.json'))).map((f) => ({ useCaseId: f.useCaseId, serving: f.serving })),
      {
        artifactsDir: resolve(env.CLUSTER_MODELS_DIR ?? join(dataDir, 'models')),
        door: {
          governance: `127.0.0.1:${base + 1}`,
          tls: tls.caFile === null ? null : { caFile: tls.caFile },
          tokens: {
            training: await devToken(keys.accessDir, 'svc:training', ['service'], 3_600),
            engineer: await devToken(keys.accessDir, DEMO_ENGINEER, ['engineer'], 3_600),
            qualityLead: await devToken(keys.accessDir, DEMO_QUALITY_LEAD, ['quality_lead'], 3_600),
          },
        },
      },
    );
    for (const m of promoted)
      process.stdout.write(`${'models'.padEnd(12)} │ model for "${m.name}" in production (version ${m.version}, ${m.modelVersionId})\n`);
    for (const f of failed) process.stdout.write(`${'models'.padEnd(12)} │ no model for "${f.name}": ${f.error}\n`);
  })().catch((e: unknown) => process.stdout.write(`${'models'.padEnd(12)} │ the demo models could not be prepared: ${(e as Error).message}\n`));
  process.stdout.write(
    [
      '',
      `Cluster mode: ${procs.map((p) => p.name).join(', ')} as separate processes on PostgreSQL ${PG_URL.replace(/\/\/[^@]*@/, '//')} and NATS ${ownNats === null ? `${NATS_URL} (CLUSTER_NATS=shared: shared and unauthenticated, development only; unset it for the cluster's own NATS with per-service nkeys)` : `${ownNats.url} (own, per-service nkeys and permissions${ownNats.caFile === null ? ', plaintext' : ', TLS'})`}`,
      `  ${tls.summary}`,
      `  governance          grpc 127.0.0.1:${base + 1}   health ${tls.scheme}://127.0.0.1:${base + 2}/healthz`,
      `  plant simulator     opc.tcp://127.0.0.1:${base + 40}   (SignAndEncrypt; users in ${plantUsers.file})   HTTP faults ${tls.scheme}://127.0.0.1:${base + 41}/faults`,
      `  dataops / connectivity / charter / inference / training gRPC  127.0.0.1:${base + 3} / ${base + 4} / ${base + 5} / ${base + 8} (and ${base + 12}) / ${base + 9}`,
      tls.caFile === null
        ? '  every gRPC port answers server reflection (npx buf curl --protocol grpc --http2-prior-knowledge --list-methods http://127.0.0.1:<port>)'
        : `  every gRPC port answers server reflection (npx buf curl --protocol grpc --cacert ${tls.caFile} --list-methods https://127.0.0.1:<port>)`,
      hmiBuilt
        ? `  operator HMI        ${tls.scheme}://127.0.0.1:${base + 10}   (sign in with the operator token)`
        : '  operator HMI        not built (npm run build)',
      `  inference HMI gateway  ${tls.scheme}://127.0.0.1:${base + 108}/api/v1 (replica a), ${tls.scheme}://127.0.0.1:${base + 112}/api/v1 (replica b)`,
      env.METRICS_PORT === 'off'
        ? '  metrics             off (METRICS_PORT=off)'
        : `  metrics (Prometheus) ${procs.map((p) => `${p.name} http://127.0.0.1:${metricsPorts.get(p.name)}/metrics`).join('\n                       ')}`,
      `  auditor token       ${auditor}`,
      `  engineer token      ${engineer}`,
      `  operator token      ${operator}`,
      `  inject a fault      curl${tls.caFile === null ? '' : ` --cacert ${tls.caFile}`} -X POST -H "authorization: Bearer <engineer token>" -H "content-type: application/json" -d '{"asset":"pump-4","fault":"bearing_wear"}' ${tls.scheme}://127.0.0.1:${base + 41}/faults`,
      'Ctrl-C stops every process.',
      '',
    ].join('\n'),
  );
}

main().catch((e: unknown) => {
  console.error('cluster could not start:', e);
  process.exit(1);
});

/** The UNS and EVENTS streams on the shared NATS (NATS_URL, the stream settings of the environment), as their owners create them. */
async function provisionSharedStreams(): Promise<void> {
  const bus = await connectNatsBus({ servers: NATS_URL.split(','), name: 'cluster-launcher', ...natsEnv(env) });
  try {
    await bus.ensureStream({ name: UNS_STREAM.name, subjects: [...UNS_STREAM.subjects] });
    await bus.ensureStream({ name: EVENTS_STREAM.name, subjects: [...EVENTS_STREAM.subjects], duplicateWindowMs: EVENTS_STREAM.duplicateWindowMs });
  } finally {
    await bus.close();
  }
}
