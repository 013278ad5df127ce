// The projection checkpoint (features/ports.ts ProjectionCheckpoints) in a node:sqlite file, one
// per replica (it is that replica's cache of the store, rebuildable from the store at any time):
// the position and event id it was taken at, one row per recommendation and per mode, the outcome
// counts, and the deployment events. A save writes only what changed, in one transaction, so a
// crash leaves the previous checkpoint or the new one, never a mix. A file written by another
// format version reads as no checkpoint (the projection is then rebuilt from the store).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { ProjectionCheckpoints, ProjectionSnapshot, SnapshotDelta } from '../../features/ports.ts';

/** Bumped when the layout or the meaning of a stored row changes. */
export const CHECKPOINT_FORMAT = 1;

export function sqliteProjectionCheckpoints(path: string): ProjectionCheckpoints {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec(`
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS recommendation (id TEXT PRIMARY KEY, view TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS mode (path TEXT PRIMARY KEY, entry TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS model_event (position INTEGER PRIMARY KEY, event TEXT NOT NULL);
  `);
  const getMeta = db.prepare('SELECT value FROM meta WHERE key = ?');
  const putMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  const putRec = db.prepare('INSERT INTO recommendation (id, view) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET view = excluded.view');
  const putMode = db.prepare('INSERT INTO mode (path, entry) VALUES (?, ?) ON CONFLICT (path) DO UPDATE SET entry = excluded.entry');
  const putModelEvent = db.prepare('INSERT OR REPLACE INTO model_event (position, event) VALUES (?, ?)');
  const meta = (key: string): string | undefined => (getMeta.get(key) as { value: string } | undefined)?.value;

  function clear(): void {
    db.exec('BEGIN');
    try {
      db.exec('DELETE FROM meta; DELETE FROM recommendation; DELETE FROM mode; DELETE FROM model_event;');
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  }

  return {
    load(): ProjectionSnapshot | null {
      if (meta('format') !== String(CHECKPOINT_FORMAT)) return null;
      const position = Number(meta('position') ?? 0);
      if (!Number.isInteger(position) || position <= 0) return null;
      const rows = <T>(sql: string, col: string): T[] => (db.prepare(sql).all() as Record<string, string>[]).map((r) => JSON.parse(r[col]!) as T);
      return {
        position,
        eventId: meta('eventId') || null,
        recommendations: rows('SELECT view FROM recommendation', 'view'),
        modes: (db.prepare('SELECT path, entry FROM mode').all() as { path: string; entry: string }[]).map((r) => [r.path, JSON.parse(r.entry)] as const),
        counts: JSON.parse(meta('counts') ?? '[]'),
        byAsset: JSON.parse(meta('byAsset') ?? '[]'),
        modelEvents: rows('SELECT event FROM model_event ORDER BY position', 'event'),
      };
    },
    save(delta: SnapshotDelta): void {
      db.exec('BEGIN');
      try {
        for (const v of delta.recommendations) putRec.run(v.state.recommendationId, JSON.stringify(v));
        for (const [path, entry] of delta.modes) putMode.run(path, JSON.stringify(entry));
        for (const e of delta.modelEvents) putModelEvent.run(e.position, JSON.stringify(e));
        putMeta.run('counts', JSON.stringify(delta.counts));
        putMeta.run('byAsset', JSON.stringify(delta.byAsset));
        putMeta.run('eventId', delta.eventId ?? '');
        putMeta.run('position', String(delta.position));
        putMeta.run('format', String(CHECKPOINT_FORMAT));
        db.exec('COMMIT');
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
    },
    clear,
    close: () => db.close(),
  };
}
