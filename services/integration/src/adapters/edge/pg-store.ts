// The centre's record of what edge sites sent (PostgreSQL): one row per edge record, unique by id
// and by (site, asset, seq), so a replayed or redelivered record is never stored twice.
import pg from 'pg';
import type { Ingested } from '../../domain/edge-sync.ts';
import type { EdgeRecordStore } from '../../features/edge-ingest.ts';

const ident = (s: string): string => {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(s)) throw new Error(`bad PostgreSQL schema name "${s}"`);
  return `"${s}"`;
};

export async function openPgEdgeStore(
  url: string,
  schema: string,
): Promise<
  EdgeRecordStore & {
    count(site: string): Promise<number>;
    distinctSeqs(site: string): Promise<number>;
    rows(site: string): Promise<Ingested[]>;
    close(): Promise<void>;
    drop(): Promise<void>;
  }
> {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const s = ident(schema);
  await pool.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
  await pool.query(`CREATE TABLE IF NOT EXISTS ${s}.edge_records (
    id uuid PRIMARY KEY, site text NOT NULL, asset text NOT NULL, seq bigint NOT NULL, kind text NOT NULL,
    at timestamptz NOT NULL, received_at timestamptz NOT NULL, clock_ahead boolean NOT NULL, data jsonb NOT NULL,
    UNIQUE (site, asset, seq))`);
  return {
    async lastSequences() {
      const r = await pool.query<{ k: string; m: string }>(`SELECT site || '/' || asset AS k, max(seq) AS m FROM ${s}.edge_records GROUP BY 1`);
      return new Map(r.rows.map((row) => [row.k, Number(row.m)]));
    },
    async store(records) {
      if (records.length === 0) return 0;
      const cols = ['id', 'site', 'asset', 'seq', 'kind', 'at', 'received_at', 'clock_ahead', 'data'];
      const values: unknown[] = [];
      const rows = records.map((r, i) => {
        values.push(r.id, r.site, r.asset, r.seq, r.kind, r.at, r.receivedAt, r.clockAhead, JSON.stringify(r.data));
        return `(${cols.map((_, j) => `$${i * cols.length + j + 1}`).join(',')})`;
      });
      const res = await pool.query(`INSERT INTO ${s}.edge_records (${cols.join(',')}) VALUES ${rows.join(',')} ON CONFLICT DO NOTHING`, values);
      return res.rowCount ?? 0;
    },
    async distinctSeqs(site) {
      return Number(
        (await pool.query<{ n: string }>(`SELECT count(DISTINCT (asset, seq)) AS n FROM ${s}.edge_records WHERE site = $1`, [site])).rows[0]?.n ?? 0,
      );
    },
    async count(site) {
      return Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${s}.edge_records WHERE site = $1`, [site])).rows[0]?.n ?? 0);
    },
    async rows(site) {
      const r = await pool.query(
        `SELECT id, site, asset, seq::int AS seq, kind, at, received_at, clock_ahead, data FROM ${s}.edge_records WHERE site = $1 ORDER BY received_at, asset, seq`,
        [site],
      );
      return r.rows.map((x: Record<string, unknown>) => ({
        id: x.id as string,
        site: x.site as string,
        asset: x.asset as string,
        seq: x.seq as number,
        kind: x.kind as Ingested['kind'],
        at: (x.at as Date).toISOString(),
        receivedAt: (x.received_at as Date).toISOString(),
        clockAhead: x.clock_ahead as boolean,
        data: x.data,
      }));
    },
    close: () => pool.end(),
    async drop() {
      await pool.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    },
  };
}
