// PostgreSQL historian (cluster mode). Raw samples live in a table partitioned by source time
// (one partition per UTC day, created on demand; retention drops whole partitions), indexed by
// (series, time). Refined buckets and 1-minute rollups are merge-upserted together with the raw
// rows and the batch ids, so a redelivered batch changes nothing.
// A group of batches is written by ONE statement (data-modifying CTEs: batch ledger, raw rows,
// refined and rollup upserts), which commits on its own before it answers: one round trip per
// group, no client-side BEGIN/COMMIT. Columns go as binary arrays (pg-binary.ts) into unnest().
import pg from 'pg';
import type { BucketStats } from '../../domain/resample.ts';
import type { DataopsStore, Historian, IngestBatch, RangeQuery, RawSample, RetentionResult, SeriesInfo, WriteResult } from '../../ports.ts';
import { createMetaStore, metaDdl } from '../meta-store.ts';
import { pgClient } from '../sql.ts';
import { DAY_MS, SEVERITY_CODE, SEVERITY_NAME } from './common.ts';
import { withDbSpan } from './db-span.ts';
import { BinaryArray, OID, Utf8Cache } from './pg-binary.ts';

export interface PostgresStoreOptions {
  connectionString: string;
  /** Schema holding dataops' tables; one store per schema. */
  schema: string;
  refinedIntervalMs: number;
  poolSize?: number;
}

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

const bucketDdl = (name: string) =>
  `CREATE TABLE IF NOT EXISTS ${name} (series_id integer NOT NULL, bucket bigint NOT NULL, n integer NOT NULL, s double precision NOT NULL,
    lo double precision NOT NULL, hi double precision NOT NULL, last double precision NOT NULL, last_ts bigint NOT NULL, PRIMARY KEY (series_id, bucket))`;

export async function openPostgresDataopsStore(options: PostgresStoreOptions): Promise<DataopsStore & { readonly pool: pg.Pool }> {
  if (!SCHEMA.test(options.schema)) throw new Error(`schema "${options.schema}" must be a lowercase SQL identifier`);
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 6,
    application_name: 'industrial-dataops',
    options: `-c search_path=${options.schema}`,
  });
  pool.on('error', () => undefined);
  try {
    const c = await pool.connect();
    try {
      await c.query('SELECT pg_advisory_lock(hashtext($1))', [`dataops-migrate-${options.schema}`]);
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${options.schema}`);
      for (const ddl of [
        `CREATE TABLE IF NOT EXISTS series (id serial PRIMARY KEY, asset_path text NOT NULL, tag text NOT NULL, unit text, UNIQUE (asset_path, tag))`,
        `CREATE TABLE IF NOT EXISTS ingested_batches (batch_id uuid PRIMARY KEY, asset_path text NOT NULL, source_id uuid NOT NULL, plant_time bigint NOT NULL, samples integer NOT NULL, ingested_at timestamptz NOT NULL DEFAULT now())`,
        `CREATE TABLE IF NOT EXISTS raw_samples (series_id integer NOT NULL, ts bigint NOT NULL, server_ts bigint NOT NULL, value double precision, value_text text,
          unit text, quality bigint NOT NULL, severity smallint NOT NULL, batch_id uuid NOT NULL, idx integer NOT NULL) PARTITION BY RANGE (ts)`,
        // No unique index on (batch_id, idx): the batch ledger, written in the same transaction, already
        // guarantees a batch lands once, and the extra uuid index would halve ingest throughput.
        `CREATE INDEX IF NOT EXISTS raw_samples_series_ts ON raw_samples (series_id, ts)`,
        bucketDdl('refined'),
        bucketDdl('rollup_1m'),
        ...metaDdl('pg'),
      ]) {
        await c.query(ddl);
      }
      await c.query('SELECT pg_advisory_unlock(hashtext($1))', [`dataops-migrate-${options.schema}`]);
    } finally {
      c.release();
    }
  } catch (e) {
    await pool.end();
    throw new Error(`PostgreSQL store at ${redactUrl(options.connectionString)} (schema ${options.schema}) could not be opened: ${String(e)}`, { cause: e });
  }
  const historian = new PostgresHistorian(pool, options.schema, options.refinedIntervalMs, options.connectionString);
  return {
    kind: 'postgres',
    pool,
    historian,
    meta: createMetaStore(pgClient(pool)),
    async close() {
      await pool.end();
    },
  };
}

type Num = number | string;

/** The raw partition of a UTC day (days since the epoch). */
const partitionName = (day: number): string => `raw_samples_d${new Date(day * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '')}`;

/** Raw rows, refined and rollup buckets of a group as binary array parameters, in statement order. */
function groupParams(batches: readonly IngestBatch[], idOf: (asset: string, tag: string) => number, utf8: Utf8Cache): Buffer[] {
  /** Series id by tag within one batch (one asset), looked up once per tag. */
  const idsOf = (b: IngestBatch): ((tag: string) => number) => {
    const m = new Map<string, number>();
    return (tag) => {
      let id = m.get(tag);
      if (id === undefined) m.set(tag, (id = idOf(b.assetPath, tag)));
      return id;
    };
  };
  let n = 0;
  for (const b of batches) n += b.raw.length;
  const sid = BinaryArray.fixed(OID.int4, 4, n),
    ts = BinaryArray.fixed(OID.int8, 8, n),
    sts = BinaryArray.fixed(OID.int8, 8, n);
  const val = BinaryArray.fixed(OID.float8, 8, n),
    txt = new BinaryArray(OID.text, n * 4),
    unit = new BinaryArray(OID.text, n * 8);
  const q = BinaryArray.fixed(OID.int8, 8, n),
    sev = BinaryArray.fixed(OID.int2, 2, n),
    bi = BinaryArray.fixed(OID.int4, 4, n),
    idx = BinaryArray.fixed(OID.int4, 4, n);
  for (let k = 0; k < batches.length; k++) {
    const b = batches[k] as IngestBatch;
    const ids = idsOf(b);
    for (let j = 0; j < b.raw.length; j++) {
      const s = b.raw[j] as RawSample;
      sid.int4(ids(s.tag));
      ts.int8(Math.round(s.ts));
      sts.int8(Math.round(s.serverTs));
      if (s.value === null) val.null();
      else val.float8(s.value);
      if (s.text === null) txt.null();
      else txt.bytes(Buffer.from(s.text, 'utf8'));
      if (s.unit === null) unit.null();
      else unit.bytes(utf8.get(s.unit));
      q.int8(s.qualityCode);
      sev.int2(SEVERITY_CODE[s.severity]);
      bi.int4(k + 1);
      idx.int4(j);
    }
  }
  const out = [sid, ts, sts, val, txt, unit, q, sev, bi, idx].map((a) => a.finish());
  // Buckets per batch, not merged here: the statement merges those of the batches it newly stored.
  for (const pick of [(b: IngestBatch) => b.refined, (b: IngestBatch) => b.rollup]) {
    let m = 0;
    for (const b of batches) m += pick(b).length;
    const cols = [OID.int4, OID.int8, OID.int4, OID.float8, OID.float8, OID.float8, OID.float8, OID.int8, OID.int4].map((oid) => BinaryArray.fixed(oid, 8, m));
    const [bs, bb, bn, bsum, blo, bhi, blast, blts, bk] = cols as [
      BinaryArray,
      BinaryArray,
      BinaryArray,
      BinaryArray,
      BinaryArray,
      BinaryArray,
      BinaryArray,
      BinaryArray,
      BinaryArray,
    ];
    for (let k = 0; k < batches.length; k++) {
      const b = batches[k] as IngestBatch;
      const ids = idsOf(b);
      for (const x of pick(b)) {
        bs.int4(ids(x.tag));
        bb.int8(x.start);
        bn.int4(x.count);
        bsum.float8(x.sum);
        blo.float8(x.min);
        bhi.float8(x.max);
        blast.float8(x.last);
        blts.int8(Math.round(x.lastTs));
        bk.int4(k + 1);
      }
    }
    for (const c of cols) out.push(c.finish());
  }
  return out;
}

/**
 * The group statement. $1–$5: the batch ledger rows; $6–$15: raw columns (batch as a 1-based index
 * into $1); $16–$24 and $25–$33: refined and rollup buckets per batch. Only batches whose ledger
 * row is new (`fresh`) are written; their buckets are merged per key here (sum, min, max, the last
 * value by time, later batch on ties: as mergeStats) and upserted in key order, so concurrent
 * writers lock bucket rows in the same order. Answers with the ids of the batches it stored.
 */
const groupSql = (target: string): string => {
  const buckets = (table: string, p: number) =>
    `INSERT INTO ${table} AS t (series_id, bucket, n, s, lo, hi, last, last_ts)
       SELECT k.sid, k.bucket, sum(k.n)::int, sum(k.s), min(k.lo), max(k.hi), (array_agg(k.last ORDER BY k.last_ts DESC, k.o DESC))[1], max(k.last_ts)
       FROM unnest($${p}::int[], $${p + 1}::bigint[], $${p + 2}::int[], $${p + 3}::float8[], $${p + 4}::float8[], $${p + 5}::float8[], $${p + 6}::float8[], $${p + 7}::bigint[], $${p + 8}::int[])
         WITH ORDINALITY AS k(sid, bucket, n, s, lo, hi, last, last_ts, b, o)
       WHERE k.b IN (SELECT i FROM fresh_idx)
       GROUP BY k.sid, k.bucket ORDER BY k.sid, k.bucket
       ON CONFLICT (series_id, bucket) DO UPDATE SET n = t.n + excluded.n, s = t.s + excluded.s, lo = least(t.lo, excluded.lo), hi = greatest(t.hi, excluded.hi),
         last = CASE WHEN excluded.last_ts >= t.last_ts THEN excluded.last ELSE t.last END, last_ts = greatest(t.last_ts, excluded.last_ts)`;
  return `WITH fresh AS (
      INSERT INTO ingested_batches (batch_id, asset_path, source_id, plant_time, samples)
      SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::bigint[], $5::int[]) ORDER BY 1
      ON CONFLICT (batch_id) DO NOTHING RETURNING batch_id),
    fresh_idx AS (SELECT u.i::int AS i FROM unnest($1::uuid[]) WITH ORDINALITY AS u(id, i) WHERE u.id IN (SELECT batch_id FROM fresh)),
    raw AS (
      INSERT INTO ${target} (series_id, ts, server_ts, value, value_text, unit, quality, severity, batch_id, idx)
      SELECT r.sid, r.ts, r.sts, r.val, r.txt, r.unit, r.q, r.sev, ($1::uuid[])[r.b], r.idx
      FROM unnest($6::int[], $7::bigint[], $8::bigint[], $9::float8[], $10::text[], $11::text[], $12::bigint[], $13::smallint[], $14::int[], $15::int[])
        AS r(sid, ts, sts, val, txt, unit, q, sev, b, idx)
      WHERE r.b IN (SELECT i FROM fresh_idx)),
    refined_up AS (${buckets('refined', 16)}),
    rollup_up AS (${buckets('rollup_1m', 25)})
    SELECT batch_id FROM fresh`;
};

const num = (v: unknown): number => Number(v as Num);

class PostgresHistorian implements Historian {
  readonly #pool: pg.Pool;
  readonly #schema: string;
  readonly refinedIntervalMs: number;
  readonly #series = new Map<string, number>();
  readonly #partitions = new Set<number>();
  readonly #utf8 = new Utf8Cache();

  /** server.address/port of the database span, from the connection string. */
  readonly #server: { server?: { address: string; port: number } };

  constructor(pool: pg.Pool, schema: string, refinedIntervalMs: number, connectionString?: string) {
    this.#pool = pool;
    const url = connectionString !== undefined && URL.canParse(connectionString) ? new URL(connectionString) : null;
    this.#server = url === null || url.hostname === '' ? {} : { server: { address: url.hostname, port: Number(url.port || 5432) } };
    this.#schema = schema;
    this.refinedIntervalMs = refinedIntervalMs;
  }

  /** Series ids for every (asset, tag) of the group, created when new. */
  async #seriesIds(missing: ReadonlyMap<string, { asset: string; tag: string; unit: string | null }>): Promise<void> {
    if (missing.size === 0) return;
    const list = [...missing.values()];
    await this.#pool.query(
      `INSERT INTO series (asset_path, tag, unit) SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT (asset_path, tag) DO NOTHING`,
      [list.map((l) => l.asset), list.map((l) => l.tag), list.map((l) => l.unit)],
    );
    const rows = await this.#pool.query<{ id: number; asset_path: string; tag: string }>(
      `SELECT s.id, s.asset_path, s.tag FROM series s JOIN unnest($1::text[], $2::text[]) AS k(a, t) ON s.asset_path = k.a AND s.tag = k.t`,
      [list.map((l) => l.asset), list.map((l) => l.tag)],
    );
    for (const r of rows.rows) this.#series.set(`${r.asset_path}\u0000${r.tag}`, r.id);
  }

  #id(asset: string, tag: string): number {
    const id = this.#series.get(`${asset}\u0000${tag}`);
    if (id === undefined) throw new Error(`series ${asset}/${tag} has no id`);
    return id;
  }

  async #ensurePartitions(days: ReadonlySet<number>): Promise<void> {
    const todo = [...days].filter((d) => !this.#partitions.has(d)).sort((a, b) => a - b);
    if (todo.length === 0) return;
    const c = await this.#pool.connect();
    try {
      await c.query('BEGIN');
      // Concurrent writers would race on CREATE ... PARTITION OF; one lock per schema serialises them.
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`dataops-partitions-${this.#schema}`]);
      for (const d of todo) {
        const name = partitionName(d);
        await c.query(`CREATE TABLE IF NOT EXISTS ${name} PARTITION OF raw_samples FOR VALUES FROM (${d * DAY_MS}) TO (${(d + 1) * DAY_MS})`);
      }
      await c.query('COMMIT');
      for (const d of todo) this.#partitions.add(d);
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  async writeBatches(batches: readonly IngestBatch[]): Promise<WriteResult> {
    if (batches.length === 0) return { written: 0, duplicates: 0, duplicateIds: [] };
    // The same batch twice in one group (a redelivery that caught up with the first delivery):
    // written once, the later copy reported as a duplicate (as the SQLite adapter does).
    const ids = new Set<string>();
    const unique = batches.filter((b) => !ids.has(b.batchId.toLowerCase()) && ids.add(b.batchId.toLowerCase()));
    // One pass: the UTC days the raw rows fall in (as stored: rounded ms) and series not yet known.
    // Tags interleave within a batch (one scan of every tag per timestamp): look them up per batch.
    const days = new Set<number>();
    const missing = new Map<string, { asset: string; tag: string; unit: string | null }>();
    for (const b of unique) {
      const tags = new Set<string>();
      let lo = 0;
      let hi = -1;
      for (const s of b.raw) {
        const t = Math.round(s.ts);
        if (!(t >= lo && t < hi)) {
          const d = Math.floor(t / DAY_MS);
          days.add(d);
          lo = d * DAY_MS;
          hi = lo + DAY_MS;
        }
        if (tags.has(s.tag)) continue;
        tags.add(s.tag);
        const k = `${b.assetPath}\u0000${s.tag}`;
        if (!this.#series.has(k) && !missing.has(k)) missing.set(k, { asset: b.assetPath, tag: s.tag, unit: s.unit });
      }
    }
    await this.#seriesIds(missing);
    await this.#ensurePartitions(days);
    // A group within one UTC day goes straight into that day's partition (no tuple routing).
    const target = days.size === 1 ? partitionName(days.values().next().value as number) : 'raw_samples';
    const values: unknown[] = [
      unique.map((b) => b.batchId),
      unique.map((b) => b.assetPath),
      unique.map((b) => b.sourceId),
      unique.map((b) => Math.round(b.plantTime)),
      unique.map((b) => b.raw.length),
      ...groupParams(unique, (a, t) => this.#id(a, t), this.#utf8),
    ];
    try {
      // Unnamed: planning takes well under 1 % of the execution, and named statements would pile up
      // on every connection, one per day partition.
      const r = await withDbSpan(
        { system: 'postgresql', operation: 'INSERT', collection: 'raw_samples', namespace: this.#schema, batchSize: unique.length, ...this.#server },
        () => this.#pool.query<{ batch_id: string }>(groupSql(target), values),
      );
      const isNew = new Set(r.rows.map((x) => x.batch_id.toLowerCase()));
      const written = new Set<string>();
      const duplicateIds: string[] = [];
      for (const b of batches) {
        const k = b.batchId.toLowerCase();
        if (isNew.has(k) && !written.has(k)) written.add(k);
        else duplicateIds.push(b.batchId);
      }
      return { written: written.size, duplicates: duplicateIds.length, duplicateIds };
    } catch (e) {
      // A partition dropped meanwhile (retention elsewhere): forget the cache so the retry recreates it.
      const code = (e as { code?: unknown }).code;
      if (code === '42P01' || code === '23514') this.#partitions.clear();
      throw e;
    }
  }

  async #lookup(assetPath: string, tag: string): Promise<number | null> {
    const k = `${assetPath}\u0000${tag}`;
    const known = this.#series.get(k);
    if (known !== undefined) return known;
    const r = await this.#pool.query<{ id: number }>('SELECT id FROM series WHERE asset_path = $1 AND tag = $2', [assetPath, tag]);
    const id = r.rows[0]?.id ?? null;
    if (id !== null) this.#series.set(k, id);
    return id;
  }

  async readRaw(q: RangeQuery & { limit?: number }): Promise<RawSample[]> {
    const id = await this.#lookup(q.assetPath, q.tag);
    if (id === null) return [];
    const r = await this.#pool.query(
      `SELECT ts::float8 AS ts, server_ts::float8 AS server_ts, value, value_text, unit, quality::float8 AS quality, severity
       FROM raw_samples WHERE series_id = $1 AND ts >= $2 AND ts < $3 ORDER BY ts, batch_id, idx LIMIT $4`,
      [id, Math.floor(q.from), Math.ceil(q.to), q.limit ?? 1_000_000],
    );
    return r.rows.map((row: Record<string, unknown>) => ({
      tag: q.tag,
      ts: num(row.ts),
      serverTs: num(row.server_ts),
      value: row.value === null ? null : num(row.value),
      text: (row.value_text as string | null) ?? null,
      unit: (row.unit as string | null) ?? null,
      qualityCode: num(row.quality),
      severity: SEVERITY_NAME[num(row.severity)] ?? 'Bad',
    }));
  }

  async readBuckets(q: RangeQuery & { layer: 'refined' | 'rollup' }): Promise<BucketStats[]> {
    const id = await this.#lookup(q.assetPath, q.tag);
    if (id === null) return [];
    const table = q.layer === 'refined' ? 'refined' : 'rollup_1m';
    const r = await this.#pool.query({
      text: `SELECT bucket::float8, n, s, lo, hi, last, last_ts::float8 FROM ${table} WHERE series_id = $1 AND bucket >= $2 AND bucket < $3 ORDER BY bucket`,
      values: [id, Math.floor(q.from), Math.ceil(q.to)],
      rowMode: 'array',
    });
    return (r.rows as unknown[][]).map((x) => ({
      start: x[0] as number,
      count: x[1] as number,
      sum: x[2] as number,
      min: x[3] as number,
      max: x[4] as number,
      last: x[5] as number,
      lastTs: x[6] as number,
    }));
  }

  async rawBuckets(q: RangeQuery & { intervalMs: number }): Promise<BucketStats[]> {
    const id = await this.#lookup(q.assetPath, q.tag);
    if (id === null) return [];
    const r = await this.#pool.query({
      text: `SELECT (floor(ts / $4::float8) * $4)::float8 AS b, count(*)::int, sum(value), min(value), max(value),
               (array_agg(value ORDER BY ts DESC))[1], max(ts)::float8
             FROM raw_samples WHERE series_id = $1 AND ts >= $2 AND ts < $3 AND severity < 2 AND value IS NOT NULL GROUP BY 1 ORDER BY 1`,
      values: [id, Math.floor(q.from), Math.ceil(q.to), q.intervalMs],
      rowMode: 'array',
    });
    return (r.rows as unknown[][]).map((x) => ({
      start: x[0] as number,
      count: x[1] as number,
      sum: x[2] as number,
      min: x[3] as number,
      max: x[4] as number,
      last: x[5] as number,
      lastTs: x[6] as number,
    }));
  }

  async listSeries(prefix = ''): Promise<SeriesInfo[]> {
    const r = await this.#pool.query<{ asset_path: string; tag: string; unit: string | null }>(
      `SELECT asset_path, tag, unit FROM series WHERE asset_path LIKE $1 ORDER BY asset_path, tag`,
      [`${prefix.replace(/[%_\\]/g, (m) => `\\${m}`)}%`],
    );
    return r.rows.map((x) => ({ assetPath: x.asset_path, tag: x.tag, unit: x.unit }));
  }

  async applyRetention(cutoff: number): Promise<RetentionResult> {
    const c = await this.#pool.connect();
    try {
      await c.query('BEGIN');
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`dataops-partitions-${this.#schema}`]);
      const parts = await c.query<{ name: string; bound: string }>(
        `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace n ON n.oid = p.relnamespace WHERE p.relname = 'raw_samples' AND n.nspname = $1`,
        [this.#schema],
      );
      let rawDeleted = 0;
      let partitionsDropped = 0;
      for (const p of parts.rows) {
        const m = /TO \('?(-?\d+)'?\)/.exec(p.bound);
        const upper = m === null ? Number.POSITIVE_INFINITY : Number(m[1]);
        if (upper <= cutoff) {
          // The whole day is past retention: its statistics are in rollup_1m; drop it in one step.
          const cnt = await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${p.name}`);
          rawDeleted += Number(cnt.rows[0]?.n ?? 0);
          await c.query(`DROP TABLE ${p.name}`);
          partitionsDropped += 1;
          this.#partitions.delete((upper - DAY_MS) / DAY_MS);
        }
      }
      const del = await c.query('DELETE FROM raw_samples WHERE ts < $1', [Math.floor(cutoff)]);
      rawDeleted += del.rowCount ?? 0;
      await c.query('COMMIT');
      return { rawDeleted, partitionsDropped };
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  async counts() {
    const r = await this.#pool.query(
      `SELECT (SELECT count(*) FROM raw_samples)::int AS raw, (SELECT count(*) FROM refined)::int AS refined,
              (SELECT count(*) FROM rollup_1m)::int AS rollup, (SELECT count(*) FROM ingested_batches)::int AS batches`,
    );
    const row = r.rows[0] as Record<string, number>;
    return { raw: row.raw as number, refined: row.refined as number, rollup: row.rollup as number, batches: row.batches as number };
  }
}

/** The connection string without its password (errors and logs never carry secrets). */
export function redactUrl(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return '(an unparsable connection string)';
  }
}
