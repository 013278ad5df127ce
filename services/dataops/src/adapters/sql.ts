// A minimal SQL client over pg and node:sqlite, so the metadata store is written once. Queries
// use `$1` placeholders (rewritten to `?1` for SQLite). Transactions are serialised per
// client on SQLite (one connection) and take a pooled connection on PostgreSQL.
import type pg from 'pg';
import type { DatabaseSync } from 'node:sqlite';

export type SqlParam = string | number | null | Uint8Array;
export type Row = Record<string, unknown>;

export interface SqlClient {
  readonly dialect: 'pg' | 'sqlite';
  query<T extends Row = Row>(sql: string, params?: readonly SqlParam[]): Promise<T[]>;
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  tx<T>(fn: (c: SqlClient) => Promise<T>): Promise<T>;
}

export function pgClient(pool: pg.Pool): SqlClient {
  const on = (c: pg.Pool | pg.PoolClient): SqlClient => ({
    dialect: 'pg',
    async query<T extends Row>(sql: string, params: readonly SqlParam[] = []) {
      return (await c.query(sql, params as unknown[])).rows as T[];
    },
    async tx<T>(fn: (c: SqlClient) => Promise<T>): Promise<T> {
      const conn = await pool.connect();
      try {
        await conn.query('BEGIN');
        const out = await fn(on(conn));
        await conn.query('COMMIT');
        return out;
      } catch (e) {
        await conn.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        conn.release();
      }
    },
  });
  return on(pool);
}

/** Serialises async sections (SQLite has one connection: interleaved transactions would merge). */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn);
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

export function sqliteClient(db: DatabaseSync, mutex = new Mutex()): SqlClient {
  const cache = new Map<string, ReturnType<DatabaseSync['prepare']>>();
  const prep = (sql: string) => {
    let st = cache.get(sql);
    if (st === undefined) {
      st = db.prepare(sql.replace(/\$(\d+)/g, '?$1'));
      cache.set(sql, st);
    }
    return st;
  };
  const inner: SqlClient = {
    dialect: 'sqlite',
    async query<T extends Row>(sql: string, params: readonly SqlParam[] = []) {
      return prep(sql).all(...(params as SqlParam[])) as T[];
    },
    async tx<T>(fn: (c: SqlClient) => Promise<T>): Promise<T> {
      return fn(inner); // already inside the outer transaction
    },
  };
  return {
    ...inner,
    tx<T>(fn: (c: SqlClient) => Promise<T>): Promise<T> {
      return mutex.run(async () => {
        db.exec('BEGIN IMMEDIATE');
        try {
          const out = await fn(inner);
          db.exec('COMMIT');
          return out;
        } catch (e) {
          db.exec('ROLLBACK');
          throw e;
        }
      });
    },
  };
}
