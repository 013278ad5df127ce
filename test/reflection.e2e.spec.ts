// Engineers' tools on every gRPC API, in both ways to run (`npm start` and `npm run cluster`):
// `buf curl --reflect`, with no .proto file on the caller's side, lists what each port serves,
// gets SERVING from grpc.health.v1 for each service, and calls one real method of every service
// (charter, connectivity, dataops, governance's two, inference, training) with a bearer token.
// An answer of the method itself, an error such as NOT_FOUND included, shows reflection resolved it.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { bufCurl } from '../packages/grpc/test/buf-curl.ts';

const root = resolve(import.meta.dirname, '..');
const PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SIMULATOR_SOURCE = '00000000-0000-4000-8000-00000000a001';
const NO_SUCH_USE_CASE = '0190a0b0-0000-7000-8000-00000000dead';

/** One real call per service: port offset from PLATFORM_BASE_PORT (the same in both modes), and what must come back. */
const CALLS = [
  { offset: 1, method: 'industrial.governance.v1.AuditService/VerifyIntegrity', body: {}, answer: { ok: true } },
  { offset: 1, method: 'industrial.governance.v1.ModelRegistryService/ListModelVersions', body: { use_case_id: NO_SUCH_USE_CASE }, answer: {} },
  { offset: 3, method: 'industrial.dataops.v1.DataOpsService/SearchCatalog', body: { text: 'no-such-tag', limit: 1 }, answer: {} },
  {
    offset: 4,
    method: 'industrial.connectivity.v1.ConnectivityService/GetSourceHealth',
    body: { source_id: SIMULATOR_SOURCE },
    answer: { sourceId: SIMULATOR_SOURCE },
  },
  { offset: 5, method: 'industrial.charter.v1.CharterService/GetUseCase', body: { use_case_id: NO_SUCH_USE_CASE }, error: 'not_found' },
  { offset: 8, method: 'industrial.inference.v1.InferenceService/ListRecommendations', body: { max_count: 1 }, answer: {} },
  { offset: 9, method: 'industrial.training.v1.TrainingService/ListRuns', body: { page_size: 1 }, answer: {} },
] as const;

function launch(script: string, env: Record<string, string>): { proc: ChildProcess; out: () => string } {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(root, script)], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  for (const s of [proc.stdout, proc.stderr]) s?.on('data', (d: Buffer) => void (text += d.toString()));
  return { proc, out: () => text };
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode === null) proc.kill('SIGTERM');
  await new Promise((r) => (proc.exitCode !== null ? r(null) : proc.once('exit', r)));
}

/** Waits until every service answers SERVING to a health check made by reflection. */
async function untilServing(base: number, proc: ChildProcess, out: () => string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  const pending = new Map(CALLS.map((c) => [`${c.offset} ${c.method.split('/')[0]}`, c]));
  while (pending.size > 0) {
    if (proc.exitCode !== null) throw new Error(`the platform exited (${proc.exitCode}); output:\n${out().slice(-3000)}`);
    if (Date.now() > end) throw new Error(`not SERVING by reflection: ${[...pending.keys()].join(', ')}; output:\n${out().slice(-3000)}`);
    for (const [key, c] of pending) {
      const r = await bufCurl([
        '--timeout',
        '2s',
        '-d',
        JSON.stringify({ service: c.method.split('/')[0] }),
        `http://127.0.0.1:${base + c.offset}/grpc.health.v1.Health/Check`,
      ]);
      if (r.code === 0 && r.out.includes('"SERVING"')) pending.delete(key);
    }
    if (pending.size > 0) await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * The first group of `pattern` in the launcher's output, waited for: the banner with the tokens may come
 * after the services answer SERVING (npm start prints it once every service has started).
 */
async function untilPrinted(pattern: RegExp, proc: ChildProcess, out: () => string, ms: number): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const found = pattern.exec(out())?.[1];
    if (found !== undefined) return found;
    if (proc.exitCode !== null) throw new Error(`the platform exited (${proc.exitCode}) before printing ${pattern}; output:\n${out().slice(-3000)}`);
    if (Date.now() > end) throw new Error(`${pattern} not printed; output:\n${out().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Lists each port's services and calls every method of CALLS with the token, by reflection only. */
async function expectEveryApiByReflection(base: number, token: string): Promise<void> {
  for (const offset of new Set(CALLS.map((c) => c.offset))) {
    const listed = await bufCurl(['--list-services', `http://127.0.0.1:${base + offset}`]);
    expect(listed.err, `list services on port ${base + offset}`).toBe('');
    const services = CALLS.filter((c) => c.offset === offset).map((c) => c.method.split('/')[0]);
    expect(listed.out.trim().split('\n').sort()).toEqual(['grpc.health.v1.Health', ...services].sort());
  }
  for (const c of CALLS) {
    const r = await bufCurl(['-H', `authorization: Bearer ${token}`, '-d', JSON.stringify(c.body), `http://127.0.0.1:${base + c.offset}/${c.method}`]);
    if ('error' in c) {
      expect(r.code, `${c.method}: ${r.err}`).not.toBe(0);
      expect(JSON.parse(r.err), c.method).toMatchObject({ code: c.error });
    } else {
      expect(r.err, c.method).toBe('');
      expect(JSON.parse(r.out), c.method).toMatchObject(c.answer);
    }
  }
}

// Below Linux's ephemeral range (32768–60999), where other tests' port-0 listeners land.
const port = (): number => 20_000 + Math.floor(Math.random() * 12_000);

const canListen = (p: number): Promise<boolean> =>
  new Promise((done) => {
    const srv = createServer();
    srv.once('error', () => done(false));
    srv.listen(p, '127.0.0.1', () => srv.close(() => done(true)));
  });

/**
 * A base port with base to base+120 free now (the platform's ports lie in that range): other tests
 * start platforms on random ports too, and a port one of them holds stops this platform (a taken
 * gRPC port stops its service; a taken NATS port, base+50, is refused by startNatsServer).
 */
async function freeBase(): Promise<number> {
  for (;;) {
    const candidate = port();
    let free = true;
    for (let p = candidate; p <= candidate + 120 && free; p++) free = await canListen(p);
    if (free) return candidate;
  }
}

describe('npm start: every gRPC API by reflection', () => {
  it('lists, health-checks and calls one method of every service with buf curl --reflect', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'reflection-standalone-'));
    const base = await freeBase();
    const { proc, out } = launch('scripts/platform/standalone.ts', {
      PLATFORM_DATA_DIR: dataDir,
      PLATFORM_TLS: '0', // plaintext on loopback (development flag): these tests call http:// (the TLS default: test/redteam.e2e.spec.ts)
      PLATFORM_BASE_PORT: String(base),
      NATS_URL: 'nats://127.0.0.1:1',
      LOG_LEVEL: 'warn',
      PLATFORM_HMI: '0',
      PLATFORM_DEMO_MODEL: '0',
    });
    try {
      await untilServing(base, proc, out, 120_000);
      const token = await untilPrinted(/auditor\s+(ey\S+)/, proc, out, 60_000);
      expect(token).not.toBe('');
      await expectEveryApiByReflection(base, token);
    } finally {
      await stop(proc);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('npm run cluster: every gRPC API by reflection', () => {
  it('lists, health-checks and calls one method of every service with buf curl --reflect', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'reflection-cluster-'));
    const schema = `refl_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
    const base = await freeBase();
    const { proc, out } = launch('scripts/platform/cluster.ts', {
      PLATFORM_DATA_DIR: dataDir,
      PLATFORM_TLS: '0', // plaintext on loopback (development flag): these tests call http:// (the TLS default: test/redteam.e2e.spec.ts)
      PLATFORM_BASE_PORT: String(base),
      PG_URL,
      PG_SCHEMA: schema,
      LOG_LEVEL: 'warn',
    });
    try {
      await untilServing(base, proc, out, 150_000);
      const token = await untilPrinted(/auditor token\s+(ey\S+)/, proc, out, 60_000);
      expect(token).not.toBe('');
      await expectEveryApiByReflection(base, token);
    } finally {
      await stop(proc);
      rmSync(dataDir, { recursive: true, force: true });
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.query(`DROP SCHEMA IF EXISTS ${schema}_historian CASCADE`);
      await c.query('DELETE FROM public.relay_checkpoints WHERE name = $1', [schema]).catch(() => undefined);
      await c.end();
    }
  });
});
