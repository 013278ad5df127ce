// `npm start`: every service that exists, in ONE process, on the embedded defaults — SQLite event
// store, in-process bus, the plant simulator — for a laptop or a first look. Prints the URLs and
// tokens. The same service code runs in cluster mode (scripts/platform/cluster.ts).
// First: opt-in telemetry (OTEL_EXPORTER=otlp, METRICS_PORT; README "SRE"), nothing when unset.
import '@industrial/telemetry/opt-in';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Role } from '@industrial/access';
import { createInProcBus, eventSigningKey, eventVerifier } from '@industrial/bus';
import { eventValidator } from '@industrial/contracts';
import { FileAnchorSink, SqliteAnchorSink, openSqliteEventStore } from '@industrial/eventstore';
import { connectDataops, createCharterApp } from '@industrial/charter';
import { createConnectivityApp } from '@industrial/connectivity';
import { DEFAULT_CONFIG as DATAOPS_DEFAULTS, createDataopsApp, createDataopsGrpcServer, openSqliteDataopsStore } from '@industrial/dataops';
import { createGovernanceApp } from '@industrial/governance';
import { charterV1, createClient, ensureLocalCa, type ServiceTls } from '@industrial/grpc';
import { createInferenceApp, dataopsPlant, sqliteProjectionCheckpoints } from '@industrial/inference';
import { createIntegrationApp, inferenceGateway, readSetupFile } from '@industrial/integration';
import { createKernel } from '@industrial/kernel';
import { createGrpcFreshSnapshots, createTrainingApp } from '@industrial/training';
import { createRelay, memoryCoordination } from '@industrial/relay';
import { createSimulator, loadConfig as loadSimConfig } from '@industrial/simulator';
import { createLogger } from '@industrial/telemetry';
import { AUDIENCE, ISSUER, devKeys, devToken, simUsers } from './dev-keys.ts';
import { renewingToken } from './renewing-token.ts';
import { DEMO_ENGINEER, DEMO_QUALITY_LEAD, demoModels } from './demo-models.ts';
import { loadUseCases, readUseCaseFiles, withPlant } from './usecases.ts';

const env = process.env;
const dataDir = resolve(env.PLATFORM_DATA_DIR ?? '.data');
const host = env.PLATFORM_HOST ?? '127.0.0.1';
const basePort = Number(env.PLATFORM_BASE_PORT ?? 50050);
if (!Number.isInteger(basePort) || basePort < 1024 || basePort > 65000) {
  console.error(`PLATFORM_BASE_PORT: must be an integer between 1024 and 65000, got "${env.PLATFORM_BASE_PORT}"`);
  process.exit(2);
}
// TLS by default: gRPC, the health probes, the gateway, the simulator API and the HMI over TLS with a
// local CA made on first start under <data dir>/tls (keys 0600); clients trust its ca.crt.
// PLATFORM_TLS=0 is the explicit development flag for plaintext on loopback.
if (env.PLATFORM_TLS !== undefined && env.PLATFORM_TLS !== '' && env.PLATFORM_TLS !== '0' && env.PLATFORM_TLS !== '1') {
  console.error(`PLATFORM_TLS: must be 1 (TLS with a local CA, the default) or 0 (plaintext, development only), got "${env.PLATFORM_TLS}"`);
  process.exit(2);
}
const localCa = env.PLATFORM_TLS === '0' ? null : ensureLocalCa(join(dataDir, 'tls'));
const server = localCa === null ? null : { certFile: localCa.serverCertFile, keyFile: localCa.serverKeyFile };
const tls: ServiceTls | undefined = localCa === null ? undefined : { grpcServer: server, grpcClient: { caFile: localCa.caFile }, http: server };
const http = localCa === null ? 'http' : 'https';
const logger = createLogger('platform', { level: env.LOG_LEVEL === undefined ? 'info' : (env.LOG_LEVEL as 'info') });
const stops: (() => Promise<unknown>)[] = [];

async function main(): Promise<void> {
  const keys = await devKeys(dataDir);
  // The services' own accounts (charter, training, inference → dataops; integration → inference's
  // gateway): 7-day tokens, minted again at half their life while the launcher runs (renewing-token.ts).
  const serviceToken = async (subject: string, role: Role) => {
    const token = await renewingToken({
      mint: (ttl) => devToken(keys.accessDir, subject, [role], ttl),
      ttlSeconds: 7 * 86_400,
      onError: (e) => logger.warn({ err: e, subject }, 'a service token could not be renewed; the current one stays in use, trying again in a minute'),
    });
    stops.push(async () => token.stop());
    return token;
  };
  // Chain-head anchors go to two sinks outside the event store's database (by count and by time): the
  // anchor file and a separate append-only SQLite key-value file (PLATFORM_ANCHOR_DIR: put it on another
  // volume). Verify compares the store with both and the sinks with each other (issue 18, item 5).
  const anchorKv = join(resolve(env.PLATFORM_ANCHOR_DIR ?? join(dataDir, 'anchors')), 'anchors.db');
  const store = await openSqliteEventStore({
    path: join(dataDir, 'events.db'),
    ledgerKey: keys.ledgerKey,
    anchorSinks: [new FileAnchorSink(join(dataDir, 'anchors.jsonl')), new SqliteAnchorSink(anchorKv)],
    ownsAnchorSinks: true,
    validator: eventValidator,
  });
  stops.push(() => store.anchor().then(() => store.close()));
  // Integration events are signed by the relay and verified by every consumer of evt.> (ADR 0010).
  if (keys.ledgerKey.privateKey === null) throw new Error('the ledger key has no private part');
  const eventKey = eventSigningKey(keys.ledgerKey.privateKey);
  const bus = createInProcBus({ verifyEvents: eventVerifier(eventKey) });
  stops.push(() => bus.drain());

  const relay = createRelay({ store, bus, signingKey: eventKey, ...memoryCoordination(), logger });
  void relay.run().catch((e: unknown) => logger.error({ err: e }, 'relay stopped'));
  stops.push(() => relay.stop());

  // The plant: a real OPC UA server. No anonymous session and no SecurityPolicy None (SIM_ALLOW_INSECURE=1
  // opens them, for development only); users with passwords from sim-users.json; client certificates
  // accepted on first contact (loopback). Its HTTP API takes the platform's tokens (sim.inject_fault).
  const plantUsers = simUsers(dataDir);
  const simConfig = loadSimConfig(
    {
      SIM_USERS_FILE: plantUsers.file,
      SIM_AUTO_ACCEPT_CERTS: 'true',
      SIM_TIME_ACCELERATION: '10',
      SIM_OPCUA_PORT: String(basePort + 40),
      SIM_HTTP_PORT: String(basePort + 41),
      SIM_PKI_DIR: join(dataDir, 'pki'),
      ...(localCa === null ? {} : { SIM_HTTP_TLS_CERT_FILE: localCa.serverCertFile, SIM_HTTP_TLS_KEY_FILE: localCa.serverKeyFile }),
      ...Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('SIM_'))),
    },
    [],
    process.cwd(),
  );
  // The simulator records its own ground truth (FaultInjected / FaultLabelled) in the store, through its kernel.
  const sim = createSimulator(simConfig, {
    store,
    access: { keySet: keys.keySet, issuer: ISSUER, audience: AUDIENCE },
    log: (level, message, data) => logger[level](data ?? {}, message),
  });
  await sim.start();
  stops.push(() => sim.stop());

  const governance = createGovernanceApp({
    store,
    keySet: keys.keySet,
    logger,
    config: { grpc: { host, port: basePort + 1 }, http: { host, port: basePort + 2 }, access: { issuer: ISSUER, audience: AUDIENCE }, tls },
  });
  const gov = await governance.start();
  stops.push(() => governance.stop());

  // Dataops: historian (raw + refined, embedded SQLite), quality, catalog, labels, snapshots.
  const historian = await openSqliteDataopsStore({ path: join(dataDir, 'historian.db'), refinedIntervalMs: 1000 });
  const dataops = createDataopsApp({
    store,
    data: historian,
    bus,
    keySet: keys.keySet,
    logger,
    config: { ...DATAOPS_DEFAULTS, snapshotDir: join(dataDir, 'snapshots'), codeVersion: '0.1.0', access: { issuer: ISSUER, audience: AUDIENCE } },
  });
  await dataops.start();
  stops.push(() => dataops.stop().then(() => historian.close()));
  const dataopsGrpc = createDataopsGrpcServer({
    app: dataops,
    store,
    keySet: keys.keySet,
    access: { issuer: ISSUER, audience: AUDIENCE },
    logger,
    tls: tls?.grpcServer,
  });
  const dataopsGrpcPort = await dataopsGrpc.listen(`${host}:${basePort + 3}`);
  stops.push(() => dataopsGrpc.shutdown({ graceMs: 5_000 }));

  // Connectivity: the simulator's OPC UA server into the unified namespace (SignAndEncrypt, ISA-95 auto-mapping).
  const connectivity = createConnectivityApp({
    store,
    bus,
    keySet: keys.keySet,
    logger,
    config: {
      stateDir: join(dataDir, 'connectivity'),
      autoAcceptUnknownServerCertificates: true,
      grpc: { host, port: basePort + 4, access: { issuer: ISSUER, audience: AUDIENCE }, tls: tls?.grpcServer },
    },
  });
  const { grpcPort: connectivityGrpcPort } = await connectivity.start();
  stops.push(() => connectivity.stop());
  await connectivity
    .registerSource({
      sourceId: '00000000-0000-4000-8000-00000000a001',
      name: 'plant simulator',
      protocol: 'opcua',
      endpoint: sim.endpointUrl,
      securityMode: 'SignAndEncrypt',
      securityPolicy: 'Basic256Sha256',
      auth: { kind: 'userPassword', ...plantUsers.connectivity },
      autoMapRoot: `ns=1;s=${sim.assets[0]?.enterprise ?? 'acme'}/${sim.assets[0]?.site ?? 'plant-1'}`,
    })
    .catch((e: unknown) => logger.warn({ err: e }, 'the simulator source could not be registered; connectivity keeps retrying'));

  // Charter reads KPIs and feasibility evidence (states, counts, catalog) through dataops' gRPC API
  // as its own service account, and failures from dataops' labels (ListLabels).
  const charterToken = await serviceToken('svc:charter', 'service');
  const charterDataops = connectDataops({ address: `${host}:${dataopsGrpcPort}`, token: charterToken.current, tls: tls?.grpcClient });
  stops.push(async () => charterDataops.close());
  const charter = createCharterApp({
    store,
    keySet: keys.keySet,
    logger,
    historian: charterDataops.reader,
    catalog: charterDataops.reader,
    config: { grpc: { host, port: basePort + 5 }, http: { host, port: basePort + 6 }, access: { issuer: ISSUER, audience: AUDIENCE }, tls },
  });
  const ch = await charter.start();
  stops.push(() => charter.stop());

  // The demo's use cases are data (usecases/*.json, ADR 0016), loaded through the charter's gRPC API
  // as an engineer would; the same content on a later start records nothing. A first start waits (up
  // to 2 min) for connectivity to have catalogued the simulator's assets and tags.
  const plantAt = sim.assets[0];
  const useCaseFiles = readUseCaseFiles().map((f) => (plantAt === undefined ? f : withPlant(f, plantAt.enterprise, plantAt.site)));
  const setupToken = await devToken(keys.accessDir, 'user:platform-setup', ['engineer'], 3_600);
  const charterClient = createClient(charterV1.CharterServiceClient, `${host}:${ch.grpcPort}`, { token: setupToken, tls: tls?.grpcClient, deadlineMs: 30_000 });
  const catalogDeadline = Date.now() + 120_000; // one budget for all of them, not per file
  for (const f of useCaseFiles) {
    const onWait = () => process.stdout.write(`Waiting for the catalog to list the assets and tags of "${f.serving.name}"…\n`);
    await loadUseCases(charterClient, [f], { waitForCatalogMs: Math.max(0, catalogDeadline - Date.now()), onWait }).then(
      ([u]) => logger.info({ useCase: u!.useCaseId, specVersion: u!.specVersion, changed: u!.changed }, `use case "${u!.name}" served`),
      (e: unknown) => logger.error({ err: e }, `use case "${f.serving.name}" could not be defined; the others are served`),
    );
  }
  charterClient.close();

  // Training: StartTraining on dataops snapshots (same snapshot directory), runs on a worker
  // thread, candidates registered through governance's registry (in process, same store); acts on
  // RetrainingRequested and DatasetSnapshotCreated as integration events from the relay (in-process bus).
  // A retraining's fresh snapshot comes from dataops' gRPC API as training's own service account
  // (role service: dataset.create).
  const trainingDataopsToken = await serviceToken('svc:training', 'service');
  const freshSnapshots = createGrpcFreshSnapshots({ address: `${host}:${dataopsGrpcPort}`, token: trainingDataopsToken.current, tls: tls?.grpcClient });
  stops.push(async () => freshSnapshots.close());
  const training = createTrainingApp({
    store,
    bus,
    keySet: keys.keySet,
    logger,
    freshSnapshots,
    config: {
      grpc: { host, port: basePort + 9 },
      http: { host, port: basePort + 11 },
      access: { issuer: ISSUER, audience: AUDIENCE },
      artifactDir: join(dataDir, 'artifacts'),
      snapshotDir: join(dataDir, 'snapshots'),
      codeVersion: '0.1.0',
      tls,
    },
  });
  const tr = await training.start();
  stops.push(() => training.stop());

  // A model for every demo use case (usecases/*.json), trained from the simulated plant by the
  // training service's recipe on a worker thread with a progress line per use case, cached under
  // <data dir>/models (keyed by the recipe and the use case's spec) and reused on later starts. Each
  // goes to production through governance's gRPC API: registered as a candidate by training's
  // account, requested by an engineer, approved and promoted by a quality lead (four eyes, audited).
  if (env.PLATFORM_DEMO_MODEL !== '0') {
    process.stdout.write('Preparing a model for every use case (the first start trains them, about a minute; later starts reuse them)…\n');
    const door = {
      governance: `${host}:${gov.grpcPort}`,
      tls: tls?.grpcClient,
      tokens: {
        training: await devToken(keys.accessDir, 'svc:training', ['service'], 3_600),
        engineer: await devToken(keys.accessDir, DEMO_ENGINEER, ['engineer'], 3_600),
        qualityLead: await devToken(keys.accessDir, DEMO_QUALITY_LEAD, ['quality_lead'], 3_600),
      },
    };
    await demoModels(
      useCaseFiles.map((f) => ({ useCaseId: f.useCaseId, serving: f.serving })),
      { artifactsDir: join(dataDir, 'models'), door },
    ).then(
      ({ promoted, failed }) => {
        for (const f of failed) logger.error({ useCase: f.useCaseId, reason: f.error }, `no model for "${f.name}": its fixed limits stand in`);
        for (const m of promoted)
          logger.info(
            { useCase: m.useCaseId, modelVersion: m.modelVersionId, version: m.version, cached: m.cached, promoted: m.promoted },
            `model for "${m.name}" in production`,
          );
      },
      (e: unknown) => logger.error({ err: e }, 'the demo models could not be prepared; the use cases are served by their fixed limits'),
    );
  }

  // Inference: live windows from the UNS, prompts for operators, HTTP gateway for the HMI.
  // Its projection resumes from a checkpoint beside the store instead of re-reading it from 1.
  const inferenceCheckpoints = sqliteProjectionCheckpoints(join(dataDir, 'inference.checkpoint.db'));
  stops.push(async () => inferenceCheckpoints.close());
  // Every asset of the catalog (GET /api/v1/assets) and windows rebuilt from the historian at first sight: dataops' gRPC API.
  const inferenceToken = await serviceToken('svc:inference', 'service');
  const inferencePlant = dataopsPlant({ address: `${host}:${dataopsGrpcPort}`, token: inferenceToken.current, tls: tls?.grpcClient });
  stops.push(async () => inferencePlant.close());
  const inference = createInferenceApp({
    store,
    bus,
    keySet: keys.keySet,
    logger,
    checkpoints: inferenceCheckpoints,
    catalog: inferencePlant,
    historian: inferencePlant,
    config: {
      grpc: { host, port: basePort + 8 },
      http: { host, port: basePort + 7 },
      access: { issuer: ISSUER, audience: AUDIENCE },
      replicaId: 'standalone',
      replicas: ['standalone'],
      tls,
    },
  });
  await inference.start();
  stops.push(() => inference.stop());

  // Outbound actions, notifications and SCADA publishing of the prompts (issue 21): nothing outbound
  // until PLATFORM_INTEGRATION_SETUP names a setup file (rules, rosters, connectors; services/integration).
  // Outcomes and SCADA acknowledges go through inference's gateway (plain HTTP only: with TLS they are logged).
  const integrationToken = await serviceToken('svc:integration', 'operator');
  const integration = createIntegrationApp({
    kernel: createKernel({ service: 'integration', store }),
    bus,
    keySet: keys.keySet,
    logger,
    setup: readSetupFile(env.PLATFORM_INTEGRATION_SETUP || null),
    config: { http: { host, port: basePort + 43 }, access: { issuer: ISSUER, audience: AUDIENCE }, syncIntervalMs: 30_000, httpTls: tls?.http ?? null },
    inference: localCa === null ? inferenceGateway({ baseUrl: `http://${host}:${basePort + 7}`, token: integrationToken.current }) : null,
  });
  await integration.start();
  stops.push(() => integration.stop());

  // The operator HMI (SvelteKit, adapter-node): built once, then served beside the services.
  let hmiUrl = 'not started (PLATFORM_HMI=0)';
  if (env.PLATFORM_HMI !== '0') {
    const hmiDir = resolve('web-hmi');
    if (!existsSync(join(hmiDir, 'build/handler.js'))) {
      process.stdout.write('Building the operator HMI once (about a minute)…\n');
      const built = spawnSync(process.execPath, [resolve('node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: hmiDir, stdio: 'inherit' });
      if (built.status !== 0) throw new Error('the HMI build failed (see above); start with PLATFORM_HMI=0 to run without it');
    }
    const hmi = spawn(process.execPath, ['server.js'], {
      cwd: hmiDir,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        HOST: host,
        PORT: String(basePort + 10),
        INFERENCE_URL: `${http}://${host}:${basePort + 7}`,
        // The HMI serves HTTPS with the same certificate and trusts the local CA when it calls the gateway.
        ...(localCa === null
          ? {}
          : { HTTP_TLS_CERT_FILE: localCa.serverCertFile, HTTP_TLS_KEY_FILE: localCa.serverKeyFile, NODE_EXTRA_CA_CERTS: localCa.caFile }),
        ACCESS_KEYS_DIR: keys.accessDir,
        ACCESS_ISSUER: ISSUER,
        ACCESS_AUDIENCE: AUDIENCE,
        // the quality-lead, engineer and auditor screens call these gRPC APIs with the user's token
        HMI_GOVERNANCE_GRPC: `${host}:${basePort + 1}`,
        HMI_CHARTER_GRPC: `${host}:${basePort + 5}`,
        HMI_TRAINING_GRPC: `${host}:${basePort + 9}`,
        HMI_DATAOPS_GRPC: `${host}:${dataopsGrpcPort}`,
        ...(localCa === null ? {} : { HMI_GRPC_CA_FILE: localCa.caFile }),
      },
    });
    stops.push(async () => {
      hmi.kill('SIGTERM');
    });
    hmiUrl = `${http}://${host}:${basePort + 10}`;
  }

  const auditor = await devToken(keys.accessDir, 'first-look-auditor', ['auditor']);
  const engineer = await devToken(keys.accessDir, 'first-look-engineer', ['engineer']);
  const operator = await devToken(keys.accessDir, 'first-look-operator', ['operator']);
  const qualityLead = await devToken(keys.accessDir, 'first-look-quality-lead', ['quality_lead']);
  const lines = [
    '',
    'Industrial AI platform — standalone mode (SQLite event store, in-process bus)',
    `  data directory        ${dataDir}   (chain anchors: anchors.jsonl and ${anchorKv})`,
    localCa === null
      ? '  TLS                   OFF (PLATFORM_TLS=0, development only: every port is plaintext; unset it for TLS with a local CA)'
      : `  TLS                   on: local CA ${localCa.caFile}${localCa.created ? ' (created now)' : ''} — trust it: buf curl --cacert, curl --cacert, NODE_EXTRA_CA_CERTS`,
    `  plant simulator       ${sim.endpointUrl}   (OPC UA, SignAndEncrypt; users and passwords in ${plantUsers.file}; InjectFault as "engineer")`,
    `  governance            grpc ${host}:${gov.grpcPort}   health ${http}://${host}:${gov.httpPort}/healthz   (audit; model registry with four-eyes approvals)`,
    `  charter               grpc ${host}:${ch.grpcPort}   health ${http}://${host}:${ch.httpPort}/healthz`,
    `  connectivity          grpc ${host}:${connectivityGrpcPort}   simulator → unified namespace (in-process bus)`,
    `  dataops               grpc ${host}:${dataopsGrpcPort}   historian at ${join(dataDir, 'historian.db')}`,
    `  training              grpc ${host}:${tr.grpcPort}   health ${http}://${host}:${tr.httpPort}/healthz   (CLI: npm run train; plant → model: npm run pump:from-plant)`,
    `  inference             grpc ${host}:${basePort + 8}   HMI gateway ${http}://${host}:${basePort + 7}/api/v1`,
    `  integration           ${http}://${host}:${basePort + 43}/api/v1/outbound   (work orders, webhooks, e-mail, SCADA: PLATFORM_INTEGRATION_SETUP)`,
    `  operator HMI          ${hmiUrl}   (sign in with the operator token)`,
    '',
    'Tokens for a first look (8 hours; issue more with npm run token -- issue --keys .data/access ...):',
    `  auditor   ${auditor}`,
    `  engineer  ${engineer}`,
    `  operator  ${operator}`,
    `  quality lead (approves and promotes models; not the engineer who asked: four eyes)  ${qualityLead}`,
    '',
    `Inject a fault (engineer token: sim.inject_fault): curl${localCa === null ? '' : ` --cacert ${localCa.caFile}`} -X POST -H "authorization: Bearer <engineer token>" -H "content-type: application/json" \\`,
    `       -d '{"asset":"pump-4","fault":"bearing_wear","developMinutes":20}' ${sim.httpUrl}/faults`,
    localCa === null
      ? `Try: npx buf curl --protocol grpc --http2-prior-knowledge -H "authorization: Bearer <auditor token>" http://${host}:${gov.grpcPort}/industrial.governance.v1.AuditService/VerifyIntegrity`
      : `Try: npx buf curl --protocol grpc --cacert ${localCa.caFile} -H "authorization: Bearer <auditor token>" https://${host}:${gov.grpcPort}/industrial.governance.v1.AuditService/VerifyIntegrity`,
    '     (every gRPC port answers server reflection: add --list-methods to see what it serves)',
    'Ctrl-C stops everything.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping the platform');
  for (const stop of stops.reverse()) await stop().catch((e: unknown) => logger.error({ err: e }, 'stop failed'));
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

main().catch(async (e: unknown) => {
  logger.fatal({ err: e }, 'the platform could not start');
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  process.exit(1);
});
