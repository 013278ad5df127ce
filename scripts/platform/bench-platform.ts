// `npm run bench:platform`: the whole data path in cluster mode on this machine — the plant simulator
// (OPC UA) → connectivity → a 3-node NATS JetStream cluster (R3) → dataops (historian on PostgreSQL)
// and two inference replicas — at several plant sizes (BENCH_PUMPS, pumps beside the
// simulator's 3 mills and 2 packagers, default "40,160"; every tag sampled at BENCH_SAMPLING_MS, default
// 100 = 10 Hz; BENCH_SECONDS of measurement per size, default 30).
// Per size: tags (historian series), values_per_s (sample rows the historian committed per second
// in the window), sample_to_prompt_p99_ms (see below), cpu_cores_used (CPU seconds of every platform
// process and nats-server per wall second), rss_mb_total (their resident memory at the end).
// lost: batches in the UNS stream (acknowledged to connectivity) missing from the historian after
// connectivity stopped and dataops drained, summed over the sizes.
// sample_to_prompt_p99_ms: the cluster deploys no model, so no prompt is raised; the figure is the
// p99 from a batch's storage in JetStream (R3, acknowledged to connectivity; the stored message's
// time) to its commit in the historian — the engines' part of sample → prompt (the simulator stamps
// samples in accelerated plant time, so the OPC UA leg is not measured) — and the README says so.
// The last line is the JSON object.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connectNats } from '@industrial/bus';
import pg from 'pg';
import { startNatsCluster } from './nats-cluster.ts';

const root = resolve(import.meta.dirname, '../..');
const PG_URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const sizes = (process.env.BENCH_PUMPS ?? '40,160').split(',').map(Number);
const samplingMs = process.env.BENCH_SAMPLING_MS ?? '100';
const seconds = Number(process.env.BENCH_SECONDS ?? '30');
const log = (m: string) => process.stderr.write(`bench:platform ${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TICK = 100; // clock ticks per second (Linux USER_HZ)

/** CPU seconds (utime + stime) and RSS (MB) of a process; zeros when it is gone. */
function usage(pid: number): { cpu: number; rssMb: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { cpu: (Number(f[11]) + Number(f[12])) / TICK, rssMb: rssKb / 1024 };
  } catch {
    return { cpu: 0, rssMb: 0 };
  }
}

interface JsReply {
  state: { first_seq: number; last_seq: number };
  message?: { hdrs?: string; time?: string };
}

/** Message id (Nats-Msg-Id) → the time JetStream stored it (ms), for every message of `stream`. */
async function streamTimes(url: string, stream: string): Promise<Map<string, number>> {
  const nc = await connectNats({ servers: url });
  const req = async (subject: string, body: unknown) =>
    JSON.parse(new TextDecoder().decode((await nc.request(subject, JSON.stringify(body), { timeout: 5000 })).data)) as JsReply;
  try {
    const info = await req(`$JS.API.STREAM.INFO.${stream}`, {});
    const times = new Map<string, number>();
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const got = await req(`$JS.API.STREAM.MSG.GET.${stream}`, { seq });
      const id = /Nats-Msg-Id:\s*(\S+)/i.exec(Buffer.from(got.message?.hdrs ?? '', 'base64').toString())?.[1];
      if (id !== undefined) times.set(id, Date.parse(got.message?.time ?? ''));
    }
    return times;
  } finally {
    await nc.close();
  }
}

interface SizeResult {
  tags: number;
  values_per_s: number;
  sample_to_prompt_p99_ms: number;
  cpu_cores_used: number;
  rss_mb_total: number;
}

async function runSize(pumps: number, index: number): Promise<{ result: SizeResult; lost: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-platform-'));
  const port = 57_800 + index * 50;
  const schema = `benchp_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
  const nats = await startNatsCluster(join(dir, 'nats'), port);
  const proc = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts/platform/cluster.ts')], {
    cwd: root,
    env: {
      ...process.env,
      PLATFORM_DATA_DIR: join(dir, 'platform'),
      PLATFORM_BASE_PORT: String(port + 20),
      PLATFORM_TLS: '0',
      PG_URL,
      PG_SCHEMA: schema,
      NATS_URL: nats.url,
      CLUSTER_NATS: 'shared',
      NATS_STREAM_REPLICAS: '3',
      CLUSTER_ONLY: 'relay-a,relay-b,simulator,connectivity,dataops,inference-a,inference-b',
      CLUSTER_KEEP_GOING: '1',
      SIM_PUMPS: String(pumps),
      CLUSTER_SAMPLING_MS: samplingMs,
      METRICS_PORT: 'off',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  for (const s of [proc.stdout, proc.stderr]) s?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-200_000)));
  const db = new pg.Client({ connectionString: PG_URL });
  await db.connect();
  const h = `${schema}_historian`;
  const q = async (sql: string) => (await db.query(sql)).rows[0] as Record<string, string>;
  try {
    for (let t = Date.now(); ; await sleep(1000)) {
      const n = await q(`SELECT count(*) AS n FROM ${h}.ingested_batches`).catch(() => ({ n: '0' }));
      if (Number(n.n) > 10) break;
      if (proc.exitCode !== null || Date.now() - t > 300_000) throw new Error(`the cluster did not ingest (pumps ${pumps}):\n${out.slice(-3000)}`);
    }
    await sleep(5000); // past start-up
    const pids = [...out.matchAll(/│ started \(pid (\d+)\)/g)].map((m) => Number(m[1])).concat(nats.nodes.map((n) => n.pid ?? 0));
    const cpu0 = pids.reduce((a, p) => a + usage(p).cpu, 0);
    const t0 = Date.now();
    const from = new Date(t0).toISOString();
    await sleep(seconds * 1000);
    const t1 = Date.now();
    const to = new Date(t1).toISOString();
    const cpu1 = pids.reduce((a, p) => a + usage(p).cpu, 0);
    const rss = pids.reduce((a, p) => a + usage(p).rssMb, 0);
    const window = await q(
      `SELECT coalesce(sum(samples), 0) AS values, count(*) AS batches FROM ${h}.ingested_batches WHERE ingested_at >= '${from}' AND ingested_at < '${to}'`,
    );
    const tags = await q(`SELECT count(*) AS n FROM ${h}.series`);
    // Lost: stop the source, let dataops drain, compare the stream with the historian.
    const connectivityPid = Number(/connectivity\s+│ started \(pid (\d+)\)/.exec(out)?.[1]);
    process.kill(connectivityPid, 'SIGTERM');
    for (let t = Date.now(); !/connectivity\s+│ exited/.test(out) && Date.now() - t < 60_000;) await sleep(500);
    const stored = await streamTimes(nats.url, 'UNS');
    let lost = stored.size;
    let committed: { id: string; at: Date }[] = [];
    for (let t = Date.now(); Date.now() - t < 120_000; await sleep(2000)) {
      committed = (await db.query(`SELECT batch_id::text AS id, ingested_at AS at FROM ${h}.ingested_batches`)).rows as { id: string; at: Date }[];
      const have = new Set(committed.map((r) => r.id));
      lost = [...stored.keys()].filter((id) => !have.has(id)).length;
      if (lost === 0) break;
    }
    // Stored in JetStream (R3, acknowledged) → committed in the historian, for the batches of the window.
    const latencies = committed
      .filter((r) => r.at.getTime() >= t0 && r.at.getTime() < t1 && stored.has(r.id))
      .map((r) => r.at.getTime() - (stored.get(r.id) ?? 0))
      .sort((x, y) => x - y);
    const p99 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? Number.NaN;
    const result: SizeResult = {
      tags: Number(tags.n),
      values_per_s: Math.round(Number(window.values) / ((t1 - t0) / 1000)),
      sample_to_prompt_p99_ms: Math.round(p99),
      cpu_cores_used: Math.round(((cpu1 - cpu0) / ((t1 - t0) / 1000)) * 100) / 100,
      rss_mb_total: Math.round(rss),
    };
    log(`pumps ${pumps}: ${JSON.stringify(result)} lost ${lost} of ${stored.size} batches`);
    return { result, lost };
  } finally {
    await db.end();
    proc.kill('SIGTERM');
    await new Promise((r) => (proc.exitCode !== null ? r(null) : proc.once('exit', r)));
    nats.stop();
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.query(`DROP SCHEMA IF EXISTS ${h} CASCADE`);
    await c.query('DELETE FROM public.relay_checkpoints WHERE name = $1', [schema]).catch(() => undefined);
    await c.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

const results: SizeResult[] = [];
let lost = 0;
for (const [i, pumps] of sizes.entries()) {
  const r = await runSize(pumps, i);
  results.push(r.result);
  lost += r.lost;
}
process.stdout.write(`${JSON.stringify({ bench: 'platform', sizes: results, lost })}\n`);
