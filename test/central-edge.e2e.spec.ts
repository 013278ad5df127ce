// `npm run central` + `npm run edge` end to end (issue #21): both launchers started as child
// processes (scripts/platform/central.ts, edge.ts, as `npm run` starts them, without the npm and tsx
// wrappers) on this test's own ports, data directory, PostgreSQL schemas and site name, each with
// its own nats-server (the hub, and the site's leaf joined to it over TLS). Checked, along the path
// the README's by-hand trial took: every service of both says ready; the site's tag mappings go up
// and the centre's charter defines the demo use cases on them (the centre says so); the use cases
// come down and the site's inference lists its assets under them; the site's UNS data is in the
// centre's historian; a model artifact put into training's artifact directory at the centre is
// mirrored into the hub's object store and read at the site, across the leaf link, as the site's
// inference (its own nkey and permissions) reads its models; a pump model (the training service's
// recipe and registration data, its artifacts put into training's directory at the centre) registered, approved and
// promoted through governance's API at the centre is served by the site's inference, taken from the
// object store and cached. Then both stop on SIGTERM: exit code 0 and no process of theirs left
// (nats-servers included).
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connectNats, natsEnvConfig } from '@industrial/bus';
import { createClient, governanceRegistryV1 as registry, unaryCall } from '@industrial/grpc';
import { detectCodeVersion, prepareDemoModels, pumpBundleFiles, registrationFor } from '@industrial/training';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { natsModelObjects } from '../services/inference/src/adapters/models/nats-objects.ts';
import { devToken } from '../scripts/platform/dev-keys.ts';
import { readUseCaseFile } from '../scripts/platform/usecases.ts';

const root = resolve(import.meta.dirname, '..');
const PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
// This test's ports (17000–17499): the centre's from 17000, the site's from 17200. Below Linux's ephemeral
// range (32768–60999), where other tests' port-0 listeners and outgoing connections land (a launcher failed
// to bind there once, test/platform.e2e.spec.ts), and below the 20000–32000 the platform and reflection
// tests pick from at random.
const CENTRAL_BASE = 17_000;
const EDGE_BASE = 17_200;
const tag = randomBytes(3).toString('hex');
const SITE = `e2e${tag}`;
const CENTRAL_SCHEMA = `central_e2e_${tag}`;
const SCHEMAS = [CENTRAL_SCHEMA, `${CENTRAL_SCHEMA}_historian`, `${CENTRAL_SCHEMA}_edge`, `edge_${SITE}`];
const dataDir = mkdtempSync(join(tmpdir(), 'central-edge-'));

interface Launched {
  proc: ChildProcess;
  out: () => string;
}

function launch(script: string, env: Record<string, string>): Launched {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(root, script)], {
    cwd: root,
    env: { ...process.env, PLATFORM_DATA_DIR: dataDir, PG_URL, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  for (const s of [proc.stdout, proc.stderr]) s?.on('data', (d: Buffer) => (text += d.toString()));
  return { proc, out: () => text };
}

async function until(cond: () => boolean | Promise<boolean>, what: string, who: Launched[], ms: number): Promise<void> {
  const t = Date.now();
  const tail = () => who.map((l) => l.out().slice(-4000)).join('\n──────\n');
  while (!(await cond())) {
    const dead = who.find((l) => l.proc.exitCode !== null);
    if (dead !== undefined) throw new Error(`a launcher exited (${dead.proc.exitCode}) before ${what}; output:\n${tail()}`);
    if (Date.now() - t > ms) throw new Error(`timed out (${ms / 1000} s) waiting for ${what}; output:\n${tail()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const exited = (proc: ChildProcess): Promise<number | null> =>
  new Promise((r) => (proc.exitCode !== null || proc.signalCode !== null ? r(proc.exitCode) : proc.once('exit', (code) => r(code))));

/** Processes of this run still alive: their environment or command line names its data directory. */
function leftOver(): { pid: number; cmd: string }[] {
  const found: { pid: number; cmd: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const env = readFileSync(`/proc/${name}/environ`, 'utf8');
      const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${name}/status`, 'utf8'))?.[1];
      if (state !== 'Z' && (cmd.includes(dataDir) || env.includes(`PLATFORM_DATA_DIR=${dataDir}\0`))) found.push({ pid: Number(name), cmd });
    } catch {
      // gone meanwhile, or not ours
    }
  }
  return found;
}

/** GET over HTTPS, trusting the deployment's local CA. */
function getJson(url: string, token: string): Promise<{ status: number; body: unknown }> {
  const ca = readFileSync(join(dataDir, 'tls', 'ca.crt'));
  return new Promise((ok, fail) => {
    const req = request(url, { ca, headers: { authorization: `Bearer ${token}` }, timeout: 30_000 }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body: text === '' ? null : JSON.parse(text) }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', fail);
    req.end();
  });
}

const launched: Launched[] = [];

afterAll(async () => {
  for (const l of launched) if (l.proc.exitCode === null) l.proc.kill('SIGTERM');
  await Promise.all(launched.map((l) => Promise.race([exited(l.proc), new Promise((r) => setTimeout(r, 60_000))])));
  for (const p of leftOver()) process.kill(p.pid, 'SIGKILL');
  const db = new pg.Client({ connectionString: PG_URL });
  await db.connect();
  for (const s of SCHEMAS) await db.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`).catch(() => undefined);
  await db.end();
  rmSync(dataDir, { recursive: true, force: true });
}, 180_000);

describe('npm run central and npm run edge', () => {
  it('start on their own nats-servers, the site’s data goes up, use cases and models come down, and both stop cleanly', async () => {
    const t0 = Date.now();
    const took: Record<string, number> = {};
    const mark = (what: string) => (took[what] = Math.round((Date.now() - t0) / 100) / 10);
    const central = launch('scripts/platform/central.ts', { PLATFORM_BASE_PORT: String(CENTRAL_BASE), PG_SCHEMA: CENTRAL_SCHEMA, EDGE_SITES: SITE });
    launched.push(central);
    await until(() => central.out().includes('Now start a site'), 'the centre to start', [central], 180_000);
    mark('centre_started_s');
    const edge = launch('scripts/platform/edge.ts', { PLATFORM_BASE_PORT: String(EDGE_BASE), EDGE_SITE: SITE });
    launched.push(edge);
    const both = [central, edge];
    await until(() => edge.out().includes('The site keeps scoring'), 'the site to start', both, 180_000);
    // Every service of both says ready (runService's "<name> ready" line, prefixed by the launcher).
    for (const [l, names] of [
      [central, ['governance', 'dataops', 'charter', 'training', 'integration']],
      [edge, ['simulator', 'connectivity', 'inference', 'integration']],
    ] as const)
      for (const n of names) await until(() => new RegExp(`^${n}\\s+│ ${n} ready`, 'm').test(l.out()), `${n} to be ready`, both, 300_000);
    mark('all_ready_s');

    // The site's tag mappings reached the centre: its charter defined the use cases on the catalogued assets.
    await until(() => / │ "[^"]+" defined \(spec version \d+\); the sites receive it/.test(central.out()), 'a use case defined at the centre', both, 600_000);
    mark('use_case_defined_s');
    // …and they came down: the site's inference lists its assets under them.
    const operator = /operator token\s+(ey\S+)/.exec(edge.out())?.[1] ?? '';
    expect(operator).toMatch(/^ey/);
    const gateway = `https://127.0.0.1:${EDGE_BASE + 108}/api/v1/assets`;
    let assets: { assetPath: string; useCases: unknown[] }[] = [];
    await until(
      async () => {
        const r = await getJson(gateway, operator).catch(() => null);
        assets = r?.status === 200 ? (r.body as { assets: typeof assets }).assets : [];
        return assets.some((a) => a.useCases.length > 0);
      },
      'the site’s inference to list assets under the centre’s use cases',
      both,
      300_000,
    );
    expect(assets.filter((a) => a.useCases.length > 0).length).toBeGreaterThan(0);
    mark('use_cases_at_site_s');

    // The site's plant data is in the centre's historian (through the link, dataops' own UNS ingest).
    const db = new pg.Client({ connectionString: PG_URL });
    await db.connect();
    try {
      let batches = 0;
      await until(
        async () => {
          const r = await db.query<{ n: string }>(`SELECT count(*) AS n FROM "${CENTRAL_SCHEMA}_historian".ingested_batches`).catch(() => null);
          batches = Number(r?.rows[0]?.n ?? 0);
          return batches > 0;
        },
        'the site’s UNS batches in the centre’s historian',
        both,
        300_000,
      );
      expect(batches).toBeGreaterThan(0);
      mark('site_data_in_historian_s');
    } finally {
      await db.end();
    }

    // A model artifact of training at the centre (content-addressed) is mirrored into the hub's
    // object store and read at the site across the link, as the site's inference reads it.
    const artifact = new TextEncoder().encode(`onnx-bytes-${tag}-${Date.now()}`);
    const hash = createHash('sha256').update(artifact).digest('hex');
    mkdirSync(join(dataDir, 'artifacts', 'sha256'), { recursive: true });
    writeFileSync(join(dataDir, 'artifacts', 'sha256', hash), artifact);
    await until(() => central.out().includes(`sha256/${hash} (${artifact.byteLength} bytes) put into the hub's models bucket`), 'the mirror', both, 120_000);
    const site = join(dataDir, `edge-${SITE}`, 'nats');
    const env = natsEnvConfig({
      NATS_NKEY_SEED_FILE: join(site, 'inference.nk'),
      NATS_INBOX_PREFIX: '_INBOX_inference',
      NATS_TLS_CA_FILE: join(dataDir, 'tls', 'ca.crt'),
    });
    if (!env.ok) throw new Error(env.message);
    const nc = await connectNats({ servers: `127.0.0.1:${EDGE_BASE + 50}`, name: 'central-edge-e2e', ...env.nats });
    try {
      const objects = natsModelObjects(nc, { bucket: 'models', domain: 'hub' });
      const read = await objects.get(`sha256/${hash}`);
      expect(read === null ? null : Buffer.from(read).equals(Buffer.from(artifact))).toBe(true);
      expect(await objects.get(`sha256/${'0'.repeat(64)}`)).toBeNull();
      // …and nothing else of the hub's JetStream: another stream, a change to the bucket, the stream list are refused.
      for (const subject of ['STREAM.INFO.EVENTS', 'CONSUMER.CREATE.EVENTS.x', 'STREAM.NAMES', 'STREAM.PURGE.OBJ_models', 'STREAM.DELETE.EVENTS'])
        await expect(nc.request(`$JS.hub.API.${subject}`, '{}', { timeout: 30_000 }), subject).rejects.toThrow(/permissions violation/i);
    } finally {
      await nc.close();
    }
    // The centre's mirror user (nkey models) has its bucket's stream, not the rest of the hub's JetStream.
    const hubEnv = natsEnvConfig({
      NATS_NKEY_SEED_FILE: join(dataDir, 'hub', 'models.nk'),
      NATS_INBOX_PREFIX: '_INBOX_models',
      NATS_TLS_CA_FILE: join(dataDir, 'tls', 'ca.crt'),
    });
    if (!hubEnv.ok) throw new Error(hubEnv.message);
    const mirrorNc = await connectNats({ servers: `127.0.0.1:${CENTRAL_BASE + 50}`, name: 'central-edge-e2e-models', ...hubEnv.nats });
    try {
      expect(JSON.parse(new TextDecoder().decode((await mirrorNc.request('$JS.API.STREAM.INFO.OBJ_models', '{}', { timeout: 30_000 })).data))).toMatchObject({
        config: { name: 'OBJ_models' },
      });
      for (const subject of ['STREAM.INFO.EVENTS', 'STREAM.DELETE.EVENTS', 'STREAM.DELETE.OBJ_models'])
        await expect(mirrorNc.request(`$JS.API.${subject}`, '{}', { timeout: 30_000 }), subject).rejects.toThrow(/permissions violation/i);
    } finally {
      await mirrorNc.close();
    }

    mark('model_read_at_site_s');

    // A model trained for the pump use case (training's use-case recipe), its artifacts in training's
    // directory at the centre, registered (training's registrationFor) and promoted through governance's API (training registers,
    // an engineer asks, a quality lead approves and promotes): the site's inference serves it, taken
    // from the object store (the registered URIs name files the site does not read).
    await until(() => central.out().includes('"Pump bearing failure" defined'), 'the pump use case at the centre', both, 600_000);
    // the pump use case's model by training's recipe (as a launcher's first start trains it), cached between runs
    const pump = readUseCaseFile('pump-bearing');
    const [prepared] = await prepareDemoModels({
      useCases: [{ useCaseId: pump.useCaseId, serving: pump.serving }],
      artifactsDir: join(tmpdir(), 'central-edge-e2e-models'),
    });
    if (prepared === undefined) throw new Error('the recipe trains no model for the pump use case');
    // its bundle's files into training's content-addressed directory at the centre (mirrored to the hub's object store)
    const files = pumpBundleFiles(prepared.dir, prepared.bundle);
    for (const path of [files.onnx, files.model, files.reference, files.card, files.cardJson]) {
      const bytes = readFileSync(path);
      writeFileSync(join(dataDir, 'artifacts', 'sha256', createHash('sha256').update(bytes).digest('hex')), bytes);
    }
    const useCaseId = pump.useCaseId;
    // what training registers for it (its own registration data), sidecars by their hashes
    const registration = registrationFor(prepared, detectCodeVersion()) as {
      artifactHash: string;
      explainer: { sha256: string };
      reference: { sha256: string };
    };
    const tls = { caFile: join(dataDir, 'tls', 'ca.crt') };
    const governance = `127.0.0.1:${CENTRAL_BASE + 1}`;
    const accessDir = join(dataDir, 'access');
    const client = async (token: string) => createClient(registry.ModelRegistryServiceClient, governance, { token, tls, deadlineMs: 60_000 });
    const trainingClient = await client(readFileSync(join(dataDir, 'training-governance.jwt'), 'utf8').trim());
    const engineer = await client(/engineer token\s+(ey\S+)/.exec(central.out())?.[1] ?? '');
    const lead = await client(await devToken(accessDir, 'central-edge-quality-lead', ['quality_lead'], 3_600));
    let modelVersionId = '';
    try {
      const registered = await unaryCall(trainingClient, trainingClient.registerModelVersion, {
        registrationJson: JSON.stringify(registration),
      });
      modelVersionId = (JSON.parse(registered.version!.registrationJson) as { modelVersionId: string }).modelVersionId;
      const production = registry.ModelStage.MODEL_STAGE_PRODUCTION;
      const asked = await unaryCall(
        engineer,
        engineer.requestApproval,
        registry.RequestApprovalRequest.fromPartial({
          useCaseId,
          modelVersionId,
          targetStage: production,
          justification: 'central ↔ edge test: the pump recipe on the simulated plant',
        }),
      );
      const requestId = asked.request!.requestId;
      await unaryCall(lead, lead.approve, registry.ApproveRequest.fromPartial({ useCaseId, requestId, comment: 'central ↔ edge test' }));
      await unaryCall(lead, lead.promote, registry.PromoteRequest.fromPartial({ useCaseId, requestId }));
    } finally {
      for (const c of [trainingClient, engineer, lead]) c.close();
    }
    const siteLine = (text: string) =>
      edge
        .out()
        .split('\n')
        .find((l) => l.includes(modelVersionId) && l.includes(text));
    await until(
      () => siteLine('model refused') !== undefined || siteLine('model serving') !== undefined,
      'the site’s inference to serve the promoted model',
      both,
      300_000,
    );
    expect(siteLine('model refused')).toBeUndefined();
    expect(siteLine('ONNX model taken from the object store and cached')).toBeDefined();
    expect(siteLine('model serving')).toBeDefined();
    expect(readdirSync(join(dataDir, `edge-${SITE}`, 'models', 'sha256')).sort()).toEqual(
      [registration.artifactHash, registration.explainer.sha256, registration.reference.sha256].sort(),
    );
    mark('model_served_at_site_s');
    // The check for left-over processes sees every process the launchers started, and both nats-servers.
    const running = leftOver();
    const started = [...`${central.out()}${edge.out()}`.matchAll(/│ started \(pid (\d+)\)/g)].map((m) => Number(m[1]));
    expect(started.length).toBeGreaterThanOrEqual(10);
    for (const pid of [...started, central.proc.pid, edge.proc.pid]) expect(running.map((p) => p.pid)).toContain(pid);
    expect(running.filter((p) => p.cmd.includes('nats-server'))).toHaveLength(2);
    // Both stop on SIGTERM: exit code 0 (every process stopped, none killed), nothing of theirs left.
    edge.proc.kill('SIGTERM');
    expect(await exited(edge.proc)).toBe(0);
    central.proc.kill('SIGTERM');
    expect(await exited(central.proc)).toBe(0);
    const t = Date.now();
    while (leftOver().length > 0 && Date.now() - t < 30_000) await new Promise((r) => setTimeout(r, 500));
    expect(leftOver()).toEqual([]);
    expect(edge.out()).not.toMatch(/stopped uncleanly|not stopped \d+ s after SIGTERM/);
    expect(central.out()).not.toMatch(/stopped uncleanly|not stopped \d+ s after SIGTERM/);
    mark('stopped_s');
    process.stdout.write(`${JSON.stringify({ test: 'central-edge', ...took, load: loadavg()[0] })}\n`);
  }, 1_500_000);
});
