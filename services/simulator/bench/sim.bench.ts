// Bench: ~2,000 variables updated at 10 Hz through OPC UA, a SignAndEncrypt client (child
// process) subscribed to a sample of them. Measures updates/s pushed with setValueFromSource
// and this process's CPU over the run. Last line: {"bench":"sim",...}.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSimulator } from '../src/app.ts';
import { tagsOf } from '../src/domain/tags.ts';

const TARGET_VARIABLES = Number(process.env.BENCH_VARIABLES ?? 2000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const SAMPLE = 200;
const mills = 3;
const packagers = 2;
const fixed = mills * tagsOf('mill').length + packagers * tagsOf('packaging').length;
const pumps = Math.ceil((TARGET_VARIABLES - fixed) / tagsOf('pump').length);
const variables = pumps * tagsOf('pump').length + fixed;

const pki = await mkdtemp(path.join(os.tmpdir(), 'sim-bench-'));
const user = { username: 'bench', password: 'bench-password' };
const sim = createSimulator({
  seed: 1,
  timeAcceleration: 10,
  tickHz: 10,
  layout: { enterprise: 'acme', site: 'plant-1', pumps, mills, packagers },
  opcua: {
    host: '127.0.0.1',
    port: 0,
    pkiDir: path.join(pki, 'sim'),
    allowAnonymous: false,
    allowSecurityNone: false,
    autoAcceptUnknownCertificates: true,
    users: [{ ...user, faultRole: null }],
  },
  http: null,
});
try {
  await sim.start();
  const pumpAssets = sim.assets.filter((a) => a.kind === 'pump');
  const nodeIds: string[] = [];
  for (let i = 0; nodeIds.length < SAMPLE; i++) {
    const a = pumpAssets[i % pumpAssets.length]!;
    nodeIds.push(`ns=1;s=${a.path}/${a.tags[Math.floor(i / pumpAssets.length) % a.tags.length]!.name}`);
  }
  const here = path.dirname(fileURLToPath(import.meta.url));
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(here, 'sim-client.ts'),
      sim.endpointUrl,
      path.join(pki, 'client'),
      user.username,
      user.password,
      String(SECONDS + 1),
      ...nodeIds,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const t = setInterval(() => {
      if (out.includes('subscribed')) {
        clearInterval(t);
        resolve();
      }
    }, 50);
    child.once('exit', (code) => reject(new Error(`client exited early (${code})`)));
  });
  const u0 = sim.stats().updates;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const cpu = process.cpuUsage(c0);
  const elapsed = (performance.now() - t0) / 1000;
  const updates = sim.stats().updates - u0;
  await new Promise((r) => child.once('exit', r));
  const client = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { notifications?: number };
  const result = {
    bench: 'sim',
    variables,
    updates_per_s: Math.round(updates / elapsed),
    cpu_percent: Math.round(((cpu.user + cpu.system) / 1000 / (elapsed * 1000)) * 1000) / 10,
    subscribed_items: SAMPLE,
    client_notifications_per_s: Math.round((client.notifications ?? 0) / (SECONDS + 1)),
    seconds: Math.round(elapsed * 10) / 10,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await sim.stop();
  await rm(pki, { recursive: true, force: true });
}
