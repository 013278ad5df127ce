// Test harness: one factory per adapter, so the same contract suite runs against each.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import {
  MemoryAnchorSink,
  generateLedgerKeyPem,
  ledgerKeyFromPem,
  openPostgresEventStore,
  openSqliteEventStore,
  type CoreOptions,
  type EventStore,
  type NewEvent,
} from '../src/index.ts';

export const PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface Harness {
  name: 'postgres' | 'sqlite';
  /** Opens another store instance on the same database (a second writer/process stand-in). */
  open(options?: Partial<CoreOptions>): Promise<EventStore>;
  /** Runs SQL directly against the database, bypassing the store (tampering). `$1`-style params. */
  sql(query: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  table: string;
  sink: MemoryAnchorSink;
  keyPem: string;
  cleanup(): Promise<void>;
}

export type HarnessFactory = () => Promise<Harness>;

export const postgresHarness: HarnessFactory = async () => {
  const schema = `es_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  try {
    await admin.connect();
  } catch (e) {
    throw new Error(`PostgreSQL is not reachable at ${PG_URL}: these tests need it (start it, see .ci/run)`, { cause: e });
  }
  const { privateKeyPem } = generateLedgerKeyPem();
  const sink = new MemoryAnchorSink();
  const stores: EventStore[] = [];
  return {
    name: 'postgres',
    table: `${schema}.events`,
    sink,
    keyPem: privateKeyPem,
    async open(options = {}) {
      const s = await openPostgresEventStore({ connectionString: PG_URL, schema, ledgerKey: ledgerKeyFromPem(privateKeyPem), anchorSink: sink, ...options });
      stores.push(s);
      return s;
    },
    async sql(query, params = []) {
      return (await admin.query(query, params)).rows as Record<string, unknown>[];
    },
    async cleanup() {
      for (const s of stores) await s.close().catch(() => undefined);
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    },
  };
};

export const sqliteHarness: HarnessFactory = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'es-sqlite-'));
  const path = join(dir, 'events.db');
  const { privateKeyPem } = generateLedgerKeyPem();
  const sink = new MemoryAnchorSink();
  const stores: EventStore[] = [];
  let raw: DatabaseSync | null = null;
  return {
    name: 'sqlite',
    table: 'events',
    sink,
    keyPem: privateKeyPem,
    async open(options = {}) {
      const s = await openSqliteEventStore({ path, ledgerKey: ledgerKeyFromPem(privateKeyPem), anchorSink: sink, ...options });
      stores.push(s);
      return s;
    },
    async sql(query, params = []) {
      raw ??= new DatabaseSync(path);
      raw.exec('PRAGMA busy_timeout = 10000');
      const q = query.replace(/\$(\d+)/g, '?');
      const st = raw.prepare(q);
      if (/^\s*select/i.test(q)) return st.all(...(params as never[])) as Record<string, unknown>[];
      st.run(...(params as never[]));
      return [];
    },
    async cleanup() {
      for (const s of stores) await s.close().catch(() => undefined);
      raw?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

let n = 0;
export function ev(type = 'ThingHappened', data: unknown = { n: n++ }, id: string = randomUUID()): NewEvent {
  return {
    id,
    type,
    data,
    metadata: {
      actor: 'alice',
      role: 'engineer',
      correlationId: 'corr-1',
      causationId: null,
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      schemaVersion: 1,
    },
  };
}

export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
