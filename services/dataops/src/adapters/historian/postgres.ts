// PostgreSQL historian (cluster mode). Raw samples live in a table partitioned by source time
// (one partition per UTC day, created on demand; retention drops whole partitions), indexed by
// (series, time). Refined buckets and 1-minute rollups are merge-upserted in the same
// transaction as the raw rows and the batch id, so a redelivered batch changes nothing.
// Writes use unnest() over column arrays (array literals built in one pass, not escaped per
// element by the driver): one statement per table per group of batches.
import pg from 'pg';
import type { BucketStats } from '../../domain/resample.ts';
import type { DataopsStore, Historian, IngestBatch, RangeQuery, RawSample, RetentionResult, SeriesInfo, WriteResult } from '../../ports.ts';
import { createMetaStore, metaDdl } from '../meta-store.ts';
import { pgClient } from '../sql.ts';
import { DAY_MS, SEVERITY_CODE, SEVERITY_NAME, mergeBuckets } from './common.ts';

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
    throw new Error(`PostgreSQL store at ${options.connectionString} (schema ${options.schema}) could not be opened: ${String(e)}`, { cause: e });
  }
  const historian = new PostgresHistorian(pool, options.schema, options.refinedIntervalMs);
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

/** The UTC day every raw sample of the batches falls in, or null when they span several. */
function singleDay(batches: readonly IngestBatch[]): number | null {
  let day: number | null = null;
  for (const b of batches) {
    for (const s of b.raw) {
      const d = Math.floor(Math.round(s.ts) / DAY_MS);
      if (day === null) day = d;
      else if (d !== day) return null;
    }
  }
  return day;
}

/** A finite number as PostgreSQL reads it back exactly (JS shortest round-trip form); NaN/±Infinity spelled out. */
const numLiteral = (v: number): string => (Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity');

/** `{1,2,NULL}`: an array literal of numbers (no escaping needed). */
function numArray<T>(rows: readonly T[], pick: (r: T) => number | null): string {
  let out = '{';
  for (let i = 0; i < rows.length; i++) {
    const v = pick(rows[i] as T);
    out += (i === 0 ? '' : ',') + (v === null ? 'NULL' : numLiteral(v));
  }
  return `${out}}`;
}

/** `{"a","b\"c",NULL}`: an array literal of text, every element quoted and escaped. */
function pgArray(values: readonly (string | null)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) out += (i === 0 ? '' : ',') + quoteElement(values[i] ?? null);
  return `${out}}`;
}

const quoteElement = (v: string | null): string => (v === null ? 'NULL' : `"${v.replace(/[\\"]/g, '\\$&')}"`);

/** The raw rows of a group as array literals: series, times, value, text, unit, quality, severity, batch index (1-based), idx. */
function rawColumns(batches: readonly IngestBatch[], idOf: (asset: string, tag: string) => number): string[] & { idx: string } {
  const sid: string[] = [], ts: string[] = [], sts: string[] = [], val: string[] = [], txt: string[] = [], unit: string[] = [];
  const q: string[] = [], sev: string[] = [], bi: string[] = [], idx: string[] = [];
  const quoted = new Map<string, string>();
  const quote = (v: string | null): string => {
    if (v === null) return 'NULL';
    let e = quoted.get(v);
    if (e === undefined) quoted.set(v, (e = quoteElement(v)));
    return e;
  };
  batches.forEach((b, k) => {
    const batchIndex = String(k + 1);
    let lastTag: string | null = null;
    let lastId = '';
    b.raw.forEach((s, j) => {
      if (s.tag !== lastTag) {
        lastTag = s.tag;
        lastId = String(idOf(b.assetPath, s.tag));
      }
      sid.push(lastId);
      ts.push(String(Math.round(s.ts)));
      sts.push(String(Math.round(s.serverTs)));
      val.push(s.value === null ? 'NULL' : numLiteral(s.value));
      txt.push(s.text === null ? 'NULL' : quoteElement(s.text));
      unit.push(quote(s.unit));
      q.push(String(s.qualityCode));
      sev.push(String(SEVERITY_CODE[s.severity]));
      bi.push(batchIndex);
      idx.push(String(j));
    });
  });
  const lit = (a: string[]): string => `{${a.join(',')}}`;
  return Object.assign([lit(sid), lit(ts), lit(sts), lit(val), lit(txt), lit(unit), lit(q), lit(sev), lit(bi)], { idx: lit(idx) });
}
const num = (v: unknown): number => Number(v as Num);

class PostgresHistorian implements Historian {
  readonly #pool: pg.Pool;
  readonly #schema: string;
  readonly refinedIntervalMs: number;
  readonly #series = new Map<string, number>();
  readonly #partitions = new Set<number>();

  constructor(pool: pg.Pool, schema: string, refinedIntervalMs: number) {
    this.#pool = pool;
    this.#schema = schema;
    this.refinedIntervalMs = refinedIntervalMs;
  }

  async #seriesIds(batches: readonly IngestBatch[]): Promise<void> {
    const missing = new Map<string, { asset: string; tag: string; unit: string | null }>();
    for (const b of batches) {
      let lastTag: string | null = null;
      for (const s of b.raw) {
        if (s.tag === lastTag) continue;
        lastTag = s.tag;
        const k = `${b.assetPath}\u0000${s.tag}`;
        if (!this.#series.has(k) && !missing.has(k)) missing.set(k, { asset: b.assetPath, tag: s.tag, unit: s.unit });
      }
    }
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

  async #ensurePartitions(batches: readonly IngestBatch[]): Promise<void> {
    const days = new Set<number>();
    for (const b of batches) {
      let last = Number.NaN;
      for (const s of b.raw) {
        const d = Math.floor(s.ts / DAY_MS);
        if (d !== last) days.add((last = d));
      }
    }
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
    await this.#seriesIds(batches);
    await this.#ensurePartitions(batches);
    const c = await this.#pool.connect();
    try {
      await c.query('BEGIN');
      const fresh = await c.query<{ batch_id: string }>(
        `INSERT INTO ingested_batches (batch_id, asset_path, source_id, plant_time, samples)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::bigint[], $5::int[]) ON CONFLICT (batch_id) DO NOTHING RETURNING batch_id`,
        [batches.map((b) => b.batchId), batches.map((b) => b.assetPath), batches.map((b) => b.sourceId), batches.map((b) => Math.round(b.plantTime)), batches.map((b) => b.raw.length)],
      );
      const isNew = new Set(fresh.rows.map((r) => r.batch_id.toLowerCase()));
      const todo = batches.filter((b) => isNew.has(b.batchId.toLowerCase()));
      const duplicateIds = batches.filter((b) => !isNew.has(b.batchId.toLowerCase())).map((b) => b.batchId);
      if (todo.length > 0) {
        // One statement for every raw row of the group. Parameters are PostgreSQL array literals
        // built here (numbers need no escaping; text is quoted once per distinct value) instead of
        // JS arrays the driver would escape element by element; the batch id is an index into a
        // short uuid array rather than repeated on every row.
        const cols = rawColumns(todo, (a, t) => this.#id(a, t));
        // A group within one UTC day goes straight into that day's partition (no tuple routing).
        const day = singleDay(todo);
        const target = day === null ? 'raw_samples' : partitionName(day);
        await c.query(
          `INSERT INTO ${target} (series_id, ts, server_ts, value, value_text, unit, quality, severity, batch_id, idx)
           SELECT r.sid, r.ts, r.sts, r.val, r.txt, r.unit, r.q, r.sev, ($10::uuid[])[r.b], r.idx
           FROM unnest($1::int[], $2::bigint[], $3::bigint[], $4::float8[], $5::text[], $6::text[], $7::bigint[], $8::smallint[], $9::int[], $11::int[])
             AS r(sid, ts, sts, val, txt, unit, q, sev, b, idx)`,
          [...cols, pgArray(todo.map((b) => b.batchId)), cols.idx],
        );
        for (const [table, pick] of [
          ['refined', (b: IngestBatch) => b.refined],
          ['rollup_1m', (b: IngestBatch) => b.rollup],
        ] as const) {
          const rows = mergeBuckets(todo, pick, (a, t) => this.#id(a, t));
          if (rows.length === 0) continue;
          await c.query(
            `INSERT INTO ${table} AS t (series_id, bucket, n, s, lo, hi, last, last_ts)
             SELECT * FROM unnest($1::int[], $2::bigint[], $3::int[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::bigint[])
             ON CONFLICT (series_id, bucket) DO UPDATE SET n = t.n + excluded.n, s = t.s + excluded.s, lo = least(t.lo, excluded.lo), hi = greatest(t.hi, excluded.hi),
               last = CASE WHEN excluded.last_ts >= t.last_ts THEN excluded.last ELSE t.last END, last_ts = greatest(t.last_ts, excluded.last_ts)`,
            [
              numArray(rows, (r) => r.seriesId),
              numArray(rows, (r) => r.start),
              numArray(rows, (r) => r.count),
              numArray(rows, (r) => r.sum),
              numArray(rows, (r) => r.min),
              numArray(rows, (r) => r.max),
              numArray(rows, (r) => r.last),
              numArray(rows, (r) => Math.round(r.lastTs)),
            ],
          );
        }
      }
      await c.query('COMMIT');
      return { written: todo.length, duplicates: duplicateIds.length, duplicateIds };
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      // A partition dropped meanwhile (retention elsewhere): forget the cache so the retry recreates it.
      const code = (e as { code?: unknown }).code;
      if (code === '42P01' || code === '23514') this.#partitions.clear();
      throw e;
    } finally {
      c.release();
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
    return (r.rows as unknown[][]).map((x) => ({ start: x[0] as number, count: x[1] as number, sum: x[2] as number, min: x[3] as number, max: x[4] as number, last: x[5] as number, lastTs: x[6] as number }));
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
    return (r.rows as unknown[][]).map((x) => ({ start: x[0] as number, count: x[1] as number, sum: x[2] as number, min: x[3] as number, max: x[4] as number, last: x[5] as number, lastTs: x[6] as number }));
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
