// Embedded historian on node:sqlite (standalone mode): the same layers and guarantees as the
// PostgreSQL adapter (batch id ledger, raw rows unique per (batch, index), merge-upserted
// refined and 1-minute buckets, all in one transaction), without partitioning.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { BucketStats } from '../../domain/resample.ts';
import type { DataopsStore, Historian, IngestBatch, RangeQuery, RawSample, RetentionResult, SeriesInfo, WriteResult } from '../../ports.ts';
import { createMetaStore, metaDdl } from '../meta-store.ts';
import { Mutex, sqliteClient } from '../sql.ts';
import { SEVERITY_CODE, SEVERITY_NAME, mergeBuckets } from './common.ts';
import { withDbSpan } from './db-span.ts';

export interface SqliteStoreOptions {
  /** File path or ":memory:". */
  path: string;
  refinedIntervalMs: number;
}

const bucketDdl = (name: string) =>
  `CREATE TABLE IF NOT EXISTS ${name} (series_id INTEGER NOT NULL, bucket INTEGER NOT NULL, n INTEGER NOT NULL, s REAL NOT NULL, lo REAL NOT NULL,
    hi REAL NOT NULL, last REAL NOT NULL, last_ts INTEGER NOT NULL, PRIMARY KEY (series_id, bucket)) WITHOUT ROWID`;

export async function openSqliteDataopsStore(options: SqliteStoreOptions): Promise<DataopsStore & { readonly db: DatabaseSync }> {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new DatabaseSync(options.path);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA busy_timeout = 5000');
  for (const ddl of [
    `CREATE TABLE IF NOT EXISTS series (id INTEGER PRIMARY KEY, asset_path TEXT NOT NULL, tag TEXT NOT NULL, unit TEXT, UNIQUE (asset_path, tag))`,
    `CREATE TABLE IF NOT EXISTS ingested_batches (batch_id TEXT PRIMARY KEY, asset_path TEXT NOT NULL, source_id TEXT NOT NULL, plant_time INTEGER NOT NULL, samples INTEGER NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS raw_samples (series_id INTEGER NOT NULL, ts INTEGER NOT NULL, server_ts INTEGER NOT NULL, value REAL, value_text TEXT, unit TEXT,
      quality INTEGER NOT NULL, severity INTEGER NOT NULL, batch_id TEXT NOT NULL, idx INTEGER NOT NULL, UNIQUE (batch_id, idx))`,
    `CREATE INDEX IF NOT EXISTS raw_samples_series_ts ON raw_samples (series_id, ts)`,
    bucketDdl('refined'),
    bucketDdl('rollup_1m'),
    ...metaDdl('sqlite'),
  ]) {
    db.exec(ddl);
  }
  const mutex = new Mutex();
  const historian = new SqliteHistorian(db, mutex, options.refinedIntervalMs);
  return {
    kind: 'sqlite',
    db,
    historian,
    meta: createMetaStore(sqliteClient(db, mutex)),
    async close() {
      await mutex.run(async () => db.close());
    },
  };
}

const upsert = (table: string) =>
  `INSERT INTO ${table} (series_id, bucket, n, s, lo, hi, last, last_ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
   ON CONFLICT (series_id, bucket) DO UPDATE SET n = n + excluded.n, s = s + excluded.s, lo = min(lo, excluded.lo), hi = max(hi, excluded.hi),
     last = CASE WHEN excluded.last_ts >= last_ts THEN excluded.last ELSE last END, last_ts = max(last_ts, excluded.last_ts)`;

class SqliteHistorian implements Historian {
  readonly refinedIntervalMs: number;
  readonly #db: DatabaseSync;
  readonly #mutex: Mutex;
  readonly #series = new Map<string, number>();
  readonly #st: Record<'batch' | 'raw' | 'refined' | 'rollup' | 'seriesIns' | 'seriesGet', StatementSync>;

  constructor(db: DatabaseSync, mutex: Mutex, refinedIntervalMs: number) {
    this.#db = db;
    this.#mutex = mutex;
    this.refinedIntervalMs = refinedIntervalMs;
    this.#st = {
      batch: db.prepare('INSERT INTO ingested_batches (batch_id, asset_path, source_id, plant_time, samples) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING'),
      raw: db.prepare(
        `INSERT INTO raw_samples (series_id, ts, server_ts, value, value_text, unit, quality, severity, batch_id, idx) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      ),
      refined: db.prepare(upsert('refined')),
      rollup: db.prepare(upsert('rollup_1m')),
      seriesIns: db.prepare('INSERT INTO series (asset_path, tag, unit) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
      seriesGet: db.prepare('SELECT id FROM series WHERE asset_path = ? AND tag = ?'),
    };
  }

  #id(asset: string, tag: string, unit: string | null = null, create = true): number | null {
    const k = `${asset}\u0000${tag}`;
    const known = this.#series.get(k);
    if (known !== undefined) return known;
    if (create) this.#st.seriesIns.run(asset, tag, unit);
    const row = this.#st.seriesGet.get(asset, tag) as { id: number } | undefined;
    if (row === undefined) return null;
    this.#series.set(k, row.id);
    return row.id;
  }

  writeBatches(batches: readonly IngestBatch[]): Promise<WriteResult> {
    const span = { system: 'sqlite', operation: 'INSERT', collection: 'raw_samples', namespace: 'main', batchSize: batches.length };
    return withDbSpan(span, () => this.#write(batches));
  }

  #write(batches: readonly IngestBatch[]): Promise<WriteResult> {
    return this.#mutex.run(async () => {
      this.#db.exec('BEGIN IMMEDIATE');
      try {
        const todo: IngestBatch[] = [];
        const duplicateIds: string[] = [];
        for (const b of batches) {
          const r = this.#st.batch.run(b.batchId, b.assetPath, b.sourceId, Math.round(b.plantTime), b.raw.length);
          if (Number(r.changes) > 0) todo.push(b);
          else duplicateIds.push(b.batchId);
        }
        for (const b of todo) {
          b.raw.forEach((s, j) => {
            const id = this.#id(b.assetPath, s.tag, s.unit) as number;
            this.#st.raw.run(id, Math.round(s.ts), Math.round(s.serverTs), s.value, s.text, s.unit, s.qualityCode, SEVERITY_CODE[s.severity], b.batchId, j);
          });
        }
        for (const [st, pick] of [
          [this.#st.refined, (b: IngestBatch) => b.refined],
          [this.#st.rollup, (b: IngestBatch) => b.rollup],
        ] as const) {
          for (const r of mergeBuckets(todo, pick, (a, t) => this.#id(a, t) as number)) {
            st.run(r.seriesId, r.start, r.count, r.sum, r.min, r.max, r.last, Math.round(r.lastTs));
          }
        }
        this.#db.exec('COMMIT');
        return { written: todo.length, duplicates: duplicateIds.length, duplicateIds };
      } catch (e) {
        this.#db.exec('ROLLBACK');
        throw e;
      }
    });
  }

  async readRaw(q: RangeQuery & { limit?: number }): Promise<RawSample[]> {
    const id = this.#id(q.assetPath, q.tag, null, false);
    if (id === null) return [];
    const rows = this.#db
      .prepare(
        `SELECT ts, server_ts, value, value_text, unit, quality, severity FROM raw_samples WHERE series_id = ? AND ts >= ? AND ts < ? ORDER BY ts, batch_id, idx LIMIT ?`,
      )
      .all(id, Math.floor(q.from), Math.ceil(q.to), q.limit ?? 1_000_000) as Array<Record<string, number | string | null>>;
    return rows.map((r) => ({
      tag: q.tag,
      ts: Number(r.ts),
      serverTs: Number(r.server_ts),
      value: r.value === null ? null : Number(r.value),
      text: (r.value_text as string | null) ?? null,
      unit: (r.unit as string | null) ?? null,
      qualityCode: Number(r.quality),
      severity: SEVERITY_NAME[Number(r.severity)] ?? 'Bad',
    }));
  }

  async readBuckets(q: RangeQuery & { layer: 'refined' | 'rollup' }): Promise<BucketStats[]> {
    const id = this.#id(q.assetPath, q.tag, null, false);
    if (id === null) return [];
    const table = q.layer === 'refined' ? 'refined' : 'rollup_1m';
    const rows = this.#db
      .prepare(`SELECT bucket, n, s, lo, hi, last, last_ts FROM ${table} WHERE series_id = ? AND bucket >= ? AND bucket < ? ORDER BY bucket`)
      .all(id, Math.floor(q.from), Math.ceil(q.to)) as Array<Record<string, number>>;
    return rows.map((r) => ({
      start: Number(r.bucket),
      count: Number(r.n),
      sum: Number(r.s),
      min: Number(r.lo),
      max: Number(r.hi),
      last: Number(r.last),
      lastTs: Number(r.last_ts),
    }));
  }

  async rawBuckets(q: RangeQuery & { intervalMs: number }): Promise<BucketStats[]> {
    const id = this.#id(q.assetPath, q.tag, null, false);
    if (id === null) return [];
    // SQLite's bare-column rule: with max(ts), `value` comes from the row holding the max → last.
    const rows = this.#db
      .prepare(
        `SELECT (ts / CAST(?4 AS INTEGER)) * CAST(?4 AS INTEGER) AS b, count(*) AS n, sum(value) AS s, min(value) AS lo, max(value) AS hi, max(ts) AS last_ts, value AS last
         FROM raw_samples WHERE series_id = ?1 AND ts >= ?2 AND ts < ?3 AND severity < 2 AND value IS NOT NULL GROUP BY b ORDER BY b`,
      )
      .all(id, Math.floor(q.from), Math.ceil(q.to), Math.round(q.intervalMs)) as Array<Record<string, number>>;
    return rows.map((r) => ({
      start: Number(r.b),
      count: Number(r.n),
      sum: Number(r.s),
      min: Number(r.lo),
      max: Number(r.hi),
      last: Number(r.last),
      lastTs: Number(r.last_ts),
    }));
  }

  async listSeries(prefix = ''): Promise<SeriesInfo[]> {
    const rows = this.#db
      .prepare(`SELECT asset_path, tag, unit FROM series WHERE substr(asset_path, 1, ?) = ? ORDER BY asset_path, tag`)
      .all(prefix.length, prefix) as Array<Record<string, string | null>>;
    return rows.map((r) => ({ assetPath: String(r.asset_path), tag: String(r.tag), unit: r.unit ?? null }));
  }

  applyRetention(cutoff: number): Promise<RetentionResult> {
    return this.#mutex.run(async () => {
      const r = this.#db.prepare('DELETE FROM raw_samples WHERE ts < ?').run(Math.floor(cutoff));
      return { rawDeleted: Number(r.changes), partitionsDropped: 0 };
    });
  }

  async counts() {
    const one = (t: string) => Number((this.#db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n);
    return { raw: one('raw_samples'), refined: one('refined'), rollup: one('rollup_1m'), batches: one('ingested_batches') };
  }
}
