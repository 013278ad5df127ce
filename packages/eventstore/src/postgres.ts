// PostgreSQL adapter (production default). One table per schema; the store-wide advisory
// transaction lock serialises writers so positions commit in order (see core.ts, ADR 0002).
import pg from 'pg';
import { CoreEventStore, type Backend, type CoreOptions, type LockedState, type StoredRef } from './core.ts';
import { GENESIS_HASH, type ChainRow } from './ledger.ts';
import { EventStoreError, InvalidArgumentError } from './errors.ts';
import type { EventStore } from './types.ts';

export interface PostgresEventStoreOptions extends CoreOptions {
  /** libpq-style connection string, e.g. postgres://postgres@127.0.0.1:5432/postgres */
  connectionString: string;
  /** Schema that holds the store's tables (one store per schema). Default "eventstore". */
  schema?: string;
  poolSize?: number;
  /**
   * Plan a write on the state this store predicts and commit it in one statement (default true); the
   * locked path (lock and load, plan, insert, commit) is used when the prediction fails. Turn it off
   * when many processes write the same store at once, where most predictions would fail.
   */
  predictedWrites?: boolean;
}

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

/** How many write transactions took the one-statement predicted path, the locked path, or mispredicted first. */
export interface WritePathStats {
  predicted: number;
  locked: number;
  mispredicted: number;
}

export async function openPostgresEventStore(
  options: PostgresEventStoreOptions,
): Promise<EventStore & { readonly schema: string; readonly pool: pg.Pool; readonly writePaths: Readonly<WritePathStats> }> {
  const schema = options.schema ?? 'eventstore';
  if (!SCHEMA.test(schema)) throw new InvalidArgumentError('schema', 'must be a lowercase SQL identifier');
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 6, application_name: 'industrial-eventstore' });
  pool.on('error', () => undefined); // idle client errors surface on the next query instead of crashing the process
  try {
    await migrate(pool, schema);
  } catch (e) {
    await pool.end();
    throw e;
  }
  const backend = new PostgresBackend(pool, schema, options.predictedWrites ?? true);
  const store = new CoreEventStore(backend, options) as CoreEventStore & { schema: string; pool: pg.Pool; writePaths: WritePathStats };
  Object.defineProperty(store, 'schema', { value: schema });
  Object.defineProperty(store, 'pool', { value: pool });
  Object.defineProperty(store, 'writePaths', { value: backend.stats });
  return store;
}

async function migrate(pool: pg.Pool, s: string): Promise<void> {
  const c = await pool.connect();
  try {
    // Serialise concurrent migrations of the same schema.
    await c.query('BEGIN');
    await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`migrate:${s}`]);
    await c.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await c.query(`CREATE TABLE IF NOT EXISTS ${s}.events (
      position   bigint PRIMARY KEY,
      id         uuid   NOT NULL UNIQUE,
      stream     text   NOT NULL,
      revision   bigint NOT NULL,
      type       text   NOT NULL,
      data       text   NOT NULL,
      metadata   text   NOT NULL,
      prev_hash  text   NOT NULL,
      hash       text   NOT NULL,
      seal       text   NOT NULL,
      UNIQUE (stream, revision)
    )`);
    // One round trip under the lock: head, which ids exist, each stream's last revision.
    await c.query(`CREATE OR REPLACE FUNCTION ${s}.lock_and_load(lock_key bigint, ids uuid[], streams text[])
      RETURNS json LANGUAGE plpgsql
      -- Plan each call with the table as it is now: a plan cached while the table was small
      -- (sequential scans) made id look-ups O(table) per append and batch appends 10x slower.
      SET plan_cache_mode = force_custom_plan
      AS $$
      DECLARE result json;
      BEGIN
        PERFORM pg_advisory_xact_lock(lock_key);
        -- Delivered only if and when this transaction commits; saves a round trip after the insert.
        PERFORM pg_notify('eventstore_${s}', '');
        SELECT json_build_object(
          'head', (SELECT json_build_object('position', position, 'hash', hash) FROM ${s}.events ORDER BY position DESC LIMIT 1),
          'existing', (SELECT coalesce(json_agg(json_build_object('id', id, 'stream', stream, 'revision', revision, 'position', position)), '[]'::json) FROM ${s}.events WHERE id = ANY(ids)),
          'revisions', (SELECT coalesce(json_agg(json_build_object('stream', e.stream, 'revision', e.revision)), '[]'::json)
                        FROM unnest(streams) AS q(stream)
                        CROSS JOIN LATERAL (SELECT stream, revision FROM ${s}.events WHERE stream = q.stream ORDER BY revision DESC LIMIT 1) e)
        ) INTO result;
        RETURN result;
      END $$`);
    // The predicted path: one statement, one implicit transaction, one round trip. The writer planned its
    // rows on the state it predicts (the head it last wrote, each stream's last known or expected revision,
    // none of the ids stored). Under the same store-wide lock, taken first, the prediction is checked —
    // head, every stream's revision, the ids the plan does not insert — and the ids it does insert are
    // checked by the unique index; only if all hold is the plan the one lock_and_load would have produced,
    // and the rows commit. Otherwise nothing is written (false) and the writer takes the locked path.
    await c.query(`CREATE OR REPLACE FUNCTION ${s}.append_predicted(lock_key bigint, head_position bigint, head_hash text,
        check_ids uuid[], streams text[], revisions bigint[], rows_text text, row_count int)
      RETURNS boolean LANGUAGE plpgsql
      SET plan_cache_mode = force_custom_plan
      AS $$
      DECLARE hp bigint; hh text; n bigint;
      BEGIN
        PERFORM pg_advisory_xact_lock(lock_key);
        SELECT position, hash INTO hp, hh FROM ${s}.events ORDER BY position DESC LIMIT 1;
        IF coalesce(hp, 0) <> head_position OR (hp IS NOT NULL AND hh <> head_hash) THEN RETURN false; END IF;
        IF EXISTS (SELECT 1 FROM unnest(streams, revisions) AS q(stream, revision)
                   WHERE (SELECT e.revision FROM ${s}.events e WHERE e.stream = q.stream ORDER BY e.revision DESC LIMIT 1) IS DISTINCT FROM q.revision)
        THEN RETURN false; END IF;
        IF cardinality(check_ids) > 0 AND EXISTS (SELECT 1 FROM ${s}.events WHERE id = ANY(check_ids)) THEN RETURN false; END IF;
        IF row_count = 0 THEN RETURN true; END IF;
        BEGIN
          INSERT INTO ${s}.events (${COLS})
            SELECT f[1]::bigint, f[2]::uuid, f[3], f[4]::bigint, f[5], f[6], f[7], f[8], f[9], f[10]
            FROM string_to_table(rows_text, E'\\x1e') AS r(line), string_to_array(r.line, E'\\x1f') AS f
            WHERE cardinality(f) = 10;
        EXCEPTION WHEN unique_violation THEN
          RETURN false; -- an id already stored (or a position/revision taken): the prediction was wrong
        END;
        GET DIAGNOSTICS n = ROW_COUNT;
        IF n <> row_count THEN
          RAISE EXCEPTION 'insert wrote % of % rows: a field contained a separator character', n, row_count USING ERRCODE = 'data_corrupted';
        END IF;
        PERFORM pg_notify('eventstore_${s}', '');
        RETURN true;
      END $$`);
    await c.query('COMMIT');
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    c.release();
  }
}

interface RawRow {
  position: string;
  id: string;
  stream: string;
  revision: string;
  type: string;
  data: string;
  metadata: string;
  prev_hash: string;
  hash: string;
  seal: string;
}

const COLS = 'position, id, stream, revision, type, data, metadata, prev_hash, hash, seal';
const COLS_NO_SEAL = 'position, id, stream, revision, type, data, metadata, prev_hash, hash';

type RawTuple = [string, string, string, string, string, string, string, string, string, string];

// Rows go as one text parameter, fields joined by U+001F and rows by U+001E, split server-side:
// PostgreSQL's json_to_recordset spent ~10 µs per row parsing (more than the insert), string_to_table
// and string_to_array are memchr-fast. Neither control character can occur in a field: data and
// metadata are canonical JSON (JSON escapes U+0000–U+001F), id/stream/type are validated and the
// hashes are hex. A stray separator would change a row's field count: such rows are not inserted,
// the row count check fails and the transaction rolls back.
function rowsText(rows: ChainRow[]): string {
  let text = '';
  for (let i = 0; i < rows.length; i++) {
    const x = rows[i] as ChainRow;
    text += `${i === 0 ? '' : '\x1e'}${x.position}\x1f${x.id}\x1f${x.stream}\x1f${x.revision}\x1f${x.type}\x1f${x.data}\x1f${x.metadata}\x1f${x.prevHash}\x1f${x.hash}\x1f${x.seal}`;
  }
  return text;
}

function toRow(r: RawRow): ChainRow {
  return {
    position: Number(r.position),
    id: r.id,
    stream: r.stream,
    revision: Number(r.revision),
    type: r.type,
    data: r.data,
    metadata: r.metadata,
    prevHash: r.prev_hash,
    hash: r.hash,
    seal: r.seal,
  };
}

class PostgresBackend implements Backend {
  readonly adapter = 'postgres';
  private readonly pool: pg.Pool;
  private readonly s: string;
  private readonly channel: string;
  private listener: pg.PoolClient | null = null;
  private listening: Promise<void> | null = null;
  private waiters = new Set<() => void>();
  private changes = 0;
  private lockKey: string | null = null;
  // Prediction for the one-round-trip path: the head this store last saw under the lock and each
  // stream's last revision it saw (null = no stream). Only ever a guess: append_predicted checks it.
  private known: { position: number; hash: string } | null = null;
  private readonly revs = new Map<string, number | null>();
  private skipPredicted = 0;
  readonly stats: WritePathStats = { predicted: 0, locked: 0, mispredicted: 0 };

  private readonly predict: boolean;

  constructor(pool: pg.Pool, schema: string, predict: boolean) {
    this.pool = pool;
    this.predict = predict;
    this.s = schema;
    this.channel = `eventstore_${schema}`;
  }

  private async key(c: pg.PoolClient): Promise<string> {
    if (this.lockKey === null) {
      const r = await c.query<{ k: string }>('SELECT hashtextextended($1, 0)::text AS k', [`eventstore:${this.s}`]);
      this.lockKey = r.rows[0]?.k ?? '0';
    }
    return this.lockKey;
  }

  async write(
    ids: string[],
    streams: string[],
    plan: (state: LockedState) => ChainRow[],
    beforeCommit?: () => Promise<void>,
    expected?: ReadonlyMap<string, number | null>,
  ): Promise<void> {
    const c = await this.pool.connect();
    try {
      const key = await this.key(c);
      // The test hook needs an open transaction to hold; after a misprediction (another process is
      // writing) the locked path is used for a while, since a wrong guess costs a round trip.
      if (this.predict && this.known !== null && !beforeCommit && this.skipPredicted === 0) {
        if (await this.writePredicted(c, key, ids, streams, plan, expected)) return;
        this.stats.mispredicted++;
        this.skipPredicted = 8;
      } else if (this.skipPredicted > 0) this.skipPredicted--;
      await c.query('BEGIN');
      const loaded = await c.query<{
        r: {
          head: { position: string | number; hash: string } | null;
          existing: { id: string; stream: string; revision: number; position: number }[];
          revisions: { stream: string; revision: number }[];
        };
      }>({
        name: `es_load_${this.s}`,
        text: `SELECT ${this.s}.lock_and_load($1::bigint, $2::uuid[], $3::text[]) AS r`,
        values: [key, ids, streams],
      });
      const r = loaded.rows[0]?.r;
      const state: LockedState = {
        headPosition: r?.head ? Number(r.head.position) : 0,
        headHash: r?.head ? r.head.hash : GENESIS_HASH,
        existing: new Map<string, StoredRef>(
          (r?.existing ?? []).map((e) => [e.id, { stream: e.stream, revision: Number(e.revision), position: Number(e.position) }]),
        ),
        revisions: new Map((r?.revisions ?? []).map((e) => [e.stream, Number(e.revision)])),
      };
      const rows = plan(state);
      if (rows.length > 0) {
        const inserted = await c.query({
          name: `es_insert_${this.s}`,
          text: `INSERT INTO ${this.s}.events (${COLS})
           SELECT f[1]::bigint, f[2]::uuid, f[3], f[4]::bigint, f[5], f[6], f[7], f[8], f[9], f[10]
           FROM string_to_table($1::text, E'\\x1e') AS r(line), string_to_array(r.line, E'\\x1f') AS f
           WHERE cardinality(f) = 10`,
          values: [rowsText(rows)],
        });
        if (inserted.rowCount !== rows.length)
          throw new EventStoreError('INTEGRITY', `insert wrote ${inserted.rowCount} of ${rows.length} rows: a field contained a separator character`);
      }
      if (beforeCommit) await beforeCommit();
      await c.query('COMMIT');
      this.stats.locked++;
      this.remember(
        state.headPosition,
        state.headHash,
        streams.map((st) => [st, state.revisions.get(st) ?? null]),
        rows,
      );
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      this.forget();
      throw e;
    } finally {
      c.release();
    }
  }

  /** One statement on the predicted state; true when it committed, false when nothing was written. */
  private async writePredicted(
    c: pg.PoolClient,
    key: string,
    ids: string[],
    streams: string[],
    plan: (state: LockedState) => ChainRow[],
    expected: ReadonlyMap<string, number | null> | undefined,
  ): Promise<boolean> {
    const known = this.known as { position: number; hash: string };
    // A stream this store has not seen is predicted at the revision its append expects ('any': absent).
    const predictedRevs = streams.map((st): number | null => (this.revs.has(st) ? (this.revs.get(st) as number | null) : (expected?.get(st) ?? null)));
    const revisions = new Map<string, number>();
    streams.forEach((st, i) => {
      const r = predictedRevs[i];
      if (r !== null && r !== undefined) revisions.set(st, r);
    });
    const rows = plan({ headPosition: known.position, headHash: known.hash, existing: new Map(), revisions });
    // Ids the rows insert are checked by the unique index; the others (appends the plan refuses) explicitly.
    const inserted = new Set(rows.map((r) => r.id));
    const checkIds = rows.length === ids.length ? [] : ids.filter((id) => !inserted.has(id));
    let ok: boolean;
    try {
      const r = await c.query<[boolean]>({
        name: `es_predicted_${this.s}`,
        text: `SELECT ${this.s}.append_predicted($1::bigint, $2::bigint, $3::text, $4::uuid[], $5::text[], $6::bigint[], $7::text, $8::int)`,
        values: [key, known.position, known.hash, checkIds, streams, predictedRevs, rowsText(rows), rows.length],
        rowMode: 'array',
      });
      ok = r.rows[0]?.[0] === true;
    } catch (e) {
      this.forget();
      if ((e as { code?: string }).code === 'XX001') throw new EventStoreError('INTEGRITY', (e as Error).message);
      throw e;
    }
    if (!ok) {
      this.forget();
      return false;
    }
    this.stats.predicted++;
    this.remember(
      known.position,
      known.hash,
      streams.map((st, i) => [st, predictedRevs[i] ?? null]),
      rows,
    );
    return true;
  }

  /** After a commit: the head and stream revisions as this transaction left them. */
  private remember(headPosition: number, headHash: string, seen: [string, number | null][], rows: ChainRow[]): void {
    if (this.revs.size > 50_000) this.revs.clear();
    for (const [st, r] of seen) this.revs.set(st, r);
    for (const r of rows) this.revs.set(r.stream, r.revision);
    const last = rows.at(-1);
    this.known = last ? { position: last.position, hash: last.hash } : { position: headPosition, hash: headHash };
  }

  private forget(): void {
    this.known = null;
    this.revs.clear();
  }

  async readStream(stream: string, direction: 'forwards' | 'backwards', fromRevision: number | null, limit: number): Promise<ChainRow[] | null> {
    const fwd = direction === 'forwards';
    const from = fromRevision ?? (fwd ? 0 : Number.MAX_SAFE_INTEGER);
    const r = await this.pool.query<RawRow>(
      `SELECT ${COLS} FROM ${this.s}.events WHERE stream = $1 AND revision ${fwd ? '>=' : '<='} $2 ORDER BY revision ${fwd ? 'ASC' : 'DESC'} LIMIT $3`,
      [stream, from, limit],
    );
    if (r.rows.length === 0) {
      const exists = await this.pool.query(`SELECT 1 FROM ${this.s}.events WHERE stream = $1 LIMIT 1`, [stream]);
      if (exists.rowCount === 0) return null;
    }
    return r.rows.map(toRow);
  }

  async readAll(fromPosition: number, limit: number, withSeal = false): Promise<ChainRow[]> {
    // Array rows skip building a keyed object per row inside pg: reading and verifying are row-bound.
    // Readers other than verify do not need the seal: not selecting it saves a 64-char field per row.
    const r = await this.pool.query<RawTuple>({
      name: `es_all${withSeal ? '_sealed' : ''}_${this.s}`,
      text: `SELECT ${withSeal ? COLS : COLS_NO_SEAL} FROM ${this.s}.events WHERE position >= $1 ORDER BY position LIMIT $2`,
      values: [fromPosition, limit],
      rowMode: 'array',
    });
    const out = new Array<ChainRow>(r.rows.length);
    for (let i = 0; i < r.rows.length; i++) {
      const t = r.rows[i] as RawTuple;
      out[i] = {
        position: Number(t[0]),
        id: t[1],
        stream: t[2],
        revision: Number(t[3]),
        type: t[4],
        data: t[5],
        metadata: t[6],
        prevHash: t[7],
        hash: t[8],
        seal: withSeal ? t[9] : '',
      };
    }
    return out;
  }

  async head(): Promise<{ position: number; hash: string }> {
    const r = await this.pool.query<{ position: string; hash: string }>(`SELECT position, hash FROM ${this.s}.events ORDER BY position DESC LIMIT 1`);
    const h = r.rows[0];
    return h ? { position: Number(h.position), hash: h.hash } : { position: 0, hash: GENESIS_HASH };
  }

  private listen(): Promise<void> {
    this.listening ??= (async () => {
      const c = await this.pool.connect();
      c.on('notification', () => {
        this.changes++;
        for (const w of this.waiters) w();
        this.waiters.clear();
      });
      c.on('error', () => {
        this.listener = null;
        this.listening = null;
      });
      await c.query(`LISTEN ${this.channel}`);
      this.listener = c;
    })().catch(() => {
      this.listening = null; // fall back to polling; try again next time
    });
    return this.listening;
  }

  async changeMark(): Promise<number> {
    await this.listen();
    return this.changes;
  }

  async waitForChange(seen: number, timeoutMs: number, signal: AbortSignal): Promise<void> {
    await this.listen();
    if (signal.aborted || this.changes !== seen) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const t = setTimeout(done, timeoutMs);
      signal.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
    });
  }

  async close(): Promise<void> {
    for (const w of this.waiters) w();
    if (this.listener) {
      this.listener.release();
      this.listener = null;
    }
    await this.pool.end();
  }
}
