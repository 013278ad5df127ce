// The two ways to run, end to end: `npm start` (one process, SQLite + in-process bus, no NATS or
// PostgreSQL needed) and `npm run cluster` (one process per service on NATS and PostgreSQL).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connectNats } from '@industrial/bus';
import { ledgerKeyFromPem } from '@industrial/eventstore';
import { createClient, governanceV1, unaryCall } from '@industrial/grpc';
import pg from 'pg';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function launch(script: string, env: Record<string, string>): { proc: ChildProcess; out: () => string } {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(root, script)], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  proc.stdout?.on('data', (d: Buffer) => {
    text += d.toString();
  });
  proc.stderr?.on('data', (d: Buffer) => {
    text += d.toString();
  });
  return { proc, out: () => text };
}

async function until(cond: () => boolean, what: string, out: () => string, ms = 90_000, proc?: ChildProcess): Promise<void> {
  const t = Date.now();
  while (!cond()) {
    if (proc !== undefined && proc.exitCode !== null) throw new Error(`the process exited (${proc.exitCode}) before ${what}; output:\n${out().slice(-3000)}`);
    if (Date.now() - t > ms) throw new Error(`timed out waiting for ${what}; output:\n${out().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function exited(proc: ChildProcess): Promise<number | null> {
  return new Promise((r) => (proc.exitCode !== null ? r(proc.exitCode) : proc.once('exit', (code) => r(code))));
}

// Below Linux's ephemeral range (32768–60999), where other tests' port-0 listeners and outgoing
// connections land: a collision there made a launcher fail to bind.
const port = (): number => 20_000 + Math.floor(Math.random() * 12_000);

describe('npm start (standalone, embedded defaults)', () => {
  it('serves the audit API and health endpoints without NATS or PostgreSQL, records plant ground truth, and stops on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'standalone-'));
    const base = port();
    // Unreachable NATS/PG on purpose: standalone must not need them.
    const { proc, out } = launch('scripts/platform/standalone.ts', {
      PLATFORM_DATA_DIR: dataDir,
      PLATFORM_TLS: '0', // plaintext on loopback (development flag): these tests call http:// (the TLS default: test/redteam.e2e.spec.ts)
      PLATFORM_BASE_PORT: String(base),
      NATS_URL: 'nats://127.0.0.1:1',
      PG_URL: 'postgres://nobody@127.0.0.1:1/none',
      LOG_LEVEL: 'warn',
      PLATFORM_HMI: '0',
      PLATFORM_DEMO_MODEL: '0',
    });
    try {
      await until(() => out().includes('Ctrl-C stops everything'), 'the platform to start', out, 90_000, proc);
      const token = /auditor\s+(\S+)/.exec(out())?.[1] ?? '';
      expect(token).toMatch(/^ey/);
      expect((await fetch(`http://127.0.0.1:${base + 2}/healthz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${base + 2}/readyz`)).status).toBe(200);
      // A fault injected into the plant (with the engineer's token: sim.inject_fault) becomes a ground-truth event in the store.
      const engineer = /engineer\s+(ey\S+)/.exec(out())?.[1] ?? '';
      const operator = /operator\s+(ey\S+)/.exec(out())?.[1] ?? '';
      const inject = (bearer: string) =>
        fetch(`http://127.0.0.1:${base + 41}/faults`, {
          method: 'POST',
          headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
          body: JSON.stringify({ asset: 'pump-4', fault: 'bearing_wear', startInMinutes: 0, developMinutes: 20 }),
        });
      expect((await inject(operator)).status).toBe(403);
      expect((await inject(engineer)).status).toBe(201);
      const client = createClient(governanceV1.AuditServiceClient, `127.0.0.1:${base + 1}`, { token, deadlineMs: 10_000 });
      // Paged on from where the last read ended (the store may hold more than one page of events before
      // the fault on a slow start) and bounded by time, 60 s, not by 100 polls (about 10 s on a loaded machine).
      let injected: { metadata?: { actor: string } | undefined } | undefined;
      for (let from = 1, t = Date.now(); injected === undefined && Date.now() - t < 60_000;) {
        const page = await unaryCall(client, client.readAll, { fromPosition: from, maxCount: 1000 });
        injected = page.events.find((e) => e.type === 'FaultInjected');
        from = (page.events.at(-1)?.position ?? from - 1) + 1;
        if (injected === undefined && page.nextPosition === undefined) await new Promise((r) => setTimeout(r, 100));
      }
      expect(injected, 'FaultInjected in the store').toBeDefined();
      expect(injected?.metadata?.actor).toBe('first-look-engineer');
      const report = await unaryCall(client, client.verifyIntegrity, { fromPosition: 0, toPosition: 0 });
      expect(report.ok).toBe(true);
      expect(report.checked).toBeGreaterThanOrEqual(1);
      client.close();
      proc.kill('SIGTERM');
      expect(await exited(proc), `exit code after SIGTERM; output:\n${out().slice(-3000)}`).toBe(0);
    } finally {
      // On a failure above, stop it without masking that failure.
      if (proc.exitCode === null) proc.kill('SIGTERM');
      await exited(proc);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('npm run cluster (one process per service on NATS and PostgreSQL)', () => {
  it('runs governance, the simulator and two relays (one holding the lease) on the real NATS and PostgreSQL', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cluster-'));
    const schema = `cluster_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
    const base = port();
    const { proc, out } = launch('scripts/platform/cluster.ts', {
      PLATFORM_DATA_DIR: dataDir,
      PLATFORM_TLS: '0', // plaintext on loopback (development flag): these tests call http:// (the TLS default: test/redteam.e2e.spec.ts)
      PLATFORM_BASE_PORT: String(base),
      PG_URL,
      PG_SCHEMA: schema,
      LOG_LEVEL: 'info',
    });
    try {
      await until(() => out().includes('governance ready') && out().includes('relay holds the lease'), 'governance and a relay', out, 90_000, proc);
      const token = /auditor token\s+(\S+)/.exec(out())?.[1] ?? '';
      expect((await fetch(`http://127.0.0.1:${base + 2}/readyz`)).status).toBe(200);
      const client = createClient(governanceV1.AuditServiceClient, `127.0.0.1:${base + 1}`, { token, deadlineMs: 10_000 });
      const report = await unaryCall(client, client.verifyIntegrity, { fromPosition: 0, toPosition: 0 });
      expect(report.ok).toBe(true);
      client.close();
      // Every process serves Prometheus metrics on its own port (base+60 …, scripts/platform/cluster.ts): relay-a, simulator, governance.
      for (const offset of [60, 62, 63]) {
        let text = '';
        const scrape = async () =>
          (text = await fetch(`http://127.0.0.1:${base + offset}/metrics`).then(
            (r) => r.text(),
            () => '',
          ));
        for (let i = 0; i < 300 && !/^process_cpu_time_total\{/m.test(await scrape()); i++) await new Promise((r) => setTimeout(r, 200));
        expect(text, `metrics on base+${offset}; output:\n${out().slice(-2000)}`).toMatch(/^process_cpu_time_total\{/m);
      }
      expect(out()).toMatch(/metrics \(Prometheus\) relay-a http:\/\/127\.0\.0\.1:\d+\/metrics/);
      // Exactly one relay holds the lease; the other waits.
      expect(
        out()
          .split('\n')
          .filter((l) => l.includes('relay holds the lease')).length,
      ).toBe(1);
    } finally {
      proc.kill('SIGTERM');
      await exited(proc);
      // Governance's anchor stream on the shared NATS is named after this run's ledger key (cluster.ts).
      const keyId = ledgerKeyFromPem(readFileSync(join(dataDir, 'ledger-key.pem'), 'utf8')).keyId;
      const nc = await connectNats({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
      await nc.request(`$JS.API.STREAM.DELETE.LEDGER_ANCHORS_${keyId}`, undefined, { timeout: 5000 }).catch(() => undefined);
      await nc.close();
      rmSync(dataDir, { recursive: true, force: true });
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.query('DELETE FROM public.relay_checkpoints WHERE name = $1', [schema]).catch(() => undefined);
      await c.end();
    }
  });
});
