// Local catalog of registered sources and their tag mappings (node:sqlite), so a restarted
// process resumes the same subscriptions. It holds the source credentials, hence a file readable
// by the service user only; the event store gets the same decisions without secrets.
import { DatabaseSync } from 'node:sqlite';
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TagMapping } from '../../domain/mapping.ts';
import type { SourceSpec } from '../../domain/source.ts';
import type { SourceCatalog } from '../../ports.ts';

export class SqliteSourceCatalog implements SourceCatalog {
  readonly #db: DatabaseSync;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.#db = new DatabaseSync(path);
    if (path !== ':memory:') chmodSync(path, 0o600);
    this.#db.exec('PRAGMA journal_mode = WAL');
    this.#db.exec('CREATE TABLE IF NOT EXISTS sources (source_id TEXT PRIMARY KEY, spec TEXT NOT NULL) STRICT');
    this.#db.exec(`CREATE TABLE IF NOT EXISTS mappings (
      source_id TEXT NOT NULL, address TEXT NOT NULL, mapping TEXT NOT NULL, PRIMARY KEY (source_id, address)
    ) STRICT`);
  }

  sources(): SourceSpec[] {
    return this.#db
      .prepare('SELECT spec FROM sources ORDER BY rowid')
      .all()
      .map((r) => JSON.parse(String(r.spec)) as SourceSpec);
  }

  mappings(sourceId: string): TagMapping[] {
    return this.#db
      .prepare('SELECT mapping FROM mappings WHERE source_id = ? ORDER BY rowid')
      .all(sourceId)
      .map((r) => JSON.parse(String(r.mapping)) as TagMapping);
  }

  saveSource(spec: SourceSpec): void {
    this.#db
      .prepare('INSERT INTO sources (source_id, spec) VALUES (?, ?) ON CONFLICT (source_id) DO UPDATE SET spec = excluded.spec')
      .run(spec.sourceId, JSON.stringify(spec));
  }

  saveMappings(mappings: readonly TagMapping[]): void {
    const stmt = this.#db.prepare(
      'INSERT INTO mappings (source_id, address, mapping) VALUES (?, ?, ?) ON CONFLICT (source_id, address) DO UPDATE SET mapping = excluded.mapping',
    );
    this.#db.exec('BEGIN');
    try {
      for (const m of mappings) stmt.run(m.sourceId, m.address, JSON.stringify(m));
      this.#db.exec('COMMIT');
    } catch (e) {
      this.#db.exec('ROLLBACK');
      throw e;
    }
  }

  close(): void {
    this.#db.close();
  }
}
