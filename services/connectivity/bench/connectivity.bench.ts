// Bench: simulator (own process, real time ×1) → connectivity (this process) → NATS JetStream (own
// server) → a consumer (this process). Latency per sample = receive time on the consumer −
// sourceTimestamp stamped by the simulator when the value changed. Last line is JSON.
//   npx tsx services/connectivity/bench/connectivity.bench.ts [--pumps=333] [--sampling=100] [--publishing=250] [--seconds=20]
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
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

const dir = tempDir('bench');
const port = await freePort();
const sim = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', '..', 'simulator', 'src', 'main.ts')], {
  env: { ...process.env, SIM_DEV: 'true', SIM_PUMPS: String(pumps), SIM_MILLS: '0', SIM_PACKAGERS: '0', SIM_OPCUA_PORT: String(port), SIM_HTTP_PORT: 'off', SIM_PKI_DIR: join(dir, 'sim'), SIM_TICK_HZ: '10' },
  stdio: ['ignore', 'pipe', 'inherit'],
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
  await app.start();
  const buffered: UnsSampleBatch[] = [];
  app.subscribeUns('', (b) => buffered.push(b));
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
  await sleep(seconds * 1_000);
  const t1 = Date.now();
  const cpu = process.cpuUsage(cpu0);
  const window = uns.received.slice(from);
  const latencies: number[] = [];
  let values = 0;
  for (const r of window) {
    for (const s of r.batch.samples) {
      values++;
      latencies.push(r.receivedAt - Date.parse(s.sourceTimestamp));
    }
  }
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  // Everything buffered must reach the stream.
  await app.stop({ drainMs: 30_000 });
  const stored = new Set<string>();
  await until(() => {
    for (const r of uns.received) stored.add(r.batch.batchId);
    return buffered.every((b) => stored.has(b.batchId));
  }, 30_000, 'all batches').catch(() => {});
  const lost = buffered.filter((b) => !stored.has(b.batchId)).reduce((n, b) => n + b.samples.length, 0);
  await uns.stop();
  process.stderr.write(`connectivity CPU ${(((cpu.user + cpu.system) / 1000 / (t1 - t0)) * 100).toFixed(0)}% of one core (incl. consumer), ${window.length} batches\n`);
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
