// `npm run bench:platform`: the whole data path in cluster mode on this machine — the plant simulator
// (OPC UA) → connectivity → a 3-node NATS JetStream cluster (R3) → dataops (historian on PostgreSQL)
// and two inference replicas serving the pump bearing use case (usecases/pump-bearing.json, defined
// through the charter; no model is deployed, so its declared limits score and prompt) — at several
// plant sizes (BENCH_PUMPS, pumps beside the simulator's 3 mills and 2 packagers, default "40,160";
// every tag sampled at BENCH_SAMPLING_MS, default 100 = 10 Hz; BENCH_SECONDS of measurement per size,
// default 30). A bearing fault is injected on BENCH_FAULTS pumps (default 4) per size.
// BENCH_INFERENCE_REPLICAS=1: inference-a alone instead of two replicas (how it grows with replicas).
// dataops runs DATAOPS_CONSUMERS concurrent UNS handlers, 64 here unless set: with the service's
// default 8 the historian's group commits carried too few batches and it committed about 2,000
// values/s on this machine however much connectivity stored (README, Status of #19).
// Per size: tags (historian series), values_per_s (sample rows the historian committed per second
// in the window), sample_to_prompt_p99_ms (see below), cpu_cores_used (CPU seconds of every platform
// process and nats-server per wall second), rss_mb_total (their resident memory at the end).
// lost: batches in the UNS stream (acknowledged to connectivity) missing from the historian after
// connectivity stopped and dataops drained, summed over the sizes.
// sample_to_prompt_p99_ms: for every prompt (RecommendationRaised, first raise or update), from the
// storage in JetStream (R3, acknowledged to connectivity; the stored message's time) of the first
// batch of its asset carrying the sample that closes the prompt's feature window, to the prompt's
// recording in the event store. The OPC UA leg (plant → connectivity) is not in it: the simulator
// stamps samples in accelerated plant time. Printed on stderr per size, not in the JSON: prompts (how
// many the figure is over) and historian_p99_ms (stored in JetStream → committed in the historian).
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
const faults = Number(process.env.BENCH_FAULTS ?? '4');
const inference = process.env.BENCH_INFERENCE_REPLICAS === '1' ? 'inference-a' : 'inference-a,inference-b';
const PUMP_BEARING = '0193a1b2-7c00-7a10-8b00-0000000000b1'; // usecases/pump-bearing.json
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
  message?: { hdrs?: string; time?: string; data?: string };
}

/** A UNS batch as stored: when JetStream stored it, its asset and its newest sample (plant time). */
interface Stored {
  at: number;
  asset: string;
  newestSampleMs: number;
  samples: number;
}

/** Message id (Nats-Msg-Id) → the stored batch, for every message of `stream`. */
async function streamTimes(url: string, stream: string): Promise<Map<string, Stored>> {
  const nc = await connectNats({ servers: url });
  const req = async (subject: string, body: unknown) =>
    JSON.parse(new TextDecoder().decode((await nc.request(subject, JSON.stringify(body), { timeout: 5000 })).data)) as JsReply;
  try {
    const info = await req(`$JS.API.STREAM.INFO.${stream}`, {});
    const times = new Map<string, Stored>();
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const got = await req(`$JS.API.STREAM.MSG.GET.${stream}`, { seq });
      const id = /Nats-Msg-Id:\s*(\S+)/i.exec(Buffer.from(got.message?.hdrs ?? '', 'base64').toString())?.[1];
      if (id === undefined) continue;
      let asset = '';
      let newestSampleMs = Number.NaN;
      let samples = 0;
      try {
        const batch = JSON.parse(Buffer.from(got.message?.data ?? '', 'base64').toString()) as { assetPath: string; samples: { sourceTimestamp: string }[] };
        asset = batch.assetPath;
        newestSampleMs = Math.max(...batch.samples.map((x) => Date.parse(x.sourceTimestamp)));
        samples = batch.samples.length;
      } catch {
        // not a JSON batch: counted for loss, not for latency
      }
      times.set(id, { at: Date.parse(got.message?.time ?? ''), asset, newestSampleMs, samples });
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
  const port = 56_600 + (index % 2) * 200; // H19 ports (56000-56999): NATS port…+12, the cluster +20…+180
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
      CLUSTER_ONLY: `relay-a,relay-b,simulator,connectivity,dataops,charter,${inference}`,
      CLUSTER_USECASES: 'pump-bearing',
      CLUSTER_KEEP_GOING: '1',
      DATAOPS_CONSUMERS: process.env.DATAOPS_CONSUMERS ?? '64',
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
    // The use case served, a bearing fault on `faults` pumps (they develop over 5 plant minutes).
    for (let t = Date.now(); !/use cases\s+│ "Pump bearing failure" served/.test(out); await sleep(1000))
      if (proc.exitCode !== null || Date.now() - t > 300_000) throw new Error(`the use case was not served (pumps ${pumps}):\n${out.slice(-3000)}`);
    const engineer = /engineer token\s+(\S+)/.exec(out)?.[1];
    const faulted = Array.from({ length: Math.min(faults, pumps) }, (_, i) => `pump-${1 + Math.floor((i * pumps) / Math.min(faults, pumps))}`);
    for (const asset of faulted) {
      const r = await fetch(`http://127.0.0.1:${port + 20 + 41}/faults`, {
        method: 'POST',
        headers: { authorization: `Bearer ${engineer}`, 'content-type': 'application/json' },
        body: JSON.stringify({ asset, fault: 'bearing_wear', startInMinutes: 0, developMinutes: 5, severity: 1 }),
      });
      if (r.status >= 300) throw new Error(`fault on ${asset} refused: ${r.status} ${await r.text()}`);
    }
    await sleep(5000); // past start-up
    const named = [...out.matchAll(/(\S+)\s+│ started \(pid (\d+)\)/g)]
      .map((m) => [m[1]!, Number(m[2])] as const)
      .concat(nats.nodes.map((n, i) => [`nats-${i + 1}`, n.pid ?? 0] as const));
    const pids = named.map(([, p]) => p);
    const each0 = named.map(([, p]) => usage(p).cpu);
    const cpu0 = pids.reduce((a, p) => a + usage(p).cpu, 0);
    const t0 = Date.now();
    const from = new Date(t0).toISOString();
    await sleep(seconds * 1000);
    const t1 = Date.now();
    const to = new Date(t1).toISOString();
    const cpu1 = pids.reduce((a, p) => a + usage(p).cpu, 0);
    const each = named.map(([name, p], i) => `${name} ${((usage(p).cpu - each0[i]!) / ((Date.now() - t0) / 1000)).toFixed(2)}`).join(', ');
    const rss = pids.reduce((a, p) => a + usage(p).rssMb, 0);
    const window = await q(
      `SELECT coalesce(sum(samples), 0) AS values, count(*) AS batches FROM ${h}.ingested_batches WHERE ingested_at >= '${from}' AND ingested_at < '${to}'`,
    );
    const tags = await q(`SELECT count(*) AS n FROM ${h}.series`);
    // Every faulted pump prompted (the rule window is 30 plant minutes: 3 minutes here at 10x).
    const promptsOf = async () =>
      (
        await db.query(
          `SELECT data::jsonb->>'assetPath' AS asset, (data::jsonb->'featureWindow'->>'to') AS "to", metadata::jsonb->>'recordedAt' AS at
             FROM ${schema}.events WHERE type = 'RecommendationRaised' AND data::jsonb->>'useCaseId' = $1 AND data::jsonb->>'mode' = 'production'`,
          [PUMP_BEARING],
        )
      ).rows as { asset: string; to: string; at: string }[];
    for (let t = Date.now(); new Set((await promptsOf()).map((p) => p.asset)).size < faulted.length && Date.now() - t < 480_000;) await sleep(5000);
    const raised = await promptsOf();
    // Lost: stop the source, let dataops drain, compare the stream with the historian.
    const connectivityPid = Number(/connectivity\s+│ started \(pid (\d+)\)/.exec(out)?.[1]);
    process.kill(connectivityPid, 'SIGTERM');
    for (let t = Date.now(); !/connectivity\s+│ exited/.test(out) && Date.now() - t < 60_000;) await sleep(500);
    const stored = await streamTimes(nats.url, 'UNS');
    // Drain: wait while the historian still commits (until it holds as many batches as the stream, or
    // commits nothing for 60 s; at most 20 minutes), then count what is missing.
    const drain0 = Date.now();
    for (let last = -1, still = Date.now(); Date.now() - drain0 < 1_200_000 && Date.now() - still < 60_000; await sleep(5000)) {
      const n = Number((await q(`SELECT count(*) AS n FROM ${h}.ingested_batches`)).n);
      if (n >= stored.size) break;
      if (n > last) [last, still] = [n, Date.now()];
    }
    const committed = (await db.query(`SELECT batch_id::text AS id, ingested_at AS at FROM ${h}.ingested_batches`)).rows as { id: string; at: Date }[];
    const have = new Set(committed.map((r) => r.id));
    const lost = [...stored.keys()].filter((id) => !have.has(id)).length;
    const drainS = Math.round((Date.now() - drain0) / 1000);
    const p99of = (xs: number[]) => {
      const sorted = xs.filter((x) => Number.isFinite(x)).sort((x, y) => x - y);
      return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? Number.NaN;
    };
    // Stored in JetStream (R3, acknowledged) → committed in the historian, for the batches of the window.
    const historian = committed
      .filter((r) => r.at.getTime() >= t0 && r.at.getTime() < t1 && stored.has(r.id))
      .map((r) => r.at.getTime() - (stored.get(r.id)?.at ?? 0));
    // What connectivity got into JetStream per second in the window (the historian's offered load).
    const offered = Math.round([...stored.values()].filter((b) => b.at >= t0 && b.at < t1).reduce((a, b) => a + b.samples, 0) / ((t1 - t0) / 1000));
    // Stored in JetStream (the first batch of the asset carrying the window's closing sample) → the prompt recorded.
    const byAsset = new Map<string, Stored[]>();
    for (const b of stored.values()) byAsset.set(b.asset, [...(byAsset.get(b.asset) ?? []), b]);
    const toPrompt = raised.map((p) => {
      const closing = (byAsset.get(p.asset) ?? []).filter((b) => b.newestSampleMs >= Date.parse(p.to)).sort((x, y) => x.at - y.at)[0];
      return closing === undefined ? Number.NaN : Date.parse(p.at) - closing.at;
    });
    log(`pumps ${pumps}: sample→prompt ms ${JSON.stringify(toPrompt)} for prompts on ${[...new Set(raised.map((p) => p.asset.split('.').at(-1)))].join(',')}`);
    const result: SizeResult = {
      tags: Number(tags.n),
      values_per_s: Math.round(Number(window.values) / ((t1 - t0) / 1000)),
      sample_to_prompt_p99_ms: Math.round(p99of(toPrompt)),
      cpu_cores_used: Math.round(((cpu1 - cpu0) / ((t1 - t0) / 1000)) * 100) / 100,
      rss_mb_total: Math.round(rss),
    };
    // Not in the JSON (the issue names its keys): how many prompts the p99 is over, and the historian leg.
    log(
      `pumps ${pumps}: ${JSON.stringify(result)} prompts ${raised.length} on ${new Set(raised.map((p) => p.asset)).size} of ${faulted.length} faulted pumps, stored in JetStream ${offered} values/s, historian_p99_ms ${Math.round(p99of(historian))}, lost ${lost} of ${stored.size} batches after a ${drainS} s drain`,
    );
    log(`pumps ${pumps}: cores used in the window per process: ${each}`);
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
