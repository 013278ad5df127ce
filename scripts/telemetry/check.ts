// `npm run check:telemetry` (issue 20): starts `npm run cluster` on ports of its own (58100+, its
// own NATS, PostgreSQL schemas of its own) with OTLP export to a receiver in this process, injects
// one fault into the simulated plant, then checks what an SRE would: every process scraped on its
// METRICS_PORT, every process's spans received, and whether one trace holds the chain from
// connectivity's publish through the historian write and the scoring to the raised prompt. The
// alert rules are checked and unit-tested with promtool. Last line: the JSON the issue names.
// (The HMI server has no telemetry yet: it counts as a process neither traced nor scraped.)
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';

const root = resolve(import.meta.dirname, '../..');
const env = process.env;
const base = Number(env.CHECK_TELEMETRY_BASE_PORT ?? 58100);
const PG_URL = env.CHECK_TELEMETRY_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const waitSeconds = Number(env.CHECK_TELEMETRY_SECONDS ?? 90);
const log = (s: string): void => void process.stderr.write(`check:telemetry │ ${s}\n`);

interface SpanSeen {
  service: string;
  name: string;
  traceId: string;
}

/** An OTLP/HTTP receiver (JSON, as @opentelemetry/exporter-trace-otlp-http sends it). */
async function otlpReceiver(): Promise<{ url: string; spans: SpanSeen[]; close(): void }> {
  const spans: SpanSeen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => void (body += d.toString()));
    req.on('end', () => {
      if (req.url?.startsWith('/v1/traces')) {
        try {
          const doc = JSON.parse(body) as {
            resourceSpans?: {
              resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
              scopeSpans?: { spans?: { name: string; traceId: string }[] }[];
            }[];
          };
          for (const rs of doc.resourceSpans ?? []) {
            const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
            for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) spans.push({ service, name: s.name, traceId: s.traceId });
          }
        } catch {
          // not JSON (protobuf): not counted
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, close: () => server.close() };
}

function promtool(args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('promtool', args, { cwd: join(root, 'infra/prometheus'), encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

/** Rules found by promtool, and how many of them a passing unit test covers. */
function alertRules(): { rules: number; tested: number } {
  const check = promtool(['check', 'rules', 'alerts.yml']);
  const rules = Number(/SUCCESS: (\d+) rules found/.exec(check.out)?.[1] ?? 0);
  const test = promtool(['test', 'rules', 'alerts.test.yml']);
  if (!test.ok) return { rules, tested: 0 };
  const names = new Set([...readFileSync(join(root, 'infra/prometheus/alerts.yml'), 'utf8').matchAll(/- alert: (\w+)/g)].map((m) => m[1]));
  const tested = new Set([...readFileSync(join(root, 'infra/prometheus/alerts.test.yml'), 'utf8').matchAll(/alertname: (\w+)/g)].map((m) => m[1]));
  return { rules, tested: [...names].filter((n) => tested.has(n)).length };
}

/** A process and its scrape endpoint in the launcher's banner: `relay-a http://127.0.0.1:58160/metrics`. */
const METRICS_LINE = /([a-z]+(?:-[a-z])?) http:\/\/127\.0\.0\.1:(\d+)\/metrics/g;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const rules = alertRules();
  log(`alert rules: ${rules.rules}, covered by passing unit tests: ${rules.tested}`);
  const otlp = await otlpReceiver();
  const dataDir = mkdtempSync(join(tmpdir(), 'check-telemetry-'));
  const schema = `checktel_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
  const proc = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts/platform/cluster.ts')], {
    cwd: root,
    env: {
      ...env,
      PLATFORM_DATA_DIR: dataDir,
      PLATFORM_BASE_PORT: String(base),
      PG_URL,
      PG_SCHEMA: schema,
      LOG_LEVEL: 'warn',
      OTEL_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_SAMPLE_RATIO: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  for (const s of [proc.stdout, proc.stderr]) s.on('data', (d: Buffer) => void (out = (out + d.toString()).slice(-200_000)));
  let scraped = 0;
  let processes = 0;
  try {
    for (let i = 0; !out.includes('Ctrl-C stops every process'); i++) {
      if (proc.exitCode !== null || i > 480) throw new Error(`the cluster did not start:\n${out.slice(-3000)}`);
      await sleep(500);
    }
    // The processes and their scrape endpoints, as the launcher printed them.
    const listed = [...out.matchAll(METRICS_LINE)].map((m) => ({
      name: m[1] ?? '',
      port: Number(m[2]),
    }));
    const hmi = /^hmi\s+│/m.test(out) || out.includes('HMI listening') ? 1 : 0;
    processes = listed.length + hmi;
    log(`${processes} processes (${listed.map((p) => p.name).join(', ')}${hmi ? ', hmi (no telemetry)' : ''})`);
    // Every process ready (its ready line), then one fault and time for the data path to carry it.
    for (let i = 0; i < 600 && !listed.every((p) => new RegExp(`${p.name}\\s*│ .*ready`).test(out)) && proc.exitCode === null; i++) await sleep(500);
    // One fault, so the data path carries a developing failure to a prompt while we watch.
    const engineer = /engineer token\s+(\S+)/.exec(out)?.[1] ?? '';
    const ca = readFileSync(join(dataDir, 'tls', 'ca.crt'));
    await new Promise<void>((r) => {
      const req = httpsRequest(
        `https://127.0.0.1:${base + 41}/faults`,
        { method: 'POST', ca, headers: { authorization: `Bearer ${engineer}`, 'content-type': 'application/json' } },
        (res) => {
          log(`fault injected: HTTP ${res.statusCode}`);
          res.resume();
          res.on('end', r);
        },
      );
      req.on('error', (e) => (log(`fault injection failed: ${e.message}`), r()));
      req.end(JSON.stringify({ asset: 'pump-4', fault: 'bearing_wear', developMinutes: 5 }));
    });
    await sleep(waitSeconds * 1000);
    if (proc.exitCode !== null) log(`the cluster stopped early:\n${out.slice(-4000)}`);
    for (const p of listed) {
      const text = await fetch(`http://127.0.0.1:${p.port}/metrics`).then(
        (r) => r.text(),
        () => '',
      );
      if (/^process_cpu_time_total\{/m.test(text)) scraped++;
      else log(`not scraped: ${p.name} (port ${p.port})`);
    }
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => (proc.exitCode !== null ? r(null) : proc.once('exit', r)));
    if (env.CHECK_TELEMETRY_LOG) writeFileSync(env.CHECK_TELEMETRY_LOG, out);
    otlp.close();
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP SCHEMA IF EXISTS ${schema}_historian CASCADE`).catch(() => undefined);
    await c.query('DELETE FROM public.relay_checkpoints WHERE name = $1', [schema]).catch(() => undefined);
    await c.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
  // Traced: each process whose service name sent spans (the two relays and the two inference replicas share one).
  const services = new Set(otlp.spans.map((s) => s.service));
  const traced = [...out.matchAll(METRICS_LINE)].map((m) => (m[1] ?? '').replace(/-[ab]$/, '')).filter((n) => services.has(n)).length;
  log(`spans received: ${otlp.spans.length} from ${[...services].join(', ') || 'none'}`);
  // The chain of issue 20 in one trace: connectivity's send, dataops' historian write, inference's scoring and prompt, the gateway's SSE, the Acknowledge.
  const chain: ((s: SpanSeen) => boolean)[] = [
    (s) => s.service === 'connectivity' && s.name.startsWith('send uns'),
    (s) => s.service === 'dataops' && s.name.startsWith('process uns'),
    (s) => s.service === 'inference' && s.name === 'score window',
    (s) => s.service === 'inference' && s.name === 'raise recommendation',
    (s) => s.service === 'inference' && /^(GET|POST) .*(events|acknowledge)/.test(s.name),
  ];
  const byTrace = new Map<string, SpanSeen[]>();
  for (const s of otlp.spans) byTrace.set(s.traceId, [...(byTrace.get(s.traceId) ?? []), s]);
  let best = 0;
  for (const spans of byTrace.values()) best = Math.max(best, chain.filter((c) => spans.some(c)).length);
  log(`longest chain in one trace: ${best} of ${chain.length} links`);
  process.stdout.write(
    `${JSON.stringify({
      check: 'telemetry',
      processes,
      processes_traced: traced,
      processes_scraped: scraped,
      trace_chain_complete: best === chain.length,
      alert_rules: rules.rules,
      alert_rule_tests_passed: rules.tested,
    })}\n`,
  );
}

main().catch((e: unknown) => {
  log(`could not run: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(2);
});
