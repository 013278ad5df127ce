// dataops bench: UNS ingest from NATS JetStream into PostgreSQL (values/s), a 1-minute resampled
// range query over 1,000,000 samples, and a 100k-row snapshot. Last line is the JSON result.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { connectNatsBus } from '@industrial/bus';
import { createKeySet, importKeySet } from '@industrial/access';
import { generateLedgerKeyPem, ledgerKeyFromPem, openSqliteEventStore } from '@industrial/eventstore';
import { createDataopsApp, DEFAULT_CONFIG } from '../src/app.ts';
import { openPostgresDataopsStore } from '../src/adapters/historian/postgres.ts';
import { benchTracing } from '@industrial/telemetry/bench';

// BENCH_TRACING=1: the same run with tracing on (sampled, OTLP export), to measure what tracing costs.
const tracing = await benchTracing('dataops');

const PG_URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const NATS_URL = process.env.NATS_URL ?? '127.0.0.1:4222';
const BATCHES = Number(process.env.BENCH_BATCHES ?? 500);
const PER_BATCH = Number(process.env.BENCH_PER_BATCH ?? 2000);
const TAGS = 10;
const log = (msg: string) => process.stderr.write(`${msg}\n`);

const run = randomUUID().replaceAll('-', '').slice(0, 10);
const ent = `b${run}`;
const asset = `${ent}.plant1.milling.line-1.mill-1`;
const schema = `dataops_bench_${run}`;
const dir = mkdtempSync(join(tmpdir(), 'dataops-bench-'));
const T0 = Date.parse('2025-01-01T00:00:00Z');

const bus = await connectNatsBus({ servers: NATS_URL, name: 'dataops-bench' });
const data = await openPostgresDataopsStore({ connectionString: PG_URL, schema, refinedIntervalMs: 1000, poolSize: 8 });
const events = await openSqliteEventStore({ path: ':memory:', ledgerKey: ledgerKeyFromPem(generateLedgerKeyPem().privateKeyPem), anchorEvery: 0 });
const stream = `UNS_BENCH_${run}`;
// Group commits as the historian sees them (how many, how large, how long the writes took).
const groups: Array<{ size: number; ms: number }> = [];
const writeBatches = data.historian.writeBatches.bind(data.historian);
data.historian.writeBatches = async (batches) => {
  const s = performance.now();
  try {
    return await writeBatches(batches);
  } finally {
    groups.push({ size: batches.length, ms: performance.now() - s });
  }
};
// A bench-private subject space: a plant stream on `uns.v1.>` may exist on a shared server, and
// JetStream refuses overlapping streams. The ingest path does not read the subject (the asset
// comes from the payload), so this measures the same work.
const subjects = `bench_${run}.uns.v1.${ent}.>`;
const CONSUMERS = Number(process.env.BENCH_CONSUMERS ?? DEFAULT_CONFIG.uns.concurrency);
const app = createDataopsApp({
  store: events,
  data,
  bus,
  keySet: await importKeySet((await createKeySet({ now: new Date() })).keySet),
  logger: { info: () => undefined, warn: () => undefined, error: (f, m) => log(`${m} ${JSON.stringify(f)}`) },
  config: {
    ...DEFAULT_CONFIG,
    uns: { ...DEFAULT_CONFIG.uns, stream, subjects: [subjects], durable: 'bench', filterSubject: subjects, concurrency: CONSUMERS, ensureStream: true },
    events: null,
    // Bench data is synthetic ramps: keep the quality rules quiet so events do not dominate.
    quality: { flatlineWindowMs: 0, staleAfterIntervals: 1e9 },
    snapshotDir: dir,
  },
});

let result: Record<string, unknown> = { bench: 'dataops' };
try {
  // 1. Ingest: publish every batch first, then measure consuming + writing them.
  await bus.ensureStream({ name: stream, subjects: [subjects] });
  log(`publishing ${BATCHES} batches × ${PER_BATCH} samples (${TAGS} tags, 10 Hz)…`);
  const perTag = PER_BATCH / TAGS;
  const pubs: Promise<unknown>[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const samples = [];
    for (let i = 0; i < perTag; i++) {
      const ts = new Date(T0 + (b * perTag + i) * 100).toISOString();
      for (let t = 0; t < TAGS; t++) {
        samples.push({
          tag: `v${t}`,
          value: Math.sin((b * perTag + i) / 500) * 10 + t,
          unit: 'bar',
          quality: { severity: 'Good', code: 0 },
          sourceTimestamp: ts,
          serverTimestamp: ts,
        });
      }
    }
    const batchId = randomUUID();
    pubs.push(
      bus.publish(
        `bench_${run}.uns.v1.${asset}`,
        { batchId, sourceId: randomUUID(), assetPath: asset, samples, plantTime: new Date(T0 + (b + 1) * perTag * 100).toISOString() },
        { msgId: batchId },
      ),
    );
    if (pubs.length >= 64) await Promise.all(pubs.splice(0));
  }
  await Promise.all(pubs);
  const t0 = performance.now();
  await app.start();
  // Done when every batch is in the ledger (written in the same transaction as its rows). Only the
  // ledger is counted here: counts() also counts raw_samples, a scan of up to a million rows every
  // poll that would compete with the ingest for the same two cores.
  for (;;) {
    const r = await data.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM ingested_batches');
    if ((r.rows[0]?.n ?? 0) >= BATCHES) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const ingestS = (performance.now() - t0) / 1000;
  const meanSize = groups.reduce((a, g) => a + g.size, 0) / groups.length;
  const writeS = groups.reduce((a, g) => a + g.ms, 0) / 1000;
  log(`${groups.length} group commits, ${meanSize.toFixed(1)} batches each on average, ${writeS.toFixed(2)} s in writes (summed over concurrent ones)`);
  await app.stop();
  const values = BATCHES * PER_BATCH;
  log(`ingested ${values} values in ${ingestS.toFixed(2)} s`);
  const stored = await data.historian.counts();
  if (stored.raw !== values) throw new Error(`raw layer holds ${stored.raw} samples, expected ${values}: lost or duplicated`);

  // 2. Query: one tag holds values/TAGS samples; resample to 1-minute buckets over all of them.
  const samplesPerTag = values / TAGS;
  const to = T0 + samplesPerTag * 100;
  const q = { assetPath: asset, tags: ['v0'], from: T0, to, intervalMs: 60_000 };
  await app.queryTimeSeries(q); // warm
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const s = performance.now();
    const [r] = await app.queryTimeSeries(q);
    times.push(performance.now() - s);
    if (i === 0) log(`query: ${r?.points.length} buckets over ${samplesPerTag} samples of v0, layer ${r?.layer}`);
  }
  times.sort((a, b) => a - b);
  const queryMs = times[2] as number;

  // 3. Snapshot of 100k rows × 10 columns from an import.
  const rows = 100_000;
  const header = ['id', ...Array.from({ length: 9 }, (_, i) => `x${i}`)];
  const lines = [header.join(',')];
  for (let i = 0; i < rows; i++) lines.push([i, ...Array.from({ length: 9 }, (_, j) => ((i * (j + 1)) % 997) / 7)].join(','));
  const file = join(dir, 'bench.csv');
  writeFileSync(file, lines.join('\n'));
  const imp = await app.importCsv(
    { name: 'bench.csv', path: file, mapping: { order: { column: 'id' }, fields: header.slice(1).map((c) => ({ column: c })) } },
    { subject: 'bench', role: 'engineer' },
  );
  const s0 = performance.now();
  await app.createSnapshot(
    {
      datasetId: randomUUID(),
      useCaseId: randomUUID(),
      source: { kind: 'import', importId: imp.importId },
      split: { kind: 'chronological', by: 'id', train: 0.7, validation: 0.15 },
      assetPath: asset,
    },
    { subject: 'bench', role: 'engineer' },
  );
  const snapMs = performance.now() - s0;

  result = {
    bench: 'dataops',
    consumers: CONSUMERS,
    ingest_values_per_s: Math.round(values / ingestS),
    query_1m_resampled_ms: Math.round(queryMs * 10) / 10,
    snapshot_100k_rows_ms: Math.round(snapMs),
  };
} finally {
  await bus.deleteStream(stream).catch(() => false);
  await bus.deleteStream(`${stream}_DLQ`).catch(() => false);
  await bus.close();
  await events.close();
  await data.close();
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
  rmSync(dir, { recursive: true, force: true });
}
await tracing.stop();
process.stdout.write(`${JSON.stringify(result)}\n`);
