// `npm run check:telemetry` (issue 20): starts `npm run cluster` on ports of its own (12100+, its
// own NATS, PostgreSQL schemas of its own) with OTLP export to a receiver in this process, injects
// one fault into the simulated plant, opens the operator's live feed through the HMI's server and,
// once the fault has raised a prompt, acknowledges it through the HMI's server as the operator's
// browser would (the sign-in cookie, the form action). Then it checks what an SRE would: every
// process scraped on its METRICS_PORT, every process's spans received, and whether one trace holds
// the chain of issue 20 from the OPC UA read in connectivity to the Acknowledge (CHAIN below). The
// alert rules are checked and unit-tested with promtool. Last line: the JSON the issue names.
// CHECK_TELEMETRY_TRACE_OUT=<file>: the chain's trace (its spans, as received) is written there.
// CHECK_TELEMETRY_PROMETHEUS_OUT=<file>: a real Prometheus (Debian's) scrapes every process with the
// alert rules loaded; what it found (targets up, metric families per process, rule health) goes there,
// after a scrape of every process that began once the decision and the live feed were done.
// CHECK_TELEMETRY_BASE_PORT: the cluster's base port (default 12100, below Linux's ephemeral range; it uses base … base+120).
// The run also produces the events the rarer metric families need, as users would: the plant runs at 30×
// with 8 pumps (CLUSTER_SIM_ACCELERATION, CLUSTER_SIM_PUMPS) and a model trained by the platform's recipe
// serves one use case (CLUSTER_DEMO_MODELS, cached under .data/check-telemetry/models-<base port>: one
// folder per base port, so two runs at once — the trace test and the Prometheus test — never share one), so windows are
// scored by a model (inference_score_duration) and its drift is evaluated (inference_drift_psi: 200 rows
// of assets without an open prompt, so the healthy pumps, not the fault's pump 4); the simulator stamps its
// OPC UA server timestamps with the wall clock, so sample-to-score latency is measured; and an ML
// engineer promotes, through governance's four eyes, a version of that model whose ONNX file changed after
// its hash was recorded, which inference refuses (inference_errors_total{kind="model_refused"}). Before
// Prometheus's report it waits (within CHECK_TELEMETRY_SECONDS) until inference serves those families.
// CHECK_TELEMETRY_MODEL: the use case given a model (default pump-cavitation: the fault's prompts on pump 4 stay the limits' of
// pump-bearing and pump-rul; the mills' own failures keep prompts open on every mill, which leaves them out of drift).
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { cachedDemoModels } from '@industrial/training';
import { DEMO_ENGINEER, DEMO_QUALITY_LEAD, promoteThroughFrontDoor } from '../platform/demo-models.ts';
import { devKeys, devToken } from '../platform/dev-keys.ts';
import { readUseCaseFile } from '../platform/usecases.ts';

const root = resolve(import.meta.dirname, '../..');
const env = process.env;
const base = Number(env.CHECK_TELEMETRY_BASE_PORT ?? 12100);
const PG_URL = env.CHECK_TELEMETRY_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
// The longest wait for the fault's prompt and then for the model's events (a full window is 60 plant minutes = 2 minutes at the check's 30× plant clock; a drift evaluation needs 200 scored rows).
const waitSeconds = Number(env.CHECK_TELEMETRY_SECONDS ?? 900);
const log = (s: string): void => void process.stderr.write(`check:telemetry │ ${s}\n`);
const modelUseCase = env.CHECK_TELEMETRY_MODEL ?? 'pump-cavitation';
const modelsDir = join(root, `.data/check-telemetry/models-${base}`);

/** The inference families that need a model, a drift evaluation, a wall-clock server timestamp and an error (issue 20, item 3). */
const EVENT_FAMILIES = ['inference_score_duration_bucket', 'inference_sample_to_score_latency_bucket', 'inference_drift_psi', 'inference_errors_total'];

/**
 * An ML engineer's mistake, caught: a version of the served model whose ONNX file changed after its
 * hash was recorded (a copy with one byte appended), registered by training's account, requested by an
 * engineer, approved and promoted by a quality lead through governance's gRPC API. Inference must
 * refuse to load it (ModelRefused, integrity) and keep serving the previous version.
 */
async function promoteTamperedModel(dataDir: string, governance: string, caFile: string): Promise<string> {
  const f = readUseCaseFile(modelUseCase);
  const [p] = cachedDemoModels({ useCases: [{ useCaseId: f.useCaseId, serving: f.serving }], artifactsDir: modelsDir }) ?? [];
  if (p === undefined) return `no cached model for ${modelUseCase}`;
  const dir = join(dataDir, 'tampered-model');
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(p.dir).filter((n) => n.startsWith(p.bundle))) copyFileSync(join(p.dir, name), join(dir, name));
  appendFileSync(join(dir, `${p.bundle}.onnx`), Buffer.from([0]));
  const { accessDir } = await devKeys(dataDir);
  const { promoted, failed } = await promoteThroughFrontDoor([{ ...p, dir, cached: true }], {
    governance,
    tls: { caFile },
    tokens: {
      training: await devToken(accessDir, 'svc:training', ['service'], 600),
      engineer: await devToken(accessDir, DEMO_ENGINEER, ['engineer'], 600),
      qualityLead: await devToken(accessDir, DEMO_QUALITY_LEAD, ['quality_lead'], 600),
    },
  });
  return promoted[0] ? `version ${promoted[0].version} (${promoted[0].modelVersionId}) promoted` : `not promoted: ${failed[0]?.error ?? '?'}`;
}

/** Which of `families` the processes' /metrics endpoints serve now (any of them). */
async function served(ports: readonly number[], families: readonly string[]): Promise<Set<string>> {
  const texts = await Promise.all(
    ports.map((port) =>
      fetch(`http://127.0.0.1:${port}/metrics`).then(
        (r) => r.text(),
        () => '',
      ),
    ),
  );
  return new Set(families.filter((f) => texts.some((t) => new RegExp(`^${f}\\{`, 'm').test(t))));
}

interface SpanSeen {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  kind: number;
  attributes: Record<string, string | number | boolean>;
  /** Trace ids of the span's links (a group commit joining many traces). */
  linkedTraces: string[];
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  kind?: number;
  attributes?: { key: string; value: OtlpValue }[];
  links?: { traceId: string }[];
}
const valueOf = (v: OtlpValue): string | number | boolean =>
  v.stringValue ?? (v.intValue === undefined ? undefined : Number(v.intValue)) ?? v.doubleValue ?? v.boolValue ?? '';

/**
 * The chain of issue 20, in order: the OPC UA read (connectivity) → NATS → the historian write
 * (dataops; in the trace, or linking it: a group commit joins many traces) and the scoring
 * (inference) → RecommendationRaised → the gateway's SSE → the HMI's server → the Acknowledge.
 */
const CHAIN: { what: string; is: (s: SpanSeen, traceId: string) => boolean }[] = [
  { what: 'connectivity OPC UA read', is: (s) => s.service === 'connectivity' && s.name === 'opcua.Subscription/Publish' },
  { what: 'connectivity NATS publish', is: (s) => s.service === 'connectivity' && s.name.startsWith('send uns.') },
  { what: 'dataops NATS process', is: (s) => s.service === 'dataops' && s.name.startsWith('process uns.') },
  {
    what: 'dataops historian write (db span)',
    is: (s, t) => s.service === 'dataops' && s.attributes['db.system.name'] !== undefined && (s.traceId === t || s.linkedTraces.includes(t)),
  },
  { what: 'inference NATS process', is: (s) => s.service === 'inference' && s.name.startsWith('process uns.') },
  { what: 'inference scoring', is: (s) => s.service === 'inference' && s.name === 'score window' },
  { what: 'RecommendationRaised', is: (s) => s.service === 'inference' && s.name === 'raise recommendation' },
  { what: 'gateway SSE push', is: (s) => s.service === 'inference' && s.name === 'GET /api/v1/feed RecommendationRaised' },
  { what: 'HMI server call to the gateway', is: (s) => s.service === 'hmi' && s.name === 'POST /api/v1/recommendations/{id}/acknowledge' },
  { what: 'gateway Acknowledge', is: (s) => s.service === 'inference' && s.name === 'POST /api/v1/recommendations/:id/acknowledge' },
];

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
              scopeSpans?: { spans?: OtlpSpan[] }[];
            }[];
          };
          for (const rs of doc.resourceSpans ?? []) {
            const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
            for (const ss of rs.scopeSpans ?? [])
              for (const s of ss.spans ?? [])
                spans.push({
                  service,
                  name: s.name,
                  traceId: s.traceId,
                  spanId: s.spanId,
                  parentSpanId: s.parentSpanId ?? '',
                  kind: s.kind ?? 0,
                  attributes: Object.fromEntries((s.attributes ?? []).map((a) => [a.key, valueOf(a.value)])),
                  linkedTraces: (s.links ?? []).map((l) => l.traceId),
                });
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

/** A process and its scrape endpoint in the launcher's banner: `relay-a http://127.0.0.1:57160/metrics`. */
const METRICS_LINE = /([a-z]+(?:-[a-z])?) http:\/\/127\.0\.0\.1:(\d+)\/metrics/g;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface CallOptions {
  ca: Buffer;
  method?: string;
  bearer?: string;
  /** The HMI's sign-in cookie (the operator's token). */
  cookie?: string;
  body?: string;
  type?: string;
  headers?: Record<string, string>;
  /** Resolve at the response's head and keep the stream open (a live feed) until close(). */
  keepOpen?: boolean;
}

/** One HTTPS request trusting the cluster's CA; never rejects (status 0 on a network error). */
function call(url: string, o: CallOptions): Promise<{ status: number; body: string; close(): void }> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.bearer !== undefined) headers.authorization = `Bearer ${o.bearer}`;
    if (o.cookie !== undefined) headers.cookie = `hmi_token=${o.cookie}`;
    if (o.type !== undefined) headers['content-type'] = o.type;
    const req = httpsRequest(url, { method: o.method ?? 'GET', ca: o.ca, headers }, (res) => {
      if (o.keepOpen === true) {
        res.resume();
        resolve({ status: res.statusCode ?? 0, body: '', close: () => req.destroy() });
        return;
      }
      let body = '';
      res.on('data', (d: Buffer) => void (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, close: () => undefined }));
    });
    req.on('error', (e) => resolve({ status: 0, body: e.message, close: () => undefined }));
    req.end(o.body);
  });
}

/** A real Prometheus scraping every process (job industrial-platform, label process) with the alert rules. */
function startPrometheus(dir: string, targets: { name: string; port: number }[]) {
  const port = base + 99;
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      'global: { scrape_interval: 2s, evaluation_interval: 2s }',
      `rule_files: ['${join(root, 'infra/prometheus/alerts.yml')}']`,
      'scrape_configs:',
      '  - job_name: industrial-platform',
      '    static_configs:',
      ...targets.map((t) => `      - { targets: ['127.0.0.1:${t.port}'], labels: { process: ${t.name} } }`),
    ].join('\n'),
  );
  const p = spawn(
    'prometheus',
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: 'ignore' },
  );
  const api = `http://127.0.0.1:${port}/api/v1`;
  const query = async (q: string) =>
    (
      (await (await fetch(`${api}/query?query=${encodeURIComponent(q)}`)).json()) as {
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      }
    ).data.result;
  return {
    stop: () => p.kill('SIGTERM'),
    /** Waits (up to 30 s) until every target has been scraped after `sinceMs`, so what happened before is in the scrape. */
    async scrapedSince(sinceMs: number): Promise<boolean> {
      for (let i = 0; i < 60; i++) {
        const last = await query('min(timestamp(up{job="industrial-platform"}))').catch(() => []);
        if (Number(last[0]?.value[1] ?? 0) * 1000 > sinceMs) return true;
        await sleep(500);
      }
      return false;
    },
    async report() {
      try {
        const up = Object.fromEntries((await query('up{job="industrial-platform"}')).map((r) => [r.metric.process ?? '?', Number(r.value[1])]));
        const families: Record<string, string[]> = {};
        for (const g of await query('group by (__name__, process) ({job="industrial-platform"})')) {
          (families[g.metric.process ?? '?'] ??= []).push(g.metric.__name__ ?? '');
        }
        const rules = (
          (await (await fetch(`${api}/rules`)).json()) as { data: { groups: { rules: { name: string; health: string }[] }[] } }
        ).data.groups.flatMap((g) => g.rules);
        log(
          `prometheus: ${Object.values(up).filter((v) => v === 1).length} of ${targets.length} targets up, ${rules.length} rules (${rules.filter((r) => r.health === 'ok').length} healthy)`,
        );
        // which errors inference counted (by kind) and which model inputs have a drift score, as Prometheus has them
        const errors = [...new Set((await query('inference_errors_total')).map((r) => r.metric.kind ?? '?'))];
        const driftFeatures = [...new Set((await query('inference_drift_psi')).map((r) => r.metric.feature ?? '?'))];
        return { up, families, rules: rules.map((r) => ({ name: r.name, health: r.health })), errors, driftFeatures };
      } catch (e) {
        log(`prometheus not answering: ${e instanceof Error ? e.message : String(e)}`);
        return { up: {}, families: {}, rules: [], errors: [], driftFeatures: [] };
      }
    },
  };
}

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
      CLUSTER_SIM_ACCELERATION: '30',
      CLUSTER_SIM_PUMPS: '8',
      CLUSTER_DEMO_MODELS: modelUseCase,
      CLUSTER_MODELS_DIR: modelsDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  for (const s of [proc.stdout, proc.stderr]) s.on('data', (d: Buffer) => void (out = (out + d.toString()).slice(-200_000)));
  let scraped = 0;
  let processes = 0;
  let prometheus: ReturnType<typeof startPrometheus> | null = null;
  const started = Date.now();
  try {
    for (let i = 0; !out.includes('Ctrl-C stops every process'); i++) {
      if (proc.exitCode !== null || i > 480) throw new Error(`the cluster did not start:\n${out.slice(-3000)}`);
      await sleep(500);
    }
    // The processes and their scrape endpoints, as the launcher printed them (the HMI's server too).
    const listed = [...out.matchAll(METRICS_LINE)].map((m) => ({
      name: m[1] ?? '',
      port: Number(m[2]),
    }));
    processes = listed.length;
    log(`${processes} processes (${listed.map((p) => p.name).join(', ')})`);
    // Every process ready (its ready line; the HMI's server: listening), then one fault and time for the data path to carry it.
    const readyLine = (name: string) => (name === 'hmi' ? /hmi\s*│ HMI listening/ : new RegExp(`${name}\\s*│ .*ready`));
    for (let i = 0; i < 600 && !listed.every((p) => readyLine(p.name).test(out)) && proc.exitCode === null; i++) await sleep(500);
    if (env.CHECK_TELEMETRY_PROMETHEUS_OUT) prometheus = startPrometheus(dataDir, listed);
    const engineer = /engineer token\s+(\S+)/.exec(out)?.[1] ?? '';
    const operator = /operator token\s+(\S+)/.exec(out)?.[1] ?? '';
    const ca = readFileSync(join(dataDir, 'tls', 'ca.crt'));
    const hmiUrl = `https://127.0.0.1:${base + 10}`;
    // The operator's browser: the live feed through the HMI's server (kept open while we watch).
    const feed = await call(`${hmiUrl}/api/feed`, { ca, cookie: operator, keepOpen: true });
    log(`operator's live feed through the HMI: HTTP ${feed.status}`);
    // One fault, so the data path carries a developing failure to a prompt while we watch.
    const fault = await call(`https://127.0.0.1:${base + 41}/faults`, {
      ca,
      method: 'POST',
      bearer: engineer,
      body: JSON.stringify({ asset: 'pump-4', fault: 'bearing_wear', developMinutes: 5 }),
      type: 'application/json',
    });
    log(`fault injected: HTTP ${fault.status}`);
    // The prompt it raises, as the gateway lists it; then the operator's Acknowledge through the HMI's server.
    let promptId: string | null = null;
    for (let i = 0; i < waitSeconds && promptId === null && proc.exitCode === null; i++) {
      await sleep(1000);
      const listing = await call(`https://127.0.0.1:${base + 108}/api/v1/recommendations?open=true`, { ca, bearer: operator });
      let open: { recommendationId: string; assetPath?: string; mode?: string }[] = [];
      try {
        open = (JSON.parse(listing.body) as { recommendations?: typeof open }).recommendations ?? [];
      } catch {
        // not up yet
      }
      const prompts = open.filter((r) => r.mode !== 'shadow');
      // The injected fault's prompt (pump 4); another asset's only if pump 4 raised none in the time allowed.
      promptId = (prompts.find((r) => r.assetPath?.endsWith('pump-4')) ?? (i >= waitSeconds - 1 ? prompts[0] : undefined))?.recommendationId ?? null;
      if (promptId !== null) log(`prompt on ${prompts.find((r) => r.recommendationId === promptId)?.assetPath ?? '?'}`);
    }
    if (promptId === null) log(`no prompt raised within ${waitSeconds} s`);
    else {
      const ack = await call(`${hmiUrl}/?/acknowledge`, {
        ca,
        method: 'POST',
        cookie: operator,
        body: new URLSearchParams({ id: promptId }).toString(),
        type: 'application/x-www-form-urlencoded',
        headers: { origin: hmiUrl, accept: 'application/json', 'x-sveltekit-action': 'true' },
      });
      log(`prompt ${promptId} acknowledged through the HMI: HTTP ${ack.status} ${ack.body.slice(0, 200)}`);
    }
    feed.close();
    // The model's events: it is in production (the launcher says so), then the tampered version is promoted,
    // and inference serves the families that need a model, a drift evaluation and an error.
    const deadline = started + waitSeconds * 1000;
    while (!/models\s*│ (model for|no model|the demo models)/.test(out) && Date.now() < deadline && proc.exitCode === null) await sleep(1000);
    log(/models\s*│ .*$/m.exec(out)?.[0] ?? 'no model in production');
    if (/models\s*│ model for/.test(out))
      log(
        `tampered model for ${modelUseCase}: ${await promoteTamperedModel(dataDir, `127.0.0.1:${base + 1}`, join(dataDir, 'tls', 'ca.crt')).catch((e: unknown) => (e as Error).message)}`,
      );
    const inferencePorts = listed.filter((p) => p.name.startsWith('inference')).map((p) => p.port);
    let have = new Set<string>();
    while (Date.now() < deadline && proc.exitCode === null && (have = await served(inferencePorts, EVENT_FAMILIES)).size < EVENT_FAMILIES.length)
      await sleep(2000);
    log(`inference serves ${[...have].join(', ') || 'none'} of ${EVENT_FAMILIES.join(', ')}`);
    if (proc.exitCode !== null) log(`the cluster stopped early:\n${out.slice(-4000)}`);
    if (prometheus !== null && env.CHECK_TELEMETRY_PROMETHEUS_OUT) {
      // The decision's counter and the HMI's request histograms exist from the decision on: a scrape after it.
      const decided = Date.now() + 200;
      await sleep(300);
      if (!(await prometheus.scrapedSince(decided))) log('prometheus did not scrape every process after the decision within 30 s');
      writeFileSync(env.CHECK_TELEMETRY_PROMETHEUS_OUT, JSON.stringify(await prometheus.report(), null, 1));
    }
    for (const p of listed) {
      const text = await fetch(`http://127.0.0.1:${p.port}/metrics`).then(
        (r) => r.text(),
        () => '',
      );
      if (/^process_cpu_time_total\{/m.test(text)) scraped++;
      else log(`not scraped: ${p.name} (port ${p.port})`);
    }
  } finally {
    prometheus?.stop();
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
  // The chain of issue 20 in one trace (a trace holding RecommendationRaised, the prompt's).
  const byTrace = new Map<string, SpanSeen[]>();
  for (const s of otlp.spans) byTrace.set(s.traceId, [...(byTrace.get(s.traceId) ?? []), s]);
  let best: { traceId: string; found: boolean[] } = { traceId: '', found: CHAIN.map(() => false) };
  for (const [traceId, spans] of byTrace) {
    const found = CHAIN.map((c) => (c.what.includes('historian') ? otlp.spans : spans).some((s) => c.is(s, traceId)));
    if (found.filter(Boolean).length > best.found.filter(Boolean).length) best = { traceId, found };
  }
  const complete = best.found.every(Boolean);
  log(`longest chain in one trace (${best.traceId}): ${best.found.filter(Boolean).length} of ${CHAIN.length} links`);
  for (const [i, c] of CHAIN.entries()) log(`  ${best.found[i] ? '✓' : '✗'} ${c.what}`);
  if (env.CHECK_TELEMETRY_TRACE_OUT) {
    const linked = otlp.spans.filter((s) => s.traceId !== best.traceId && s.linkedTraces.includes(best.traceId));
    writeFileSync(env.CHECK_TELEMETRY_TRACE_OUT, JSON.stringify({ traceId: best.traceId, complete, spans: byTrace.get(best.traceId) ?? [], linked }, null, 1));
  }
  process.stdout.write(
    `${JSON.stringify({
      check: 'telemetry',
      processes,
      processes_traced: traced,
      processes_scraped: scraped,
      trace_chain_complete: complete,
      alert_rules: rules.rules,
      alert_rule_tests_passed: rules.tested,
    })}\n`,
  );
}

main().catch((e: unknown) => {
  log(`could not run: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(2);
});
