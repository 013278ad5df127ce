// A second anchor sink for a single machine without NATS (`npm start`): a key-value table of its own
// in a separate SQLite file (position → signed anchor), kept away from the event store's database
// and from the anchor file. Triggers refuse updates and deletes through SQL, so the sink is
// append-only like the JetStream stream (deny delete, deny purge); put the file on another volume
// or ship it off the host. Verify compares it with the store and with every other sink.
import { DatabaseSync } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AnchorSink } from './anchors.ts';
import type { Anchor } from './types.ts';

export class SqliteAnchorSink implements AnchorSink {
  readonly path: string;
  readonly name: string;
  readonly #db: DatabaseSync;

  constructor(path: string) {
    this.path = path;
    this.name = `sqlite:${path}`;
    mkdirSync(dirname(path), { recursive: true });
    this.#db = new DatabaseSync(path);
    this.#db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = FULL;
      CREATE TABLE IF NOT EXISTS anchors (position INTEGER PRIMARY KEY, anchor TEXT NOT NULL);
      CREATE TRIGGER IF NOT EXISTS anchors_no_update BEFORE UPDATE ON anchors BEGIN SELECT RAISE(ABORT, 'anchors are append-only'); END;
      CREATE TRIGGER IF NOT EXISTS anchors_no_delete BEFORE DELETE ON anchors BEGIN SELECT RAISE(ABORT, 'anchors are append-only'); END;
    `);
  }

  async write(anchor: Anchor): Promise<void> {
    // One anchor per position: a repeated anchor of the same head (a stop after a timed anchor) is kept once.
    this.#db.prepare('INSERT OR IGNORE INTO anchors (position, anchor) VALUES (?, ?)').run(anchor.position, JSON.stringify(anchor));
  }

  async list(limit?: number): Promise<unknown[]> {
    const rows = this.#db
      .prepare('SELECT anchor FROM (SELECT position, anchor FROM anchors ORDER BY position DESC LIMIT ?) ORDER BY position')
      .all(limit ?? -1) as { anchor: string }[];
    return rows.map((r) => {
      try {
        return JSON.parse(r.anchor) as unknown;
      } catch {
        return r.anchor; // not JSON: verify reports an anchor it cannot read
      }
    });
  }

  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }
}
