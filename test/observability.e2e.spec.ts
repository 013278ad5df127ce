// Prometheus against real processes: the alert rules pass `promtool check rules` and their unit
// tests; then a real Prometheus (Debian's) scrapes the simulator, connectivity (reading the
// simulator over OPC UA) and inference, each started through runService with METRICS_PORT=0 on
// SQLite and a private nats-server, and its HTTP API finds the runtime, kernel, connectivity and
// inference families. Every name the rules use is one the code serves (test/observability/families.ts).
// Cluster mode: `npm run check:telemetry` (scripts/telemetry/check.ts) starts the whole cluster, one
// fault and an Acknowledge through the HMI, with a real Prometheus scraping every process; every
// target is up and each metric family issue 20 lists is found in the process that owns it. The run
// produces the rarer events as users would (scripts/telemetry/check.ts): a model in production (its
// scoring time, its drift evaluation), wall-clock OPC UA server timestamps (sample-to-score latency) and
// a tampered model version promoted and refused (inference's error counter). The kernel's refusal
// counter alone has no event a user can cause (NO_USER_EVENT below: checked against the declared list).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { devKeys, simUsers } from '../scripts/platform/dev-keys.ts';
import { knownSeriesNames, metricNamesIn, root } from './observability/families.ts';

const rulesDir = join(root, 'infra/prometheus');
// Ports of this test's own (12850–12999; the cluster part uses 12700–12820 through check:telemetry): below
// Linux's ephemeral range (32768–60999), where other tests' port-0 listeners and outgoing connections land.
let nextPort = 12_850 + Math.floor(Math.random() * 50);
const port = (): number => nextPort++;

interface Proc {
  readonly name: string;
  readonly proc: ChildProcess;
  out(): string;
}

function launch(name: string, command: string, args: string[], env: Record<string, string>): Proc {
  const proc = spawn(command, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  proc.stdout?.on('data', (d: Buffer) => (text += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  return { name, proc, out: () => text };
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms: number, procs: readonly Proc[] = []): Promise<T> {
  const start = Date.now();
  for (;;) {
    const dead = procs.find((p) => p.proc.exitCode !== null);
    if (dead) throw new Error(`${dead.name} exited (${dead.proc.exitCode}) before ${what}:\n${dead.out().slice(-3000)}`);
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}:\n${procs.map((p) => `--- ${p.name}\n${p.out().slice(-1500)}`).join('\n')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const stop = (p: Proc | undefined): Promise<unknown> =>
  p === undefined || p.proc.exitCode !== null
    ? Promise.resolve()
    : new Promise((r) => {
        const kill = setTimeout(() => p.proc.kill('SIGKILL'), 10_000);
        p.proc.once('exit', () => r(clearTimeout(kill)));
        p.proc.kill('SIGTERM');
      });

describe('the alert rules', () => {
  it('pass promtool check rules and every rule has a passing promtool unit test', () => {
    const checked = execFileSync('promtool', ['check', 'rules', 'alerts.yml'], { cwd: rulesDir, encoding: 'utf8' });
    expect(checked).toMatch(/SUCCESS: \d+ rules found/);
    expect(execFileSync('promtool', ['test', 'rules', 'alerts.test.yml'], { cwd: rulesDir, encoding: 'utf8' })).toMatch(/SUCCESS/);
    expect(execFileSync('promtool', ['check', 'config', 'cluster.yml'], { cwd: rulesDir, encoding: 'utf8' })).toMatch(/SUCCESS/);
    const rules = (parse(readFileSync(join(rulesDir, 'alerts.yml'), 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] }).groups.flatMap(
      (g) => g.rules,
    );
    const tested = new Set(
      (parse(readFileSync(join(rulesDir, 'alerts.test.yml'), 'utf8')) as { tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[] }).tests
        .flatMap((t) => t.alert_rule_test)
        .filter((t) => t.exp_alerts.length > 0)
        .map((t) => t.alertname),
    );
    const known = knownSeriesNames();
    for (const rule of rules) {
      expect(tested.has(rule.alert), `${rule.alert} has a unit test where it fires`).toBe(true);
      for (const name of metricNamesIn(rule.expr)) expect(known.has(name), `${rule.alert} uses ${name}, which no process serves`).toBe(true);
    }
  });
});

describe('a real Prometheus scraping processes started through runService', () => {
  let dir: string;
  const procs: Proc[] = [];
  let prometheus: Proc | undefined;
  let nats: Proc | undefined;
  let api = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'observability-'));
    const keys = await devKeys(dir);
    const users = simUsers(dir);
    const natsPort = port();
    nats = launch('nats-server', 'nats-server', ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', join(dir, 'nats')], {});
    const opcua = port();
    const sources = join(dir, 'sources.json');
    writeFileSync(
      sources,
      JSON.stringify([
        {
          sourceId: '00000000-0000-4000-8000-00000000a001',
          name: 'plant simulator',
          protocol: 'opcua',
          endpoint: `opc.tcp://127.0.0.1:${opcua}`,
          securityMode: 'SignAndEncrypt',
          securityPolicy: 'Basic256Sha256',
          auth: { kind: 'userPassword', ...users.connectivity },
          autoMapRoot: 'ns=1;s=acme/plant-1',
        },
      ]),
      { mode: 0o600 },
    );
    const common = {
      EVENTSTORE: 'sqlite',
      LEDGER_KEY_FILE: keys.ledgerKeyFile,
      ACCESS_KEYS_DIR: keys.accessDir,
      NATS_URL: `nats://127.0.0.1:${natsPort}`,
      METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
    };
    const tsx = (entry: string) => [process.execPath, ['--import', 'tsx', entry]] as const;
    const start = (name: string, entry: string, env: Record<string, string>) => {
      const [cmd, args] = tsx(entry);
      const p = launch(name, cmd, [...args], { ...common, ...env });
      procs.push(p);
      return p;
    };
    start('simulator', 'services/simulator/src/main.ts', {
      SQLITE_PATH: join(dir, 'simulator.db'),
      SIM_USERS_FILE: users.file,
      SIM_AUTO_ACCEPT_CERTS: 'true',
      SIM_TIME_ACCELERATION: '10',
      SIM_OPCUA_PORT: String(opcua),
      SIM_HTTP_PORT: 'off',
      SIM_PKI_DIR: join(dir, 'sim-pki'),
    });
    await until('the simulator', () => (procs[0]?.out().includes('simulator ready') ? true : undefined), 60_000, [...procs, nats]);
    start('connectivity', 'services/connectivity/src/main.ts', {
      SQLITE_PATH: join(dir, 'connectivity.db'),
      CONNECTIVITY_STATE_DIR: join(dir, 'connectivity'),
      CONNECTIVITY_SOURCES_FILE: sources,
      CONNECTIVITY_AUTO_ACCEPT_CERTS: 'true',
      CONNECTIVITY_GRPC_PORT: '0',
    });
    start('inference', 'services/inference/src/main.ts', {
      SQLITE_PATH: join(dir, 'inference.db'),
      INFERENCE_GRPC_PORT: '0',
      INFERENCE_HTTP_PORT: '0',
      INFERENCE_CHECKPOINT_PATH: join(dir, 'inference.checkpoint.db'),
    });
    const targets = await until(
      'every process ready with its metrics endpoint',
      () => {
        const found = procs.map((p) => /ready .*metrics=(127\.0\.0\.1:\d+)$/m.exec(p.out())?.[1]);
        return found.every((t) => t !== undefined) ? (found as string[]) : undefined;
      },
      120_000,
      [...procs, nats],
    );
    const promPort = port();
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        `rule_files: ['${join(rulesDir, 'alerts.yml')}']`,
        'scrape_configs:',
        '  - job_name: industrial-platform',
        '    static_configs:',
        ...procs.map((p, i) => `      - { targets: ['${targets[i]}'], labels: { process: ${p.name} } }`),
      ].join('\n'),
    );
    prometheus = launch(
      'prometheus',
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--log.level=warn',
      ],
      {},
    );
    api = `http://127.0.0.1:${promPort}/api/v1`;
  });

  afterAll(async () => {
    await Promise.all([...procs.map(stop), stop(prometheus)]);
    await stop(nats);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const query = async (q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[] | undefined> => {
    const r = await fetch(`${api}/query?query=${encodeURIComponent(q)}`).catch(() => undefined);
    if (r === undefined || !r.ok) return undefined;
    const body = (await r.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    return body.data.result;
  };

  it('finds the runtime, kernel, connectivity and inference families, every one a name the code declares', async () => {
    const all = [...procs, ...(prometheus ? [prometheus] : [])];
    // Connectivity registered the source (an append through the kernel) and reads samples.
    await until(
      'samples read by connectivity, scraped',
      async () => ((await query('connectivity_samples_received_total > 0'))?.length ? true : undefined),
      120_000,
      all,
    );
    // Each target scraped at least once (each is scraped at its own offset within the interval).
    const up = await until(
      'every target up',
      async () => {
        const r = await query('up{job="industrial-platform"} == 1');
        return r?.length === 3 ? r : undefined;
      },
      30_000,
      all,
    );
    expect(up?.map((r) => r.metric.process).sort()).toEqual(['connectivity', 'inference', 'simulator']);
    const groups = (await query('group by (__name__, process) ({job="industrial-platform"})')) ?? [];
    const names = (process: string) => new Set(groups.filter((g) => g.metric.process === process).map((g) => g.metric.__name__));
    const runtime = [
      'process_cpu_time_total',
      'process_memory_usage',
      'process_uptime',
      'v8js_memory_heap_used',
      'nodejs_eventloop_delay_p99',
      'nodejs_eventloop_utilization',
      'target_info',
    ];
    for (const p of ['simulator', 'connectivity', 'inference']) for (const f of runtime) expect(names(p).has(f), `${p} serves ${f}`).toBe(true);
    const connectivity = names('connectivity');
    for (const f of [
      'db_client_operation_duration_bucket',
      'eventstore_events_appended_total',
      'connectivity_buffer_samples',
      'connectivity_buffer_capacity',
      'connectivity_buffer_batches',
      'connectivity_samples_received_total',
      'connectivity_samples_dropped_total',
      'connectivity_source_connected',
      'connectivity_forwarder_healthy',
      'connectivity_batches_forwarded_total',
    ])
      expect(connectivity.has(f), `connectivity serves ${f}`).toBe(true);
    expect(names('inference').has('inference_membership_members'), 'inference serves inference_membership_members').toBe(true);
    const appended = await query('sum by (event_type) (eventstore_events_appended_total{process="connectivity"})');
    expect(appended?.map((r) => r.metric.event_type)).toContain('SourceRegistered');
    // Nothing served that the declared list does not know (a renamed instrument breaks the rules otherwise).
    const known = knownSeriesNames();
    const unknown = [...new Set(groups.map((g) => g.metric.__name__ ?? ''))].filter((n) => !known.has(n) && !n.startsWith('scrape_'));
    expect(unknown).toEqual([]);
    // The rules are loaded and evaluate without errors against the real series.
    const rules = await until(
      'the rules evaluated',
      async () => {
        const r = (await (await fetch(`${api}/rules`)).json()) as { data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] } };
        const list = r.data.groups.flatMap((g) => g.rules);
        return list.length > 0 && list.every((x) => x.health === 'ok') ? list : undefined;
      },
      30_000,
      all,
    );
    expect(rules.length).toBeGreaterThanOrEqual(16);
    // Every dashboard query is valid PromQL for this Prometheus.
    const grafana = join(root, 'infra/grafana');
    const exprs = readdirSync(grafana)
      .filter((f) => f.endsWith('.json'))
      .flatMap((f) => JSON.stringify(JSON.parse(readFileSync(join(grafana, f), 'utf8'))).match(/"expr":"(?:[^"\\]|\\.)*"/g) ?? [])
      .map((m) => JSON.parse(m.slice('"expr":'.length)) as string);
    expect(exprs.length).toBeGreaterThan(20);
    for (const expr of exprs) {
      const r = await fetch(`${api}/query?query=${encodeURIComponent(expr)}`);
      expect(r.status, `${expr}: ${await r.clone().text()}`).toBe(200);
    }
  });
});

/** Issue 20's families (build item 3), by the process that serves each (as Prometheus names them). */
const CLUSTER_FAMILIES: Record<string, string[]> = {
  // throughput, store-and-forward buffer depth and age
  connectivity: ['connectivity_samples_received_total', 'connectivity_batches_forwarded_total', 'connectivity_buffer_samples', 'connectivity_buffer_age'],
  // historian ingest lag, throughput, consumer lag, event-store append latency
  dataops: ['dataops_historian_ingest_lag_bucket', 'dataops_historian_samples_written_total', 'messaging_consumer_lag', 'db_client_operation_duration_bucket'],
  'inference-a': ['messaging_consumer_lag', 'db_client_operation_duration_bucket', 'inference_membership_members'],
  'inference-b': ['messaging_consumer_lag', 'inference_membership_members'],
  'relay-a': ['relay_active'],
  'relay-b': ['relay_active'],
  // the HMI's server: HTTP server and client latency
  hmi: ['http_server_request_duration_bucket', 'http_client_request_duration_bucket'],
};
/**
 * Served by whichever process does the work: the replica owning the asset scores it, the active relay
 * has a lag. Scoring throughput, prompts raised and each operator decision (ISA-18.2); the model's
 * scoring time, the sample-to-score latency, the drift scores of the model's inputs and the errors
 * (the tampered version refused).
 */
const SOMEWHERE = [
  'inference_windows_scored_total',
  'inference_recommendations_raised_total',
  'inference_recommendations_decided_total',
  'relay_lag',
  'eventstore_events_appended_total',
  'inference_score_duration_bucket',
  'inference_sample_to_score_latency_bucket',
  'inference_drift_psi',
  'inference_errors_total',
];

/**
 * The kernel's refusals (an append of a type the service does not own, an unknown type or schema
 * version) come from a service's own code or an edge site on other contracts, never from a user's
 * request: no cluster run has one to scrape. Checked against the declared list (families.ts).
 */
const NO_USER_EVENT = ['kernel_append_refusals_total'];

describe('a real Prometheus scraping every process of the cluster', () => {
  const dir = mkdtempSync(join(tmpdir(), 'observability-cluster-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds every target up, each family of issue 20 and healthy rules', { timeout: 1_200_000 }, async () => {
    const file = join(dir, 'prometheus.json');
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts/telemetry/check.ts')], {
      cwd: root,
      env: { ...process.env, CHECK_TELEMETRY_BASE_PORT: '12700', CHECK_TELEMETRY_PROMETHEUS_OUT: file, CHECK_TELEMETRY_SECONDS: '900' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => void (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => void (err = (err + d.toString()).slice(-20_000)));
    expect(await new Promise<number | null>((r) => child.once('exit', r)), err).toBe(0);
    const result = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { processes: number; processes_scraped: number };
    expect(result.processes_scraped, err).toBe(result.processes);
    const found = JSON.parse(readFileSync(file, 'utf8')) as {
      up: Record<string, number>;
      families: Record<string, string[]>;
      rules: { name: string; health: string }[];
      errors?: string[];
      driftFeatures?: string[];
    };
    expect(Object.keys(found.up).length, err).toBe(result.processes);
    for (const [p, v] of Object.entries(found.up)) expect(v, `${p} up`).toBe(1);
    for (const [p, families] of Object.entries(found.families))
      for (const f of ['process_cpu_time_total', 'target_info']) expect(families, `${p} serves ${f}`).toContain(f);
    for (const [p, families] of Object.entries(CLUSTER_FAMILIES)) for (const f of families) expect(found.families[p], `${p} serves ${f}`).toContain(f);
    const any = (f: string) => Object.values(found.families).some((list) => list.includes(f));
    for (const f of SOMEWHERE) expect(any(f), `some process serves ${f}`).toBe(true);
    const known = knownSeriesNames();
    for (const f of NO_USER_EVENT) expect(known.has(f), `${f} is declared`).toBe(true);
    // The refusal is the tampered model's, and the drift scores are the model's inputs.
    expect(found.errors, 'inference counted the tampered model version as refused').toContain('model_refused');
    expect(found.driftFeatures?.length ?? 0, 'drift PSI of the model inputs').toBeGreaterThan(0);
    expect(found.rules.length).toBeGreaterThanOrEqual(20);
    for (const r of found.rules) expect(r.health, r.name).toBe('ok');
  });
});
