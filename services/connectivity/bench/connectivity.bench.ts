// Bench: simulator (own process, real time ×1, plant clock anchored to the wall clock — see
// sim-process.ts) → connectivity (this process) → NATS JetStream (own server) → a consumer (this
// process). Latency per sample = receive time on the consumer − sourceTimestamp, the wall-clock
// instant the simulator changed the value; split at the batch's cut (batch.plantTime, stamped by
// connectivity's wall clock) into OPC UA + batching wait and buffer + NATS. Last line is JSON.
//   npx tsx services/connectivity/bench/connectivity.bench.ts [--pumps=333] [--sampling=100] [--publishing=250] [--seconds=20]
//     [--tick-hz=10] [--sim-cpu-prof=<dir>]
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { UnsSampleBatch } from '@industrial/contracts';
import { collectUns, freePort, makeApp, makeStore, natsBus, opcuaSource, startNats, tempDir, until } from '../test/fixture.ts';

const arg = (name: string, fallback: number) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split('=')[1]) : fallback;
};
const pumps = arg('pumps', 333);
const samplingMs = arg('sampling', 100);
const publishingMs = arg('publishing', 250);
const seconds = arg('seconds', 20);
const tickHz = arg('tick-hz', 10);
const anchored = true; // the simulator's plant clock equals wall time from its first tick
const simProf = process.argv.find((x) => x.startsWith('--sim-cpu-prof='))?.split('=')[1];

/** CPU seconds (user + system) a process has used so far, from /proc. */
const cpuSecondsOf = (pid: number | undefined): number => {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
};

const dir = tempDir('bench');
const port = await freePort();
const sim = spawn(
  process.execPath,
  [...(simProf ? ['--cpu-prof', `--cpu-prof-dir=${simProf}`] : []), '--import', 'tsx', join(import.meta.dirname, 'sim-process.ts')],
  {
    env: {
      ...process.env,
      SIM_ALLOW_INSECURE: 'true', // a bench on loopback: anonymous reader (it never injects faults)
      SIM_AUTO_ACCEPT_CERTS: 'true',
      SIM_PUMPS: String(pumps),
      SIM_MILLS: '0',
      SIM_PACKAGERS: '0',
      SIM_OPCUA_PORT: String(port),
      SIM_HTTP_PORT: 'off',
      SIM_PKI_DIR: join(dir, 'sim'),
      SIM_TICK_HZ: String(tickHz),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
let simReady: { startupMs: number; plantLagMs: number } | null = null;
type SimStats = { stats: { ticks: number; updates: number }; at: number };
let simStats: SimStats | null = null;
let simTail = '';
sim.stdout.setEncoding('utf8').on('data', (chunk: string) => {
  const lines = (simTail + chunk).split('\n');
  simTail = lines.pop() ?? '';
  for (const line of lines) {
    if (line.startsWith('{"ready"')) simReady = JSON.parse(line);
    else if (line.startsWith('{"stats"')) simStats = JSON.parse(line);
  }
});
const nats = await startNats();
const bus = await natsBus(nats.url);
const store = await makeStore(dir);
const app = makeApp(store, bus, { stateDir: join(dir, 'conn'), autoAcceptUnknownServerCertificates: true });
try {
  await until(
    () =>
      new Promise<boolean>((resolve) => {
        import('node:net').then(({ connect }) => {
          const s = connect(port, '127.0.0.1');
          s.once('connect', () => (s.destroy(), resolve(true)));
          s.once('error', () => resolve(false));
        });
      }),
    60_000,
    'the simulator',
  );
  await until(() => simReady !== null, 60_000, 'the simulator clock report');
  process.stderr.write(
    `simulator: start-up ${simReady!.startupMs} ms, wall − plant clock ${simReady!.plantLagMs} ms (${anchored ? 'anchored' : 'NOT anchored: latencies include this offset'})\n`,
  );
  await app.start();
  const buffered: UnsSampleBatch[] = [];
  const bufferedAt = new Map<string, number>();
  app.subscribeUns('', (b) => {
    buffered.push(b);
    bufferedAt.set(b.batchId, Date.now());
  });
  const uns = await collectUns(bus, 'bench');
  const { mappings } = await app.registerSource(
    opcuaSource(`opc.tcp://127.0.0.1:${port}`, {
      securityMode: 'None',
      securityPolicy: 'None',
      auth: { kind: 'anonymous' },
      autoMapRoot: 'ns=1;s=acme',
      subscription: { samplingIntervalMs: samplingMs, publishingIntervalMs: publishingMs, queueSize: 10, deadband: { type: 'none' } },
    }),
  );
  await sleep(5_000); // warm-up
  const from = uns.received.length;
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  const simCpu0 = cpuSecondsOf(sim.pid);
  const offered0 = simStats as SimStats | null; // set by the stdout listener
  await sleep(seconds * 1_000);
  const offered1 = simStats as SimStats | null;
  const t1 = Date.now();
  const cpu = process.cpuUsage(cpu0);
  const simCpu = cpuSecondsOf(sim.pid) - simCpu0;
  const window = uns.received.slice(from);
  const latencies: number[] = [];
  const toCut: number[] = [];
  const cutToReceive: number[] = [];
  let values = 0;
  for (const r of window) {
    const cutAt = bufferedAt.get(r.batch.batchId) ?? NaN; // committed to the buffer
    cutToReceive.push(r.receivedAt - cutAt);
    for (const s of r.batch.samples) {
      values++;
      const changedAt = Date.parse(s.sourceTimestamp);
      latencies.push(r.receivedAt - changedAt);
      toCut.push(cutAt - changedAt);
    }
  }
  const percentile = (xs: number[], p: number) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
  };
  const pct = (p: number) => percentile(latencies, p);
  // Everything buffered must reach the stream.
  await app.stop({ drainMs: 30_000 });
  const stored = new Set<string>();
  await until(
    () => {
      for (const r of uns.received) stored.add(r.batch.batchId);
      return buffered.every((b) => stored.has(b.batchId));
    },
    30_000,
    'all batches',
  ).catch(() => {});
  const lost = buffered.filter((b) => !stored.has(b.batchId)).reduce((n, b) => n + b.samples.length, 0);
  await uns.stop();
  const secs = (t1 - t0) / 1000;
  const offered =
    offered0 && offered1 && offered1.at > offered0.at
      ? `simulator offered ${Math.round(((offered1.stats.updates - offered0.stats.updates) * 1000) / (offered1.at - offered0.at))} updates/s at ${(((offered1.stats.ticks - offered0.stats.ticks) * 1000) / (offered1.at - offered0.at)).toFixed(1)} ticks/s (the ceiling; a value that changes twice within one 100 ms sampling period is sampled once)\n`
      : '';
  process.stderr.write(
    offered +
      `CPU: connectivity+consumer ${(((cpu.user + cpu.system) / 1e6 / secs) * 100).toFixed(0)}% of one core, simulator ${((simCpu / secs) * 100).toFixed(0)}%; ${window.length} batches\n` +
      `latency split: value change → buffered p50 ${percentile(toCut, 50)} ms / p99 ${percentile(toCut, 99)} ms (OPC UA sampling + publishing, batching, validation, SQLite), ` +
      `buffered → delivered p50 ${percentile(cutToReceive, 50)} ms / p99 ${percentile(cutToReceive, 99)} ms (forwarder, NATS, consumer)\n`,
  );
  console.log(
    JSON.stringify({
      bench: 'connectivity',
      tags: mappings.length,
      sampling_ms: samplingMs,
      publishing_ms: publishingMs,
      values_per_s: Math.round(values / ((t1 - t0) / 1000)),
      p50_latency_ms: pct(50),
      p99_latency_ms: pct(99),
      lost,
    }),
  );
} finally {
  sim.kill('SIGTERM');
  await bus.close().catch(() => {});
  await store.close().catch(() => {});
  await nats.cleanup();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
