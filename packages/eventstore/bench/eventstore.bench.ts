// npm run bench:eventstore — append / batch append / read-all / verify throughput on PostgreSQL
// and SQLite in the same run. Progress on stderr; the last stdout line is one JSON object.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  generateLedgerKeyPem,
  ledgerKeyFromPem,
  MemoryAnchorSink,
  openPostgresEventStore,
  openSqliteEventStore,
  type EventStore,
  type NewEvent,
} from '../src/index.ts';

const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SINGLE = Number(process.env.BENCH_SINGLE ?? 20_000);
const WRITERS = Number(process.env.BENCH_WRITERS ?? 16);
const BATCHES = Number(process.env.BENCH_BATCHES ?? 1_000);

const meta = { actor: 'bench', role: 'service', correlationId: 'bench', causationId: null, traceparent: null, schemaVersion: 1 };
const event = (i: number): NewEvent => ({
  id: randomUUID(),
  type: 'SampleMeasured',
  data: { asset: 'pump-4', tag: 'bearing_temperature', value: 60 + (i % 100) / 10, unit: 'degC', i },
  metadata: meta,
});

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
const log = (s: string): void => {
  process.stderr.write(`${s}\n`);
};

async function run(adapter: string, store: EventStore) {
  // 1. single-event appends, several writers on different streams, exact expected revision each time
  const perWriter = Math.floor(SINGLE / WRITERS);
  const lat: number[] = [];
  let t0 = performance.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      for (let i = 0; i < perWriter; i++) {
        const s = performance.now();
        await store.append(`bench-${w}`, [event(i)], { expectedRevision: i === 0 ? 'no-stream' : i - 1 });
        lat.push(performance.now() - s);
      }
    }),
  );
  const singleS = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const append_events_per_s = Math.round((perWriter * WRITERS) / singleS);
  log(`${adapter}: ${append_events_per_s} single appends/s (p99 ${pct(lat, 99).toFixed(2)} ms)`);
  // 2. batches of 100
  t0 = performance.now();
  const batchWriters = 4;
  await Promise.all(
    Array.from({ length: batchWriters }, async (_, w) => {
      for (let b = 0; b < BATCHES / batchWriters; b++) {
        await store.append(
          `batch-${w}`,
          Array.from({ length: 100 }, (_, i) => event(i)),
          { expectedRevision: b === 0 ? 'no-stream' : b * 100 - 1 },
        );
      }
    }),
  );
  const batch_append_events_per_s = Math.round((BATCHES * 100) / ((performance.now() - t0) / 1000));
  log(`${adapter}: ${batch_append_events_per_s} events/s in batches of 100`);
  // 3. read all
  const head = await store.headPosition();
  t0 = performance.now();
  let read = 0;
  for (let from = 1; from <= head;) {
    const page = await store.readAll({ fromPosition: from, maxCount: 10_000 });
    read += page.length;
    from += page.length;
    if (page.length === 0) break;
  }
  const read_all_events_per_s = Math.round(read / ((performance.now() - t0) / 1000));
  log(`${adapter}: read ${read} events at ${read_all_events_per_s}/s`);
  // 4. verify (chain + seals + anchors)
  await store.anchor();
  t0 = performance.now();
  const report = await store.verify();
  if (!report.ok) throw new Error(`verify failed: ${report.detail}`);
  const verify_events_per_s = Math.round(report.checked / ((performance.now() - t0) / 1000));
  log(`${adapter}: verified ${report.checked} events at ${verify_events_per_s}/s`);
  const paths = (store as { writePaths?: object }).writePaths; // PostgreSQL: one-statement predicted writes vs locked ones
  if (paths) log(`${adapter}: write transactions by path ${JSON.stringify(paths)}`);
  return {
    adapter,
    events: head,
    writers: WRITERS,
    append_events_per_s,
    append_p50_ms: +pct(lat, 50).toFixed(3),
    append_p99_ms: +pct(lat, 99).toFixed(3),
    batch_append_events_per_s,
    read_all_events_per_s,
    verify_events_per_s,
  };
}

const ledgerKey = ledgerKeyFromPem(generateLedgerKeyPem().privateKeyPem);
const results = [];
{
  const schema = `bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const store = await openPostgresEventStore({ connectionString: PG_URL, schema, ledgerKey, anchorSink: new MemoryAnchorSink(), anchorEvery: 0 });
  try {
    results.push(await run('postgres', store));
  } finally {
    await store.close();
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP SCHEMA ${schema} CASCADE`);
    await c.end();
  }
}
{
  const dir = mkdtempSync(join(tmpdir(), 'bench-es-'));
  const store = await openSqliteEventStore({ path: join(dir, 'events.db'), ledgerKey, anchorSink: new MemoryAnchorSink(), anchorEvery: 0 });
  try {
    results.push(await run('sqlite', store));
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(JSON.stringify({ bench: 'eventstore', machine: `${cpus().length} cores, ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`, results }));
