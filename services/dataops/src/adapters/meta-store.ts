// Metadata store (catalog, datasets, labels, imports, snapshot registry) over SqlClient: the same
// SQL on PostgreSQL and SQLite. Documents are JSON text; imported tables are stored column by
// column as binary blobs inside the import's transaction (nothing half-imported).
import type { DatasetMetadata, TagMetadata } from '../domain/catalog.ts';
import { emptyColumn, type ColumnData, type ColumnSpec, type Table } from '../domain/table.ts';
import type { OpenQualityIssue } from '../domain/quality-issues.ts';
import type { ImportRecord, MetaStore, SeriesKey, SnapshotRecord, StoredLabel } from '../ports.ts';
import type { SqlClient } from './sql.ts';

export function metaDdl(dialect: 'pg' | 'sqlite'): string[] {
  const blob = dialect === 'pg' ? 'bytea' : 'BLOB';
  const num = dialect === 'pg' ? 'double precision' : 'REAL';
  return [
    `CREATE TABLE IF NOT EXISTS catalog_tags (asset_path text NOT NULL, tag text NOT NULL, doc text NOT NULL, PRIMARY KEY (asset_path, tag))`,
    `CREATE TABLE IF NOT EXISTS catalog_datasets (dataset_id text PRIMARY KEY, doc text NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS labels (label_id text PRIMARY KEY, asset_path text NOT NULL, from_ms ${num} NOT NULL, to_ms ${num} NOT NULL, doc text NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS labels_asset_time ON labels (asset_path, from_ms)`,
    `CREATE TABLE IF NOT EXISTS imports (import_id text PRIMARY KEY, doc text NOT NULL, columns text NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS import_columns (import_id text NOT NULL, position integer NOT NULL, data ${blob} NOT NULL, PRIMARY KEY (import_id, position))`,
    `CREATE TABLE IF NOT EXISTS snapshots (snapshot_id text PRIMARY KEY, content_hash text NOT NULL, doc text NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS snapshots_hash ON snapshots (content_hash)`,
    // Data-quality read model (see MetaStore.applyQualityIssues): open issues and how far each
    // `quality-<sourceId>` stream was folded. `quality_streams` counted revisions of connectivity's
    // `source-` streams, where issues were written before dataops had streams of its own: dropped,
    // so the new streams are folded from their start (the open issues are kept; a recovered one
    // clears in the new stream).
    `DROP TABLE IF EXISTS quality_streams`,
    `CREATE TABLE IF NOT EXISTS quality_stream_revisions (source_id text PRIMARY KEY, revision ${dialect === 'pg' ? 'bigint' : 'INTEGER'} NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS quality_open_issues (issue_id text PRIMARY KEY, source_id text NOT NULL, doc text NOT NULL)`,
  ];
}

export function encodeColumn(data: ColumnData): Uint8Array {
  if (Array.isArray(data)) return new TextEncoder().encode(JSON.stringify(data));
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

export function decodeColumn(spec: ColumnSpec, bytes: Uint8Array, rows: number): ColumnData {
  const copy = new Uint8Array(bytes); // aligned, owned buffer
  switch (spec.type) {
    case 'float64':
    case 'timestamp':
      return new Float64Array(copy.buffer, 0, rows);
    case 'int32':
      return new Int32Array(copy.buffer, 0, rows);
    case 'bool':
      return copy;
    case 'utf8':
      return JSON.parse(new TextDecoder().decode(copy)) as string[];
    default:
      return emptyColumn(spec.type, rows);
  }
}

const parse = <T>(row: { doc?: unknown }): T => JSON.parse(String(row.doc)) as T;

export function createMetaStore(sql: SqlClient): MetaStore {
  return {
    async upsertTag(tag: TagMetadata) {
      await sql.query(`INSERT INTO catalog_tags (asset_path, tag, doc) VALUES ($1, $2, $3) ON CONFLICT (asset_path, tag) DO UPDATE SET doc = excluded.doc`, [
        tag.assetPath,
        tag.tag,
        JSON.stringify(tag),
      ]);
    },
    async getTag(key: SeriesKey) {
      const [row] = await sql.query('SELECT doc FROM catalog_tags WHERE asset_path = $1 AND tag = $2', [key.assetPath, key.tag]);
      return row === undefined ? null : parse<TagMetadata>(row);
    },
    async listTags() {
      return (await sql.query('SELECT doc FROM catalog_tags ORDER BY asset_path, tag')).map((r) => parse<TagMetadata>(r));
    },
    async upsertDataset(d: DatasetMetadata) {
      await sql.query(`INSERT INTO catalog_datasets (dataset_id, doc) VALUES ($1, $2) ON CONFLICT (dataset_id) DO UPDATE SET doc = excluded.doc`, [
        d.datasetId,
        JSON.stringify(d),
      ]);
    },
    async getDataset(id: string) {
      const [row] = await sql.query('SELECT doc FROM catalog_datasets WHERE dataset_id = $1', [id]);
      return row === undefined ? null : parse<DatasetMetadata>(row);
    },
    async listDatasets() {
      return (await sql.query('SELECT doc FROM catalog_datasets ORDER BY dataset_id')).map((r) => parse<DatasetMetadata>(r));
    },
    async putLabel(label: StoredLabel) {
      const rows = await sql.query(
        `INSERT INTO labels (label_id, asset_path, from_ms, to_ms, doc) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (label_id) DO NOTHING RETURNING label_id`,
        [label.labelId, label.assetPath, label.from, label.to, JSON.stringify(label)],
      );
      return rows.length > 0;
    },
    async listLabels(q = {}) {
      const rows = await sql.query(
        `SELECT doc FROM labels WHERE ($1 = '' OR asset_path = $1) AND to_ms > $2 AND from_ms < $3 ORDER BY asset_path, from_ms, label_id`,
        [q.assetPath ?? '', q.from ?? -8.64e15, q.to ?? 8.64e15],
      );
      return rows.map((r) => parse<StoredLabel>(r));
    },
    async saveImport(record: ImportRecord, table: Table, dataset?: DatasetMetadata) {
      await sql.tx(async (c) => {
        await c.query('INSERT INTO imports (import_id, doc, columns) VALUES ($1, $2, $3)', [
          record.importId,
          JSON.stringify(record),
          JSON.stringify(table.columns),
        ]);
        for (const [i, col] of table.columns.entries()) {
          await c.query('INSERT INTO import_columns (import_id, position, data) VALUES ($1, $2, $3)', [
            record.importId,
            i,
            encodeColumn(table.data[col.name] as ColumnData),
          ]);
        }
        if (dataset !== undefined) {
          await c.query(`INSERT INTO catalog_datasets (dataset_id, doc) VALUES ($1, $2) ON CONFLICT (dataset_id) DO UPDATE SET doc = excluded.doc`, [
            dataset.datasetId,
            JSON.stringify(dataset),
          ]);
        }
      });
    },
    async getImport(id: string) {
      const [row] = await sql.query<{ doc: string; columns: string }>('SELECT doc, columns FROM imports WHERE import_id = $1', [id]);
      if (row === undefined) return null;
      const record = JSON.parse(row.doc) as ImportRecord;
      const columns = JSON.parse(row.columns) as ColumnSpec[];
      const blobs = await sql.query<{ position: number; data: Uint8Array }>(
        'SELECT position, data FROM import_columns WHERE import_id = $1 ORDER BY position',
        [id],
      );
      const data: Record<string, ColumnData> = {};
      for (const b of blobs) {
        const spec = columns[Number(b.position)] as ColumnSpec;
        data[spec.name] = decodeColumn(spec, b.data, record.rowCount);
      }
      return { record, table: { columns, data, rowCount: record.rowCount } };
    },
    async putSnapshot(s: SnapshotRecord) {
      await sql.query(`INSERT INTO snapshots (snapshot_id, content_hash, doc) VALUES ($1, $2, $3) ON CONFLICT (snapshot_id) DO NOTHING`, [
        s.snapshotId,
        s.contentHash,
        JSON.stringify(s),
      ]);
    },
    async getSnapshot(idOrHash: string) {
      const [row] = await sql.query('SELECT doc FROM snapshots WHERE snapshot_id = $1 OR content_hash = $1', [idOrHash]);
      return row === undefined ? null : parse<SnapshotRecord>(row);
    },
    async listSnapshots(q: { datasetId?: string; limit: number }) {
      const rows = await sql.query('SELECT doc FROM snapshots', []);
      return rows
        .map((r) => parse<SnapshotRecord>(r))
        .filter((s) => q.datasetId === undefined || s.datasetId === q.datasetId)
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.snapshotId.localeCompare(a.snapshotId))
        .slice(0, q.limit);
    },
    async watchQualityStream(sourceId: string) {
      await sql.query('INSERT INTO quality_stream_revisions (source_id, revision) VALUES ($1, -1) ON CONFLICT (source_id) DO NOTHING', [sourceId]);
    },
    async applyQualityIssues(sourceId, revision, changes) {
      await sql.tx(async (c) => {
        for (const i of changes.opened) {
          await c.query(
            `INSERT INTO quality_open_issues (issue_id, source_id, doc) VALUES ($1, $2, $3) ON CONFLICT (issue_id) DO UPDATE SET doc = excluded.doc`,
            [i.issueId, i.sourceId, JSON.stringify(i)],
          );
        }
        for (const id of changes.closed) await c.query('DELETE FROM quality_open_issues WHERE issue_id = $1', [id]);
        await c.query(
          `INSERT INTO quality_stream_revisions (source_id, revision) VALUES ($1, $2)
           ON CONFLICT (source_id) DO UPDATE SET revision = CASE WHEN excluded.revision > quality_stream_revisions.revision THEN excluded.revision ELSE quality_stream_revisions.revision END`,
          [sourceId, revision],
        );
      });
    },
    async loadQualityIssues() {
      // First start with a read model (a store written before it existed, or a new one): follow
      // every source the historian has batches from, so issues already in their streams are found.
      const [any] = await sql.query('SELECT source_id FROM quality_stream_revisions LIMIT 1');
      if (any === undefined) {
        for (const r of await sql.query<{ source_id: string }>('SELECT DISTINCT CAST(source_id AS text) AS source_id FROM ingested_batches')) {
          await sql.query('INSERT INTO quality_stream_revisions (source_id, revision) VALUES ($1, -1) ON CONFLICT (source_id) DO NOTHING', [
            String(r.source_id),
          ]);
        }
      }
      const streams = (
        await sql.query<{ source_id: string; revision: unknown }>('SELECT source_id, revision FROM quality_stream_revisions ORDER BY source_id')
      ).map((r) => ({
        sourceId: String(r.source_id),
        revision: Number(r.revision), // bigint comes back as text from pg
      }));
      const issues = (await sql.query('SELECT doc FROM quality_open_issues ORDER BY issue_id')).map((r) => parse<OpenQualityIssue>(r));
      return { streams, issues };
    },
  };
}
