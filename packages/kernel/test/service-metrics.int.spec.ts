// runService's Prometheus scrape endpoint (METRICS_PORT from the shared telemetry fragment): bound
// before start, named in the ready line, serving the runtime basics and the kernel's append,
// refusal and conflict instruments under their semantic-convention names; closed on the way out.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventExamples } from '@industrial/contracts';
import { eventStoreConfig, eventStoreEnv, parseEnv, telemetryConfig, telemetryEnv, type StoreWiring } from '@industrial/eventstore/config';
import { generateLedgerKeyPem } from '@industrial/eventstore';
import { z } from 'zod';
import { resetTelemetryForTests } from '@industrial/telemetry';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConcurrencyConflictError, OwnershipError, type Aggregate, type Cause } from '../src/index.ts';
import { runService, type ServiceBaseConfig, type ServiceDefinition } from '../src/service.ts';

type Config = ServiceBaseConfig & StoreWiring;
const Env = z.object({ ...eventStoreEnv, ...telemetryEnv });

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kernel-metrics-'));
  writeFileSync(join(dir, 'ledger.pem'), generateLedgerKeyPem().privateKeyPem, { mode: 0o600 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => resetTelemetryForTests());

const ignore: Aggregate<null, 'KpiMeasured'> = { types: ['KpiMeasured'], initial: () => null, evolve: () => null };

function charter(): ServiceDefinition<Config> {
  return {
    name: 'charter',
    version: 'test',
    help: 'a test service',
    loadConfig(env) {
      const r = parseEnv(Env, env);
      if (!r.ok) return { ok: false, message: r.message };
      const e = r.data;
      return {
        ok: true,
        config: { eventStore: eventStoreConfig(e), ledgerKeyFile: join(dir, 'ledger.pem'), telemetry: telemetryConfig(e), logLevel: 'silent' },
      };
    },
    async start({ config, openKernel }) {
      const kernel = await openKernel(config);
      const cause: Cause = { actor: 'svc:charter', role: 'service', correlationId: randomUUID(), causationId: null, traceparent: null };
      const stream = `usecase-${randomUUID()}`;
      const kpi = { type: 'KpiMeasured', data: eventExamples.KpiMeasured } as const;
      await kernel.append(stream, [kpi, kpi], cause);
      await expect(kernel.append(`model-${randomUUID()}`, [{ type: 'LabelRecorded', data: eventExamples.LabelRecorded }], cause)).rejects.toThrow(
        OwnershipError,
      );
      // A decide that appends behind the kernel's back: the stream moves under every attempt.
      let sneak = 0;
      const moving = () => {
        void kernel.append(stream, [kpi], cause);
        sneak++;
        return [kpi];
      };
      await kernel.execute(stream, ignore, moving, cause, { maxAttempts: 2 }).catch((e: unknown) => expect(e).toBeInstanceOf(ConcurrencyConflictError));
      expect(sneak).toBeGreaterThan(0);
      return { ready: '', stop: async () => undefined };
    },
  };
}

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

describe('runService with METRICS_PORT', () => {
  it('serves /metrics while running, names it in the ready line, and closes it on the way out', async () => {
    const out: string[] = [];
    let release: (s: string) => void = () => undefined;
    const stopSignal = new Promise<string>((r) => (release = r));
    const env = { EVENTSTORE: 'sqlite', SQLITE_PATH: join(dir, 'events.db'), LEDGER_KEY_FILE: join(dir, 'ledger.pem'), METRICS_PORT: '0' };
    const code = runService(charter(), { env, argv: [], stdout: (l) => out.push(l), stderr: (l) => out.push(l), stopSignal });
    let exited: number | null = null;
    void code.then((c) => (exited = c));
    const start = Date.now();
    while (!out.some((l) => l.startsWith('charter ready'))) {
      if (Date.now() - start > 20_000 || exited !== null) throw new Error(`not ready (exit ${String(exited)}): ${out.join('\n')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const ready = out.find((l) => l.startsWith('charter ready')) ?? '';
    const port = Number(/metrics=127\.0\.0\.1:(\d+)$/.exec(ready)?.[1]);
    expect(port, ready).toBeGreaterThan(0);
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    for (const family of [
      'process_cpu_time_total',
      'process_memory_usage',
      'v8js_memory_heap_used',
      'nodejs_eventloop_delay_p99',
      'db_client_operation_duration_bucket',
      'eventstore_events_appended_total',
      'kernel_append_refusals_total',
      'kernel_concurrency_retries_total',
    ])
      expect(text, family).toMatch(new RegExp(`^${family}\\{`, 'm'));
    expect(text).toMatch(/^eventstore_events_appended_total\{[^}]*event_type="KpiMeasured"[^}]*\} [1-9]/m);
    expect(text).toMatch(/db_system_name="sqlite"/);
    expect(text).toMatch(/service_name="charter"/);
    expect(text).toMatch(/^kernel_append_refusals_total\{[^}]*error_type="OWNERSHIP"/m);
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    release('test');
    expect(await code).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });

  it('fails the start (exit 1) when the port is taken, and exits 2 on a bad METRICS_PORT', async () => {
    const port = await freePort();
    const blocker = createServer().listen(port, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    try {
      const err: string[] = [];
      const env = { EVENTSTORE: 'sqlite', SQLITE_PATH: join(dir, 'events2.db'), LEDGER_KEY_FILE: join(dir, 'ledger.pem'), METRICS_PORT: String(port) };
      const code = await runService(charter(), { env, argv: [], stdout: () => undefined, stderr: (l) => err.push(l), stopSignal: Promise.resolve('x') });
      expect(code).toBe(1);
    } finally {
      blocker.close();
    }
    const err: string[] = [];
    const bad = await runService(charter(), { env: { METRICS_PORT: 'nine' }, argv: [], stdout: () => undefined, stderr: (l) => err.push(l) });
    expect(bad).toBe(2);
    expect(err.join('\n')).toMatch(/METRICS_PORT must be a port 0–65535 or "off"/);
  });

  it('lists METRICS_PORT and METRICS_HOST in every --help', async () => {
    const out: string[] = [];
    expect(await runService(charter(), { argv: ['--help'], stdout: (l) => out.push(l) })).toBe(0);
    expect(out.join('\n')).toMatch(/METRICS_PORT[\s\S]*METRICS_HOST/);
  });
});
