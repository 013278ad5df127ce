// Embedded SQLite adapter (the one-command start) on Node's built-in node:sqlite — no native
// build. WAL mode; BEGIN IMMEDIATE takes SQLite's single write lock, which plays the role of
// PostgreSQL's advisory lock: positions commit in order. Other processes may share the file;
// they see new events by polling (in-process appends wake subscribers at once).
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CoreEventStore, type Backend, type CoreOptions, type LockedState } from './core.ts';
import { GENESIS_HASH, type ChainRow } from './ledger.ts';
import type { EventStore } from './types.ts';

export interface SqliteEventStoreOptions extends CoreOptions {
  /** File path, or ":memory:". */
  path: string;
}

export async function openSqliteEventStore(options: SqliteEventStoreOptions): Promise<EventStore & { readonly db: DatabaseSync }> {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new DatabaseSync(options.path);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL'); // durable against process crashes; FULL for power-loss safety
  // No blocking busy wait: it would freeze the event loop while another connection of this same
  // process holds the write lock. write() retries asynchronously instead.
  db.exec('PRAGMA busy_timeout = 0');
  db.exec(`CREATE TABLE IF NOT EXISTS events (
    position  INTEGER PRIMARY KEY,
    id        TEXT    NOT NULL UNIQUE,
    stream    TEXT    NOT NULL,
    revision  INTEGER NOT NULL,
    type      TEXT    NOT NULL,
    data      TEXT    NOT NULL,
    metadata  TEXT    NOT NULL,
    prev_hash TEXT    NOT NULL,
    hash      TEXT    NOT NULL,
    seal      TEXT    NOT NULL,
    UNIQUE (stream, revision)
  ) STRICT`);
  const store = new CoreEventStore(new SqliteBackend(db), options) as CoreEventStore & { db: DatabaseSync };
  Object.defineProperty(store, 'db', { value: db });
  return store;
}

interface RawRow {
  position: number;
  id: string;
  stream: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  prev_hash: string;
  hash: string;
  seal: string;
}
const BUSY_TIMEOUT_MS = 30_000;
const COLS = 'position, id, stream, revision, type, data, metadata, prev_hash, hash, seal';
const toRow = (r: RawRow): ChainRow => ({
  position: r.position,
  id: r.id,
  stream: r.stream,
  revision: r.revision,
  type: r.type,
  data: r.data,
  metadata: r.metadata,
  prevHash: r.prev_hash,
  hash: r.hash,
  seal: r.seal,
});

class SqliteBackend implements Backend {
  readonly adapter = 'sqlite';
  private readonly db: DatabaseSync;
  private readonly st: Record<'head' | 'byId' | 'lastRev' | 'insert' | 'fwd' | 'bwd' | 'exists' | 'all', StatementSync>;
  private changes = 0;
  private waiters = new Set<() => void>();

  constructor(db: DatabaseSync) {
    this.db = db;
    this.st = {
      head: db.prepare('SELECT position, hash FROM events ORDER BY position DESC LIMIT 1'),
      byId: db.prepare('SELECT stream, revision, position FROM events WHERE id = ?'),
      lastRev: db.prepare('SELECT revision FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1'),
      insert: db.prepare(`INSERT INTO events (${COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      fwd: db.prepare(`SELECT ${COLS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision ASC LIMIT ?`),
      bwd: db.prepare(`SELECT ${COLS} FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`),
      exists: db.prepare('SELECT 1 AS x FROM events WHERE stream = ? LIMIT 1'),
      all: db.prepare(`SELECT ${COLS} FROM events WHERE position >= ? ORDER BY position LIMIT ?`),
    };
  }

  async write(ids: string[], streams: string[], plan: (state: LockedState) => ChainRow[], beforeCommit?: () => Promise<void>): Promise<void> {
    await this.begin();
    try {
      const head = this.st.head.get() as { position: number; hash: string } | undefined;
      const state: LockedState = { headPosition: head?.position ?? 0, headHash: head?.hash ?? GENESIS_HASH, existing: new Map(), revisions: new Map() };
      for (const id of ids) {
        const r = this.st.byId.get(id) as { stream: string; revision: number; position: number } | undefined;
        if (r) state.existing.set(id, r);
      }
      for (const s of streams) {
        const r = this.st.lastRev.get(s) as { revision: number } | undefined;
        if (r) state.revisions.set(s, r.revision);
      }
      for (const x of plan(state)) this.st.insert.run(x.position, x.id, x.stream, x.revision, x.type, x.data, x.metadata, x.prevHash, x.hash, x.seal);
      if (beforeCommit) await beforeCommit();
      this.db.exec('COMMIT');
    } catch (e) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw e;
    }
    this.changes++;
    for (const w of this.waiters) w();
    this.waiters.clear();
  }

  /** BEGIN IMMEDIATE, retried without blocking the event loop while another writer holds the lock. */
  private async begin(): Promise<void> {
    const deadline = Date.now() + BUSY_TIMEOUT_MS;
    for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
      try {
        this.db.exec('BEGIN IMMEDIATE');
        return;
      } catch (e) {
        const code = (e as { errcode?: number }).errcode;
        if ((code !== 5 && code !== 6) || Date.now() > deadline) throw e; // SQLITE_BUSY / SQLITE_LOCKED
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  async readStream(stream: string, direction: 'forwards' | 'backwards', fromRevision: number | null, limit: number): Promise<ChainRow[] | null> {
    const fwd = direction === 'forwards';
    const rows = (fwd ? this.st.fwd : this.st.bwd).all(stream, fromRevision ?? (fwd ? 0 : Number.MAX_SAFE_INTEGER), limit) as unknown as RawRow[];
    if (rows.length === 0 && this.st.exists.get(stream) === undefined) return null;
    return rows.map(toRow);
  }

  async readAll(fromPosition: number, limit: number): Promise<ChainRow[]> {
    return (this.st.all.all(fromPosition, limit) as unknown as RawRow[]).map(toRow);
  }

  async head(): Promise<{ position: number; hash: string }> {
    const h = this.st.head.get() as { position: number; hash: string } | undefined;
    return h ?? { position: 0, hash: GENESIS_HASH };
  }

  async changeMark(): Promise<number> {
    return this.changes;
  }

  async waitForChange(seen: number, timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted || this.changes !== seen) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const t = setTimeout(done, timeoutMs); // also picks up appends by other processes sharing the file
      signal.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
    });
  }

  async close(): Promise<void> {
    for (const w of this.waiters) w();
    this.db.close();
  }
}
